// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim experiment run|list|show|resume|abort`: block-and-validate runs
 * (README "Experiments").
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "history/db.h"
#include "experiment/engine.h"
#include "experiment/exec.h"
#include "common/fmt.h"
#include "common/json.h"
#include "datapath/pin.h"

static const char experiment_usage[] =
	"usage: iotrim experiment run FILE [--json] [--out DIR] [--db FILE]\n"
	"       iotrim experiment list [--json] [--db FILE]\n"
	"       iotrim experiment show ID [--json] [--trial N] [--db FILE]\n"
	"       iotrim experiment resume ID [--json] [--db FILE]\n"
	"       iotrim experiment abort ID [--db FILE]\n"
	"       iotrim experiment discover FILE [--json] [--db FILE]\n"
	"\n"
	"Finds which destinations a device can live without (README \"Experiments\"):\n"
	"discovery (power-cycle, trigger each functionality, note the destinations),\n"
	"a baseline with nothing blocked, trials that block destinations (one at a\n"
	"time, or adaptive groups) and check every functionality, a joint validation\n"
	"of everything found blockable, and a report: Markdown (JSON with --json), a\n"
	"blocklist for `iotrim block import` and an RFC 8520 MUD file.\n"
	"\n"
	"Every step is journaled in the database before it acts; deny entries carry a\n"
	"lease and are scoped to the device.  Ctrl-C stops cleanly (the trial is\n"
	"recorded as aborted, the run's entries removed); `resume` continues a stopped\n"
	"or killed run from its last completed trial; `abort` ends one for good.\n"
	"`discover` only power-cycles, triggers and lists the candidate destinations\n"
	"(blocks nothing, journals nothing).\n"
	"\n"
	"  --json        the report as JSON (destinations, conflicts, trials_run, ...)\n"
	"  --out DIR     where the blocklist and MUD file go (default: the file's directory)\n"
	"  --trial N     show: the commands of trial N and their output (0: discovery)\n"
	"  --db FILE     default $IOTRIM_DB or " IOTRIM_DEFAULT_DB "\n"
	"\n"
	"list shows a run whose process died (kill -9, reboot) as \"dead\": resume it.\n"
	"exit codes: 0 done, 1 failed or aborted (baseline), 2 usage or malformed file,\n"
	"6 the run is going on in another process, 130 interrupted.\n"
	"environment: IOTRIM_EXPERIMENT_BACKEND (kernel, or sim:DIR for tests).\n";

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct xopts {
	bool json;
	const char *out, *db;
	long trial;
};

static int parse_xopts(int argc, char **argv, struct xopts *o, int *first_arg)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'D' },
		{ "trial", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->trial = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = true; break;
		case 'o': o->out = optarg; break;
		case 'D': o->db = optarg; break;
		case 't': {
			unsigned long long n;

			if (!parse_u64(optarg, 0, LONG_MAX, &n))
				return fail(EXIT_USAGE, "--trial takes a trial number, not '%s'", optarg);
			o->trial = (long)n;
			break;
		}
		case 'h': fputs(experiment_usage, stdout); return -1;
		default: fputs(experiment_usage, stderr); return EXIT_USAGE;
		}
	}
	if (!o->db)
		o->db = db_path();
	*first_arg = optind;
	return EXIT_OK;
}

static bool parse_id(const char *s, int64_t *id)
{
	unsigned long long n;

	if (!parse_u64(s, 1, INT64_MAX, &n))
		return false;
	*id = (int64_t)n;
	return true;
}

static void report(struct exp_run *run, bool json)
{
	exp_output_paths(run);
	if (json)
		exp_report_json(run, stdout);
	else
		exp_report_markdown(run, stdout);
	fflush(stdout);
}

