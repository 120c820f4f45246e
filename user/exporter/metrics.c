// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Per-device and per-destination counters with bounded series: see metrics.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exporter/metrics.h"
#include "history/history.h"

void metrics_init(struct metrics *m, unsigned top)
{
	memset(m, 0, sizeof(*m));
	m->top = top;
}

void metrics_free(struct metrics *m)
{
	for (size_t i = 0; i < m->ndevices; i++) {
		for (size_t j = 0; j < m->devices[i].ndests; j++)
			free(m->devices[i].dests[j].name);
		free(m->devices[i].dests);
	}
	free(m->devices);
	memset(m, 0, sizeof(*m));
}

static void counts_add(struct metrics_counts *to, const struct metrics_counts *c)
{
	to->packets_up += c->packets_up;
	to->bytes_up += c->bytes_up;
	to->packets_down += c->packets_down;
	to->bytes_down += c->bytes_down;
}

/* The devices are kept sorted by MAC: a harvest looks one up per changed flow. */
static struct metrics_device *device_get(struct metrics *m, const char *mac, unsigned top)
{
	size_t lo = 0, hi = m->ndevices;
	struct metrics_device *d;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(m->devices[mid].mac, mac);

		if (!c)
			return &m->devices[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (m->ndevices == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;

		d = realloc(m->devices, cap * sizeof(*d));
		if (!d)
			return NULL;
		m->devices = d;
		m->cap = cap;
	}
	d = &m->devices[lo];
	memmove(d + 1, d, (m->ndevices - lo) * sizeof(*d));
	memset(d, 0, sizeof(*d));
	d->dests = calloc(top ? top : 1, sizeof(*d->dests));
	if (!d->dests) {
		memmove(d, d + 1, (m->ndevices - lo) * sizeof(*d));
		return NULL;
	}
	snprintf(d->mac, sizeof(d->mac), "%s", mac);
	m->ndevices++;
	return d;
}

int metrics_add(struct metrics *m, const char *mac, const char *dest, uint8_t proto,
		uint16_t port, const struct metrics_counts *c)
{
	struct metrics_device *d = device_get(m, mac, m->top);
	struct metrics_dest *x;

	if (!d)
		return -ENOMEM;
	counts_add(&d->total, c);
	for (size_t j = 0; j < d->ndests; j++) {
		x = &d->dests[j];
		if (x->proto == proto && x->port == port && !strcmp(x->name, dest)) {
			counts_add(&x->c, c);
			return 0;
		}
	}
	if (d->ndests >= m->top) {
		counts_add(&d->other, c);
		return 0;
	}
	x = &d->dests[d->ndests];
	memset(x, 0, sizeof(*x));
	x->name = strdup(dest);
	if (!x->name) {
		counts_add(&d->other, c);
		return -ENOMEM;
	}
	x->proto = proto;
	x->port = port;
	x->c = *c;
	d->ndests++;
	return 0;
}

/* The history's destinations, summed, for ranking before they become series. */
struct seed_item {
	char mac[MAC_STRLEN];
	char *dest;
	uint8_t proto;
	uint16_t port;
	struct metrics_counts c;
};

struct seed {
	struct seed_item *items;
	size_t len, cap;
	int err;
};

static void seed_row(void *ctx, const struct flow_row *row)
{
	struct seed *s = ctx;
	struct seed_item *x;

	if (s->err)
		return;
	if (s->len == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;

		x = realloc(s->items, cap * sizeof(*x));
		if (!x) {
			s->err = -ENOMEM;
			return;
		}
		s->items = x;
		s->cap = cap;
	}
	x = &s->items[s->len];
	snprintf(x->mac, sizeof(x->mac), "%s", row->device_mac);
	x->dest = strdup(row->name[0] ? row->name : row->remote_ip);
	if (!x->dest) {
		s->err = -ENOMEM;
		return;
	}
	x->proto = row->proto;
	x->port = row->remote_port;
	x->c = (struct metrics_counts){ row->packets_up, row->bytes_up, row->packets_down,
					row->bytes_down };
	s->len++;
}

static int by_key(const void *a, const void *b)
{
	const struct seed_item *x = a, *y = b;
	int c = strcmp(x->mac, y->mac);

	if (!c)
		c = strcmp(x->dest, y->dest);
	if (!c)
		c = (int)x->proto - (int)y->proto;
	if (!c)
		c = (int)x->port - (int)y->port;
	return c;
}

static uint64_t item_bytes(const struct seed_item *x)
{
	return x->c.bytes_up + x->c.bytes_down;
}

/* Per device, the destinations with the most bytes first (ties by key: stable output). */
static int by_device_then_bytes(const void *a, const void *b)
{
	const struct seed_item *x = a, *y = b;
	int c = strcmp(x->mac, y->mac);

	if (c)
		return c;
	if (item_bytes(x) != item_bytes(y))
		return item_bytes(x) > item_bytes(y) ? -1 : 1;
	return by_key(a, b);
}

int metrics_seed(struct metrics *m, sqlite3 *db)
{
	struct seed s = { 0 };
	size_t n = 0;
	int err = history_rows(db, NULL, seed_row, &s);

	if (!err)
		err = s.err;
	if (!err && s.len) {
		/* One item per destination: rows of several addresses or periods summed. */
		qsort(s.items, s.len, sizeof(*s.items), by_key);
		for (size_t i = 0; i < s.len; i++) {
			if (n && !by_key(&s.items[n - 1], &s.items[i])) {
				counts_add(&s.items[n - 1].c, &s.items[i].c);
				free(s.items[i].dest);
				continue;
			}
			s.items[n++] = s.items[i];
		}
		s.len = n;
		qsort(s.items, s.len, sizeof(*s.items), by_device_then_bytes);
		for (size_t i = 0; i < s.len && !err; i++)
			err = metrics_add(m, s.items[i].mac, s.items[i].dest, s.items[i].proto,
					  s.items[i].port, &s.items[i].c);
	}
	for (size_t i = 0; i < s.len; i++)
		free(s.items[i].dest);
	free(s.items);
	return err;
}
