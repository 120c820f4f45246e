// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Grouping flows into destinations: see destinations.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iotrim.h"
#include "attrib/destinations.h"

bool dest_same(const struct dest_key *a, const struct dest_key *b)
{
	if (a->proto != b->proto || a->port != b->port)
		return false;
	if (a->name[0] || b->name[0])
		return a->name == b->name || !strcasecmp(a->name, b->name);
	return a->family == b->family && !memcmp(a->ip, b->ip, 16);
}

const char *dest_host(const struct flow_row *r)
{
	return r->name[0] ? r->name : r->remote_ip;
}

static struct dest_key key_of(const struct flow_row *r)
{
	return (struct dest_key){ .name = r->name, .family = r->family, .ip = r->ip,
				  .proto = r->proto, .port = r->remote_port };
}

static bool same_dest(const struct flow_row *a, const struct flow_row *b)
{
	struct dest_key ka = key_of(a), kb = key_of(b);

	return !strcmp(a->device_mac, b->device_mac) && dest_same(&ka, &kb);
}

/* cmp_dest within one device. */
static int cmp_dest_in_device(const struct flow_row *a, const struct flow_row *b)
{
	bool same_name = a->name == b->name;	/* pooled: the same text, no need to compare */
	int c = 0;

	if (!same_name)
		c = (a->name[0] != 0) - (b->name[0] != 0);
	if (!c && a->name[0])
		c = same_name ? 0 : strcasecmp(a->name, b->name);
	else if (!c)
		c = strcmp(a->remote_ip, b->remote_ip);
	if (!c)
		c = (int)a->proto - (int)b->proto;
	if (!c)
		c = (int)a->remote_port - (int)b->remote_port;
	if (!c)
		c = strcmp(a->remote_ip, b->remote_ip);
	if (!c && !same_name)
		c = strcmp(a->name, b->name);	/* a total order: one input, one spelling shown */
	return c;
}

/* Device, then addresses before names, then destination: dest_same's rows are adjacent. */
static int cmp_dest(const struct flow_row *a, const struct flow_row *b)
{
	int c = strcmp(a->device_mac, b->device_mac);

	return c ? c : cmp_dest_in_device(a, b);
}