static int exit_for(enum exp_result r, struct exp_run *run)
{
	switch (r) {
	case EXP_RESULT_DONE:
		return EXIT_OK;
	case EXP_RESULT_INTERRUPTED:
		notice("experiment %lld interrupted: its deny entries are removed; continue with "
		       "`iotrim experiment resume %lld`", (long long)run->id, (long long)run->id);
		return 130;
	case EXP_RESULT_ABORTED:
		return fail(EXIT_FAILURE_RUNTIME, "experiment %lld aborted: %s", (long long)run->id,
			    run->message);
	default:
		return fail(EXIT_FAILURE_RUNTIME, "experiment %lld failed: %s", (long long)run->id,
			    run->message[0] ? run->message : "see the journal");
	}
}

static int open_backend(sqlite3 *db, struct exp_backend **be)
{
	int err = exp_backend_open(NULL, db, be);

	if (err)
		return fail(EXIT_USAGE, "IOTRIM_EXPERIMENT_BACKEND must be kernel or sim:DIR");
	if (!strcmp((*be)->name, "kernel") && (err = require_root()))
		return err;
	return EXIT_OK;
}

static int execute(struct exp_run *run, const char *db_file, bool json)
{
	enum exp_result r;

	if (!run->be->can_block) {
		exp_run_set_status(run, "failed", run->be->why_not);
		return fail(EXIT_FAILURE_RUNTIME, "cannot run experiments: %s", run->be->why_not);
	}
	if (!exp_run_lock(run, db_file))
		return fail(EXIT_CONFLICT, "experiment %lld is running in another process",
			    (long long)run->id);
	stop_flag = 0;
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	signal(SIGPIPE, SIG_IGN);
	run->stop = &stop_flag;
	run->progress = stderr;
	run->progress_tty = isatty(2);
	r = exp_run_execute(run);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (r == EXP_RESULT_DONE || r == EXP_RESULT_ABORTED)
		report(run, json);
	return exit_for(r, run);
}

/* One experiment per device at a time: another live run of it is a conflict. */
static int device_busy(sqlite3 *db, const char *db_file, const uint8_t mac[6])
{
	char macs[MAC_STRLEN];
	sqlite3_stmt *st;
	int rc = EXIT_OK;

	format_mac(mac, macs);
	if (sqlite3_prepare_v2(db, "SELECT id FROM experiments WHERE device_mac = ?1"
			       " AND status = 'running'", -1, &st, NULL) != SQLITE_OK)
		return EXIT_OK;
	sqlite3_bind_text(st, 1, macs, -1, SQLITE_STATIC);
	while (rc == EXIT_OK && sqlite3_step(st) == SQLITE_ROW) {
		struct exp_run probe = { .id = sqlite3_column_int64(st, 0), .lock_fd = -1 };

		if (!exp_run_lock(&probe, db_file))
			rc = fail(EXIT_CONFLICT, "experiment %lld is running on %s: wait, or `iotrim experiment abort %lld`",
				  (long long)probe.id, macs, (long long)probe.id);
		else
			close(probe.lock_fd);
	}
	sqlite3_finalize(st);
	return rc;
}

