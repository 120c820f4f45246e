// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Harvesting flow counters into SQLite: see history.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "datapath/payload.h"
#include "datapath/pin.h"
#include "history/history.h"
#include "history/rows.h"
#include "history/payload_store.h"
#include "history/phase.h"
#include "history/windows.h"
#include "iotrim_maps.h"

void history_boot_id(char out[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, 40, f))
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/*
 * Names by time (README "Names by time"): the names valid for a device and
 * an address at t are those answered (or seen in an SNI) at or before t
 * whose TTL + grace had not run out at t.  None: the bytes are the bare
 * address's.  Several: the address was the answer to each of them and the
 * bytes cannot be split, the row is theirs together (a shared row) -
 * unless the device sent some of them as SNI on the flow's port: a TLS
 * connection says which name it is for, so those alone take the row.
 * A tick of slack: an SNI event is stamped just after its packet counted.
 */
#define NAMES_AT_QUERY                                                                  \
	"SELECT name, max(source = 'dns'), max(source = 'sni' AND sni_port = ?4)"       \
	" FROM dns_names WHERE device_mac = ?1 AND ip = ?2 AND first_seen_ms <= ?3 + 2" \
	" AND expires_ms >= ?3 AND name <> '' GROUP BY name ORDER BY name"

static void names_at(sqlite3_stmt *st, const char *mac, const char *ip, int64_t t_ms,
		     int sni_port, char names[FLOW_NAMES_MAX], char source[4])
{
	char sni[FLOW_NAMES_MAX];
	size_t o = 0, so = 0;

	names[0] = source[0] = sni[0] = '\0';
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ip, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, t_ms);
	sqlite3_bind_int(st, 4, sni_port);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *n = (const char *)sqlite3_column_text(st, 0);
		size_t len = strlen(n);

		/* A set too long to keep is cut at a whole name. */
		if (o + len + 2 > FLOW_NAMES_MAX)
			break;
		o += snprintf(names + o, FLOW_NAMES_MAX - o, "%s%s", o ? " " : "", n);
		if (sqlite3_column_int(st, 2))
			so += snprintf(sni + so, FLOW_NAMES_MAX - so, "%s%s", so ? " " : "", n);
		if (!source[0] || sqlite3_column_int(st, 1))
			snprintf(source, 4, "%s", sqlite3_column_int(st, 1) ? "dns" : "sni");
	}
	sqlite3_reset(st);
	if (so && so < o)
		snprintf(names, FLOW_NAMES_MAX, "%s", sni);
}

/* The port an SNI for this flow would have gone to (TCP only); -1: none. */
static int sni_port_of(const struct flow_key *k)
{
	return k->proto == IPPROTO_TCP ? k->remote_port : -1;
}

void history_names_at(sqlite3 *db, const char *mac, const char *ip, const struct flow_key *k,
		      int64_t t_ms, char names[FLOW_NAMES_MAX])
{
	sqlite3_stmt *st;
	char source[4];

	names[0] = '\0';
	if (sqlite3_prepare_v2(db, NAMES_AT_QUERY, -1, &st, NULL) != SQLITE_OK)
		return;
	names_at(st, mac, ip, t_ms, sni_port_of(k), names, source);
	sqlite3_finalize(st);
}

