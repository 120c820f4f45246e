// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The attribution tables read once for many destinations: see dest_facts.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/tls.h"
#include "history/cert_store.h"
#include "history/dest_facts.h"

/* Text that does not fit a key is no flow's (flow rows hold no longer ones): skipped. */
static bool copy_text(char *out, size_t len, const unsigned char *text)
{
	return text && snprintf(out, len, "%s", (const char *)text) < (int)len;
}

static int cmp_addr(const struct addr_key *a, const struct addr_key *b)
{
	int c = strcmp(a->mac, b->mac);

	if (!c)
		c = strcmp(a->ip, b->ip);
	if (!c)
		c = (a->port > b->port) - (a->port < b->port);
	return c;
}

/* Grows *items (of size each) for one more; -ENOMEM. */
static int grow(void **items, size_t len, size_t *cap, size_t size)
{
	void *p;

	if (len < *cap)
		return 0;
	if (!(p = realloc(*items, (*cap ? *cap * 2 : 64) * size)))
		return -ENOMEM;
	*items = p;
	*cap = *cap ? *cap * 2 : 64;
	return 0;
}

static unsigned version_bit(const char *v)
{
	for (int b = 0; b < DEST_TLS_VERSIONS; b++)
		if (v && tls_version_name(0x0300 + b) && !strcmp(v, tls_version_name(0x0300 + b)))
			return 1u << b;
	return 0;
}