static int x_run(int argc, char **argv)
{
	struct xopts o;
	struct exp_config cfg;
	struct exp_run run;
	char err[1024], *text = NULL, out_dir[PATH_MAX];
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int64_t id;
	int first, rc = parse_xopts(argc, argv, &o, &first);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - first != 1)
		return fail(EXIT_USAGE, "experiment run takes one experiment file");
	if (exp_config_load(argv[first], &cfg, &text, err, sizeof(err)))
		return fail(EXIT_USAGE, "%s", err);
	if (o.out) {
		if (!realpath(o.out, out_dir)) {
			exp_config_free(&cfg);
			free(text);
			return fail(EXIT_USAGE, "--out %s: %s", o.out, strerror(errno));
		}
	} else {
		snprintf(out_dir, sizeof(out_dir), "%s", cfg.dir);
	}
	if ((rc = cli_db_open(o.db, &db)) || (rc = open_backend(db, &be)))
		goto out;
	if (!be->can_block) {
		rc = fail(EXIT_FAILURE_RUNTIME, "cannot run experiments: %s", be->why_not);
		goto out;
	}
	if ((rc = device_busy(db, o.db, cfg.mac)))
		goto out;
	if (exp_journal_create(db, &cfg, text, be->name, out_dir, &id)) {
		rc = fail(EXIT_FAILURE_RUNTIME, "cannot journal the experiment in %s", o.db);
		goto out;
	}
	if (exp_run_load(db, id, &run, err, sizeof(err))) {
		rc = fail(EXIT_FAILURE_RUNTIME, "%s", err);
		goto out;
	}
	run.be = be;
	fprintf(stderr, "experiment %lld: %s, %u functionalit%s, strategy %s, %u repetitions\n",
		(long long)id, run.cfg.device_name[0] ? run.cfg.device_name : argv[first],
		run.cfg.nfuncs, run.cfg.nfuncs == 1 ? "y" : "ies",
		exp_strategy_name(run.cfg.strategy), run.cfg.repetitions);
	rc = execute(&run, o.db, o.json);
	exp_run_free(&run);
out:
	exp_backend_close(be);
	if (db)
		db_close(db);
	exp_config_free(&cfg);
	free(text);
	return rc;
}

static int status_of(sqlite3 *db, int64_t id, char *status, size_t len, char *msg, size_t mlen,
		     int64_t *pid)
{
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT status, coalesce(message, ''), coalesce(pid, 0)"
			       " FROM experiments WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(status, len, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(msg, mlen, "%s", (const char *)sqlite3_column_text(st, 1));
		*pid = sqlite3_column_int64(st, 2);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The start of resume and abort: options, one experiment id, the database
 * and that experiment's status and pid.  Returns EXIT_OK with *db open; a
 * negative value when --help was answered; else an exit code, nothing open.
 */
static int open_experiment(int argc, char **argv, const char *verb, struct xopts *o,
			   sqlite3 **db, int64_t *id, char *status, size_t status_len,
			   char *msg, size_t msg_len, int64_t *pid)
{
	int first, rc = parse_xopts(argc, argv, o, &first);

	*db = NULL;
	if (rc)
		return rc;
	if (argc - first != 1 || !parse_id(argv[first], id))
		return fail(EXIT_USAGE, "experiment %s takes an experiment id", verb);
	if ((rc = cli_db_open(o->db, db)))
		return rc;
	if (status_of(*db, *id, status, status_len, msg, msg_len, pid)) {
		db_close(*db);
		*db = NULL;
		return fail(EXIT_USAGE, "no experiment %lld (see iotrim experiment list)",
			    (long long)*id);
	}
	return EXIT_OK;
}

static int x_resume(int argc, char **argv)
{
	struct xopts o;
	struct exp_run run;
	char err[1024], status[32], msg[512];
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int64_t id, pid;
	int rc = open_experiment(argc, argv, "resume", &o, &db, &id, status, sizeof(status), msg,
				 sizeof(msg), &pid);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (!strcmp(status, "aborted")) {
		db_close(db);
		return fail(EXIT_USAGE, "experiment %lld was aborted (%s): start a new run", (long long)id,
			    msg);
	}
	if ((rc = open_backend(db, &be)))
		goto out;
	if (exp_run_load(db, id, &run, err, sizeof(err))) {
		rc = fail(EXIT_FAILURE_RUNTIME, "%s", err);
		goto out;
	}
	run.be = be;
	if (!strcmp(status, "done")) {
		if (exp_run_replay(&run, err, sizeof(err)) == 0)
			report(&run, o.json);
		notice("experiment %lld is done already", (long long)id);
		exp_run_free(&run);
		goto out;
	}
	fprintf(stderr, "experiment %lld: resuming (%s)\n", (long long)id, status);
	rc = execute(&run, o.db, o.json);
	exp_run_free(&run);
out:
	exp_backend_close(be);
	db_close(db);
	return rc;
}

static int x_abort(int argc, char **argv)
{
	struct xopts o;
	struct exp_run run;
	char err[1024], status[32], msg[512];
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int64_t id, pid;
	int removed, rc = open_experiment(argc, argv, "abort", &o, &db, &id, status, sizeof(status), msg,
				 sizeof(msg), &pid);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = open_backend(db, &be)))
		goto out;
	if (exp_run_load(db, id, &run, err, sizeof(err))) {
		rc = fail(EXIT_FAILURE_RUNTIME, "%s", err);
		goto out;
	}
	run.be = be;
	if (!exp_run_lock(&run, o.db)) {
		/* running elsewhere: ask it to stop (it removes its entries), then wait */
		if (pid > 0)
			kill((pid_t)pid, SIGTERM);
		for (int i = 0; i < 600 && !exp_run_lock(&run, o.db); i++)
			exp_sleep(100, NULL);
		if (run.lock_fd < 0) {
			rc = fail(EXIT_CONFLICT, "experiment %lld (pid %lld) did not stop", (long long)id,
				  (long long)pid);
			exp_run_free(&run);
			goto out;
		}
	}
	removed = exp_run_cleanup(&run);
	if (strcmp(status, "done"))
		exp_run_set_status(&run, "aborted", "aborted by the user");
	printf("experiment %lld %s; %d deny entr%s removed\n", (long long)id,
	       strcmp(status, "done") ? "aborted" : "was done", removed, removed == 1 ? "y" : "ies");
	exp_run_free(&run);