bool history_name_for(sqlite3 *db, const char *mac, const char *ip, char name[DNS_NAME_MAX],
		      char source[4])
{
	sqlite3_stmt *st;
	bool found = false;

	name[0] = source[0] = '\0';
	if (sqlite3_prepare_v2(db,
		"SELECT name, source FROM dns_names WHERE device_mac = ?1 AND ip = ?2"
		" ORDER BY last_seen_ms DESC, source = 'dns' DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ip, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(name, DNS_NAME_MAX, "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(source, 4, "%s", (const char *)sqlite3_column_text(st, 1));
		found = true;
	}
	sqlite3_finalize(st);
	return found;
}

void history_key_text(const struct flow_key *k, struct key_text *t)
{
	format_mac(k->device_mac, t->mac);
	format_ip(k->family, k->device_ip, t->device_ip);
	format_ip(k->family, k->remote_ip, t->remote_ip);
}

static void bind_key(sqlite3_stmt *st, const struct key_text *t, const struct flow_key *k)
{
	sqlite3_bind_text(st, 1, t->mac, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->device_ip, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, t->remote_ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, k->proto);
	sqlite3_bind_int(st, 5, k->remote_port);
}

struct delta {
	uint64_t packets_up, bytes_up, packets_down, bytes_down;
	bool restarted;		/* the kernel counter began again: delta = value */
	bool have_state;
};

/* Growth of one kernel flow since the state row read by sel (key bound). */
static void flow_delta(sqlite3_stmt *sel, const char *boot_id, const struct flow_value *v,
		       struct delta *d)
{
	memset(d, 0, sizeof(*d));
	if (sqlite3_step(sel) == SQLITE_ROW) {
		const char *bid = (const char *)sqlite3_column_text(sel, 0);
		uint64_t kfs = (uint64_t)sqlite3_column_int64(sel, 1);
		uint64_t pu = (uint64_t)sqlite3_column_int64(sel, 2);
		uint64_t bu = (uint64_t)sqlite3_column_int64(sel, 3);
		uint64_t pd = (uint64_t)sqlite3_column_int64(sel, 4);
		uint64_t bd = (uint64_t)sqlite3_column_int64(sel, 5);

		d->have_state = true;
		if (bid && !strcmp(bid, boot_id) && kfs == v->first_seen_ns &&
		    v->up.packets >= pu && v->up.bytes >= bu && v->down.packets >= pd &&
		    v->down.bytes >= bd) {
			d->packets_up = v->up.packets - pu;
			d->bytes_up = v->up.bytes - bu;
			d->packets_down = v->down.packets - pd;
			d->bytes_down = v->down.bytes - bd;
			sqlite3_reset(sel);
			return;
		}
	}
	sqlite3_reset(sel);
	d->restarted = true;
	d->packets_up = v->up.packets;
	d->bytes_up = v->up.bytes;
	d->packets_down = v->down.packets;
	d->bytes_down = v->down.bytes;
}

static bool delta_zero(const struct delta *d)
{
	return !d->packets_up && !d->bytes_up && !d->packets_down && !d->bytes_down;
}

/* The delta of one flow and name to the phase in force (history/phase.h). */
static int phase_delta(struct phase_writer *w, const struct key_text *t, const struct flow_key *k,
		       const char *name, const struct delta *d, int64_t first_ms, int64_t last_ms)
{
	struct flow_row row = { .name = name };

	memcpy(row.device_mac, t->mac, sizeof(t->mac));
	memcpy(row.device_ip, t->device_ip, sizeof(t->device_ip));
	memcpy(row.remote_ip, t->remote_ip, sizeof(t->remote_ip));
	row.proto = k->proto;
	row.remote_port = k->remote_port;
	row.packets_up = d->packets_up;
	row.bytes_up = d->bytes_up;
	row.packets_down = d->packets_down;
	row.bytes_down = d->bytes_down;
	row.first_seen_ms = first_ms;
	row.last_seen_ms = last_ms;
	return phase_writer_add(w, &row);
}

/* The flow's payload counters, both directions, to the history (history/payload_store.h). */
static int flow_payload(struct payload_writer *w, const struct key_text *t,
			const struct flow_key *k, const struct flow_value *v, const char *boot_id,
			int64_t last_ms, struct payload_counter *growth)
{
	struct payload_counter both = { 0 };

	payload_add(&both, &v->payload_up);
	payload_add(&both, &v->payload_down);
	return payload_writer_add(w, t->mac, t->device_ip, t->remote_ip, k->proto, k->remote_port,
				  boot_id, v->first_seen_ns, &both, last_ms, growth);
}

/*
 * The deltas of one harvest, kept until its transaction commits so that a
 * sink never sees growth that a rollback will hand out again.  Compact (the
 * key binary, the text made at delivery): a harvest of every flow of a full
 * table keeps them all.
 */
struct pending_delta {
	struct flow_key key;
	struct delta d;
	struct payload_counter payload;
	int64_t first_ms, last_ms;
	char *name;
};

struct pending_deltas {
	struct pending_delta *items;
	size_t len, cap;
};

static int pending_add(struct pending_deltas *p, const struct flow_key *k, const struct delta *d,
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

#define STATE_SELECT                                                                    \
	"SELECT boot_id, kernel_first_seen_ns, packets_up, bytes_up, packets_down, bytes_down" \
	" FROM flow_state WHERE device_mac = ?1 AND device_ip = ?2 AND remote_ip = ?3"      \
	" AND proto = ?4 AND remote_port = ?5"

int history_harvest(sqlite3 *db, const struct flow_table *flows, struct harvest_result *r)
{
	return history_harvest_to(db, flows, NULL, r);
}

int history_harvest_to(sqlite3 *db, const struct flow_table *flows,
		       const struct harvest_sink *sink, struct harvest_result *r)
{
	sqlite3_stmt *sel = NULL, *up_state = NULL, *up_hist = NULL, *names = NULL;
	struct pending_deltas pending = { 0 };
	struct phase_writer phases = { 0 };
	struct payload_writer payload = { 0 };
	struct window_writer windows = { 0 };
	char boot_id[40];
	double t0 = clock_mono_s() * 1e3;
	int err = -EIO;

	memset(r, 0, sizeof(*r));
	r->flows = flows->len;
	history_boot_id(boot_id);
	if (sqlite3_prepare_v2(db, STATE_SELECT, -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO flow_state (device_mac, device_ip, remote_ip, proto, remote_port, boot_id,"
		" kernel_first_seen_ns, packets_up, bytes_up, packets_down, bytes_down)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) ON CONFLICT DO UPDATE SET"
		" boot_id = excluded.boot_id, kernel_first_seen_ns = excluded.kernel_first_seen_ns,"
		" packets_up = excluded.packets_up, bytes_up = excluded.bytes_up,"
		" packets_down = excluded.packets_down, bytes_down = excluded.bytes_down",
		-1, &up_state, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db,
		"INSERT INTO flow_history (device_mac, device_ip, remote_ip, proto, remote_port, name,"
		" packets_up, bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO UPDATE SET"
		" packets_up = packets_up + excluded.packets_up, bytes_up = bytes_up + excluded.bytes_up,"
		" packets_down = packets_down + excluded.packets_down,"
		" bytes_down = bytes_down + excluded.bytes_down,"
		" first_seen_ms = min(first_seen_ms, excluded.first_seen_ms),"
		" last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)",
		-1, &up_hist, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, NAMES_AT_QUERY, -1, &names, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (phase_writer_open(db, &phases) || payload_writer_open(db, &payload) ||
	    window_writer_open(db, &windows, clock_wall_ms()))
		goto out;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		warn("database: cannot start the harvest: %s", sqlite3_errmsg(db));
		goto out;
	}
	for (size_t i = 0; i < flows->len; i++) {
		const struct flow_key *k = &flows->items[i].key;
		const struct flow_value *v = &flows->items[i].value;
		char name[FLOW_NAMES_MAX], source[4];
		struct payload_counter payload_growth;
		struct key_text t;
		struct delta d;
		int64_t last_ms = boot_ns_to_unix_ms(v->last_seen_ns);
		int64_t first_ms;

		history_key_text(k, &t);
		bind_key(sel, &t, k);
		flow_delta(sel, boot_id, v, &d);
		sqlite3_clear_bindings(sel);
		if (delta_zero(&d) && d.have_state && !d.restarted)
			continue;
		r->changed++;
		r->restarted += d.restarted;
		first_ms = d.restarted ? boot_ns_to_unix_ms(v->first_seen_ns) : last_ms;
		/* The delta's bytes were counted up to last_seen: the names valid then. */
		names_at(names, t.mac, t.remote_ip, last_ms, sni_port_of(k), name, source);

		bind_key(up_hist, &t, k);
		sqlite3_bind_text(up_hist, 6, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(up_hist, 7, (int64_t)d.packets_up);
		sqlite3_bind_int64(up_hist, 8, (int64_t)d.bytes_up);
		sqlite3_bind_int64(up_hist, 9, (int64_t)d.packets_down);
		sqlite3_bind_int64(up_hist, 10, (int64_t)d.bytes_down);
		sqlite3_bind_int64(up_hist, 11, first_ms);
		sqlite3_bind_int64(up_hist, 12, last_ms);
		if (sqlite3_step(up_hist) != SQLITE_DONE)
			goto rollback;
		sqlite3_reset(up_hist);
		if (phase_delta(&phases, &t, k, name, &d, first_ms, last_ms))
			goto rollback;
		if (flow_payload(&payload, &t, k, v, boot_id, last_ms, &payload_growth))
			goto rollback;
		if (window_writer_add(&windows, t.mac, d.bytes_up, d.bytes_down))
			goto rollback;
		if (sink && pending_add(&pending, k, &d, &payload_growth, name, first_ms, last_ms))
			goto rollback;

		bind_key(up_state, &t, k);
		sqlite3_bind_text(up_state, 6, boot_id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(up_state, 7, (int64_t)v->first_seen_ns);
		sqlite3_bind_int64(up_state, 8, (int64_t)v->up.packets);
		sqlite3_bind_int64(up_state, 9, (int64_t)v->up.bytes);
		sqlite3_bind_int64(up_state, 10, (int64_t)v->down.packets);
		sqlite3_bind_int64(up_state, 11, (int64_t)v->down.bytes);
		if (sqlite3_step(up_state) != SQLITE_DONE)
			goto rollback;
		sqlite3_reset(up_state);
	}
	if (window_writer_finish(db, &windows) ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto rollback;
	err = 0;
	if (sink)
		pending_deliver(&pending, sink);
	goto out;
rollback:
	warn("database: harvest failed: %s", sqlite3_errmsg(db));
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(up_state);
	sqlite3_finalize(up_hist);
	sqlite3_finalize(names);
	phase_writer_close(&phases);
	payload_writer_close(&payload);
	window_writer_close(&windows);
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

int history_update_devices(sqlite3 *db, int devices_fd, struct device_config *conf)
{
	struct device_table t = { 0 };
	sqlite3_stmt *st;
	int err = read_devices(devices_fd, &t);

	if (err)
		return err;
	if (sqlite3_prepare_v2(db,
		"INSERT INTO devices (mac, name, vendor, category, first_seen, last_seen)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (mac) DO UPDATE SET"
		" name = coalesce(excluded.name, name), vendor = coalesce(excluded.vendor, vendor),"
		" category = coalesce(excluded.category, category),"
		" first_seen = min(coalesce(first_seen, excluded.first_seen), excluded.first_seen),"
		" last_seen = max(coalesce(last_seen, 0), excluded.last_seen)",
		-1, &st, NULL) != SQLITE_OK) {
		device_table_free(&t);
		return -EIO;
	}
	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; i < t.len; i++) {
		struct device_info d;
		char mac[MAC_STRLEN];

		device_info_get(conf, t.items[i].key.mac, &d);
		format_mac(t.items[i].key.mac, mac);
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
		if (d.name[0])
			sqlite3_bind_text(st, 2, d.name, -1, SQLITE_TRANSIENT);
		if (d.vendor[0])
			sqlite3_bind_text(st, 3, d.vendor, -1, SQLITE_TRANSIENT);
		if (d.category[0])
			sqlite3_bind_text(st, 4, d.category, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, boot_ns_to_unix_ms(t.items[i].value.first_seen_ns) / 1000);
		sqlite3_bind_int64(st, 6, boot_ns_to_unix_ms(t.items[i].value.last_seen_ns) / 1000);
		sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_finalize(st);
	device_table_free(&t);
	return 0;
}

int history_rows(sqlite3 *db, const struct flow_table *live, flow_row_fn fn, void *ctx)
{
	sqlite3_stmt *hist = NULL, *sel = NULL, *names = NULL;
	char boot_id[40];
	int err = -EIO, rc;

	history_boot_id(boot_id);
	/* One read transaction: history and state from the same moment. */
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -EIO;
	}
	if (sqlite3_prepare_v2(db,
		"SELECT device_mac, device_ip, remote_ip, proto, remote_port, name, packets_up,"
		" bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms FROM flow_totals",
		-1, &hist, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, STATE_SELECT, -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, NAMES_AT_QUERY, -1, &names, NULL) != SQLITE_OK) {
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
	for (size_t i = 0; live && i < live->len; i++) {
		const struct flow_key *k = &live->items[i].key;
		const struct flow_value *v = &live->items[i].value;
		struct flow_row row = { 0 };
		char name[FLOW_NAMES_MAX];
		struct key_text t;
		struct delta d;

		history_key_text(k, &t);
		bind_key(sel, &t, k);
		flow_delta(sel, boot_id, v, &d);
		sqlite3_clear_bindings(sel);
		if (delta_zero(&d))
			continue;
		memcpy(row.device_mac, t.mac, sizeof(t.mac));
		memcpy(row.device_ip, t.device_ip, sizeof(t.device_ip));
		memcpy(row.remote_ip, t.remote_ip, sizeof(t.remote_ip));
		row.proto = k->proto;
		row.remote_port = k->remote_port;
		names_at(names, row.device_mac, row.remote_ip, boot_ns_to_unix_ms(v->last_seen_ns),
			 sni_port_of(k), name, row.name_source);
		row.name = name;
		row.packets_up = d.packets_up;
		row.bytes_up = d.bytes_up;
		row.packets_down = d.packets_down;
		row.bytes_down = d.bytes_down;
		row.first_seen_ms = boot_ns_to_unix_ms(v->first_seen_ns);
		row.last_seen_ms = boot_ns_to_unix_ms(v->last_seen_ns);
		row.live = true;
		flow_row_set_address(&row);
		fn(ctx, &row);
	}
	err = 0;
out:
	sqlite3_finalize(hist);
	sqlite3_finalize(sel);
	sqlite3_finalize(names);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return err;
}

int history_mark_phase(sqlite3 *db, struct phase_mark *m)
{
	struct phase_marks marks = { .items = m, .len = 1, .cap = 1 };
	struct harvest_result hr;
	int fd;

	if (geteuid() == 0 && (fd = open_pinned_map(MAP_NAME(MAP_FLOWS))) >= 0) {
		history_harvest_map(db, fd, &hr);
		close(fd);
	}
	m->at_ms = clock_wall_ms();
	return phase_store(db, &marks, "live");
}