/* In key order, one fact per device, address and port with its versions or'ed. */
static int load_tls(sqlite3 *db, struct dest_facts *f)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int err = 0;

	if (sqlite3_prepare_v2(db, "SELECT device_mac, remote_ip, remote_port, version"
			       " FROM tls_versions ORDER BY device_mac, remote_ip, remote_port",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	while (!err && sqlite3_step(st) == SQLITE_ROW) {
		struct tls_fact t = { .mask = 0 };

		if (!copy_text(t.k.mac, sizeof(t.k.mac), sqlite3_column_text(st, 0)) ||
		    !copy_text(t.k.ip, sizeof(t.k.ip), sqlite3_column_text(st, 1)))
			continue;
		t.k.port = sqlite3_column_int(st, 2);
		t.mask = version_bit((const char *)sqlite3_column_text(st, 3));
		if (f->ntls && !cmp_addr(&f->tls[f->ntls - 1].k, &t.k))
			f->tls[f->ntls - 1].mask |= t.mask;
		else if (!(err = grow((void **)&f->tls, f->ntls, &cap, sizeof(*f->tls))))
			f->tls[f->ntls++] = t;
	}
	sqlite3_finalize(st);
	return err;
}

/* The best row per device and name: a DNS answer over an SNI, then the latest, then the first. */
static int load_origins(sqlite3 *db, struct dest_facts *f)
{
	sqlite3_stmt *st;
	int64_t best_seen = 0;
	int best_dns = 0, err = 0;
	size_t cap = 0;

	if (sqlite3_prepare_v2(db, "SELECT device_mac, name, source = 'dns', chain, last_seen_ms"
			       " FROM dns_names ORDER BY device_mac, name, rowid", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	while (!err && sqlite3_step(st) == SQLITE_ROW) {
		const char *mac = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *chain = (const char *)sqlite3_column_text(st, 3);
		int dns = sqlite3_column_int(st, 2);
		int64_t seen = sqlite3_column_int64(st, 4);
		struct origin_fact *o = f->norigins ? &f->origins[f->norigins - 1] : NULL;

		if (!mac || !name || strlen(mac) >= MAC_STRLEN)
			continue;
		if (o && !strcmp(o->mac, mac) && !strcmp(o->name, name)) {
			if (dns < best_dns || (dns == best_dns && seen <= best_seen))
				continue;
			free(o->chain);
		} else {
			if ((err = grow((void **)&f->origins, f->norigins, &cap, sizeof(*o))))
				break;
			o = &f->origins[f->norigins++];
			snprintf(o->mac, sizeof(o->mac), "%s", mac);
			o->chain = NULL;
			if (!(o->name = strdup(name))) {
				f->norigins--;
				err = -ENOMEM;
				break;
			}
		}
		best_dns = dns;
		best_seen = seen;
		o->source = dns ? "dns" : "sni";
		if (!(o->chain = strdup(chain ? chain : "")))
			err = -ENOMEM;
	}
	sqlite3_finalize(st);
	return err;
}

/* In the table's key order: the order a lookup of one address read them in. */
static int load_certs(sqlite3 *db, struct dest_facts *f)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int err = 0;

	if (!(f->cert_read = cert_store_prepare_read(db)) ||
	    sqlite3_prepare_v2(db, "SELECT device_mac, remote_ip, remote_port, sni, hidden,"
			       " last_seen_ms, rowid FROM certificates"
			       " ORDER BY device_mac, remote_ip, remote_port, sni, hidden", -1, &st,
			       NULL) != SQLITE_OK)
		return 0;
	while (!err && sqlite3_step(st) == SQLITE_ROW) {
		struct cert_fact c = { .hidden = sqlite3_column_int(st, 4) };

		if (!copy_text(c.k.mac, sizeof(c.k.mac), sqlite3_column_text(st, 0)) ||
		    !copy_text(c.k.ip, sizeof(c.k.ip), sqlite3_column_text(st, 1)))
			continue;
		c.k.port = sqlite3_column_int(st, 2);
		c.seen_ms = sqlite3_column_int64(st, 5);
		c.rowid = sqlite3_column_int64(st, 6);
		if ((err = grow((void **)&f->certs, f->ncerts, &cap, sizeof(c))))
			break;
		const char *sni = (const char *)sqlite3_column_text(st, 3);

		if (!(c.sni = strdup(sni ? sni : "")))
			err = -ENOMEM;
		else
			f->certs[f->ncerts++] = c;
	}
	sqlite3_finalize(st);
	return err;
}

int dest_facts_load(sqlite3 *db, struct dest_facts *f)
{
	int err;

	memset(f, 0, sizeof(*f));
	if ((err = load_tls(db, f)) || (err = load_origins(db, f)))
		return err;
	return load_certs(db, f);
}

/* The first of the n items (of size each, sorted by key, a struct addr_key first) equal to k. */
static size_t lower_bound(const void *items, size_t n, size_t size, const struct addr_key *k)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cmp_addr((const struct addr_key *)((const char *)items + mid * size), k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct origin_fact *find_origin(const struct dest_facts *f, const char *mac,
					     const char *name)
{
	size_t lo = 0, hi = f->norigins;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct origin_fact *o = &f->origins[mid];
		int c = strcmp(o->mac, mac);

		if (!c)
			c = strcmp(o->name, name);
		if (!c)
			return o;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The best row over d's addresses: a certificate, for the name, the latest; the first of equals. */
static int describe_cert(const struct dest_facts *f, struct dest *d, struct addr_key *k)
{
	const struct cert_fact *best = NULL;

	for (size_t i = 0; i < d->nips; i++) {
		snprintf(k->ip, sizeof(k->ip), "%s", d->ips[i]);
		for (size_t c = lower_bound(f->certs, f->ncerts, sizeof(*f->certs), k);
		     c < f->ncerts && !cmp_addr(&f->certs[c].k, k); c++) {
			const struct cert_fact *x = &f->certs[c];
			int match = !strcmp(x->sni, d->first->name);

			if (!best || x->hidden < best->hidden ||
			    (x->hidden == best->hidden &&
			     (match > !strcmp(best->sni, d->first->name) ||
			      (match == !strcmp(best->sni, d->first->name) && x->seen_ms > best->seen_ms))))
				best = x;
		}
	}
	if (!best)
		return 0;
	d->cert_hidden = best->hidden == 1;
	if (best->hidden)
		return 0;
	if (!(d->cert = malloc(sizeof(*d->cert))))
		return -ENOMEM;
	if (cert_store_read(f->cert_read, best->rowid, d->cert)) {
		free(d->cert);
		d->cert = NULL;
	}
	return 0;
}

int dest_facts_describe(const struct dest_facts *f, struct dest *d)
{
	const struct flow_row *r = d->first;
	struct addr_key k = { .port = r->remote_port };
	const struct origin_fact *o;

	snprintf(k.mac, sizeof(k.mac), "%s", r->device_mac);
	for (size_t i = 0; f->ntls && i < d->nips; i++) {
		size_t t;

		snprintf(k.ip, sizeof(k.ip), "%s", d->ips[i]);
		t = lower_bound(f->tls, f->ntls, sizeof(*f->tls), &k);
		if (t < f->ntls && !cmp_addr(&f->tls[t].k, &k))
			d->tls_mask |= f->tls[t].mask;
	}
	if (r->name[0] && (o = find_origin(f, r->device_mac, r->name))) {
		d->name_source = o->source;
		if (dest_set_text(&d->chain, o->chain))
			return -ENOMEM;
	}
	if (r->proto != IPPROTO_TCP || !f->ncerts)
		return 0;
	return describe_cert(f, d, &k);
}

void dest_facts_free(struct dest_facts *f)
{
	for (size_t i = 0; i < f->norigins; i++) {
		free(f->origins[i].name);
		free(f->origins[i].chain);
	}
	for (size_t i = 0; i < f->ncerts; i++)
		free(f->certs[i].sni);
	free(f->tls);
	free(f->origins);
	free(f->certs);
	sqlite3_finalize(f->cert_read);
	memset(f, 0, sizeof(*f));
}