out:
	exp_backend_close(be);
	db_close(db);
	return rc;
}

static int x_list(int argc, char **argv)
{
	struct xopts o;
	sqlite3 *db;
	sqlite3_stmt *st;
	struct json j;
	int first, rc = parse_xopts(argc, argv, &o, &first);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (first != argc)
		return fail(EXIT_USAGE, "experiment list takes no argument");
	if ((rc = cli_db_open(o.db, &db)))
		return rc;
	if (sqlite3_prepare_v2(db,
		"SELECT e.id, e.device_mac, coalesce(e.device_name, ''), e.strategy, e.status,"
		" coalesce(e.phase, ''), e.created_ms, e.wall_ms, coalesce(e.message, ''),"
		" (SELECT count(*) FROM experiment_trials t WHERE t.experiment_id = e.id"
		"  AND t.state = 'done' AND t.phase != 'baseline' AND t.seq > 0),"
		" (SELECT count(*) FROM experiment_destinations d WHERE d.experiment_id = e.id), e.file"
		" FROM experiments e ORDER BY e.id", -1, &st, NULL) != SQLITE_OK) {
		db_close(db);
		return fail(EXIT_FAILURE_RUNTIME, "database: %s", sqlite3_errmsg(db));
	}
	if (o.json) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
	} else {
		printf("%-4s  %-17s  %-12s  %-8s  %-11s  %-9s  %5s  %6s  %-20s  %s\n", "ID", "DEVICE", "NAME",
		       "STRATEGY", "STATUS", "PHASE", "DESTS", "TRIALS", "CREATED", "MESSAGE");
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		char t[TIME_STRLEN], status[32];
		struct exp_run probe = { .id = sqlite3_column_int64(st, 0), .lock_fd = -1 };

		/* "running" in the journal but nobody holds its lock: the process died */
		snprintf(status, sizeof(status), "%s", (const char *)sqlite3_column_text(st, 4));
		if (!strcmp(status, "running") && exp_run_lock(&probe, o.db)) {
			snprintf(status, sizeof(status), "dead");
			close(probe.lock_fd);
		}

		format_wall_time((uint64_t)sqlite3_column_int64(st, 6) * 1000000ULL, t);
		if (o.json) {
			json_object_begin(&j, NULL);
			json_u64(&j, "id", (uint64_t)sqlite3_column_int64(st, 0));
			json_string(&j, "device_mac", (const char *)sqlite3_column_text(st, 1));
			json_string(&j, "device_name", (const char *)sqlite3_column_text(st, 2));
			json_string(&j, "strategy", (const char *)sqlite3_column_text(st, 3));
			json_string(&j, "status", status);
			json_string(&j, "phase", (const char *)sqlite3_column_text(st, 5));
			json_string(&j, "created", t);
			json_double(&j, "wall_seconds", sqlite3_column_int64(st, 7) / 1000.0);
			json_string(&j, "message", (const char *)sqlite3_column_text(st, 8));
			json_u64(&j, "trials_run", (uint64_t)sqlite3_column_int64(st, 9));
			json_u64(&j, "destinations", (uint64_t)sqlite3_column_int64(st, 10));
			json_string(&j, "file", (const char *)sqlite3_column_text(st, 11));
			json_object_end(&j);
		} else {
			printf("%-4lld  %-17s  %-12.12s  %-8s  %-11s  %-9s  %5lld  %6lld  %-20.19s  %s\n",
			       (long long)sqlite3_column_int64(st, 0),
			       (const char *)sqlite3_column_text(st, 1),
			       (const char *)sqlite3_column_text(st, 2),
			       (const char *)sqlite3_column_text(st, 3), status,
			       (const char *)sqlite3_column_text(st, 5),
			       (long long)sqlite3_column_int64(st, 10),
			       (long long)sqlite3_column_int64(st, 9), t,
			       (const char *)sqlite3_column_text(st, 8));
		}
	}
	sqlite3_finalize(st);
	if (o.json) {
		json_array_end(&j);
		json_finish(&j);
	}
	db_close(db);
	return EXIT_OK;
}

