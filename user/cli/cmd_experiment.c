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
#include "experiment/journal.h"
#include "experiment/query.h"
#include "common/fmt.h"
#include "common/proto.h"
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
		return EXIT_INTERRUPTED;
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
	if (!strcmp((*be)->name, "kernel") && (err = require_pin_access()))
		return datapath_exit(err);
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
	int64_t id;

	if (!exp_query_device_busy(db, db_file, mac, &id))
		return EXIT_OK;
	format_mac(mac, macs);
	return fail(EXIT_CONFLICT, "experiment %lld is running on %s: wait, or `iotrim experiment abort %lld`",
		    (long long)id, macs, (long long)id);
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

/*
 * The start of resume and abort: options, one experiment id, the database
 * and that experiment's status and pid.  Returns EXIT_OK with *db open; a
 * negative value when --help was answered; else an exit code, nothing open.
 */
static int open_experiment(int argc, char **argv, const char *verb, struct xopts *o,
			   sqlite3 **db, int64_t *id, struct exp_state *state)
{
	int first, rc = parse_xopts(argc, argv, o, &first);

	*db = NULL;
	if (rc)
		return rc;
	if (argc - first != 1 || !parse_id(argv[first], id))
		return fail(EXIT_USAGE, "experiment %s takes an experiment id", verb);
	if ((rc = cli_db_open(o->db, db)))
		return rc;
	if (exp_query_state(*db, *id, state)) {
		db_close(*db);
		*db = NULL;
		return fail(EXIT_USAGE, "no experiment %lld (see iotrim experiment list)",
			    (long long)*id);
	}
	return EXIT_OK;
}

/* The run and the backend it acts through; on failure an exit code, the run not loaded. */
static int load_run(sqlite3 *db, int64_t id, struct exp_backend **be, struct exp_run *run)
{
	char err[1024];
	int rc = open_backend(db, be);

	if (rc)
		return rc;
	if (exp_run_load(db, id, run, err, sizeof(err)))
		return fail(EXIT_FAILURE_RUNTIME, "%s", err);
	run->be = *be;
	return EXIT_OK;
}

static int x_resume(int argc, char **argv)
{
	struct xopts o;
	struct exp_run run;
	struct exp_state st;
	char err[1024];
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int64_t id;
	int rc = open_experiment(argc, argv, "resume", &o, &db, &id, &st);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (!strcmp(st.status, "aborted")) {
		db_close(db);
		return fail(EXIT_USAGE, "experiment %lld was aborted (%s): start a new run", (long long)id,
			    st.message);
	}
	if ((rc = load_run(db, id, &be, &run)))
		goto out;
	if (!strcmp(st.status, "done")) {
		if (exp_run_replay(&run, err, sizeof(err)) == 0)
			report(&run, o.json);
		notice("experiment %lld is done already", (long long)id);
		exp_run_free(&run);
		goto out;
	}
	fprintf(stderr, "experiment %lld: resuming (%s)\n", (long long)id, st.status);
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
	struct exp_state st;
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int64_t id;
	int removed, rc = open_experiment(argc, argv, "abort", &o, &db, &id, &st);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = load_run(db, id, &be, &run)))
		goto out;
	if (exp_run_take_over(&run, o.db, st.pid)) {
		rc = fail(EXIT_CONFLICT, "experiment %lld (pid %lld) did not stop", (long long)id,
			  (long long)st.pid);
		exp_run_free(&run);
		goto out;
	}
	removed = exp_run_cleanup(&run);
	if (strcmp(st.status, "done"))
		exp_run_set_status(&run, "aborted", "aborted by the user");
	printf("experiment %lld %s; %d deny entr%s removed\n", (long long)id,
	       strcmp(st.status, "done") ? "aborted" : "was done", removed, removed == 1 ? "y" : "ies");
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
	struct exp_summary *rows;
	size_t n;
	struct json j;
	int first, rc = parse_xopts(argc, argv, &o, &first);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (first != argc)
		return fail(EXIT_USAGE, "experiment list takes no argument");
	if ((rc = cli_db_open(o.db, &db)))
		return rc;
	rc = exp_query_list(db, o.db, &rows, &n);
	db_close(db);
	if (rc)
		return EXIT_FAILURE_RUNTIME;
	if (o.json) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
	} else {
		printf("%-4s  %-17s  %-12s  %-8s  %-11s  %-9s  %5s  %6s  %-20s  %s\n", "ID", "DEVICE", "NAME",
		       "STRATEGY", "STATUS", "PHASE", "DESTS", "TRIALS", "CREATED", "MESSAGE");
	}
	for (size_t i = 0; i < n; i++) {
		const struct exp_summary *r = &rows[i];
		char t[TIME_STRLEN];

		format_wall_time((uint64_t)r->created_ms * 1000000ULL, t);
		if (o.json) {
			json_object_begin(&j, NULL);
			json_u64(&j, "id", (uint64_t)r->id);
			json_string(&j, "device_mac", r->device_mac);
			json_string(&j, "device_name", r->device_name);
			json_string(&j, "strategy", r->strategy);
			json_string(&j, "status", r->status);
			json_string(&j, "phase", r->phase);
			json_string(&j, "created", t);
			json_double(&j, "wall_seconds", r->wall_ms / 1000.0);
			json_string(&j, "message", r->message);
			json_u64(&j, "trials_run", (uint64_t)r->trials_run);
			json_u64(&j, "destinations", (uint64_t)r->destinations);
			json_string(&j, "file", r->file);
			json_object_end(&j);
		} else {
			printf("%-4lld  %-17s  %-12.12s  %-8s  %-11s  %-9s  %5lld  %6lld  %-20.19s  %s\n",
			       (long long)r->id, r->device_mac, r->device_name, r->strategy, r->status,
			       r->phase, (long long)r->destinations, (long long)r->trials_run, t,
			       r->message);
		}
	}
	free(rows);
	if (o.json) {
		json_array_end(&j);
		json_finish(&j);
	}
	return EXIT_OK;
}

static int show_trial(sqlite3 *db, int64_t id, long seq)
{
	struct exp_step *steps;
	size_t n;

	if (exp_query_steps(db, id, seq, &steps, &n))
		return EXIT_FAILURE_RUNTIME;
	for (size_t i = 0; i < n; i++) {
		const struct exp_step *s = &steps[i];

		if (!i)
			printf("trial %ld: %s, blocked [%s], %s\n", seq, seq ? s->phase : "discovery",
			       seq ? s->dest_set : "", seq ? s->state : "done");
		printf("$ %s  # %s, exit %d%s, %lld ms\n%s%s", s->command, s->kind, s->exit_code,
		       s->timed_out ? " (timed out)" : "", (long long)s->ms, s->output,
		       s->output_len && s->output[s->output_len - 1] != '\n' ? "\n" : "");
	}
	exp_steps_free(steps, n);
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
	char err[1024];
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int first, rc = parse_xopts(argc, argv, &o, &first);

	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (argc - first != 1)
		return fail(EXIT_USAGE, "experiment discover takes one experiment file");
	rc = exp_run_from_file(&run, argv[first], err, sizeof(err));
	if (rc)
		return fail(rc == -ENOMEM ? EXIT_FAILURE_RUNTIME : EXIT_USAGE, "%s", err);
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
	if (rc == -EINTR) {
		rc = EXIT_INTERRUPTED;
		goto out;
	}
	if (rc) {
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
