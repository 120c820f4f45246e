// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reading flows, destinations and attribution tables: see queries.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history/dest_facts.h"
#include "history/history.h"
#include "history/queries.h"

struct collect {
	struct flow_rows *out;
	const char *only_mac;
	int err;
};

static void collect_row(void *ctx, const struct flow_row *row)
{
	struct collect *c = ctx;

	if (c->err || (c->only_mac && strcmp(row->device_mac, c->only_mac)))
		return;
	c->err = flow_rows_add(c->out, row);
}

int history_flow_rows(sqlite3 *db, const struct flow_table *live, const char *only_mac,
		      struct flow_rows *out)
{
	struct collect c = { .out = out, .only_mac = only_mac };
	int err = history_rows(db, live, collect_row, &c);

	return err ? err : c.err;
}

/* The same flow and name: device, both addresses, protocol, port. */
static int cmp_flow(const void *pa, const void *pb)
{
	const struct flow_row *a = pa, *b = pb;
	int c = strcmp(a->device_mac, b->device_mac);

	if (!c)
		c = strcmp(a->device_ip, b->device_ip);
	if (!c)
		c = strcmp(a->remote_ip, b->remote_ip);
	if (!c)
		c = (int)a->proto - (int)b->proto;
	if (!c)
		c = (int)a->remote_port - (int)b->remote_port;
	if (!c)
		c = strcmp(a->name, b->name);
	return c;
}

void flow_rows_merge(struct flow_rows *r)
{
	size_t w = 0;

	qsort(r->items, r->len, sizeof(*r->items), cmp_flow);
	for (size_t i = 0; i < r->len; i++) {
		struct flow_row *a = &r->items[i];

		if (w && !cmp_flow(&r->items[w - 1], a)) {
			struct flow_row *m = &r->items[w - 1];

			m->packets_up += a->packets_up;
			m->bytes_up += a->bytes_up;
			m->packets_down += a->packets_down;
			m->bytes_down += a->bytes_down;
			if (a->first_seen_ms < m->first_seen_ms)
				m->first_seen_ms = a->first_seen_ms;
			if (a->last_seen_ms > m->last_seen_ms)
				m->last_seen_ms = a->last_seen_ms;
			continue;
		}
		r->items[w++] = *a;
	}
	r->len = w;
}

int history_destinations(sqlite3 *db, struct flow_rows *rows, const struct geo *geo,
			 const struct providers *prov, struct device_config *conf,
			 const struct local_nets *local, bool address_countries,
			 struct dest_list *out)
{
	struct dest_facts facts;
	int err = dest_group(rows, out);
	bool own_txn;

	if (err)
		return err;
	/* One read transaction: the tables as they were at one moment. */
	own_txn = sqlite3_get_autocommit(db) && sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	err = dest_facts_load(db, &facts);
	for (size_t i = 0; i < out->len && !err; i++) {
		err = dest_describe(out, &out->items[i], geo, prov, conf, local,
				    address_countries);
		if (!err)
			err = dest_facts_describe(&facts, &out->items[i]);
	}
	dest_facts_free(&facts);
	if (own_txn)
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return err ? err : dest_sort(out);
}

static const char *const table_sql[] = {
	[HISTORY_NAMES] =
		"SELECT device_mac, ip, name, source, chain, ttl, answers, first_seen_ms,"
		" last_seen_ms, expires_ms FROM dns_names WHERE ?1 IS NULL OR device_mac = ?1"
		" ORDER BY device_mac, name, ip",
	[HISTORY_DNS_QUERIES] =
		"SELECT device_mac, name, qtype, queries, responses, last_rcode, first_seen_ms,"
		" last_seen_ms FROM dns_queries WHERE ?1 IS NULL OR device_mac = ?1"
		" ORDER BY device_mac, name, qtype",
	[HISTORY_TLS_VERSIONS] =
		"SELECT device_mac, remote_ip, remote_port, version, connections, first_seen_ms,"
		" last_seen_ms FROM tls_versions WHERE ?1 IS NULL OR device_mac = ?1"
		" ORDER BY device_mac, remote_ip, remote_port",
};

int history_table_rows(sqlite3 *db, enum history_table t, const char *only_mac,
		       history_row_fn fn, void *ctx)
{
	struct history_cell cells[HISTORY_MAX_COLUMNS];
	sqlite3_stmt *st;
	int n, rc;

	if (sqlite3_prepare_v2(db, table_sql[t], -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	n = sqlite3_column_count(st);
	if (n > HISTORY_MAX_COLUMNS)
		n = HISTORY_MAX_COLUMNS;
	sqlite3_bind_text(st, 1, only_mac, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < n; c++) {
			struct history_cell *x = &cells[c];

			memset(x, 0, sizeof(*x));
			x->column = sqlite3_column_name(st, c);
			if (sqlite3_column_type(st, c) == SQLITE_INTEGER) {
				x->kind = CELL_INT;
				x->i = sqlite3_column_int64(st, c);
			} else if (sqlite3_column_type(st, c) == SQLITE_NULL) {
				x->kind = CELL_NULL;
			} else {
				x->kind = CELL_TEXT;
				x->text = (const char *)sqlite3_column_text(st, c);
			}
		}
		fn(ctx, cells, n);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

int history_counters(sqlite3 *db, history_counter_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT name, value FROM attribution_counters ORDER BY name",
			       -1, &st, NULL) != SQLITE_OK)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(ctx, (const char *)sqlite3_column_text(st, 0),
		   (uint64_t)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}