static int show_trial(sqlite3 *db, int64_t id, long seq)
{
	sqlite3_stmt *st;
	int n = 0;

	if (sqlite3_prepare_v2(db, "SELECT t.phase, t.dest_set, t.state, t.works, o.kind, o.function,"
				   " o.command, o.exit_code, o.timed_out, o.ms, o.output"
				   " FROM experiment_outputs o LEFT JOIN experiment_trials t"
				   " ON t.experiment_id = o.experiment_id AND t.seq = o.seq"
				   " WHERE o.experiment_id = ?1 AND o.seq = ?2 ORDER BY o.step", -1, &st,
			       NULL) != SQLITE_OK)
		return fail(EXIT_FAILURE_RUNTIME, "database: %s", sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, seq);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!n++)
			printf("trial %ld: %s, blocked [%s], %s\n", seq,
			       seq ? (const char *)sqlite3_column_text(st, 0) : "discovery",
			       seq ? (const char *)sqlite3_column_text(st, 1) : "",
			       seq ? (const char *)sqlite3_column_text(st, 2) : "done");
		printf("$ %s%s%s  # %s, exit %d%s, %lld ms\n%s%s", (const char *)sqlite3_column_text(st, 6),
		       "", "", (const char *)sqlite3_column_text(st, 4), sqlite3_column_int(st, 7),
		       sqlite3_column_int(st, 8) ? " (timed out)" : "",
		       (long long)sqlite3_column_int64(st, 9), (const char *)sqlite3_column_text(st, 10),
		       sqlite3_column_bytes(st, 10) &&
				       ((const char *)sqlite3_column_text(st, 10))[sqlite3_column_bytes(st, 10) - 1] != '\n'
			       ? "\n" : "");
	}
	sqlite3_finalize(st);
	if (!n)
		return fail(EXIT_USAGE, "experiment %lld has no output for trial %ld", (long long)id, seq);
	return EXIT_OK;
}

