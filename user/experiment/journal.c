// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The experiment journal in SQLite (journal.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fmt.h"
#include "common/log.h"
#include "history/db.h"
#include "experiment/journal.h"

/* Prepares, binds (i: int64, t: text, T: text or NULL) and steps one statement. */
static int sql(sqlite3 *db, const char *q, const char *types, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	va_start(ap, types);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i') {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		} else {
			const char *s = va_arg(ap, const char *);

			if (s)
				sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
			else
				sqlite3_bind_null(st, i + 1);
		}
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

/* A statement on one run's rows: ?1 is the run's id. */
static sqlite3_stmt *prepare_for(sqlite3 *db, int64_t id, const char *q)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	sqlite3_bind_int64(st, 1, id);
	return st;
}

/* ---- the run's row ----------------------------------------------------------- */

int exp_journal_create(sqlite3 *db, const struct exp_config *cfg, const char *cfg_text,
		       const char *backend, const char *out_dir, int64_t *id)
{
	char mac[MAC_STRLEN];
	int64_t t = clock_wall_ms();
	int err;

	format_mac(cfg->mac, mac);
	err = sql(db,
		  "INSERT INTO experiments (file, dir, config, device_mac, device_name, strategy,"
		  " backend, out_dir, status, phase, pid, created_ms, updated_ms)"
		  " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'running', 'discovery', ?9, ?10, ?10)",
		  "ttttTtttii", cfg->path, cfg->dir, cfg_text, mac,
		  cfg->device_name[0] ? cfg->device_name : NULL, exp_strategy_name(cfg->strategy),
		  backend, out_dir, (int64_t)getpid(), t);
	if (err)
		return err;
	*id = sqlite3_last_insert_rowid(db);
	return 0;
}

int exp_journal_head(sqlite3 *db, int64_t id, struct exp_journal_head *h, char *err,
		     size_t errlen)
{
	sqlite3_stmt *st = prepare_for(db, id, "SELECT file, dir, config, out_dir, wall_ms"
					       " FROM experiments WHERE id = ?1");

	memset(h, 0, sizeof(*h));
	if (!st) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -ENOENT;
	}
	snprintf(h->file, sizeof(h->file), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(h->dir, sizeof(h->dir), "%s", (const char *)sqlite3_column_text(st, 1));
	h->config = strdup((const char *)sqlite3_column_text(st, 2));
	snprintf(h->out_dir, sizeof(h->out_dir), "%s", (const char *)sqlite3_column_text(st, 3));
	h->wall_ms = sqlite3_column_int64(st, 4);
	sqlite3_finalize(st);
	return h->config ? 0 : -ENOMEM;
}

void exp_journal_session(sqlite3 *db, int64_t id)
{
	sql(db, "UPDATE experiments SET status = 'running', pid = ?2, message = NULL,"
		" updated_ms = ?3, finished_ms = NULL WHERE id = ?1", "iii", id, (int64_t)getpid(),
	    clock_wall_ms());
}

void exp_journal_pid(sqlite3 *db, int64_t id, int64_t pid)
{
	sql(db, "UPDATE experiments SET pid = ?2, updated_ms = ?3 WHERE id = ?1", "iii", id, pid,
	    clock_wall_ms());
}

void exp_journal_status(sqlite3 *db, int64_t id, const char *status, const char *message,
			const char *phase, int64_t wall_ms)
{
	bool final = strcmp(status, "running") != 0;

	sql(db,
	    "UPDATE experiments SET status = ?2, message = ?3, phase = ?4, updated_ms = ?5,"
	    " wall_ms = ?6, finished_ms = CASE WHEN ?7 THEN ?5 ELSE NULL END,"
	    " pid = CASE WHEN ?7 THEN NULL ELSE pid END WHERE id = ?1",
	    "ittTiii", id, status, message, phase, clock_wall_ms(), wall_ms, (int64_t)final);
}

void exp_journal_phase(sqlite3 *db, int64_t id, enum exp_phase phase, int64_t wall_ms)
{
	sql(db, "UPDATE experiments SET phase = ?2, updated_ms = ?3, wall_ms = ?4 WHERE id = ?1",
	    "itii", id, exp_phase_name(phase), clock_wall_ms(), wall_ms);
}

/* ---- destinations ---------------------------------------------------------------- */

