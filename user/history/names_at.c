// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Names by time: see names_at.h and history.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "common/log.h"
#include "history/names_at.h"

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
static bool row_valid_at(const struct names_row *w, int64_t t_ms)
{
	return w->first_ms <= t_ms + 2 && w->expires_ms >= t_ms;
}

/* The port an SNI for this flow would have gone to (TCP only); -1: none. */
static int sni_port_of(const struct flow_key *k)
{
	return k->proto == IPPROTO_TCP ? k->remote_port : -1;
}

int names_reader_open(sqlite3 *db, struct names_reader *r)
{
	memset(r, 0, sizeof(*r));
	if (sqlite3_prepare_v2(db,
		"SELECT ip, name, source = 'dns', sni_port, first_seen_ms, expires_ms FROM dns_names"
		" WHERE device_mac = ?1 AND name <> '' ORDER BY ip, name", -1, &r->st, NULL) != SQLITE_OK) {
		warn("database: %s", sqlite3_errmsg(db));
		r->st = NULL;
		return -EIO;
	}
	return 0;
}

static int row_add(struct names_reader *r, sqlite3_stmt *st)
{
	const char *ip = (const char *)sqlite3_column_text(st, 0);
	const char *name = (const char *)sqlite3_column_text(st, 1);
	struct names_row *w;
	int64_t ip_at, name_at;

	if (!ip || !name)
		return 0;
	if (r->len == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;

		if (!(w = realloc(r->rows, cap * sizeof(*w))))
			return -ENOMEM;
		r->rows = w;
		r->cap = cap;
	}
	/* Rows come in ip order: an address's text is kept once. */
	if (r->len && !strcmp(r->pool.text + r->rows[r->len - 1].ip, ip))
		ip_at = r->rows[r->len - 1].ip;
	else if ((ip_at = text_pool_add(&r->pool, ip)) < 0)
		return -ENOMEM;
	if ((name_at = text_pool_add(&r->pool, name)) < 0)
		return -ENOMEM;
	r->rows[r->len++] = (struct names_row){
		.ip = ip_at, .name = name_at,
		.dns = sqlite3_column_int(st, 2),
		.sni_port = sqlite3_column_int64(st, 3),
		.first_ms = sqlite3_column_int64(st, 4),
		.expires_ms = sqlite3_column_int64(st, 5),
	};
	return 0;
}

static size_t mac_hash(const char *mac)
{
	return (size_t)fnv1a64(mac, strlen(mac));
}

/* Device index i into r's hash table (its room checked). */
static void slot_put(struct names_reader *r, size_t i)
{
	size_t s = mac_hash(r->devices[i].mac) & (r->nslots - 1);

	while (r->slots[s])
		s = (s + 1) & (r->nslots - 1);
	r->slots[s] = i + 1;
}