static int x_show(int argc, char **argv)
{
	struct xopts o;
	struct exp_run run;
	char err[1024];
	sqlite3 *db;
	int64_t id;
	int first, rc = parse_xopts(argc, argv, &o, &first);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - first != 1 || !parse_id(argv[first], &id))
		return fail(EXIT_USAGE, "experiment show takes an experiment id");
	if ((rc = cli_db_open(o.db, &db)))
		return rc;
	if (o.trial >= 0) {
		rc = show_trial(db, id, o.trial);
		db_close(db);
		return rc;
	}
	if (exp_run_load(db, id, &run, err, sizeof(err)) || exp_run_replay(&run, err, sizeof(err))) {
		db_close(db);
		return fail(EXIT_USAGE, "%s", err);
	}
	report(&run, o.json);
	exp_run_free(&run);
	db_close(db);
	return EXIT_OK;
}

static int x_discover(int argc, char **argv)
{
	struct xopts o;
	struct exp_run run;
	char err[1024], *text = NULL;
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int first, rc = parse_xopts(argc, argv, &o, &first);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - first != 1)
		return fail(EXIT_USAGE, "experiment discover takes one experiment file");
	memset(&run, 0, sizeof(run));
	run.lock_fd = -1;
	if (exp_config_load(argv[first], &run.cfg, &text, err, sizeof(err)))
		return fail(EXIT_USAGE, "%s", err);
	run.cfg_text = text;
	run.dests = calloc(EXP_MAX_DESTS, sizeof(*run.dests));
	if (!run.dests) {
		rc = fail(EXIT_FAILURE_RUNTIME, "out of memory");
		goto out;
	}
	if ((rc = cli_db_open(o.db, &db)) || (rc = open_backend(db, &be)))
		goto out;
	run.db = db;
	run.be = be;
	run.no_journal = true;
	stop_flag = 0;
	signal(SIGINT, on_stop);
	signal(SIGTERM, on_stop);
	run.stop = &stop_flag;
	run.progress = stderr;
	rc = exp_run_observe(&run);
	if (rc == 0) {
		rc = 130;
		goto out;
	}
	if (rc < 0) {
		rc = fail(EXIT_FAILURE_RUNTIME, "%s", run.message);
		goto out;
	}
	if (o.json) {
		struct json j;

		json_init(&j, stdout);
		json_array_begin(&j, NULL);
		for (unsigned i = 0; i < run.ndest; i++) {
			const struct exp_dest *d = &run.dests[i];
			char label[EXP_LABEL_MAX], ip[64], proto[PROTO_STRLEN];

			exp_dest_label(d, label);
			exp_addr_format(&d->ips[0], ip, sizeof(ip));
			format_proto(d->proto, proto);
			json_object_begin(&j, NULL);
			json_string(&j, "name", d->name[0] ? d->name : ip);
			json_bool(&j, "is_ip", !d->name[0]);
			json_string(&j, "label", label);
			json_u64(&j, "port", d->port);
			json_string(&j, "proto", proto);
			json_array_begin(&j, "ips");
			for (unsigned k = 0; k < d->nips; k++) {
				exp_addr_format(&d->ips[k], ip, sizeof(ip));
				json_string(&j, NULL, ip);
			}
			json_array_end(&j);
			json_u64(&j, "bytes", d->bytes);
			json_string(&j, "party", d->party[0] ? d->party : NULL);
			json_string(&j, "country", d->country[0] ? d->country : NULL);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_finish(&j);
	} else {
		for (unsigned i = 0; i < run.ndest; i++) {
			char label[EXP_LABEL_MAX];

			exp_dest_label(&run.dests[i], label);
			printf("%s\n", label);
		}
	}
	rc = EXIT_OK;
out:
	exp_run_free(&run);
	exp_backend_close(be);
	if (db)
		db_close(db);
	return rc;
}

int cmd_experiment(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} subs[] = {
		{ "run", x_run }, { "list", x_list }, { "show", x_show },
		{ "resume", x_resume }, { "abort", x_abort }, { "discover", x_discover },
	};

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(experiment_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].fn(argc - 1, argv + 1);
	fputs(experiment_usage, stderr);
	return fail(EXIT_USAGE, "unknown experiment command '%s'", argv[1]);
}
