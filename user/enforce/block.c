// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Block rules: parsing, the block_rules table, and writing the pinned
 * deny maps from it (README "Blocking").
 *
 * The maps are always rewritten from the database, one entry at a time: an
 * IP entry (device or all, prefix) holds every rule of that exact prefix in
 * force, sorted port-specific, protocol-specific, any; a name entry holds
 * the one rule of that (device or all, name).  Changes are made while the
 * database transaction is open (BEGIN IMMEDIATE serialises writers), so
 * the maps never lag behind the database for long, and never for good.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/clock.h"
#include "iotrim_maps.h"
#include "enforce/block.h"
#include "enforce/bind.h"
#include "cli/cli.h"
#include "history/db.h"
#include "common/fmt.h"
#include "iotrim_hash.h"
#include "datapath/pin.h"

#define RULE_COLUMNS \
	"id, device_mac, kind, target, family, prefix_len, addr, proto, port, action," \
	" created_ms, expires_ms, parent_id, reason, owner"

/* ---- time ------------------------------------------------------------------ */


/* ---- parsing --------------------------------------------------------------- */

const char *block_action_name(uint8_t action)
{
	return action == IOTRIM_DENY_REJECT ? "reject" : "drop";
}

const char *block_kind_name(enum block_kind kind)
{
	switch (kind) {
	case BLOCK_IP: return "ip";
	case BLOCK_PREFIX: return "prefix";
	case BLOCK_NAME: return "name";
	}
	return "?";
}

static enum block_kind kind_from_name(const char *s)
{
	if (!strcmp(s, "ip"))
		return BLOCK_IP;
	if (!strcmp(s, "prefix"))
		return BLOCK_PREFIX;
	return BLOCK_NAME;
}

bool block_parse_proto(const char *text, uint8_t *proto)
{
	if (!strcmp(text, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(text, "udp"))
		*proto = IPPROTO_UDP;
	else if (!strcmp(text, "icmp") || !strcmp(text, "icmpv6"))
		*proto = IPPROTO_ICMP;
	else if (!strcmp(text, "any"))
		*proto = 0;
	else
		return false;
	return true;
}

/* Zero bits past len?  Writes the address with them cleared to fixed. */
static bool host_bits_clear(const uint8_t *addr, int bytes, int len, uint8_t *fixed)
{
	bool clear = true;

	for (int i = 0; i < bytes; i++) {
		int keep = len - i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		fixed[i] = addr[i] & mask;
		if (fixed[i] != addr[i])
			clear = false;
	}
	return clear;
}

static bool parse_address(const char *text, struct block_rule *r, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8], canon[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned long long len;
	uint8_t fixed[16] = { 0 };
	int af, bytes;

	if (alen >= sizeof(buf)) {
		snprintf(err, errlen, "not a valid address: %s", text);
		return false;
	}
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	memset(r->addr, 0, sizeof(r->addr));
	if (inet_pton(AF_INET, buf, r->addr) == 1) {
		af = AF_INET;
		r->family = IOTRIM_FAMILY_IPV4;
		bytes = 4;
	} else if (inet_pton(AF_INET6, buf, r->addr) == 1) {
		af = AF_INET6;
		r->family = IOTRIM_FAMILY_IPV6;
		bytes = 16;
	} else {
		snprintf(err, errlen, "not a valid %s address: %s", strchr(buf, ':') ? "IPv6" : "IPv4",
			 buf);
		return false;
	}
	len = bytes * 8;
	if (slash && !parse_u64(slash + 1, 0, bytes * 8, &len)) {
		snprintf(err, errlen, "invalid prefix length '%s' in %s: it must be 0 to %d", slash + 1,
			 text, bytes * 8);
		return false;
	}
	if (!host_bits_clear(r->addr, bytes, (int)len, fixed)) {
		inet_ntop(af, fixed, canon, sizeof(canon));
		snprintf(err, errlen, "%s has bits set past the prefix length: did you mean %s/%llu?",
			 text, canon, len);
		return false;
	}
	r->prefix_len = (uint8_t)len;
	inet_ntop(af, r->addr, canon, sizeof(canon));
	if (len == (unsigned long long)bytes * 8) {
		r->kind = BLOCK_IP;
		snprintf(r->target, sizeof(r->target), "%s", canon);
	} else {
		r->kind = BLOCK_PREFIX;
		snprintf(r->target, sizeof(r->target), "%s/%llu", canon, len);
	}
	return true;
}

static bool parse_name(const char *text, struct block_rule *r, char *err, size_t errlen)
{
	size_t len = strlen(text), label = 0;

	if (len && text[len - 1] == '.')
		len--;
	if (len == 0) {
		snprintf(err, errlen, "empty name");
		return false;
	}
	if (len > IOTRIM_DNS_NAME_MAX) {
		snprintf(err, errlen, "name is %zu characters long: a DNS name has at most %d",
			 len, IOTRIM_DNS_NAME_MAX);
		return false;
	}
	if (text[0] == '*') {
		snprintf(err, errlen,
			 "no wildcards: a name rule covers the name and all its subdomains already (use %s)",
			 len > 2 && text[1] == '.' ? text + 2 : "the parent name");
		return false;
	}
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)text[i] : '.';

		if (c == '.') {
			if (label == 0) {
				snprintf(err, errlen, "empty label in name %s", text);
				return false;
			}
			if (label > IOTRIM_DNS_LABEL_MAX) {
				snprintf(err, errlen,
					 "label of %zu characters in %s: a DNS label has at most %d",
					 label, text, IOTRIM_DNS_LABEL_MAX);
				return false;
			}
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_') {
			snprintf(err, errlen, "invalid character '%c' in name %s", c, text);
			return false;
		}
		label++;
	}
	for (size_t i = 0; i < len; i++)
		r->target[i] = (char)tolower((unsigned char)text[i]);
	r->target[len] = '\0';
	r->kind = BLOCK_NAME;
	r->family = 0;
	r->prefix_len = 0;
	memset(r->addr, 0, sizeof(r->addr));
	return true;
}

