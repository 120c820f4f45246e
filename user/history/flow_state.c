// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The last harvested counters per kernel flow: see flow_state.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "history/flow_state.h"

/* A row's columns in the order of struct flow_state_row (and of bind_row). */
#define STATE_COLUMNS                                                                    \
	"device_mac, device_ip, remote_ip, proto, remote_port, boot_id, kernel_first_seen_ns," \
	" packets_up, bytes_up, packets_down, bytes_down"
#define FLOW_KEY_MATCH \
	"device_mac = ?1 AND device_ip = ?2 AND remote_ip = ?3 AND proto = ?4 AND remote_port = ?5"

int flow_state_open(sqlite3 *db, struct flow_state_io *s)
{
	memset(s, 0, sizeof(*s));
	history_boot_id(s->boot_id);
	/*
	 * An UPDATE when the read found the row, else an INSERT: one B-tree
	 * search each, where an upsert searches for the conflict and again
	 * for its update.
	 */
	if (sqlite3_prepare_v2(db,
		"SELECT boot_id, kernel_first_seen_ns, packets_up, bytes_up, packets_down, bytes_down"
		" FROM flow_state WHERE " FLOW_KEY_MATCH, -1, &s->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"UPDATE flow_state SET boot_id = ?6, kernel_first_seen_ns = ?7, packets_up = ?8,"
		" bytes_up = ?9, packets_down = ?10, bytes_down = ?11 WHERE " FLOW_KEY_MATCH,
		-1, &s->update, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO flow_state (" STATE_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
		" ?10, ?11)",
		-1, &s->insert, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		flow_state_close(s);
		return -EIO;
	}
	return 0;
}

void flow_state_close(struct flow_state_io *s)
{
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->update);
	sqlite3_finalize(s->insert);
	sqlite3_finalize(s->insert_batch);
	s->get = s->update = s->insert = s->insert_batch = NULL;
}

static void bind_key(sqlite3_stmt *st, const struct key_text *t, const struct flow_key *k)
{
	sqlite3_bind_text(st, 1, t->mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->device_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->remote_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, k->proto);
	sqlite3_bind_int(st, 5, k->remote_port);
}

/* g from the state row of st whose columns from c on are boot_id, kernel_first_seen_ns
 * and the counters (no row: st NULL). */
static void growth_from(sqlite3_stmt *st, int c, const char *boot_id, const struct flow_value *v,
			struct flow_growth *g)
{
	memset(g, 0, sizeof(*g));
	if (st) {
		const char *bid = (const char *)sqlite3_column_text(st, c);
		uint64_t kfs = (uint64_t)sqlite3_column_int64(st, c + 1);
		uint64_t pu = (uint64_t)sqlite3_column_int64(st, c + 2);
		uint64_t bu = (uint64_t)sqlite3_column_int64(st, c + 3);
		uint64_t pd = (uint64_t)sqlite3_column_int64(st, c + 4);
		uint64_t bd = (uint64_t)sqlite3_column_int64(st, c + 5);

		g->have_state = true;
		if (bid && !strcmp(bid, boot_id) && kfs == v->first_seen_ns &&
		    v->up.packets >= pu && v->up.bytes >= bu && v->down.packets >= pd &&
		    v->down.bytes >= bd) {
			g->packets_up = v->up.packets - pu;
			g->bytes_up = v->up.bytes - bu;
			g->packets_down = v->down.packets - pd;
			g->bytes_down = v->down.bytes - bd;
			return;
		}
	}
	g->restarted = true;
	g->packets_up = v->up.packets;
	g->bytes_up = v->up.bytes;
	g->packets_down = v->down.packets;
	g->bytes_down = v->down.bytes;
}

void flow_growth_all(const struct flow_value *v, struct flow_growth *g)
{
	growth_from(NULL, 0, "", v, g);
}

int flow_state_empty(sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM flow_state LIMIT 1", -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return rc == SQLITE_DONE;
}

void flow_state_growth(struct flow_state_io *s, const struct key_text *t,
		       const struct flow_key *k, const struct flow_value *v, struct flow_growth *g)
{
	bind_key(s->get, t, k);
	growth_from(sqlite3_step(s->get) == SQLITE_ROW ? s->get : NULL, 0, s->boot_id, v, g);
	sqlite3_reset(s->get);
}

/* The scan's row against the key (t, proto, port), as the primary key orders them
 * (BINARY text, integers). */
static int compare_row(sqlite3_stmt *st, const struct key_text *t, int proto, int port)
{
	int c, row_proto = sqlite3_column_int(st, 3), row_port = sqlite3_column_int(st, 4);

	if ((c = strcmp((const char *)sqlite3_column_text(st, 0), t->mac)) ||
	    (c = strcmp((const char *)sqlite3_column_text(st, 1), t->device_ip)) ||
	    (c = strcmp((const char *)sqlite3_column_text(st, 2), t->remote_ip)))
		return c;
	if (row_proto != proto)
		return row_proto < proto ? -1 : 1;
	return row_port < port ? -1 : row_port > port;
}

/* t's room for text; false (nothing kept) when it does not fit. */
static bool keep_text(char *t, size_t room, const unsigned char *text)
{
	size_t n = text ? strlen((const char *)text) : room;

	if (n >= room)
		return false;
	memcpy(t, text, n + 1);
	return true;
}

/* The scan's row into c->last; a text too long for it leaves the scan unsure. */
static void keep_row(struct flow_state_scan *c)
{
	if (!keep_text(c->last.mac, sizeof(c->last.mac), sqlite3_column_text(c->st, 0)) ||
	    !keep_text(c->last.device_ip, sizeof(c->last.device_ip), sqlite3_column_text(c->st, 1)) ||
	    !keep_text(c->last.remote_ip, sizeof(c->last.remote_ip), sqlite3_column_text(c->st, 2)))
		c->unsure = true;
	c->last_proto = sqlite3_column_int(c->st, 3);
	c->last_port = sqlite3_column_int(c->st, 4);
}

/* The scan's row, no flow's (c->last holds its key), into c->kept, or c->lost. */
static void keep_other(struct flow_state_scan *c)
{
	struct flow_state_row *r;

	if (c->lost || c->kept_len == c->kept_max) {
		c->lost = true;
		return;
	}
	if (c->kept_len == c->kept_cap) {
		size_t cap = c->kept_cap ? 2 * c->kept_cap : 64;

		cap = cap < c->kept_max ? cap : c->kept_max;
		if (!(r = realloc(c->kept, cap * sizeof(*r)))) {
			c->lost = true;
			return;
		}
		c->kept = r;
		c->kept_cap = cap;
	}
	r = &c->kept[c->kept_len];
	r->t = c->last;
	r->proto = c->last_proto;
	r->port = c->last_port;
	if (!keep_text(r->boot_id, sizeof(r->boot_id), sqlite3_column_text(c->st, 5))) {
		c->lost = true;
		return;
	}
	for (int i = 0; i < 5; i++)
		r->numbers[i] = sqlite3_column_int64(c->st, 6 + i);
	c->kept_len++;
}

/*
 * The next row.  Each row is checked to come after the one before it in
 * our order: while every row does, a flow the merge passed by has no row
 * (the rows before were smaller, the rest are bigger) and needs no search.
 */
static void scan_step(struct flow_state_scan *c)
{
	keep_row(c);
	if (!c->at_match)
		keep_other(c);
	c->at_match = false;
	c->rc = sqlite3_step(c->st);
	if (c->rc == SQLITE_ROW && compare_row(c->st, &c->last, c->last_proto, c->last_port) <= 0)
		c->unsure = true;
}

int flow_state_scan_open(sqlite3 *db, struct flow_state_scan *c, size_t keep)
{
	memset(c, 0, sizeof(*c));
	c->kept_max = keep;
	if (sqlite3_prepare_v2(db,
		"SELECT device_mac, device_ip, remote_ip, proto, remote_port, boot_id,"
		" kernel_first_seen_ns, packets_up, bytes_up, packets_down, bytes_down"
		" FROM flow_state ORDER BY device_mac, device_ip, remote_ip, proto, remote_port",
		-1, &c->st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	c->rc = sqlite3_step(c->st);
	return 0;
}

void flow_state_scan_growth(struct flow_state_io *s, struct flow_state_scan *c,
			    const struct key_text *t, const struct flow_key *k,
			    const struct flow_value *v, struct flow_growth *g)
{
	int order = 1;

	while (c->rc == SQLITE_ROW && (order = compare_row(c->st, t, k->proto, k->remote_port)) < 0)
		scan_step(c);
	if (c->rc != SQLITE_ROW && c->rc != SQLITE_DONE)
		c->unsure = true;	/* the scan failed: what it did not read may be there */
	c->at_match = c->rc == SQLITE_ROW && order == 0;
	if (c->at_match)
		growth_from(c->st, 5, s->boot_id, v, g);
	else if (c->unsure)
		flow_state_growth(s, t, k, v, g);
	else
		growth_from(NULL, 0, s->boot_id, v, g);
}

bool flow_state_scan_end(struct flow_state_scan *c)
{
	bool whole;

	while (c->rc == SQLITE_ROW && !c->unsure)
		scan_step(c);
	whole = c->rc == SQLITE_DONE && !c->lost && !c->unsure;
	sqlite3_finalize(c->st);
	c->st = NULL;
	return whole;
}

void flow_state_scan_close(struct flow_state_scan *c)
{
	sqlite3_finalize(c->st);
	free(c->kept);
	memset(c, 0, sizeof(*c));
}

bool flow_growth_zero(const struct flow_growth *g)
{
	return !g->packets_up && !g->bytes_up && !g->packets_down && !g->bytes_down;
}

/* Row r's values into st from parameter at on (11 of them). */
static void bind_row(sqlite3_stmt *st, int at, const struct flow_state_row *r)
{
	sqlite3_bind_text(st, at, r->t.mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, at + 1, r->t.device_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, at + 2, r->t.remote_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, at + 3, r->proto);
	sqlite3_bind_int(st, at + 4, r->port);
	sqlite3_bind_text(st, at + 5, r->boot_id, -1, SQLITE_STATIC);
	for (int i = 0; i < 5; i++)
		sqlite3_bind_int64(st, at + 6 + i, r->numbers[i]);
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

/* Flow k's row as it is stored now: this boot, v's first_seen and counters. */
static void row_of(const struct flow_state_io *s, const struct key_text *t,
		   const struct flow_key *k, const struct flow_value *v, struct flow_state_row *r)
{
	r->t = *t;
	r->proto = k->proto;
	r->port = k->remote_port;
	memcpy(r->boot_id, s->boot_id, sizeof(r->boot_id));
	r->numbers[0] = (int64_t)v->first_seen_ns;
	r->numbers[1] = (int64_t)v->up.packets;
	r->numbers[2] = (int64_t)v->up.bytes;
	r->numbers[3] = (int64_t)v->down.packets;
	r->numbers[4] = (int64_t)v->down.bytes;
}

int flow_state_save(struct flow_state_io *s, const struct key_text *t, const struct flow_key *k,
		    const struct flow_value *v, const struct flow_growth *g)
{
	sqlite3_stmt *st = g->have_state ? s->update : s->insert;
	struct flow_state_row r;

	row_of(s, t, k, v, &r);
	bind_row(st, 1, &r);
	return step_done(st);
}

int flow_state_clear(sqlite3 *db)
{
	/* Without a WHERE, SQLite empties the B-tree at once, not row by row. */
	if (sqlite3_exec(db, "DELETE FROM flow_state", NULL, NULL, NULL) != SQLITE_OK)
		return -EIO;
	return 0;
}

/* The statement inserting FLOW_STATE_BATCH rows, made at its first use; NULL: -EIO. */
static sqlite3_stmt *insert_batch(struct flow_state_io *s)
{
	char sql[256 + FLOW_STATE_BATCH * 32];
	size_t o;

	if (s->insert_batch)
		return s->insert_batch;
	o = snprintf(sql, sizeof(sql), "INSERT INTO flow_state (" STATE_COLUMNS ") VALUES ");
	for (int i = 0; i < FLOW_STATE_BATCH; i++)
		o += snprintf(sql + o, sizeof(sql) - o, "%s(?,?,?,?,?,?,?,?,?,?,?)", i ? "," : "");
	if (sqlite3_prepare_v2(sqlite3_db_handle(s->insert), sql, -1, &s->insert_batch, NULL))
		return NULL;
	return s->insert_batch;
}

int flow_state_append(struct flow_state_io *s, const struct key_text *t, const struct flow_key *k,
		      const struct flow_value *v)
{
	sqlite3_stmt *st;

	row_of(s, t, k, v, &s->batch[s->batch_len++]);
	if (s->batch_len < FLOW_STATE_BATCH)
		return 0;
	s->batch_len = 0;
	if (!(st = insert_batch(s)))
		return -EIO;
	for (int i = 0; i < FLOW_STATE_BATCH; i++)
		bind_row(st, 1 + 11 * i, &s->batch[i]);
	return step_done(st);
}

int flow_state_append_end(struct flow_state_io *s, const struct flow_state_scan *c)
{
	size_t n = s->batch_len;

	s->batch_len = 0;
	for (size_t i = 0; i < n + c->kept_len; i++) {
		bind_row(s->insert, 1, i < n ? &s->batch[i] : &c->kept[i - n]);
		if (step_done(s->insert))
			return -EIO;
	}
	return 0;
}