/* The ips column: addresses separated by spaces. */
static void parse_ips(const char *text, struct exp_dest *d)
{
	char buf[2048], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", text);
	d->nips = 0;
	for (char *t = strtok_r(buf, " ", &save); t && d->nips < EXP_MAX_IPS;
	     t = strtok_r(NULL, " ", &save))
		if (exp_addr_parse(t, &d->ips[d->nips]))
			d->nips++;
}

static void format_ips(const struct exp_dest *d, char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (unsigned k = 0; k < d->nips; k++) {
		char ip[64];

		exp_addr_format(&d->ips[k], ip, sizeof(ip));
		o += snprintf(out + o, len - o, "%s%s", k ? " " : "", ip);
	}
}

int exp_journal_dests(sqlite3 *db, int64_t id, struct exp_dest *out, unsigned *n)
{
	sqlite3_stmt *st = prepare_for(db, id,
		"SELECT name, proto, port, ips, bytes, party, country FROM experiment_destinations"
		" WHERE experiment_id = ?1 ORDER BY idx");

	*n = 0;
	if (!st)
		return -EIO;
	while (sqlite3_step(st) == SQLITE_ROW && *n < EXP_MAX_DESTS) {
		struct exp_dest *d = &out[(*n)++];

		memset(d, 0, sizeof(*d));
		snprintf(d->name, sizeof(d->name), "%s", (const char *)sqlite3_column_text(st, 0));
		d->proto = (uint8_t)sqlite3_column_int(st, 1);
		d->port = (uint16_t)sqlite3_column_int(st, 2);
		parse_ips((const char *)sqlite3_column_text(st, 3), d);
		d->bytes = (uint64_t)sqlite3_column_int64(st, 4);
		snprintf(d->party, sizeof(d->party), "%s", (const char *)sqlite3_column_text(st, 5));
		snprintf(d->country, sizeof(d->country), "%s", (const char *)sqlite3_column_text(st, 6));
	}
	sqlite3_finalize(st);
	return 0;
}

int exp_journal_save_dests(sqlite3 *db, int64_t id, const struct exp_dest *dests, unsigned n)
{
	if (db_exec(db, "BEGIN IMMEDIATE"))
		return -EIO;
	for (unsigned i = 0; i < n; i++) {
		const struct exp_dest *d = &dests[i];
		char ips[EXP_MAX_IPS * 48];

		format_ips(d, ips, sizeof(ips));
		sql(db,
		    "INSERT OR REPLACE INTO experiment_destinations (experiment_id, idx, name, proto, port,"
		    " ips, bytes, party, country) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		    "iitiititt", id, (int64_t)i, d->name, (int64_t)d->proto, (int64_t)d->port, ips,
		    (int64_t)d->bytes, d->party, d->country);
	}
	sql(db, "UPDATE experiments SET discovered = 1 WHERE id = ?1", "i", id);
	return db_exec(db, "COMMIT") ? -EIO : 0;
}

bool exp_journal_discovered(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st = prepare_for(db, id, "SELECT discovered FROM experiments WHERE id = ?1");
	bool d;

	if (!st)
		return false;
	d = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return d;
}

/* ---- trials and their deny entries ------------------------------------------------- */