static int cmp_text_ptr(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* strcasecmp, then strcmp: the order of names in cmp_dest_in_device. */
static int cmp_name_ptr(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	int c = strcasecmp(a, b);

	return c ? c : strcmp(a, b);
}

/* A pooled text's place in its order, found by the text's address. */
struct text_rank {
	const char *text;
	size_t rank;
};

static int cmp_text_addr(const void *pa, const void *pb)
{
	const char *a = ((const struct text_rank *)pa)->text;
	const char *b = ((const struct text_rank *)pb)->text;

	return (a > b) - (a < b);
}

/* texts[0..n) sorted by cmp, each with its rank, sorted by address; NULL: no memory. */
static struct text_rank *rank_texts(const char **texts, size_t n,
				    int (*cmp)(const void *, const void *))
{
	struct text_rank *r = malloc((n ? n : 1) * sizeof(*r));

	if (!r)
		return NULL;
	qsort(texts, n, sizeof(*texts), cmp);
	for (size_t k = 0; k < n; k++)
		r[k] = (struct text_rank){ .text = texts[k], .rank = k };
	qsort(r, n, sizeof(*r), cmp_text_addr);
	return r;
}

static size_t rank_of_text(const struct text_rank *r, size_t n, const char *text)
{
	struct text_rank key = { .text = text };

	return ((const struct text_rank *)bsearch(&key, r, n, sizeof(*r), cmp_text_addr))->rank;
}

/*
 * A row's place within its device as cmp_dest_in_device orders it, in 32
 * bytes that settle most comparisons without reading the 200-byte rows (a
 * million of them, out of cache): qsort sorts records this small in place.
 * Named rows after the others; then, named: the name's case-insensitive
 * rank, protocol and port, the address text's first 8 bytes; without a
 * name: the address text's first 16 bytes, protocol and port.  The text
 * bytes are big-endian words (zero after the end), so that integer order
 * is strcmp's.  Equal keys are settled by the rows, then by position.
 */
struct row_rank {
	uint64_t key[3];
	uint32_t index;		/* into the rows */
	uint8_t named;
	uint8_t long_address;	/* no name, and the address text fills the 16 bytes */
};

static uint64_t text_word(const char *s, size_t len)
{
	uint8_t b[8] = { 0 };
	uint64_t w = 0;

	memcpy(b, s, len < 8 ? len : 8);
	for (int i = 0; i < 8; i++)
		w = w << 8 | b[i];
	return w;
}

static void row_rank_init(struct row_rank *k, const struct flow_row *r, uint32_t index,
			  size_t name_ci_rank)
{
	size_t len = strnlen(r->remote_ip, sizeof(r->remote_ip));
	uint64_t port = (uint64_t)r->proto << 16 | r->remote_port;

	k->index = index;
	k->named = r->name[0] != 0;
	k->long_address = !k->named && len >= 16;
	if (k->named) {
		k->key[0] = name_ci_rank;
		k->key[1] = port;
		k->key[2] = text_word(r->remote_ip, len);
	} else {
		k->key[0] = text_word(r->remote_ip, len);
		k->key[1] = len > 8 ? text_word(r->remote_ip + 8, len - 8) : 0;
		k->key[2] = port;
	}
}

static int cmp_row_rank(const void *pa, const void *pb, void *rows)
{
	const struct row_rank *a = pa, *b = pb;
	const struct flow_row *items = rows;
	int c;

	if (a->named != b->named)
		return a->named ? 1 : -1;
	for (int w = 0; w < 3; w++) {
		if (a->key[w] != b->key[w])
			return a->key[w] < b->key[w] ? -1 : 1;
		if (w == 1 && a->long_address)
			break;	/* the rest of the address comes before protocol and port */
	}
	c = cmp_dest_in_device(&items[a->index], &items[b->index]);
	return c ? c : (a->index > b->index) - (a->index < b->index);
}

/*
 * Sorts rows as a stable qsort by cmp_dest would, faster: rows are put in
 * buckets by device (few, ranked once by text), each bucket sorted as
 * row_ranks, and the rows moved once.  0 or -ENOMEM.
 */
static int sort_rows(struct flow_rows *rows)
{
	struct name_pool macs = { 0 };
	const char **mac_of = malloc((rows->len ? rows->len : 1) * sizeof(*mac_of));
	const char **devs = NULL, **names = NULL;
	struct text_rank *dev_ranks = NULL, *name_ranks = NULL;
	struct row_rank *order = malloc((rows->len ? rows->len : 1) * sizeof(*order));
	size_t *rank_of = malloc((rows->len ? rows->len : 1) * sizeof(*rank_of));
	size_t *start = NULL, *ci_rank = NULL, ndevs = 0, nnames = 0;
	struct flow_row *sorted = malloc((rows->len ? rows->len : 1) * sizeof(*sorted));
	int err = -ENOMEM;

	if (!mac_of || !order || !rank_of || !sorted)
		goto out;
	for (size_t i = 0; i < rows->len; i++)
		if (!(mac_of[i] = name_pool_intern(&macs, rows->items[i].device_mac)))
			goto out;
	/* The devices in text order (rank), and by address to find a row's rank. */
	devs = malloc((macs.count + 1) * sizeof(*devs));
	start = calloc(macs.count + 2, sizeof(*start));
	if (!devs || !start)
		goto out;
	for (size_t i = 0; i < macs.nslots; i++)
		if (macs.slots[i])
			devs[ndevs++] = macs.slots[i];
	/* "" is not pooled: the rows without a device, if any, are one more. */
	for (size_t i = 0; i < rows->len; i++)
		if (!mac_of[i][0]) {
			devs[ndevs++] = mac_of[i];
			break;
		}
	if (!(dev_ranks = rank_texts(devs, ndevs, cmp_text_ptr)))
		goto out;
	/* The names (pooled; "" is no name) ranked alike, and case-insensitively. */
	names = malloc((rows->names.count + 1) * sizeof(*names));
	ci_rank = malloc((rows->names.count + 1) * sizeof(*ci_rank));
	if (!names || !ci_rank)
		goto out;
	for (size_t i = 0; i < rows->names.nslots; i++)
		if (rows->names.slots[i])
			names[nnames++] = rows->names.slots[i];
	if (!(name_ranks = rank_texts(names, nnames, cmp_name_ptr)))
		goto out;
	for (size_t k = 0; k < nnames; k++)
		ci_rank[k] = k && !strcasecmp(names[k - 1], names[k]) ? ci_rank[k - 1] : k;
	for (size_t i = 0; i < rows->len; i++) {
		rank_of[i] = rank_of_text(dev_ranks, ndevs, mac_of[i]);
		start[rank_of[i] + 1]++;
	}
	for (size_t d = 0; d < ndevs; d++)
		start[d + 1] += start[d];
	for (size_t i = 0; i < rows->len; i++) {
		const struct flow_row *r = &rows->items[i];

		row_rank_init(&order[start[rank_of[i]]++], r, (uint32_t)i,
			      r->name[0] ? ci_rank[rank_of_text(name_ranks, nnames, r->name)] : 0);
	}
	for (size_t d = 0, from = 0; d < ndevs; from = start[d++])
		qsort_r(order + from, start[d] - from, sizeof(*order), cmp_row_rank, rows->items);
	for (size_t i = 0; i < rows->len; i++)
		sorted[i] = rows->items[order[i].index];
	free(rows->items);
	rows->items = sorted;
	rows->cap = rows->len ? rows->len : 1;
	sorted = NULL;
	err = 0;
out:
	free(sorted);
	free(order);
	free(mac_of);
	free(rank_of);
	free(devs);
	free(dev_ranks);
	free(names);
	free(name_ranks);
	free(ci_rank);
	free(start);
	name_pool_free(&macs);
	return err;
}

bool dest_names_shared(const char *names)
{
	return strchr(names, ' ') != NULL;
}

/* Is name one of the space separated names? */
static bool names_have(const char *names, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = names; *p; p += strcspn(p, " "), p += *p == ' ') {
		if (strcspn(p, " ") == len && !strncasecmp(p, name, len))
			return true;
	}
	return false;
}

