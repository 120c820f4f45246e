// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim experiment run|list|show|resume|abort|discover`: block-and-validate
 * runs (README "Experiments").
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/escape.h"
#include "cli/experiment.h"
#include "history/db.h"
#include "experiment/engine.h"
#include "experiment/journal.h"
#include "experiment/query.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "common/json.h"
#include "datapath/pin.h"

static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
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

static int run_experiment_run(const void *opts, int argc, char **argv)
{
	const struct experiment_opts *o = opts;
	const char *db_name = experiment_db(o);
	struct exp_config cfg;
	struct exp_run run;
	char err[1024], *text = NULL, out_dir[PATH_MAX];
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int64_t id;
	int rc;

	(void)argc;
	if (exp_config_load(argv[0], &cfg, &text, err, sizeof(err)))
		return fail(EXIT_USAGE, "%s", err);
	if (o->out) {
		if (!realpath(o->out, out_dir)) {
			exp_config_free(&cfg);
			free(text);
			return fail(EXIT_USAGE, "--out %s: %s", o->out, strerror(errno));
		}
	} else {
		snprintf(out_dir, sizeof(out_dir), "%s", cfg.dir);
	}
	if ((rc = cli_db_open(db_name, &db)) || (rc = open_backend(db, &be)))
		goto out;
	if (!be->can_block) {
		rc = fail(EXIT_FAILURE_RUNTIME, "cannot run experiments: %s", be->why_not);
		goto out;
	}
	if ((rc = device_busy(db, db_name, cfg.mac)))
		goto out;
	if (exp_journal_create(db, &cfg, text, be->name, out_dir, &id)) {
		rc = fail(EXIT_FAILURE_RUNTIME, "cannot journal the experiment in %s", db_name);
		goto out;
	}
	if (exp_run_load(db, id, &run, err, sizeof(err))) {
		rc = fail(EXIT_FAILURE_RUNTIME, "%s", err);
		goto out;
	}
	run.be = be;
	fprintf(stderr, "experiment %lld: %s, %u functionalit%s, strategy %s, %u repetitions\n",
		(long long)id, run.cfg.device_name[0] ? run.cfg.device_name : argv[0],
		run.cfg.nfuncs, run.cfg.nfuncs == 1 ? "y" : "ies",
		exp_strategy_name(run.cfg.strategy), run.cfg.repetitions);
	rc = execute(&run, db_name, o->json);
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
 * The start of resume and abort: the experiment id, the database and that
 * experiment's status and pid.  Returns EXIT_OK with *db open, else an exit
 * code with nothing open.
 */
static int open_experiment(const char *id_text, const char *verb, const char *db_name,
			   sqlite3 **db, int64_t *id, struct exp_state *state)
{
	int rc;

	*db = NULL;
	if (!parse_id(id_text, id))
		return fail(EXIT_USAGE, "experiment %s takes an experiment id", verb);
	if ((rc = cli_db_open(db_name, db)))
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

static int run_experiment_resume(const void *opts, int argc, char **argv)
{
	const struct experiment_opts *o = opts;
	const char *db_name = experiment_db(o);
	struct exp_run run;
	struct exp_state st;
	char err[1024];
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int64_t id;
	int rc;

	(void)argc;
	if ((rc = open_experiment(argv[0], "resume", db_name, &db, &id, &st)))
		return rc;
	if (!strcmp(st.status, "aborted")) {
		db_close(db);
		return fail(EXIT_USAGE, "experiment %lld was aborted (%s): start a new run", (long long)id,
			    st.message);
	}
	if ((rc = load_run(db, id, &be, &run)))
		goto out;
	if (!strcmp(st.status, "done")) {
		if (exp_run_replay(&run, err, sizeof(err)) == 0)
			report(&run, o->json);
		notice("experiment %lld is done already", (long long)id);
		exp_run_free(&run);
		goto out;
	}
	fprintf(stderr, "experiment %lld: resuming (%s)\n", (long long)id, st.status);
	rc = execute(&run, db_name, o->json);
	exp_run_free(&run);
out:
	exp_backend_close(be);
	db_close(db);
	return rc;
}

static int run_experiment_abort(const void *opts, int argc, char **argv)
{
	const struct experiment_opts *o = opts;
	const char *db_name = experiment_db(o);
	struct exp_run run;
	struct exp_state st;
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int64_t id;
	int removed, rc;

	(void)argc;
	if ((rc = open_experiment(argv[0], "abort", db_name, &db, &id, &st)))
		return rc;
	if ((rc = load_run(db, id, &be, &run)))
		goto out;
	removed = exp_run_abort(&run, db_name, st.pid, !strcmp(st.status, "done"));
	if (removed < 0) {
		rc = fail(EXIT_CONFLICT, "experiment %lld (pid %lld) did not stop", (long long)id,
			  (long long)st.pid);
		exp_run_free(&run);
		goto out;
	}
	printf("experiment %lld %s; %d deny entr%s removed\n", (long long)id,
	       strcmp(st.status, "done") ? "aborted" : "was done", removed, removed == 1 ? "y" : "ies");
	exp_run_free(&run);
out:
	exp_backend_close(be);
	db_close(db);
	return rc;
}

static int show_trial(sqlite3 *db, int64_t id, long seq)
{
	struct exp_step *steps;
	size_t n;

	if (exp_query_steps(db, id, seq, &steps, &n))
		return EXIT_FAILURE_RUNTIME;
	for (size_t i = 0; i < n; i++) {
		const struct exp_step *s = &steps[i];

		if (!i) {
			printf("trial %ld: %s, blocked [", seq, seq ? s->phase : "discovery");
			term_puts(stdout, seq ? s->dest_set : "");
			printf("], %s\n", seq ? s->state : "done");
		}
		printf("$ %s  # %s, exit %d%s, %lld ms\n%s%s", s->command, s->kind, s->exit_code,
		       s->timed_out ? " (timed out)" : "", (long long)s->ms, s->output,
		       s->output_len && s->output[s->output_len - 1] != '\n' ? "\n" : "");
	}
	exp_steps_free(steps, n);
	if (!n)
		return fail(EXIT_USAGE, "experiment %lld has no output for trial %ld", (long long)id, seq);
	return EXIT_OK;
}

static int run_experiment_show(const void *opts, int argc, char **argv)
{
	const struct experiment_opts *o = opts;
	const char *db_name = experiment_db(o);
	struct exp_run run;
	char err[1024];
	sqlite3 *db;
	int64_t id;
	int rc;

	(void)argc;
	if (!parse_id(argv[0], &id))
		return fail(EXIT_USAGE, "experiment show takes an experiment id");
	if ((rc = cli_db_open(db_name, &db)))
		return rc;
	if (o->trial.set) {
		rc = show_trial(db, id, (long)o->trial.value);
		db_close(db);
		return rc;
	}
	if (exp_run_load(db, id, &run, err, sizeof(err)) || exp_run_replay(&run, err, sizeof(err))) {
		db_close(db);
		return fail(EXIT_USAGE, "%s", err);
	}
	report(&run, o->json);
	exp_run_free(&run);
	db_close(db);
	return EXIT_OK;
}

static int run_experiment_discover(const void *opts, int argc, char **argv)
{
	const struct experiment_opts *o = opts;
	const char *db_name = experiment_db(o);
	struct exp_run run;
	char err[1024];
	sqlite3 *db = NULL;
	struct exp_backend *be = NULL;
	int rc;

	(void)argc;
	rc = exp_run_from_file(&run, argv[0], err, sizeof(err));
	if (rc)
		return fail(rc == -ENOMEM ? EXIT_FAILURE_RUNTIME : EXIT_USAGE, "%s", err);
	if ((rc = cli_db_open(db_name, &db)) || (rc = open_backend(db, &be)))
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
	if (o->json) {
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
			term_puts(stdout, label);
			putchar('\n');
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

/* Exactly one positional argument; msg when there are fewer or more. */
#define ONE_ARG(name, msg)                                                                  \
	.args = (name), .min_args = 1, .max_args = 1, .args_missing = (msg), .args_extra = (msg)
#define EXPERIMENT_REPORT_JSON                                                             \
	{ .name = "json", PARAM_FLAG(struct experiment_opts, json),                             \
	  .help = "the report as JSON (destinations, conflicts, trials_run, ...)" }

static const struct command experiment_run_command = {
	.name = "run",
	.doc = "Runs the experiment FILE describes (see iotrim experiment --help).\n",
	.params = (const struct param[]){
		EXPERIMENT_REPORT_JSON,
		{ .name = "out", PARAM_STRING(struct experiment_opts, out), .arg = "DIR",
		  .help = "where the blocklist and MUD file go (default: the file's directory)" },
		EXPERIMENT_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct experiment_opts),
	ONE_ARG("FILE", "experiment run takes one experiment file"),
	.run = run_experiment_run,
};

static const struct command experiment_show_command = {
	.name = "show",
	.doc = "The report of experiment ID, or with --trial the commands of one trial.\n",
	.params = (const struct param[]){
		EXPERIMENT_REPORT_JSON,
		{ .name = "trial", PARAM_U64(struct experiment_opts, trial, 0, LONG_MAX),
		  .expect = "takes a trial number",
		  .help = "the commands of trial N and their output (0: discovery)" },
		EXPERIMENT_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct experiment_opts),
	ONE_ARG("ID", "experiment show takes an experiment id"),
	.run = run_experiment_show,
};

static const struct command experiment_resume_command = {
	.name = "resume",
	.doc = "Continues a stopped or killed run from its last completed trial.\n",
	.params = (const struct param[]){
		EXPERIMENT_REPORT_JSON,
		EXPERIMENT_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct experiment_opts),
	ONE_ARG("ID", "experiment resume takes an experiment id"),
	.run = run_experiment_resume,
};

static const struct command experiment_abort_command = {
	.name = "abort",
	.doc = "Ends a run for good: stops its process and removes its deny entries.\n",
	.params = (const struct param[]){
		EXPERIMENT_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct experiment_opts),
	ONE_ARG("ID", "experiment abort takes an experiment id"),
	.run = run_experiment_abort,
};

static const struct command experiment_discover_command = {
	.name = "discover",
	.doc = "Lists the candidate destinations only (blocks nothing, journals nothing).\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct experiment_opts, json),
		  .help = "an array of objects: name, is_ip, label, port, proto, ips, bytes, "
			  "party, country" },
		EXPERIMENT_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct experiment_opts),
	ONE_ARG("FILE", "experiment discover takes one experiment file"),
	.run = run_experiment_discover,
};

const struct command experiment_command = {
	.name = "experiment",
	.hint = "run FILE",
	.summary = "block-and-validate: which destinations a device can live without "
		   "(also list, show, resume, abort)",
	.doc = "Finds which destinations a device can live without (README \"Experiments\"):\n"
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
	       "environment: IOTRIM_EXPERIMENT_BACKEND (kernel, or sim:DIR for tests).\n",
	.epilogue = "iotrim experiment COMMAND --help shows the options of each command.\n",
	.subcommands = (const struct command *const[]){
		&experiment_run_command, &experiment_list_command, &experiment_show_command,
		&experiment_resume_command, &experiment_abort_command,
		&experiment_discover_command, NULL,
	},
};