/* Room for one more device; 0 or -ENOMEM. */
static int device_room(struct names_reader *r)
{
	if (r->ndevices == r->devices_cap) {
		size_t cap = r->devices_cap ? 2 * r->devices_cap : 16;
		struct names_device *d = realloc(r->devices, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		r->devices = d;
		r->devices_cap = cap;
	}
	if (2 * (r->ndevices + 1) > r->nslots) {
		size_t n = r->nslots ? 2 * r->nslots : 64;
		uint32_t *slots = calloc(n, sizeof(*slots));

		if (!slots)
			return -ENOMEM;
		free(r->slots);
		r->slots = slots;
		r->nslots = n;
		for (size_t i = 0; i < r->ndevices; i++)
			slot_put(r, i);
	}
	return 0;
}

/* Device mac's rows read into r, r->current its index; 0 or -errno after printing why. */
static int load_device(struct names_reader *r, const char *mac)
{
	size_t first = r->len, pool_len = r->pool.len;
	struct names_device *d;
	int rc = SQLITE_DONE, err = device_room(r);

	sqlite3_bind_text(r->st, 1, mac, -1, SQLITE_STATIC);
	while (!err && (rc = sqlite3_step(r->st)) == SQLITE_ROW)
		err = row_add(r, r->st);
	if (!err && rc != SQLITE_DONE)
		err = -EIO;
	if (err)
		warn("database: names of %s: %s", mac,
		     err == -ENOMEM ? strerror(ENOMEM) : sqlite3_errmsg(sqlite3_db_handle(r->st)));
	sqlite3_reset(r->st);
	if (err) {
		r->len = first;
		r->pool.len = pool_len;
		return err;
	}
	d = &r->devices[r->ndevices];
	snprintf(d->mac, sizeof(d->mac), "%s", mac);
	d->first = first;
	d->len = r->len - first;
	slot_put(r, r->ndevices);
	r->current = r->ndevices++;
	return 0;
}

/* Makes device mac r->current, read if it is not yet; 0 or -errno. */
static int use_device(struct names_reader *r, const char *mac)
{
	size_t s;

	if (r->ndevices && !strcmp(r->devices[r->current].mac, mac))
		return 0;
	for (s = r->nslots ? mac_hash(mac) & (r->nslots - 1) : 0; r->nslots && r->slots[s];
	     s = (s + 1) & (r->nslots - 1))
		if (!strcmp(r->devices[r->slots[s] - 1].mac, mac)) {
			r->current = r->slots[s] - 1;
			return 0;
		}
	return load_device(r, mac);
}

/* The first row of address ip in device d's rows (in ip order), or the end of them. */
static size_t first_of_ip(const struct names_reader *r, const struct names_device *d,
			  const char *ip)
{
	size_t lo = d->first, hi = d->first + d->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->pool.text + r->rows[mid].ip, ip) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int names_reader_at(struct names_reader *r, const char *mac, const char *ip,
		    const struct flow_key *k, int64_t t_ms, char names[FLOW_NAMES_MAX],
		    char source[4])
{
	int sni_port = sni_port_of(k), err;
	char sni[FLOW_NAMES_MAX];
	const struct names_device *d;
	size_t o = 0, so = 0, i, end;
	uint32_t ip_at;

	names[0] = source[0] = sni[0] = '\0';
	if ((err = use_device(r, mac)))
		return err;
	d = &r->devices[r->current];
	end = d->first + d->len;
	i = first_of_ip(r, d, ip);
	ip_at = i < end && !strcmp(r->pool.text + r->rows[i].ip, ip) ? r->rows[i].ip : UINT32_MAX;
	while (i < end && r->rows[i].ip == ip_at) {
		const char *n = r->pool.text + r->rows[i].name;
		bool valid = false, dns = false, sni_here = false;
		size_t len = strlen(n);

		/* One name's rows (both sources), in name order. */
		for (; i < end && r->rows[i].ip == ip_at && !strcmp(r->pool.text + r->rows[i].name, n);
		     i++) {
			const struct names_row *w = &r->rows[i];

			if (!row_valid_at(w, t_ms))
				continue;
			valid = true;
			dns |= w->dns;
			sni_here |= !w->dns && w->sni_port == sni_port;
		}
		if (!valid)
			continue;
		/* A set too long to keep is cut at a whole name. */
		if (o + len + 2 > FLOW_NAMES_MAX)
			break;
		o += snprintf(names + o, FLOW_NAMES_MAX - o, "%s%s", o ? " " : "", n);
		if (sni_here)
			so += snprintf(sni + so, FLOW_NAMES_MAX - so, "%s%s", so ? " " : "", n);
		if (!source[0] || dns)
			snprintf(source, 4, "%s", dns ? "dns" : "sni");
	}
	if (so && so < o)
		snprintf(names, FLOW_NAMES_MAX, "%s", sni);
	return 0;
}

void names_reader_close(struct names_reader *r)
{
	sqlite3_finalize(r->st);
	free(r->rows);
	text_pool_free(&r->pool);
	free(r->devices);
	free(r->slots);
	memset(r, 0, sizeof(*r));
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