int64_t exp_journal_next_seq(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st = prepare_for(db, id, "SELECT coalesce(max(seq), 0) + 1"
					       " FROM experiment_trials WHERE experiment_id = ?1");
	int64_t seq = 1;

	if (!st)
		return seq;
	if (sqlite3_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return seq;
}

int exp_journal_trial_start(sqlite3 *db, int64_t id, int64_t seq, const struct exp_request *req,
			    unsigned lease_s, int64_t started_ms, const struct exp_rule *rules,
			    int nrules, enum exp_action action)
{
	char setv[EXP_MAX_DESTS * 4 + 8];

	exp_set_format(&req->set, setv, sizeof(setv));
	if (db_exec(db, "BEGIN IMMEDIATE"))
		return -EIO;
	if (sql(db,
		"INSERT INTO experiment_trials (experiment_id, seq, phase, dest_set, fmask, state,"
		" lease_s, started_ms) VALUES (?1, ?2, ?3, ?4, ?5, 'started', ?6, ?7)",
		"iittiii", id, seq, exp_phase_name(req->phase), setv, (int64_t)req->fmask,
		(int64_t)lease_s, started_ms)) {
		db_exec(db, "ROLLBACK");
		return -EIO;
	}
	for (int i = 0; i < nrules; i++) {
		char text[EXP_NAME_MAX + 64];

		exp_rule_format(&rules[i], text, sizeof(text));
		sql(db,
		    "INSERT INTO experiment_rules (experiment_id, seq, no, rule, action, lease_until_ms,"
		    " state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'intent')",
		    "iiitti", id, seq, (int64_t)i, text, exp_action_name(action),
		    started_ms + lease_s * 1000LL);
	}
	return db_exec(db, "COMMIT") ? -EIO : 0;
}

void exp_journal_rule_state(sqlite3 *db, int64_t id, int64_t seq, int no, const char *state,
			    const char *backend_id)
{
	sql(db, "UPDATE experiment_rules SET state = ?4, backend_id = coalesce(?5, backend_id)"
		" WHERE experiment_id = ?1 AND seq = ?2 AND no = ?3", "iiitT", id, seq, (int64_t)no,
	    state, backend_id);
}

void exp_journal_trial_done(sqlite3 *db, int64_t id, int64_t seq, uint32_t works)
{
	sql(db, "UPDATE experiment_trials SET state = 'done', works = ?3, finished_ms = ?4"
		" WHERE experiment_id = ?1 AND seq = ?2", "iiii", id, seq, (int64_t)works,
	    clock_wall_ms());
}

void exp_journal_trial_aborted(sqlite3 *db, int64_t id, int64_t seq)
{
	sql(db, "UPDATE experiment_trials SET state = 'aborted', finished_ms = ?3"
		" WHERE experiment_id = ?1 AND seq = ?2", "iii", id, seq, clock_wall_ms());
}

void exp_journal_each_open_rule(sqlite3 *db, int64_t id,
				void (*fn)(const char *backend_id, void *arg), void *arg)
{
	sqlite3_stmt *st = prepare_for(db, id, "SELECT backend_id FROM experiment_rules"
					       " WHERE experiment_id = ?1 AND state IN ('intent', 'applied')");

	if (!st)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *bid = (const char *)sqlite3_column_text(st, 0);

		if (bid)
			fn(bid, arg);
	}
	sqlite3_finalize(st);
}

void exp_journal_close_open(sqlite3 *db, int64_t id)
{
	sql(db, "UPDATE experiment_rules SET state = 'removed' WHERE experiment_id = ?1"
		" AND state IN ('intent', 'applied')", "i", id);
	sql(db, "UPDATE experiment_trials SET state = 'aborted', finished_ms = ?2"
		" WHERE experiment_id = ?1 AND state = 'started'", "ii", id, clock_wall_ms());
}

int exp_journal_each_trial(sqlite3 *db, int64_t id,
			   int (*fn)(const struct exp_journal_trial *t, void *arg), void *arg,
			   char *err, size_t errlen)
{
	sqlite3_stmt *st = prepare_for(db, id,
		"SELECT seq, phase, dest_set, fmask, works, started_ms, finished_ms"
		" FROM experiment_trials WHERE experiment_id = ?1 AND state = 'done' AND seq > 0"
		" ORDER BY seq");
	int rc = 0;

	if (!st) {
		snprintf(err, errlen, "database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		struct exp_journal_trial t;

		memset(&t, 0, sizeof(t));
		t.seq = sqlite3_column_int64(st, 0);
		t.req.phase = exp_phase_parse((const char *)sqlite3_column_text(st, 1));
		exp_set_parse((const char *)sqlite3_column_text(st, 2), &t.req.set);
		t.req.fmask = (uint32_t)sqlite3_column_int64(st, 3);
		t.works = (uint32_t)sqlite3_column_int64(st, 4);
		t.started_ms = sqlite3_column_int64(st, 5);
		t.finished_ms = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1
									: sqlite3_column_int64(st, 6);
		rc = fn(&t, arg);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- command outputs ------------------------------------------------------------------ */

void exp_journal_output(sqlite3 *db, int64_t id, const struct exp_journal_output *o)
{
	sql(db,
	    "INSERT OR REPLACE INTO experiment_outputs (experiment_id, seq, step, kind, function,"
	    " command, exit_code, timed_out, ms, output) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	    "iiitttiiit", id, o->seq, (int64_t)o->step, o->kind, o->function, o->command,
	    (int64_t)o->exit_code, (int64_t)o->timed_out, o->ms, o->output);
}

void exp_journal_clear_outputs(sqlite3 *db, int64_t id, int64_t seq)
{
	sql(db, "DELETE FROM experiment_outputs WHERE experiment_id = ?1 AND seq = ?2", "ii", id, seq);
}
