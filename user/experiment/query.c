// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading the experiment journal for the commands (query.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "experiment/engine.h"
#include "experiment/query.h"

static void copy_text(sqlite3_stmt *st, int col, char *out, size_t len)
{
	snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, col));
}

/* A column's text, malloc'd; NULL for SQL NULL (or no memory). */
static char *dup_text(sqlite3_stmt *st, int col)
{
	const char *t = (const char *)sqlite3_column_text(st, col);

	return t ? strdup(t) : NULL;
}

/* Room for one more of n elements of size in *arr (capacity *cap). */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*arr, (*cap ? *cap * 2 : 16) * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = *cap ? *cap * 2 : 16;
	return 0;
}

int exp_query_state(sqlite3 *db, int64_t id, struct exp_state *s)
{
	sqlite3_stmt *st;
	int rc = -ENOENT;

	if (sqlite3_prepare_v2(db, "SELECT status, coalesce(message, ''), coalesce(pid, 0)"
			       " FROM experiments WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		copy_text(st, 0, s->status, sizeof(s->status));
		copy_text(st, 1, s->message, sizeof(s->message));
		s->pid = sqlite3_column_int64(st, 2);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int exp_query_latest(sqlite3 *db, const char *device_mac, int64_t *id)
{
	sqlite3_stmt *st;
	int rc = -ENOENT;

	if (sqlite3_prepare_v2(db, "SELECT max(id) FROM experiments WHERE device_mac = ?1", -1, &st,
			       NULL) != SQLITE_OK) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_text(st, 1, device_mac, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*id = sqlite3_column_int64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int exp_query_device_busy(sqlite3 *db, const char *db_file, const uint8_t mac[6],
			  int64_t *busy_id)
{
	char macs[MAC_STRLEN];
	sqlite3_stmt *st;
	int rc = 0;

	format_mac(mac, macs);
	/* a journal we cannot read holds no conflict */
	if (sqlite3_prepare_v2(db, "SELECT id FROM experiments WHERE device_mac = ?1"
			       " AND status = 'running'", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, macs, -1, SQLITE_STATIC);
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (exp_run_alive(db_file, id)) {
			*busy_id = id;
			rc = -EBUSY;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int exp_query_list(sqlite3 *db, const char *db_file, struct exp_summary **out, size_t *n)
{
	struct exp_summary *rows = NULL;
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db,
		"SELECT e.id, e.device_mac, coalesce(e.device_name, ''), e.strategy, e.status,"
		" coalesce(e.phase, ''), e.created_ms, e.wall_ms, coalesce(e.message, ''),"
		" (SELECT count(*) FROM experiment_trials t WHERE t.experiment_id = e.id"
		"  AND t.state = 'done' AND t.phase != 'baseline' AND t.seq > 0),"
		" (SELECT count(*) FROM experiment_destinations d WHERE d.experiment_id = e.id), e.file"
		" FROM experiments e ORDER BY e.id", -1, &st, NULL) != SQLITE_OK) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct exp_summary *r;

		if (grow((void **)&rows, &cap, *n, sizeof(*rows))) {
			rc = -ENOMEM;
			break;
		}
		r = &rows[(*n)++];
		r->id = sqlite3_column_int64(st, 0);
		copy_text(st, 1, r->device_mac, sizeof(r->device_mac));
		copy_text(st, 2, r->device_name, sizeof(r->device_name));
		copy_text(st, 3, r->strategy, sizeof(r->strategy));
		copy_text(st, 4, r->status, sizeof(r->status));
		copy_text(st, 5, r->phase, sizeof(r->phase));
		r->created_ms = sqlite3_column_int64(st, 6);
		r->wall_ms = sqlite3_column_int64(st, 7);
		copy_text(st, 8, r->message, sizeof(r->message));
		r->trials_run = sqlite3_column_int64(st, 9);
		r->destinations = sqlite3_column_int64(st, 10);
		copy_text(st, 11, r->file, sizeof(r->file));
		/* "running" in the journal but nobody holds its lock: the process died */
		if (!strcmp(r->status, "running") && !exp_run_alive(db_file, r->id))
			snprintf(r->status, sizeof(r->status), "dead");
	}
	sqlite3_finalize(st);
	if (rc) {
		pr_error("out of memory");
		free(rows);
		*n = 0;
		return rc;
	}
	*out = rows;
	return 0;
}

int exp_query_steps(sqlite3 *db, int64_t id, int64_t seq, struct exp_step **out, size_t *n)
{
	struct exp_step *steps = NULL;
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT t.phase, t.dest_set, t.state, o.kind, o.command,"
				   " o.exit_code, o.timed_out, o.ms, o.output"
				   " FROM experiment_outputs o LEFT JOIN experiment_trials t"
				   " ON t.experiment_id = o.experiment_id AND t.seq = o.seq"
				   " WHERE o.experiment_id = ?1 AND o.seq = ?2 ORDER BY o.step", -1, &st,
			       NULL) != SQLITE_OK) {
		pr_error("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, seq);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct exp_step *s;
		const void *output;

		if (grow((void **)&steps, &cap, *n, sizeof(*steps))) {
			rc = -ENOMEM;
			break;
		}
		s = &steps[(*n)++];
		memset(s, 0, sizeof(*s));
		s->phase = dup_text(st, 0);
		s->dest_set = dup_text(st, 1);
		s->state = dup_text(st, 2);
		s->kind = dup_text(st, 3);
		s->command = dup_text(st, 4);
		s->exit_code = sqlite3_column_int(st, 5);
		s->timed_out = sqlite3_column_int(st, 6);
		s->ms = sqlite3_column_int64(st, 7);
		output = sqlite3_column_text(st, 8);
		s->output_len = (size_t)sqlite3_column_bytes(st, 8);
		s->output = malloc(s->output_len + 1);
		if (!s->output || !s->kind || !s->command) {
			rc = -ENOMEM;
			break;
		}
		if (s->output_len)
			memcpy(s->output, output, s->output_len);
		s->output[s->output_len] = '\0';
	}
	sqlite3_finalize(st);
	if (rc) {
		pr_error("out of memory");
		exp_steps_free(steps, *n);
		*n = 0;
		return rc;
	}
	*out = steps;
	return 0;
}

void exp_steps_free(struct exp_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(steps[i].phase);
		free(steps[i].dest_set);
		free(steps[i].state);
		free(steps[i].kind);
		free(steps[i].command);
		free(steps[i].output);
	}
	free(steps);
}
