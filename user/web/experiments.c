// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Experiments started and aborted from the dashboard (README "Dashboard").
 *
 * POST /api/experiments takes an experiment file as its body, checks it
 * with the file's own parser (nothing starts from a file that does not
 * parse), journals the run and starts `iotrim experiment resume ID` on it:
 * a process of its own (its own session, so stopping the server leaves it
 * running), with the run lock, the journal and the leased deny entries of
 * any other run.  Its commands run in the database's directory, where its
 * blocklist and MUD file go and its output is appended to
 * DB.experiment-ID.log.
 *
 * DELETE /api/experiments/ID aborts a running one as `iotrim experiment
 * abort` does (exp_run_abort): SIGTERM to its process, which removes its
 * deny entries, then whatever is left by owner.  The server's one thread
 * waits for that (the run kills its current command at once).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json.h"
#include "common/parse.h"
#include "experiment/engine.h"
#include "experiment/journal.h"
#include "experiment/query.h"
#include "history/db.h"
#include "report/json_views.h"
#include "web/api.h"
#include "web/http.h"

extern char **environ;

void web_experiments_reap(struct web_server *s)
{
	size_t kept = 0;

	for (size_t i = 0; i < s->nchildren; i++)
		if (waitpid(s->children[i].pid, NULL, WNOHANG) == 0)
			s->children[kept++] = s->children[i];
	s->nchildren = kept;
}

/* The upload's name (?name=, the browser's file name): messages and output files. */
static void upload_name(const struct web_request *req, char out[64])
{
	const char *v = web_query(req, "name");
	size_t n = 0;

	for (; v && *v && n < 63; v++)
		if (isalnum((unsigned char)*v) || strchr("._-", *v))
			out[n++] = *v;
	out[n] = '\0';
	if (!n || out[0] == '.')
		snprintf(out, 64, "upload.ini");
}

/* Do its trigger, check or power_cycle lines run shell commands? */
static bool runs_commands(const struct exp_config *c)
{
	if (c->power_cycle)
		return true;
	for (unsigned i = 0; i < c->nfuncs; i++)
		if (c->funcs[i].trigger || c->funcs[i].check)
			return true;
	return false;
}

/* 400 with the parser's "NAME:LINE: why" and the line alone. */
static void bad_file(struct web_response *resp, const char *name, const char *why)
{
	size_t n = strlen(name);
	struct json j;

	rewind(resp->out);
	resp->status = 400;
	json_init(&j, resp->out);
	json_object_begin(&j, NULL);
	json_string(&j, "error", why);
	if (!strncmp(why, name, n) && why[n] == ':' && isdigit((unsigned char)why[n + 1]))
		json_u64(&j, "line", strtoull(why + n + 1, NULL, 10));
	json_object_end(&j);
	json_finish(&j);
}

/* `iotrim experiment resume ID --db DB` in a session of its own; 0 or -errno. */
static int spawn_run(const struct web_server *s, int64_t id, pid_t *pid)
{
	char self[PATH_MAX], id_text[24], log[sizeof(s->db) + 48];
	char *argv[] = { self, "experiment", "resume", id_text, "--db", (char *)s->db, NULL };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int err;

	if (n < 0)
		return -errno;
	self[n] = '\0';
	snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
	snprintf(log, sizeof(log), "%s.experiment-%lld.log", s->db, (long long)id);
	/* The server blocks SIGINT and SIGTERM for its sigwait(): the run must get them. */
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGHUP);
	sigaddset(&dflt, SIGPIPE);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	err = posix_spawn(pid, self, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return -err;
}

/* The run as `experiment list --json` shows it, with status. */
static void answer_run(struct web_server *s, sqlite3 *db, int64_t id, unsigned status,
		       struct web_response *resp)
{
	struct exp_summary *rows;
	struct json j;
	size_t n;

	if (exp_query_list(db, s->db, &rows, &n)) {
		web_error(resp, 500, "cannot read the experiments");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (rows[i].id != id)
			continue;
		resp->status = status;
		json_init(&j, resp->out);
		json_exp_summary(&j, &rows[i]);
		json_finish(&j);
	}
	free(rows);
}

/* A run this server started on the device, which may not hold its lock yet. */
static bool child_on(const struct web_server *s, const uint8_t mac[6], int64_t *id)
{
	for (size_t i = 0; i < s->nchildren; i++) {
		if (!memcmp(s->children[i].mac, mac, 6)) {
			*id = s->children[i].id;
			return true;
		}
	}
	return false;
}