bool block_parse_target(const char *text, struct block_rule *r, char *err, size_t errlen)
{
	bool addressy = strchr(text, ':') || strchr(text, '/');

	/* All digits and dots: a mistyped IPv4 address, not a name. */
	if (!addressy && *text && strspn(text, "0123456789.") == strlen(text))
		addressy = true;
	if (addressy)
		return parse_address(text, r, err, errlen);
	return parse_name(text, r, err, errlen);
}

/* ---- rows ------------------------------------------------------------------ */

static void rule_from_row(sqlite3_stmt *st, struct block_rule *r)
{
	const char *mac = (const char *)sqlite3_column_text(st, 1);
	const void *addr = sqlite3_column_blob(st, 6);

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, 0);
	r->all_devices = !mac || !*mac || !parse_mac(mac, r->mac);
	r->kind = kind_from_name((const char *)sqlite3_column_text(st, 2));
	snprintf(r->target, sizeof(r->target), "%s", (const char *)sqlite3_column_text(st, 3));
	r->family = sqlite3_column_int(st, 4);
	r->prefix_len = sqlite3_column_int(st, 5);
	if (addr && sqlite3_column_bytes(st, 6) == 16)
		memcpy(r->addr, addr, 16);
	r->proto = sqlite3_column_int(st, 7);
	r->port = sqlite3_column_int(st, 8);
	r->action = !strcmp((const char *)sqlite3_column_text(st, 9), "reject") ?
			    IOTRIM_DENY_REJECT : IOTRIM_DENY_DROP;
	r->created_ms = sqlite3_column_int64(st, 10);
	r->expires_ms = sqlite3_column_type(st, 11) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 11);
	r->parent_id = sqlite3_column_type(st, 12) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 12);
	snprintf(r->reason, sizeof(r->reason), "%s", (const char *)sqlite3_column_text(st, 13));
	snprintf(r->owner, sizeof(r->owner), "%s", (const char *)sqlite3_column_text(st, 14));
}

static void device_text(const struct block_rule *r, char out[MAC_STRLEN])
{
	if (r->all_devices)
		out[0] = '\0';
	else
		format_mac(r->mac, out);
}

static int push_rule(struct block_list *l, const struct block_rule *r)
{
	struct block_rule *n = realloc(l->items, (l->len + 1) * sizeof(*n));

	if (!n)
		return -1;
	l->items = n;
	l->items[l->len++] = *r;
	return 0;
}

void block_list_free(struct block_list *l)
{
	free(l->items);
	l->items = NULL;
	l->len = 0;
}