/*
 * Each name of a shared row is a destination of its own too: a row without
 * bytes per name (and address) lists it, so that it can be told, and
 * blocked, apart; the shared bytes stay in the shared row alone.
 */
static int add_member_rows(struct flow_rows *rows)
{
	size_t n = rows->len;

	for (size_t i = 0; i < n; i++) {
		char names[FLOW_NAMES_MAX], *save = NULL;

		if (!dest_names_shared(rows->items[i].name))
			continue;
		snprintf(names, sizeof(names), "%s", rows->items[i].name);
		for (char *tok = strtok_r(names, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
			struct flow_row m = rows->items[i];

			m.name = tok;
			m.packets_up = m.bytes_up = m.packets_down = m.bytes_down = 0;
			if (flow_rows_add(rows, &m))
				return -ENOMEM;
		}
	}
	return 0;
}

/* The other names d's name shares bytes with, from the shared destinations of its device. */
static int note_sharing(struct dest_list *l)
{
	size_t *shared = NULL, nshared = 0;

	/* Only the shared destinations are compared with: few, however many names. */
	for (size_t i = 0; i < l->len; i++) {
		l->items[i].shared = dest_names_shared(l->items[i].first->name);
		l->items[i].shared_with = l->items[i].chain = l->items[i].reason = "";
		if (l->items[i].shared) {
			size_t *grown = realloc(shared, (nshared + 1) * sizeof(*shared));

			if (!grown) {
				free(shared);
				return -ENOMEM;
			}
			shared = grown;
			shared[nshared++] = i;
		}
	}
	for (size_t i = 0; i < l->len; i++) {
		struct dest *d = &l->items[i];
		const struct flow_row *r = d->first;
		char with[FLOW_NAMES_MAX] = "";
		size_t o = 0;

		if (d->shared || !r->name[0])
			continue;
		for (size_t k = 0; k < nshared; k++) {
			const struct flow_row *s = l->items[shared[k]].first;
			char names[FLOW_NAMES_MAX], *save = NULL;

			if (!dest_names_shared(s->name) || strcmp(s->device_mac, r->device_mac) ||
			    s->proto != r->proto || s->remote_port != r->remote_port ||
			    !names_have(s->name, r->name))
				continue;
			snprintf(names, sizeof(names), "%s", s->name);
			for (char *tok = strtok_r(names, " ", &save); tok;
			     tok = strtok_r(NULL, " ", &save)) {
				if (!strcasecmp(tok, r->name) || names_have(with, tok) ||
				    o + strlen(tok) + 2 > sizeof(with))
					continue;
				o += snprintf(with + o, sizeof(with) - o, "%s%s", o ? " " : "", tok);
			}
		}
		if (with[0] && dest_set_text(&d->shared_with, with)) {
			free(shared);
			return -ENOMEM;
		}
	}
	free(shared);
	return 0;
}

int dest_group(struct flow_rows *rows, struct dest_list *out)
{
	size_t i = 0, nips = 0;

	memset(out, 0, sizeof(*out));
	if (add_member_rows(rows))
		return -ENOMEM;
	if (sort_rows(rows))
		return -ENOMEM;
	out->items = calloc(rows->len ? rows->len : 1, sizeof(*out->items));
	out->ips = malloc((rows->len ? rows->len : 1) * sizeof(*out->ips));
	if (!out->items || !out->ips)
		return -ENOMEM;
	while (i < rows->len) {
		struct dest *d = &out->items[out->len++];
		uint64_t best = 0, ip_bytes = 0;
		size_t j = i;

		d->first = &rows->items[i];
		d->ips = out->ips + nips;	/* a row adds at most one address */
		d->domain = "";
		d->first_seen_ms = INT64_MAX;
		while (j < rows->len && same_dest(&rows->items[i], &rows->items[j])) {
			const struct flow_row *r = &rows->items[j];

			if (j == i || strcmp(r->remote_ip, rows->items[j - 1].remote_ip)) {
				d->ips[d->nips++] = (char *)r->remote_ip;
				ip_bytes = 0;
			}
			ip_bytes += r->bytes_up + r->bytes_down;
			if (ip_bytes >= best || !d->main_ip) {
				best = ip_bytes;
				d->main_ip = r->remote_ip;
				d->family = r->family;
				memcpy(d->ip, r->ip, 16);
			}
			d->packets_up += r->packets_up;
			d->bytes_up += r->bytes_up;
			d->packets_down += r->packets_down;
			d->bytes_down += r->bytes_down;
			if (r->first_seen_ms < d->first_seen_ms)
				d->first_seen_ms = r->first_seen_ms;
			if (r->last_seen_ms > d->last_seen_ms)
				d->last_seen_ms = r->last_seen_ms;
			j++;
		}
		d->nrows = j - i;
		nips += d->nips;
		i = j;
	}
	return note_sharing(out);
}

int dest_set_text(const char **field, const char *s)
{
	char *copy;

	if (!s[0]) {
		*field = "";
		return 0;
	}
	if (!(copy = strdup(s)))
		return -ENOMEM;
	*field = copy;
	return 0;
}

static void dest_text_free(const char *s)
{
	if (s && s[0])
		free((char *)s);
}

/* The device's info, looked up once per device (the list is grouped by device). */
static const struct device_info *list_device(struct dest_list *l, struct device_config *conf,
					     const uint8_t mac[6])
{
	struct device_info **grown, *info;

	if (l->ndevices && !memcmp(l->devices[l->ndevices - 1]->mac, mac, 6))
		return l->devices[l->ndevices - 1];
	for (size_t i = 0; i + 1 < l->ndevices; i++)
		if (!memcmp(l->devices[i]->mac, mac, 6))
			return l->devices[i];
	info = malloc(sizeof(*info));
	grown = realloc(l->devices, (l->ndevices + 1) * sizeof(*grown));
	if (!info || !grown) {
		free(info);
		if (grown)
			l->devices = grown;
		return NULL;
	}
	l->devices = grown;
	device_info_get(conf, mac, info);
	memcpy(info->mac, mac, 6);
	l->devices[l->ndevices++] = info;
	return info;
}

/* Sets one of d's pooled texts (domain, reason) to l's copy of s; -ENOMEM. */
static int dest_set_pooled(struct dest_list *l, const char **field, const char *s)
{
	return (*field = name_pool_intern(&l->texts, s)) ? 0 : -ENOMEM;
}

static void add_country(struct dest *d, const char *cc)
{
	if (!cc[0])
		return;
	for (int i = 0; i < d->ncountries; i++)
		if (!strcmp(d->countries[i], cc))
			return;
	if (d->ncountries < 8)
		memcpy(d->countries[d->ncountries++], cc, 3);
}

int dest_describe(struct dest_list *l, struct dest *d, const struct geo *geo,
		  const struct providers *prov, struct device_config *conf,
		  const struct local_nets *local, bool address_countries)
{
	const struct flow_row *r = d->first;
	struct party_input in = { 0 };
	uint8_t mac[6] = { 0 }, device_ip[16] = { 0 };
	char reason[PARTY_REASON_MAX];
	const char *why;
	char domain[256];

	parse_mac(r->device_mac, mac);
	if (!(d->device = list_device(l, conf, mac)))
		return -ENOMEM;
	inet_pton(d->family == IOTRIM_FAMILY_IPV4 ? AF_INET : AF_INET6, r->device_ip, device_ip);
	why = local_reason(local, d->family, device_ip, d->ip);
	if (why) {
		/* Not a remote party: no country, AS or party rules (and no shares). */
		d->party = PARTY_LOCAL;
		return dest_set_pooled(l, &d->reason, why);
	}
	if (r->name[0]) {
		char first[DNS_NAME_MAX];

		/* A shared destination: its first name's (they share one owner, mostly). */
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(r->name, " "), r->name);
		registrable_domain(first, domain, sizeof(domain));
		if (dest_set_pooled(l, &d->domain, domain))
			return -ENOMEM;
	}
	geo_lookup(geo, d->family, d->ip, &d->geo);
	for (size_t i = 0; address_countries && i < d->nips; i++) {
		/* ips point into the rows: each is the remote_ip of its address's first row. */
		const struct flow_row *x = (const struct flow_row *)(d->ips[i] -
					   offsetof(struct flow_row, remote_ip));
		struct geo_info g;

		if (!strcmp(d->ips[i], d->main_ip)) {
			add_country(d, d->geo.country);
			continue;
		}
		geo_lookup(geo, x->family, x->ip, &g);
		add_country(d, g.country);
	}
	in.device = d->device;
	in.domain = d->domain[0] ? d->domain : NULL;
	in.asn = d->geo.asn;
	in.org = d->geo.org;
	in.family = d->family;
	in.ip = d->ip;
	d->party = party_classify(prov, &in, reason);
	return dest_set_pooled(l, &d->reason, reason);
}