/* Journals the run of cfg and starts its process; false after answering why not. */
static bool start_run(struct web_server *s, sqlite3 *db, const struct exp_config *cfg,
		      const char *text, struct web_response *resp, int64_t *id)
{
	struct exp_backend *be = NULL;
	char msg[512];
	int64_t busy;
	pid_t pid;
	bool ok = false;

	if (exp_backend_open(NULL, db, &be)) {
		web_error(resp, 500, "IOTRIM_EXPERIMENT_BACKEND must be kernel or sim:DIR");
	} else if (!be->can_block) {
		snprintf(msg, sizeof(msg), "cannot run experiments: %s", be->why_not);
		web_error(resp, 503, msg);
	} else if (child_on(s, cfg->mac, &busy) || exp_query_device_busy(db, s->db, cfg->mac, &busy)) {
		snprintf(msg, sizeof(msg), "experiment %lld is running on the device", (long long)busy);
		web_error(resp, 409, msg);
	} else if (exp_journal_create(db, cfg, text, be->name, cfg->dir, id)) {
		web_error(resp, 500, "cannot journal the experiment");
	} else if (spawn_run(s, *id, &pid)) {
		exp_journal_status(db, *id, "failed", "the dashboard could not start it", "discovery", 0);
		web_error(resp, 500, "cannot start the experiment's process");
	} else {
		/* The journal names the starter until the run takes over: never signal it. */
		exp_journal_pid(db, *id, pid);
		s->children[s->nchildren] = (struct web_child){ .id = *id, .pid = pid };
		memcpy(s->children[s->nchildren++].mac, cfg->mac, 6);
		/* Answer once the run holds its lock (or its process ended): until then
		 * `experiment list` would call it dead. */
		for (int i = 0; i < 300 && !exp_run_alive(s->db, *id); i++) {
			if (waitpid(pid, NULL, WNOHANG) == pid) {
				s->nchildren--;
				break;
			}
			usleep(10000);
		}
		ok = true;
	}
	exp_backend_close(be);
	return ok;
}

void api_experiment_start(struct web_server *s, const struct web_request *req,
			  struct web_response *resp)
{
	char name[64], copy[sizeof(s->db)], dir[PATH_MAX], err[1024];
	struct exp_config cfg;
	sqlite3 *db;
	int64_t id;

	web_experiments_reap(s);
	upload_name(req, name);
	snprintf(copy, sizeof(copy), "%s", s->db);
	if (strlen(req->body) != req->body_len) {
		web_error(resp, 400, "an experiment file is text: this one holds a NUL byte");
		return;
	}
	if (!realpath(dirname(copy), dir)) {
		web_error(resp, 500, "cannot find the database's directory");
		return;
	}
	if (exp_config_parse_text(req->body, name, dir, &cfg, err, sizeof(err))) {
		bad_file(resp, name, err);
		return;
	}
	if (runs_commands(&cfg) && !s->allow_experiment_commands)
		web_error(resp, 403, "this experiment file runs shell commands, which would run as "
			  "root: start the server with --allow-experiment-commands to accept them");
	else if (s->nchildren == WEB_MAX_CHILDREN)
		web_error(resp, 503, "too many experiments started from here are running");
	else if ((db = web_db(s, resp))) {
		if (start_run(s, db, &cfg, req->body, resp, &id))
			answer_run(s, db, id, 202, resp);
		db_close(db);
	}
	exp_config_free(&cfg);
}

/* Whom to ask to stop: the process this server started, else the journal's (never us). */
static int64_t runner_pid(const struct web_server *s, int64_t id, int64_t journaled)
{
	for (size_t i = 0; i < s->nchildren; i++)
		if (s->children[i].id == id)
			return s->children[i].pid;
	return journaled == (int64_t)getpid() ? 0 : journaled;
}

void api_experiment_abort(struct web_server *s, const struct web_request *req,
			  struct web_response *resp)
{
	struct exp_backend *be = NULL;
	unsigned long long id;
	struct exp_state st;
	struct exp_run run;
	char msg[1024];
	struct json j;
	sqlite3 *db;
	int removed;

	if (!parse_u64(req->rest, 1, INT64_MAX, &id)) {
		web_error(resp, 404, "not an experiment ID");
		return;
	}
	web_experiments_reap(s);
	if (!(db = web_db(s, resp)))
		return;
	if (exp_query_state(db, (int64_t)id, &st)) {
		web_error(resp, 404, "no such experiment");
	} else if (strcmp(st.status, "running")) {
		snprintf(msg, sizeof(msg), "experiment %llu is %s: nothing to abort", id, st.status);
		web_error(resp, 409, msg);
	} else if (exp_backend_open(NULL, db, &be)) {
		web_error(resp, 500, "IOTRIM_EXPERIMENT_BACKEND must be kernel or sim:DIR");
	} else if (exp_run_load(db, (int64_t)id, &run, msg, sizeof(msg))) {
		web_error(resp, 500, msg);
	} else {
		run.be = be;
		removed = exp_run_abort(&run, s->db, runner_pid(s, (int64_t)id, st.pid), false);
		if (removed < 0) {
			web_error(resp, 504, "the experiment's process did not stop within a minute");
		} else {
			json_init(&j, resp->out);
			json_object_begin(&j, NULL);
			json_u64(&j, "id", id);
			json_string(&j, "status", "aborted");
			json_u64(&j, "removed", (uint64_t)removed);
			json_object_end(&j);
			json_finish(&j);
		}
		exp_run_free(&run);
	}
	exp_backend_close(be);
	db_close(db);
	web_experiments_reap(s);
}
