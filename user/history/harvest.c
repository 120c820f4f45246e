// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The harvest: each changed kernel flow's growth into the history, in one
 * transaction (history.h).  Flows are taken in the store's key order
 * (history/flow_order.h), so that the B-tree pages of flow_state,
 * flow_history and payload_state are each read and written once, in order,
 * instead of at random for every flow of a table in the kernel's hash
 * order (twice the time at 65,536 flows, with the page cache missing most
 * of the time).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/log.h"
#include "datapath/payload.h"
#include "history/flow_order.h"
#include "history/flow_state.h"
#include "history/history.h"
#include "history/names_at.h"
#include "history/payload_store.h"
#include "history/phase.h"
#include "history/windows.h"

/*
 * flow_history: a delta added to its flow and name's row.  An UPDATE first
 * (the row is there after a flow's first harvest, as long as its name stays),
 * an INSERT when it changed nothing: one B-tree search where an upsert does two.
 * INDEXED BY the primary key (SQLite's name for it; prepare fails if it is
 * ever gone): left alone, the planner finds the row through the covering
 * index flow_history_by_remote, then searches the table for it again.
 */
struct history_writer {
	sqlite3_stmt *update, *insert;
};

static int history_writer_open(sqlite3 *db, struct history_writer *w)
{
	if (sqlite3_prepare_v2(db,
		"UPDATE flow_history INDEXED BY sqlite_autoindex_flow_history_1"
		" SET packets_up = packets_up + ?7, bytes_up = bytes_up + ?8,"
		" packets_down = packets_down + ?9, bytes_down = bytes_down + ?10,"
		" first_seen_ms = min(first_seen_ms, ?11), last_seen_ms = max(last_seen_ms, ?12)"
		" WHERE device_mac = ?1 AND device_ip = ?2 AND remote_ip = ?3 AND proto = ?4"
		" AND remote_port = ?5 AND name = ?6", -1, &w->update, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO flow_history (device_mac, device_ip, remote_ip, proto, remote_port, name,"
		" packets_up, bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
		-1, &w->insert, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	return 0;
}

static int history_step(sqlite3_stmt *st, const struct flow_row *row)
{
	int rc;

	sqlite3_bind_text(st, 1, row->device_mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, row->device_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, row->remote_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, row->proto);
	sqlite3_bind_int(st, 5, row->remote_port);
	sqlite3_bind_text(st, 6, row->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (int64_t)row->packets_up);
	sqlite3_bind_int64(st, 8, (int64_t)row->bytes_up);
	sqlite3_bind_int64(st, 9, (int64_t)row->packets_down);
	sqlite3_bind_int64(st, 10, (int64_t)row->bytes_down);
	sqlite3_bind_int64(st, 11, row->first_seen_ms);
	sqlite3_bind_int64(st, 12, row->last_seen_ms);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int history_writer_add(struct history_writer *w, const struct flow_row *row)
{
	int err = history_step(w->update, row);

	if (err || sqlite3_changes(sqlite3_db_handle(w->update)))
		return err;
	return history_step(w->insert, row);
}

static void history_writer_close(struct history_writer *w)
{
	sqlite3_finalize(w->update);
	sqlite3_finalize(w->insert);
}

/* One flow's growth as the row it adds to flow_history and phase_bytes. */
static void delta_row(const struct key_text *t, const struct flow_key *k, const char *name,
		      const struct flow_growth *g, int64_t first_ms, int64_t last_ms,
		      struct flow_row *row)
{
	memset(row, 0, sizeof(*row));
	memcpy(row->device_mac, t->mac, sizeof(t->mac));
	memcpy(row->device_ip, t->device_ip, sizeof(t->device_ip));
	memcpy(row->remote_ip, t->remote_ip, sizeof(t->remote_ip));
	row->name = name;
	row->proto = k->proto;
	row->remote_port = k->remote_port;
	row->packets_up = g->packets_up;
	row->bytes_up = g->bytes_up;
	row->packets_down = g->packets_down;
	row->bytes_down = g->bytes_down;
	row->first_seen_ms = first_ms;
	row->last_seen_ms = last_ms;
}

/* The flow's payload counters, both directions, to the history (history/payload_store.h). */
static int flow_payload(struct payload_writer *w, const struct key_text *t,
			const struct flow_key *k, const struct flow_value *v, const char *boot_id,
			int64_t mark, struct payload_counter *growth)
{
	struct payload_counter both = { 0 };

	payload_add(&both, &v->payload_up);
	payload_add(&both, &v->payload_down);
	return payload_writer_add(w, t->mac, t->device_ip, t->remote_ip, k->proto, k->remote_port,
				  boot_id, v->first_seen_ns, &both, mark, growth);
}
/*
 * The deltas of one harvest, kept until its transaction commits so that a
 * sink never sees growth that a rollback will hand out again.  Compact (the
 * key binary, the text made at delivery): a harvest of every flow of a full
 * table keeps them all.
 */
struct pending_delta {
	struct flow_key key;
	struct flow_growth d;
	struct payload_counter payload;
	int64_t first_ms, last_ms;
	char *name;
};

struct pending_deltas {
	struct pending_delta *items;
	size_t len, cap;
};

static int pending_add(struct pending_deltas *p, const struct flow_key *k, const struct flow_growth *d,
		       const struct payload_counter *payload, const char *name, int64_t first_ms,
		       int64_t last_ms)
{
	struct pending_delta *x;

	if (p->len == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;

		x = realloc(p->items, cap * sizeof(*x));
		if (!x)
			return -ENOMEM;
		p->items = x;
		p->cap = cap;
	}
	x = &p->items[p->len];
	*x = (struct pending_delta){ .key = *k, .d = *d, .payload = *payload,
				     .first_ms = first_ms, .last_ms = last_ms, .name = strdup(name) };
	if (!x->name)
		return -ENOMEM;
	p->len++;
	return 0;
}

static void pending_deliver(struct pending_deltas *p, const struct harvest_sink *sink)
{
	for (size_t i = 0; i < p->len; i++) {
		const struct pending_delta *x = &p->items[i];
		struct harvest_delta out = {
			.key = x->key,
			.name = x->name,
			.packets_up = x->d.packets_up,
			.bytes_up = x->d.bytes_up,
			.packets_down = x->d.packets_down,
			.bytes_down = x->d.bytes_down,
			.restarted = x->d.restarted,
			.payload = x->payload,
			.first_ms = x->first_ms,
			.last_ms = x->last_ms,
		};
		struct key_text t;

		history_key_text(&x->key, &t);
		memcpy(out.device_mac, t.mac, sizeof(t.mac));
		memcpy(out.device_ip, t.device_ip, sizeof(t.device_ip));
		memcpy(out.remote_ip, t.remote_ip, sizeof(t.remote_ip));
		sink->flow(sink->ctx, &out);
	}
}

static void pending_free(struct pending_deltas *p)
{
	for (size_t i = 0; i < p->len; i++)
		free(p->items[i].name);
	free(p->items);
	memset(p, 0, sizeof(*p));
}

/* Where one harvest writes, each open for its transaction. */
struct harvest_writers {
	struct flow_state_io state;
	struct names_reader names;
	struct history_writer history;
	struct phase_writer phases;
	struct payload_writer payload;
	struct window_writer windows;
	struct flow_state_scan scan;	/* flow_state as read first, rows of no flow kept */
	bool rewrite;		/* flow_state written whole this time (flow_state_clear) */
};

static int writers_open(sqlite3 *db, struct harvest_writers *w)
{
	memset(w, 0, sizeof(*w));
	if (flow_state_open(db, &w->state) || names_reader_open(db, &w->names) ||
	    history_writer_open(db, &w->history) || phase_writer_open(db, &w->phases) ||
	    payload_writer_open(db, &w->payload) ||
	    window_writer_open(db, &w->windows, clock_wall_ms()))
		return -EIO;
	return 0;
}

static void writers_close(struct harvest_writers *w)
{
	flow_state_close(&w->state);
	names_reader_close(&w->names);
	history_writer_close(&w->history);
	phase_writer_close(&w->phases);
	payload_writer_close(&w->payload);
	window_writer_close(&w->windows);
	flow_state_scan_close(&w->scan);
}

/* Whether flow g is counted (and its state written); not for a known flow that did not grow. */
static bool counted(const struct flow_growth *g)
{
	return !flow_growth_zero(g) || !g->have_state || g->restarted;
}

/*
 * Every flow's growth since flow_state, in the harvest's order, into
 * growth[]: all read before the first write (flow_state.h).  Sets
 * w->rewrite when at least a third of the flows change and the rows of no
 * flow are few (up to one for 16 flows, kept by the scan: at most ~0.9 MiB at
 * 65,536 flows, within the 32 MiB the controller keeps to): then writing
 * flow_state whole is the cheaper.  0 or -errno.
 */
static int read_growth(sqlite3 *db, struct harvest_writers *w, const struct flow_table *flows,
		       const struct flow_order *order, struct flow_growth *growth)
{
	struct key_text t;
	size_t writes = 0;

	if (flow_state_scan_open(db, &w->scan, flows->len / 16))
		return -EIO;
	for (size_t i = 0; i < flows->len; i++) {
		const struct flow_entry *f = flow_order_entry(order, flows, i);

		flow_order_key_text(order, i, &f->key, &t);
		flow_state_scan_growth(&w->state, &w->scan, &t, &f->key, &f->value, &growth[i]);
		writes += counted(&growth[i]);
	}
	w->rewrite = flow_state_scan_end(&w->scan) && writes && writes * 3 >= flows->len;
	for (size_t i = 0; w->scan.unsure && i < flows->len; i++) {
		const struct flow_entry *f = flow_order_entry(order, flows, i);

		flow_order_key_text(order, i, &f->key, &t);
		if (!growth[i].have_state)
			flow_state_growth(&w->state, &t, &f->key, &f->value, &growth[i]);
	}
	return 0;
}

/* One kernel flow's growth g into the history; 0 (also when it did not grow) or -errno. */
static int harvest_flow(struct harvest_writers *w, const struct key_text *t,
			const struct flow_key *k, const struct flow_value *v,
			const struct flow_growth *g, struct pending_deltas *pending, bool keep,
			struct harvest_result *r)
{
	int64_t last_ms = boot_ns_to_unix_ms(v->last_seen_ns), first_ms, mark;
	struct payload_counter payload_growth;
	char name[FLOW_NAMES_MAX], source[4];
	struct flow_row row;
	int err;

	if (!counted(g))
		return 0;
	r->changed++;
	r->restarted += g->restarted;
	first_ms = g->restarted ? boot_ns_to_unix_ms(v->first_seen_ns) : last_ms;
	/* The delta's bytes were counted up to last_seen: the names valid then. */
	if ((err = names_reader_at(&w->names, t->mac, t->remote_ip, k, last_ms, name, source)))
		return err;
	delta_row(t, k, name, g, first_ms, last_ms, &row);
	if ((err = history_writer_add(&w->history, &row)) ||
	    (err = phase_writer_mark(&w->phases, t->mac, last_ms, &mark)) ||
	    (mark && (err = phase_writer_add(&w->phases, mark, &row))) ||
	    (err = flow_payload(&w->payload, t, k, v, w->state.boot_id, mark, &payload_growth)) ||
	    (err = window_writer_add(&w->windows, t->mac, g->bytes_up, g->bytes_down)) ||
	    (keep && (err = pending_add(pending, k, g, &payload_growth, name, first_ms, last_ms))))
		return err;
	return w->rewrite ? 0 : flow_state_save(&w->state, t, k, v, g);
}

/*
 * flow_state written whole (w->rewrite): every flow's row in key order, in
 * a pass of its own (interleaved with the flow_history writes, each insert
 * took twice as long), then the rows of no flow; 0 or -EIO.
 */
static int rewrite_state(sqlite3 *db, struct harvest_writers *w, const struct flow_table *flows,
			 const struct flow_order *order)
{
	struct key_text t;

	if (flow_state_clear(db))
		return -EIO;
	for (size_t i = 0; i < flows->len; i++) {
		const struct flow_entry *f = flow_order_entry(order, flows, i);

		flow_order_key_text(order, i, &f->key, &t);
		if (flow_state_append(&w->state, &t, &f->key, &f->value))
			return -EIO;
	}
	return flow_state_append_end(&w->state, &w->scan);
}

int history_harvest(sqlite3 *db, const struct flow_table *flows, struct harvest_result *r)
{
	return history_harvest_to(db, flows, NULL, r);
}

int history_harvest_to(sqlite3 *db, const struct flow_table *flows,
		       const struct harvest_sink *sink, struct harvest_result *r)
{
	struct flow_order order = { 0 };
	struct pending_deltas pending = { 0 };
	struct flow_growth *growth = malloc(flows->len * sizeof(*growth) + 1);
	struct harvest_writers w;
	struct key_text t;
	double t0 = clock_mono_s() * 1e3;
	int err;

	memset(r, 0, sizeof(*r));
	r->flows = flows->len;
	if (!growth || (err = flow_order_make(flows, &order))) {
		err = -ENOMEM;
		warn("harvest: %s", strerror(ENOMEM));
		goto out;
	}
	if ((err = writers_open(db, &w)))
		goto close;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		warn("database: cannot start the harvest: %s", sqlite3_errmsg(db));
		err = -EIO;
		goto close;
	}
	if ((err = read_growth(db, &w, flows, &order, growth)))
		goto rollback;
	for (size_t i = 0; i < flows->len; i++) {
		const struct flow_entry *f = flow_order_entry(&order, flows, i);

		flow_order_key_text(&order, i, &f->key, &t);
		if ((err = harvest_flow(&w, &t, &f->key, &f->value, &growth[i], &pending, sink, r)))
			goto rollback;
	}
	if ((w.rewrite && rewrite_state(db, &w, flows, &order)) ||
	    window_writer_finish(db, &w.windows) ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		err = -EIO;
		goto rollback;
	}
	if (sink)
		pending_deliver(&pending, sink);
	goto close;
rollback:
	warn("database: harvest failed: %s", err == -ENOMEM ? strerror(ENOMEM) : sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
close:
	writers_close(&w);
out:
	free(growth);
	flow_order_free(&order);
	pending_free(&pending);
	r->ms = clock_mono_s() * 1e3 - t0;
	return err;
}

int history_harvest_map(sqlite3 *db, int flows_fd, struct harvest_result *r)
{
	return history_harvest_map_to(db, flows_fd, NULL, r);
}

int history_harvest_map_to(sqlite3 *db, int flows_fd, const struct harvest_sink *sink,
			   struct harvest_result *r)
{
	struct flow_table t = { 0 };
	int err;

	memset(r, 0, sizeof(*r));
	err = read_flows(flows_fd, &t);
	if (err) {
		warn("reading the flow table failed: %s", strerror(-err));
		return err;
	}
	err = history_harvest_to(db, &t, sink, r);
	flow_table_free(&t);
	return err;
}