/* Most bytes first, then as grouped: a total order within a device. */
static int cmp_dest_bytes(const void *pa, const void *pb)
{
	const struct dest *a = pa, *b = pb;
	uint64_t x = a->bytes_up + a->bytes_down, y = b->bytes_up + b->bytes_down;

	if (x != y)
		return x < y ? 1 : -1;
	return cmp_dest(a->first, b->first);
}

void dest_sort(struct dest_list *l)
{
	/* dest_group left each device's destinations together, devices in order:
	 * sorting each device's run is the whole order, without comparing devices. */
	for (size_t i = 0, end; i < l->len; i = end) {
		const char *mac = l->items[i].first->device_mac;

		for (end = i + 1; end < l->len && !strcmp(l->items[end].first->device_mac, mac); end++)
			;
		qsort(&l->items[i], end - i, sizeof(*l->items), cmp_dest_bytes);
	}
}

void dest_list_free(struct dest_list *l)
{
	for (size_t i = 0; i < l->len; i++) {
		dest_text_free(l->items[i].chain);
		dest_text_free(l->items[i].shared_with);
		free(l->items[i].cert);
	}
	for (size_t i = 0; i < l->ndevices; i++)
		free(l->devices[i]);
	free(l->devices);
	free(l->items);
	free(l->ips);
	name_pool_free(&l->texts);
	memset(l, 0, sizeof(*l));
}
