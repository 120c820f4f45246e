// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Every flow row, harvested and live (history_rows): see history.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/text_pool.h"
#include "history/flow_order.h"
#include "history/flow_state.h"
#include "history/history.h"
#include "history/names_at.h"
#include "history/rows.h"

/*
 * What a live flow adds: its growth since flow_state and the names valid
 * when it was last counted.  Found for every flow in the store's key order
 * (one merged scan of flow_state, one read of dns_names per device) and
 * kept, so that the rows still go out in the table's order.
 */
struct live_facts {
	struct live_fact {
		struct flow_growth g;
		uint32_t name;		/* offset of the names' text in names */
		char source[4];
	} *items;
	struct text_pool names;	/* the names texts, once while the same come in a row */
};

/* n's text as fact's names, kept once while the same names come in a row; 0 or -ENOMEM. */
static int fact_name(struct live_facts *f, struct live_fact *fact, const char *n, size_t *last)
{
	int64_t at;

	if (*last != SIZE_MAX && !strcmp(f->names.text + *last, n)) {
		fact->name = *last;
		return 0;
	}
	if ((at = text_pool_add(&f->names, n)) < 0)
		return (int)at;
	fact->name = *last = (size_t)at;
	return 0;
}

/*
 * Every live flow's facts, in the store's key order: the growths first,
 * all of flow_state read (flow_state.h), then the names.  0 or -errno
 * after printing why.
 */
static int read_facts(sqlite3 *db, const struct flow_table *live, struct live_facts *f)
{
	struct flow_state_io state = { 0 };
	struct flow_state_scan scan = { 0 };
	struct names_reader names = { 0 };
	struct flow_order order;
	struct key_text t;
	size_t last = SIZE_MAX;
	int err = flow_order_make(live, &order);

	f->items = malloc(live->len * sizeof(*f->items) + 1);
	if (err || !f->items) {
		warn("live flows: %s", strerror(ENOMEM));
		err = -ENOMEM;
		goto out;
	}
	err = -EIO;
	if (flow_state_open(db, &state) || flow_state_scan_open(db, &scan, 0) ||
	    names_reader_open(db, &names))
		goto out;
	for (size_t i = 0; i < live->len; i++) {
		const struct flow_entry *e = flow_order_entry(&order, live, i);

		flow_order_key_text(&order, i, &e->key, &t);
		flow_state_scan_growth(&state, &scan, &t, &e->key, &e->value,
				       &f->items[order.items[i].flow].g);
	}
	flow_state_scan_end(&scan);
	for (size_t i = 0; i < live->len; i++) {
		const struct flow_entry *e = flow_order_entry(&order, live, i);
		struct live_fact *fact = &f->items[order.items[i].flow];
		char name[FLOW_NAMES_MAX];

		flow_order_key_text(&order, i, &e->key, &t);
		if (scan.unsure && !fact->g.have_state)
			flow_state_growth(&state, &t, &e->key, &e->value, &fact->g);
		if (flow_growth_zero(&fact->g))
			continue;
		if ((err = names_reader_at(&names, t.mac, t.remote_ip, &e->key,
					   boot_ns_to_unix_ms(e->value.last_seen_ns), name,
					   fact->source)) ||
		    (err = fact_name(f, fact, name, &last))) {
			if (err == -ENOMEM)
				warn("live flows: %s", strerror(ENOMEM));
			goto out;
		}
	}
	err = 0;
out:
	flow_state_scan_close(&scan);
	flow_state_close(&state);
	names_reader_close(&names);
	flow_order_free(&order);
	return err;
}

/* Live flow k (its texts t) with value v, growth g and names (source) as a row to fn. */
static void live_row(flow_row_fn fn, void *ctx, const struct flow_key *k,
		     const struct key_text *t, const struct flow_value *v,
		     const struct flow_growth *g, const char *names, const char source[4])
{
	struct flow_row row = { 0 };

	memcpy(row.device_mac, t->mac, sizeof(t->mac));
	memcpy(row.device_ip, t->device_ip, sizeof(t->device_ip));
	memcpy(row.remote_ip, t->remote_ip, sizeof(t->remote_ip));
	row.proto = k->proto;
	row.remote_port = k->remote_port;
	row.name = names;
	memcpy(row.name_source, source, sizeof(row.name_source));
	row.packets_up = g->packets_up;
	row.bytes_up = g->bytes_up;
	row.packets_down = g->packets_down;
	row.bytes_down = g->bytes_down;
	row.first_seen_ms = boot_ns_to_unix_ms(v->first_seen_ns);
	row.last_seen_ms = boot_ns_to_unix_ms(v->last_seen_ns);
	row.live = true;
	flow_row_set_address(&row);
	fn(ctx, &row);
}

/* The live flows' growth as rows, in the table's order; 0 or -errno. */
static int live_rows(sqlite3 *db, const struct flow_table *live, flow_row_fn fn, void *ctx)
{
	struct live_facts f = { 0 };
	int err = read_facts(db, live, &f);

	for (size_t i = 0; !err && i < live->len; i++) {
		const struct live_fact *fact = &f.items[i];
		const struct flow_key *k = &live->items[i].key;
		struct key_text t;

		if (flow_growth_zero(&fact->g))
			continue;
		history_key_text(k, &t);
		live_row(fn, ctx, k, &t, &live->items[i].value, &fact->g, f.names.text + fact->name,
			 fact->source);
	}
	free(f.items);
	text_pool_free(&f.names);
	return err;
}

/*
 * The same when flow_state has no row (nothing harvested yet): every
 * flow's growth is all of its counters and there is nothing to merge, so
 * no order is needed (the names reader keeps each device's names).
 */
static int new_live_rows(sqlite3 *db, const struct flow_table *live, flow_row_fn fn, void *ctx)
{
	struct names_reader names;
	int err = names_reader_open(db, &names);

	for (size_t i = 0; !err && i < live->len; i++) {
		const struct flow_key *k = &live->items[i].key;
		const struct flow_value *v = &live->items[i].value;
		char name[FLOW_NAMES_MAX], source[4];
		struct flow_growth g;
		struct key_text t;

		flow_growth_all(v, &g);
		if (flow_growth_zero(&g))
			continue;
		history_key_text(k, &t);
		if (!(err = names_reader_at(&names, t.mac, t.remote_ip, k,
					    boot_ns_to_unix_ms(v->last_seen_ns), name, source)))
			live_row(fn, ctx, k, &t, v, &g, name, source);
	}
	names_reader_close(&names);
	return err;
}

int history_rows(sqlite3 *db, const struct flow_table *live, flow_row_fn fn, void *ctx)
{
	sqlite3_stmt *hist = NULL;
	int err = -EIO, rc;

	/* One read transaction: history and state from the same moment. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (sqlite3_prepare_v2(db,
		"SELECT device_mac, device_ip, remote_ip, proto, remote_port, name, packets_up,"
		" bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms FROM flow_totals",
		-1, &hist, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((rc = sqlite3_step(hist)) == SQLITE_ROW) {
		struct flow_row row;
		char name[FLOW_NAMES_MAX];

		flow_row_from_stmt(hist, &row, name);
		fn(ctx, &row);
	}
	if (rc != SQLITE_DONE) {
		warn("database: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (!live || !live->len)
		err = 0;
	else if ((err = flow_state_empty(db)) >= 0)
		err = err ? new_live_rows(db, live, fn, ctx) : live_rows(db, live, fn, ctx);
out:
	sqlite3_finalize(hist);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return err;
}