/* Runs a SELECT of RULE_COLUMNS with up to 4 text/int64 binds; appends rows to out. */
static int select_rules(sqlite3 *db, const char *where, struct block_list *out,
			const char *text1, int64_t int2)
{
	char sql[512];
	sqlite3_stmt *st;
	struct block_rule r;
	int rc;

	snprintf(sql, sizeof(sql), "SELECT " RULE_COLUMNS " FROM block_rules %s ORDER BY id", where);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (strstr(where, "?1"))
		sqlite3_bind_text(st, 1, text1, -1, SQLITE_TRANSIENT);
	if (strstr(where, "?2"))
		sqlite3_bind_int64(st, 2, int2);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rule_from_row(st, &r);
		if (push_rule(out, &r)) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warn("database: %s", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* ---- maps ------------------------------------------------------------------ */

struct deny_maps {
	int ip;
	int names;
	int hits;
	int filter;
	int nr_cpus;
};

static void close_deny_maps(struct deny_maps *m)
{
	int *fds[] = { &m->ip, &m->names, &m->hits, &m->filter };

	for (size_t i = 0; i < 4; i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

/* 0, or -1 with errno ENOENT when iotrim's maps are not pinned. */
static int open_deny_maps(struct deny_maps *m)
{
	m->ip = open_pinned_map(MAP_NAME(MAP_DENY_IP));
	m->names = open_pinned_map(MAP_NAME(MAP_DENY_NAMES));
	m->hits = open_pinned_map(MAP_NAME(MAP_DENY_HITS));
	m->filter = open_pinned_map(MAP_NAME(MAP_DENY_FILTER));
	m->nr_cpus = libbpf_num_possible_cpus();
	if (m->ip < 0 || m->names < 0 || m->hits < 0 || m->filter < 0 || m->nr_cpus <= 0) {
		int saved = errno;

		close_deny_maps(m);
		errno = saved ? saved : ENOENT;
		return -1;
	}
	return 0;
}

static void ip_key(const struct block_rule *r, struct deny_key *k)
{
	memset(k, 0, sizeof(*k));
	k->prefixlen = IOTRIM_DENY_KEY_BITS + r->prefix_len;
	if (!r->all_devices)
		memcpy(k->device_mac, r->mac, 6);
	k->family = r->family;
	memcpy(k->addr, r->addr, 16);
}

static void name_key(const struct block_rule *r, struct deny_name_key *k)
{
	memset(k, 0, sizeof(*k));
	k->hash = iotrim_name_hash(r->target);
	if (!r->all_devices)
		memcpy(k->device_mac, r->mac, 6);
}

/* Port-specific first, then protocol-specific, then any; older first. */
static int rule_order(const void *a, const void *b)
{
	const struct block_rule *x = a, *y = b;
	int sx = (x->port ? 2 : 0) + (x->proto ? 1 : 0);
	int sy = (y->port ? 2 : 0) + (y->proto ? 1 : 0);

	if (sx != sy)
		return sy - sx;
	return x->id < y->id ? -1 : x->id > y->id;
}

static bool expired(const struct block_rule *r, int64_t now_ms)
{
	return r->expires_ms && r->expires_ms <= now_ms;
}

/* Rules with the same device and exact prefix as r (any proto/port), from the database. */
static int same_prefix(sqlite3 *db, const struct block_rule *r, struct block_list *out)
{
	sqlite3_stmt *st;
	struct block_rule row;
	char mac[MAC_STRLEN];
	int rc;

	device_text(r, mac);
	if (sqlite3_prepare_v2(db,
			       "SELECT " RULE_COLUMNS " FROM block_rules WHERE kind != 'name'"
			       " AND device_mac = ? AND family = ? AND prefix_len = ? AND addr = ?"
			       " ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, r->family);
	sqlite3_bind_int(st, 3, r->prefix_len);
	sqlite3_bind_blob(st, 4, r->addr, 16, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rule_from_row(st, &row);
		if (push_rule(out, &row)) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The deny_ip value for a set of rules of one prefix (count 0: none in force). */
static void ip_value(const struct block_list *rules, const struct block_rule *like,
		     struct deny_value *v)
{
	int64_t now = clock_wall_ms();

	memset(v, 0, sizeof(*v));
	v->prefixlen = IOTRIM_DENY_KEY_BITS + like->prefix_len;
	qsort(rules->items, rules->len, sizeof(rules->items[0]), rule_order);
	for (size_t i = 0; i < rules->len && v->count < IOTRIM_DENY_RULES_PER_PREFIX; i++) {
		const struct block_rule *r = &rules->items[i];
		struct deny_rule *d = &v->rules[v->count];

		if (expired(r, now))
			continue;
		d->id = (uint32_t)r->id;
		d->action = r->action;
		d->proto = r->proto == IPPROTO_ICMP && r->family == IOTRIM_FAMILY_IPV6 ?
				   IPPROTO_ICMPV6 : r->proto;
		d->port = r->port;
		d->expires_ns = r->expires_ms ? wall_ms_to_boot_ns(r->expires_ms) : 0;
		v->count++;
	}
}

/* Adds delta to the deny_filter slot of a device key's MAC. */
static int filter_add(const struct deny_maps *m, const uint8_t mac[6], int delta)
{
	uint32_t slot = iotrim_mac_slot(mac), n = 0;

	bpf_map_lookup_elem(m->filter, &slot, &n);
	n = delta < 0 && n < (uint32_t)-delta ? 0 : n + delta;
	return bpf_map_update_elem(m->filter, &slot, &n, BPF_ANY) ? -errno : 0;
}

/*
 * Rewrites the deny_ip entry of r's (device, prefix) from the database.
 * The filter count goes up before a new entry and down after a removed one.
 */
static int write_ip_entry(sqlite3 *db, const struct deny_maps *m, const struct block_rule *r)
{
	struct block_list rules = { 0 };
	struct deny_value v, old;
	struct deny_key k;
	bool exists;
	int err = 0;

	if (same_prefix(db, r, &rules)) {
		block_list_free(&rules);
		return -1;
	}
	ip_value(&rules, r, &v);
	block_list_free(&rules);
	ip_key(r, &k);
	exists = bpf_map_lookup_elem(m->ip, &k, &old) == 0;
	if (v.count) {
		if (!exists)
			err = filter_add(m, k.device_mac, 1);
		if (!err && bpf_map_update_elem(m->ip, &k, &v, BPF_ANY)) {
			err = -errno;
			if (!exists)
				filter_add(m, k.device_mac, -1);
		}
	} else if (exists) {
		if (bpf_map_delete_elem(m->ip, &k) && errno != ENOENT)
			err = -errno;
		else
			err = filter_add(m, k.device_mac, -1);
	}
	if (err)
		warn("writing the deny_ip map failed: %s", strerror(-err));
	return err ? -1 : 0;
}

/* Rewrites the deny_names entry of r's (device, name) from the database. */
static int write_name_entry(sqlite3 *db, const struct deny_maps *m, const struct block_rule *r)
{
	struct deny_name_value v = { 0 }, old;
	struct deny_name_key k;
	struct block_rule row;
	sqlite3_stmt *st;
	char mac[MAC_STRLEN];
	int64_t now = clock_wall_ms();
	bool exists;
	int rc, err = 0;

	device_text(r, mac);
	if (sqlite3_prepare_v2(db,
			       "SELECT " RULE_COLUMNS " FROM block_rules WHERE kind = 'name'"
			       " AND device_mac = ? AND target = ? ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->target, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rule_from_row(st, &row);
		if (!expired(&row, now) && !v.id) {
			v.id = (uint32_t)row.id;
			v.expires_ns = row.expires_ms ? wall_ms_to_boot_ns(row.expires_ms) : 0;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	name_key(r, &k);
	exists = bpf_map_lookup_elem(m->names, &k, &old) == 0;
	if (v.id) {
		if (!exists)
			err = filter_add(m, k.device_mac, 1);
		if (!err && bpf_map_update_elem(m->names, &k, &v, BPF_ANY)) {
			err = -errno;
			if (!exists)
				filter_add(m, k.device_mac, -1);
		}
	} else if (exists) {
		if (bpf_map_delete_elem(m->names, &k) && errno != ENOENT)
			err = -errno;
		else
			err = filter_add(m, k.device_mac, -1);
	}
	if (err)
		warn("writing the deny_names map failed: %s", strerror(-err));
	return err ? -1 : 0;
}

/* Rewrites the map entry a rule belongs to (its row may be gone). */
static int write_entry(sqlite3 *db, const struct deny_maps *m, const struct block_rule *r)
{
	return r->kind == BLOCK_NAME ? write_name_entry(db, m, r) : write_ip_entry(db, m, r);
}

static int create_hits(const struct deny_maps *m, int64_t id)
{
	struct traffic_counter *zeros = calloc(m->nr_cpus, sizeof(*zeros));
	uint32_t key = (uint32_t)id;
	int err = 0;

	if (!zeros)
		return -1;
	if (bpf_map_update_elem(m->hits, &key, zeros, BPF_NOEXIST) && errno != EEXIST) {
		warn("creating the hit counter of rule %lld failed: %s", (long long)id,
		     strerror(errno));
		err = -1;
	}
	free(zeros);
	return err;
}

static void delete_hits(const struct deny_maps *m, int64_t id)
{
	uint32_t key = (uint32_t)id;

	bpf_map_delete_elem(m->hits, &key);
}

static int read_hits(const struct deny_maps *m, int64_t id, struct block_hits *h)
{
	struct traffic_counter *vals = calloc(m->nr_cpus, sizeof(*vals));
	uint32_t key = (uint32_t)id;

	memset(h, 0, sizeof(*h));
	if (!vals)
		return -1;
	if (bpf_map_lookup_elem(m->hits, &key, vals) == 0) {
		for (int c = 0; c < m->nr_cpus; c++) {
			h->packets += vals[c].packets;
			h->bytes += vals[c].bytes;
		}
	}
	free(vals);
	return 0;
}

/* ---- transactions ---------------------------------------------------------- */

static int begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

static int commit(sqlite3 *db)
{
	if (db_exec(db, "COMMIT")) {
		db_exec(db, "ROLLBACK");
		return -1;
	}
	return 0;
}

/*
 * Rewrites the entries of the given rules (rows may be gone) after a failed
 * transaction was rolled back, so the maps match the database again.
 */
static void resync(sqlite3 *db, const struct deny_maps *m, const struct block_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		write_entry(db, m, &l->items[i]);
}

/* ---- expiry ---------------------------------------------------------------- */

/* Deletes expired rules; with maps, rewrites their entries. 0 or -1. */
static int expire_locked(sqlite3 *db, const struct deny_maps *m)
{
	struct block_list gone = { 0 };
	sqlite3_stmt *st;
	int rc;

	/* Bound rules end with their name rule (same lease), cascading. */
	if (select_rules(db, "WHERE expires_ms IS NOT NULL AND expires_ms <= ?2", &gone, NULL,
			 clock_wall_ms())) {
		block_list_free(&gone);
		return -1;
	}
	if (!gone.len)
		return 0;
	if (sqlite3_prepare_v2(db, "DELETE FROM block_rules WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		block_list_free(&gone);
		return -1;
	}
	for (size_t i = 0; i < gone.len; i++) {
		sqlite3_bind_int64(st, 1, gone.items[i].id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		if (rc != SQLITE_DONE) {
			sqlite3_finalize(st);
			block_list_free(&gone);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (m) {
		for (size_t i = 0; i < gone.len; i++) {
			write_entry(db, m, &gone.items[i]);
			delete_hits(m, gone.items[i].id);
		}
	}
	block_list_free(&gone);
	return 0;
}

int block_expire(sqlite3 *db)
{
	struct deny_maps m;
	bool have_maps = open_deny_maps(&m) == 0;
	int err;

	if (begin(db)) {
		if (have_maps)
			close_deny_maps(&m);
		return -1;
	}
	err = expire_locked(db, have_maps ? &m : NULL);
	if (!err)
		err = commit(db);
	else
		db_exec(db, "ROLLBACK");
	if (have_maps)
		close_deny_maps(&m);
	return err;
}

/* ---- add ------------------------------------------------------------------- */

static bool mac_in_db(sqlite3 *db, const char *mac)
{
	static const char *const queries[] = {
		"SELECT 1 FROM devices WHERE mac = ?",
		"SELECT 1 FROM dns_names WHERE device_mac = ? LIMIT 1",
		"SELECT 1 FROM flow_history WHERE device_mac = ? LIMIT 1",
	};

	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		sqlite3_stmt *st;
		bool found;

		if (sqlite3_prepare_v2(db, queries[i], -1, &st, NULL) != SQLITE_OK)
			continue;	/* a table another build of iotrim lacks */
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (found)
			return true;
	}
	return false;
}

/*
 * Has iotrim seen the device (pinned devices map, or the database)?  When
 * nothing is pinned (not attached, after a reboot) the map cannot say no:
 * then *unsure is set and the caller lets the rule in with a warning.
 */
static bool device_known(sqlite3 *db, const uint8_t mac[6], bool *unsure)
{
	struct device_key key = { 0 };
	struct device_value value;
	char text[MAC_STRLEN];
	int fd = open_pinned_map(MAP_NAME(MAP_DEVICES));
	bool found = false;

	*unsure = fd < 0;
	if (fd >= 0) {
		memcpy(key.mac, mac, 6);
		found = bpf_map_lookup_elem(fd, &key, &value) == 0;
		close(fd);
	}
	format_mac(mac, text);
	return found || mac_in_db(db, text);
}

/* The id of a rule with the same device, target, protocol and port, or 0. */
static int64_t find_same(sqlite3 *db, const struct block_rule *r)
{
	sqlite3_stmt *st;
	char mac[MAC_STRLEN];
	int64_t id = 0;

	device_text(r, mac);
	if (sqlite3_prepare_v2(db,
			       "SELECT id FROM block_rules WHERE device_mac = ? AND target = ?"
			       " AND proto = ? AND port = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, r->target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 3, r->proto);
	sqlite3_bind_int(st, 4, r->port);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static int insert_rule(sqlite3 *db, struct block_rule *r)
{
	sqlite3_stmt *st;
	char mac[MAC_STRLEN];
	int rc;

	device_text(r, mac);
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO block_rules (device_mac, kind, target, family, prefix_len,"
			       " addr, proto, port, action, created_ms, expires_ms, parent_id, reason,"
			       " owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		return -1;
	}
	sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, block_kind_name(r->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->target, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, r->family);
	sqlite3_bind_int(st, 5, r->prefix_len);
	if (r->kind == BLOCK_NAME)
		sqlite3_bind_null(st, 6);
	else
		sqlite3_bind_blob(st, 6, r->addr, 16, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 7, r->proto);
	sqlite3_bind_int(st, 8, r->port);
	sqlite3_bind_text(st, 9, block_action_name(r->action), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, r->created_ms);
	if (r->expires_ms)
		sqlite3_bind_int64(st, 11, r->expires_ms);
	else
		sqlite3_bind_null(st, 11);
	if (r->parent_id)
		sqlite3_bind_int64(st, 12, r->parent_id);
	else
		sqlite3_bind_null(st, 12);
	sqlite3_bind_text(st, 13, r->reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 14, r->owner, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		warn("database: %s", sqlite3_errmsg(db));
		return -1;
	}
	r->id = sqlite3_last_insert_rowid(db);
	return 0;
}

static int set_reason(sqlite3 *db, int64_t id, const char *reason)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "UPDATE block_rules SET reason = ? WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, reason, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Rules of the same device and exact prefix already in force. */
static size_t prefix_fill(sqlite3 *db, const struct block_rule *r)
{
	struct block_list same = { 0 };
	int64_t now = clock_wall_ms();
	size_t n = 0;

	if (same_prefix(db, r, &same) == 0)
		for (size_t i = 0; i < same.len; i++)
			n += !expired(&same.items[i], now);
	block_list_free(&same);
	return n;
}

static void describe(const struct block_rule *r, char *out, size_t len)
{
	char dev[MAC_STRLEN], proto[PROTO_STRLEN], port[16] = "", lease[48] = "";
	size_t used;

	if (r->all_devices)
		snprintf(dev, sizeof(dev), "all devices");
	else
		format_mac(r->mac, dev);
	if (r->proto)
		format_proto(r->proto, proto);
	if (r->port)
		snprintf(port, sizeof(port), " port %u", r->port);
	if (r->kind == BLOCK_NAME)
		snprintf(out, len, "%s and its subdomains for %s (DNS answers become NXDOMAIN)",
			 r->target, dev);
	else
		snprintf(out, len, "%s%s%s%s for %s (%s)", r->target, r->proto ? " " : "",
			 r->proto ? proto : "", port, dev, block_action_name(r->action));
	if (r->expires_ms) {
		snprintf(lease, sizeof(lease), ", lease ends in %llds",
			 (long long)((r->expires_ms - clock_wall_ms() + 999) / 1000));
		used = strlen(out);
		snprintf(out + used, len - used, "%s", lease);
	}
}

/* Adds one row and its map entries; inside the transaction. */
static int add_one(sqlite3 *db, const struct deny_maps *m, struct block_rule *r)
{
	if (insert_rule(db, r))
		return -1;
	if (!m)
		return 0;
	if (create_hits(m, r->id))
		return -1;
	return write_entry(db, m, r);
}

int block_add(sqlite3 *db, struct block_rule *r, const struct block_add_opts *o,
	      int64_t *existing)
{
	struct block_list added = { 0 };
	struct deny_maps maps, *m = NULL;
	struct bind_result bound = { 0 };
	char what[BLOCK_TARGET_MAX + 128];
	int64_t same;
	int err = EXIT_OK;

	if (existing)
		*existing = 0;
	if (o->check_device && !r->all_devices) {
		char mac[MAC_STRLEN];
		bool unsure;

		format_mac(r->mac, mac);
		if (!device_known(db, r->mac, &unsure)) {
			if (!unsure)
				return fail(EXIT_USAGE,
					    "unknown device %s: iotrim has not seen it (see `iotrim devices`)",
					    mac);
			warn("iotrim is not attached and has no record of device %s: check the MAC",
			     mac);
		}
	}
	if (open_deny_maps(&maps) == 0)
		m = &maps;
	if (begin(db)) {
		err = fail(EXIT_FAILURE_RUNTIME, "cannot write the database %s", db_path());
		goto out;
	}
	if (expire_locked(db, m)) {
		err = EXIT_FAILURE_RUNTIME;
		goto rollback;
	}
	same = find_same(db, r);
	if (same) {
		if (existing)
			*existing = same;
		describe(r, what, sizeof(what));
		err = fail(EXIT_CONFLICT, "rule %lld already blocks %s: remove it first (`iotrim block del %lld`)",
			   (long long)same, what, (long long)same);
		goto rollback;
	}
	if (r->kind != BLOCK_NAME && prefix_fill(db, r) >= IOTRIM_DENY_RULES_PER_PREFIX) {
		err = fail(EXIT_USAGE,
			   "%s has %d rules for this device already (protocols and ports): at most %d",
			   r->target, IOTRIM_DENY_RULES_PER_PREFIX, IOTRIM_DENY_RULES_PER_PREFIX);
		goto rollback;
	}
	r->created_ms = clock_wall_ms();
	r->parent_id = 0;
	if (add_one(db, m, r) || push_rule(&added, r)) {
		err = fail(EXIT_FAILURE_RUNTIME, "adding the rule failed");
		goto rollback;
	}
	if (r->kind == BLOCK_NAME && o->bind_names) {
		if (block_bind_name(db, r, &bound)) {
			err = fail(EXIT_FAILURE_RUNTIME, "finding the addresses of %s failed",
				   r->target);
			goto rollback;
		}
		for (size_t i = 0; i < bound.rules.len; i++) {
			struct block_rule *b = &bound.rules.items[i];
			int64_t dup = find_same(db, b);

			if (dup || prefix_fill(db, b) >= IOTRIM_DENY_RULES_PER_PREFIX) {
				char note[BLOCK_TARGET_MAX + 64];

				if (dup)
					snprintf(note, sizeof(note), "%s is blocked by rule %lld already",
						 b->target, (long long)dup);
				else
					snprintf(note, sizeof(note), "%s has too many rules already",
						 b->target);
				bind_note(&bound, note);
				continue;
			}
			b->created_ms = r->created_ms;
			b->expires_ms = r->expires_ms;
			b->parent_id = r->id;
			b->action = r->action;
			snprintf(b->owner, sizeof(b->owner), "%s", r->owner);
			if (add_one(db, m, b) || push_rule(&added, b)) {
				err = fail(EXIT_FAILURE_RUNTIME, "adding a bound rule failed");
				goto rollback;
			}
		}
		if (bound.left_alone[0] && set_reason(db, r->id, bound.left_alone)) {
			err = EXIT_FAILURE_RUNTIME;
			goto rollback;
		}
		snprintf(r->reason, sizeof(r->reason), "%s", bound.left_alone);
	}
	if (commit(db)) {
		err = fail(EXIT_FAILURE_RUNTIME, "cannot commit to the database %s", db_path());
		goto resync;
	}
	if (o->report) {
		describe(r, what, sizeof(what));
		fprintf(o->report, "rule %lld: %s\n", (long long)r->id, what);
		for (size_t i = 1; i < added.len; i++)
			fprintf(o->report, "  rule %lld: %s %s (%s)\n", (long long)added.items[i].id,
				block_action_name(added.items[i].action), added.items[i].target,
				added.items[i].reason);
		if (bound.left_alone[0])
			fprintf(o->report, "  %s\n", bound.left_alone);
		if (!m)
			fprintf(o->report,
				"iotrim is not attached (no maps under %s): the rule applies from the next `iotrim attach`\n",
				pin_dir());
	}
	goto out;
rollback:
	db_exec(db, "ROLLBACK");
resync:
	if (m) {
		resync(db, m, &added);
		for (size_t i = 0; i < added.len; i++)
			delete_hits(m, added.items[i].id);
	}
out:
	block_list_free(&bound.rules);
	block_list_free(&added);
	if (m)
		close_deny_maps(m);
	return err;
}

/* ---- delete, renew, owners --------------------------------------------------- */

/* Deletes the rows of l (a rule and its bound rules) and rewrites their entries. */
static int delete_rows(sqlite3 *db, const struct deny_maps *m, const struct block_list *l)
{
	sqlite3_stmt *st;
	int rc = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, "DELETE FROM block_rules WHERE id = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	for (size_t i = 0; i < l->len && rc == SQLITE_DONE; i++) {
		sqlite3_bind_int64(st, 1, l->items[i].id);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (m) {
		for (size_t i = 0; i < l->len; i++)
			if (write_entry(db, m, &l->items[i]))
				return -1;
	}
	return 0;
}

/* A rule and the rules it brought in. */
static int rule_family(sqlite3 *db, int64_t id, struct block_list *out)
{
	return select_rules(db, "WHERE id = ?2 OR parent_id = ?2", out, NULL, id);
}

int block_del(sqlite3 *db, int64_t id)
{
	struct block_list l = { 0 };
	struct deny_maps maps, *m = NULL;
	int err = EXIT_OK;

	if (open_deny_maps(&maps) == 0)
		m = &maps;
	if (begin(db)) {
		err = fail(EXIT_FAILURE_RUNTIME, "cannot write the database %s", db_path());
		goto out;
	}
	if (expire_locked(db, m) || rule_family(db, id, &l)) {
		err = EXIT_FAILURE_RUNTIME;
		db_exec(db, "ROLLBACK");
		goto out;
	}
	if (l.len == 0) {
		db_exec(db, "ROLLBACK");
		err = fail(EXIT_USAGE, "no block rule %lld (see `iotrim block list`)", (long long)id);
		goto out;
	}
	if (delete_rows(db, m, &l)) {
		db_exec(db, "ROLLBACK");
		if (m)
			resync(db, m, &l);
		err = fail(EXIT_FAILURE_RUNTIME, "removing rule %lld failed", (long long)id);
		goto out;
	}
	if (commit(db)) {
		if (m)
			resync(db, m, &l);
		err = fail(EXIT_FAILURE_RUNTIME, "cannot commit to the database %s", db_path());
		goto out;
	}
	if (m)
		for (size_t i = 0; i < l.len; i++)
			delete_hits(m, l.items[i].id);
out:
	block_list_free(&l);
	if (m)
		close_deny_maps(m);
	return err;
}

int block_renew(sqlite3 *db, int64_t id, unsigned lease_s)
{
	struct block_list l = { 0 };
	struct deny_maps maps, *m = NULL;
	sqlite3_stmt *st = NULL;
	int err = EXIT_OK, rc;

	if (open_deny_maps(&maps) == 0)
		m = &maps;
	if (begin(db)) {
		err = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	if (rule_family(db, id, &l) || l.len == 0 ||
	    sqlite3_prepare_v2(db, "UPDATE block_rules SET expires_ms = ?1 WHERE id = ?2 OR parent_id = ?2",
			       -1, &st, NULL) != SQLITE_OK) {
		db_exec(db, "ROLLBACK");
		err = l.len == 0 ? fail(EXIT_USAGE, "no block rule %lld", (long long)id) :
				   EXIT_FAILURE_RUNTIME;
		goto out;
	}
	sqlite3_bind_int64(st, 1, clock_wall_ms() + (int64_t)lease_s * 1000);
	sqlite3_bind_int64(st, 2, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE && m) {
		for (size_t i = 0; i < l.len; i++)
			if (write_entry(db, m, &l.items[i]))
				rc = SQLITE_ERROR;
	}
	if (rc != SQLITE_DONE) {
		db_exec(db, "ROLLBACK");
		if (m)
			resync(db, m, &l);
		err = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	if (commit(db)) {
		if (m)
			resync(db, m, &l);
		err = EXIT_FAILURE_RUNTIME;
	}
out:
	sqlite3_finalize(st);
	block_list_free(&l);
	if (m)
		close_deny_maps(m);
	return err;
}

int block_del_owner(sqlite3 *db, const char *owner)
{
	struct block_list l = { 0 };
	struct deny_maps maps, *m = NULL;
	int n = -1;

	if (open_deny_maps(&maps) == 0)
		m = &maps;
	if (begin(db))
		goto out;
	if (select_rules(db, "WHERE owner = ?1", &l, owner, 0) || delete_rows(db, m, &l)) {
		db_exec(db, "ROLLBACK");
		if (m)
			resync(db, m, &l);
		goto out;
	}
	if (commit(db)) {
		if (m)
			resync(db, m, &l);
		goto out;
	}
	if (m)
		for (size_t i = 0; i < l.len; i++)
			delete_hits(m, l.items[i].id);
	n = 0;
	for (size_t i = 0; i < l.len; i++)
		n += l.items[i].parent_id == 0;
out:
	block_list_free(&l);
	if (m)
		close_deny_maps(m);
	return n;
}

int block_count_owner(sqlite3 *db, const char *owner)
{
	struct block_list l = { 0 };
	int64_t now = clock_wall_ms();
	int n = 0;

	if (select_rules(db, "WHERE owner = ?1 AND parent_id IS NULL", &l, owner, 0)) {
		block_list_free(&l);
		return -1;
	}
	for (size_t i = 0; i < l.len; i++)
		n += !expired(&l.items[i], now);
	block_list_free(&l);
	return n;
}

/* ---- list and sync ------------------------------------------------------------ */

int block_read(sqlite3 *db, struct block_list *out, struct block_hits **hits)
{
	struct deny_maps maps;
	bool have_maps;

	*hits = NULL;
	memset(out, 0, sizeof(*out));
	if (block_expire(db) || select_rules(db, "", out, NULL, 0))
		return -1;
	*hits = calloc(out->len ? out->len : 1, sizeof(**hits));
	if (!*hits)
		return -1;
	have_maps = open_deny_maps(&maps) == 0;
	if (have_maps) {
		for (size_t i = 0; i < out->len; i++)
			read_hits(&maps, out->items[i].id, &(*hits)[i]);
		close_deny_maps(&maps);
	}
	return 0;
}

static bool rule_ids_has(const struct block_list *l, uint32_t id)
{
	for (size_t i = 0; i < l->len; i++)
		if ((uint32_t)l->items[i].id == id)
			return true;
	return false;
}

/* Deletes every key of a map for which keep() says no. */
static void prune_map(int fd, size_t key_size, bool (*keep)(const void *key, void *ctx),
		      void *ctx)
{
	uint8_t key[64], next[64];
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		if (!keep(next, ctx)) {
			if (bpf_map_delete_elem(fd, next) == 0) {
				/* The iteration restarts after a delete from a trie or hash. */
				prev = NULL;
				continue;
			}
		}
		memcpy(key, next, key_size);
		prev = key;
	}
}

struct sync_ctx {
	sqlite3 *db;
	const struct block_list *rules;
};

static bool keep_ip(const void *key, void *arg)
{
	const struct deny_key *k = key;
	struct sync_ctx *c = arg;

	for (size_t i = 0; i < c->rules->len; i++) {
		const struct block_rule *r = &c->rules->items[i];
		struct deny_key rk;

		if (r->kind == BLOCK_NAME)
			continue;
		ip_key(r, &rk);
		if (!memcmp(&rk, k, sizeof(rk)))
			return true;
	}
	return false;
}

static bool keep_name(const void *key, void *arg)
{
	const struct deny_name_key *k = key;
	struct sync_ctx *c = arg;

	for (size_t i = 0; i < c->rules->len; i++) {
		const struct block_rule *r = &c->rules->items[i];
		struct deny_name_key rk;

		if (r->kind != BLOCK_NAME)
			continue;
		name_key(r, &rk);
		if (!memcmp(&rk, k, sizeof(rk)))
			return true;
	}
	return false;
}

static bool keep_hits(const void *key, void *arg)
{
	struct sync_ctx *c = arg;

	return rule_ids_has(c->rules, *(const uint32_t *)key);
}

/* Sets every deny_filter slot to the exact number of entries in it. */
static int recount_filter(const struct deny_maps *m)
{
	uint32_t *counts = calloc(IOTRIM_DENY_FILTER_SLOTS, sizeof(*counts));
	struct deny_name_key nkey, nnext;
	struct deny_key key, next;
	void *prev = NULL;
	int err = 0;

	if (!counts)
		return -1;
	while (bpf_map_get_next_key(m->ip, prev, &next) == 0) {
		counts[iotrim_mac_slot(next.device_mac)]++;
		key = next;
		prev = &key;
	}
	prev = NULL;
	while (bpf_map_get_next_key(m->names, prev, &nnext) == 0) {
		counts[iotrim_mac_slot(nnext.device_mac)]++;
		nkey = nnext;
		prev = &nkey;
	}
	for (uint32_t slot = 0; slot < IOTRIM_DENY_FILTER_SLOTS && !err; slot++) {
		uint32_t have = 0;

		bpf_map_lookup_elem(m->filter, &slot, &have);
		if (have != counts[slot] &&
		    bpf_map_update_elem(m->filter, &slot, &counts[slot], BPF_ANY))
			err = -1;
	}
	free(counts);
	return err;
}

int block_sync(sqlite3 *db)
{
	struct block_list rules = { 0 };
	struct deny_maps m;
	struct sync_ctx ctx = { .db = db, .rules = &rules };
	int err = EXIT_OK;

	if (open_deny_maps(&m))
		return errno == ENOENT ? EXIT_NOT_ATTACHED : EXIT_FAILURE_RUNTIME;
	if (begin(db)) {
		close_deny_maps(&m);
		return EXIT_FAILURE_RUNTIME;
	}
	if (expire_locked(db, &m) || select_rules(db, "", &rules, NULL, 0)) {
		err = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	for (size_t i = 0; i < rules.len && !err; i++) {
		if (create_hits(&m, rules.items[i].id) ||
		    write_entry(db, &m, &rules.items[i]))
			err = EXIT_FAILURE_RUNTIME;
	}
	prune_map(m.ip, sizeof(struct deny_key), keep_ip, &ctx);
	prune_map(m.names, sizeof(struct deny_name_key), keep_name, &ctx);
	prune_map(m.hits, sizeof(uint32_t), keep_hits, &ctx);
	if (!err && recount_filter(&m))
		err = EXIT_FAILURE_RUNTIME;
out:
	if (err)
		db_exec(db, "ROLLBACK");
	else if (commit(db))
		err = EXIT_FAILURE_RUNTIME;
	block_list_free(&rules);
	close_deny_maps(&m);
	return err;
}

int block_apply_stored(void)
{
	const char *path = db_path();
	sqlite3 *db;
	int err;

	if (access(path, F_OK) != 0)
		return 0;	/* no database: no rules were ever stored */
	if (db_open(path, &db) != EXIT_OK) {
		warn("block rules not re-applied: cannot open %s", path);
		return 0;
	}
	err = block_sync(db);
	if (err)
		warn("block rules not re-applied from %s (exit code %d)", path, err);
	db_close(db);
	return 0;
}
