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
#include "attrib/row_order.h"

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
	if (flow_rows_sort(rows))
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

/*
 * A destination's place in dest_sort: most bytes first, then as grouped.
 * dest_group made the destinations in the order of their first rows,
 * and two destinations' first rows never compare equal, so "as grouped" is
 * the position: 16 bytes settle every comparison, where comparing the
 * 360-byte destinations read their rows on every tie of bytes.
 */
struct dest_rank {
	uint64_t bytes;
	size_t index;
};

static int cmp_dest_rank(const void *pa, const void *pb)
{
	const struct dest_rank *a = pa, *b = pb;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return (a->index > b->index) - (a->index < b->index);
}

/* Puts d[order[k].index] at d[k] for every k, moving each destination once. */
static void permute_dests(struct dest *d, struct dest_rank *order, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct dest keep;
		size_t at = k;

		if (order[k].index == k || order[k].index == SIZE_MAX)
			continue;
		keep = d[k];	/* a cycle: k <- order[k] <- ... <- k */
		while (order[at].index != k) {
			size_t from = order[at].index;

			d[at] = d[from];
			order[at].index = SIZE_MAX;	/* placed */
			at = from;
		}
		d[at] = keep;
		order[at].index = SIZE_MAX;
	}
}

int dest_sort(struct dest_list *l)
{
	struct dest_rank *order = malloc((l->len ? l->len : 1) * sizeof(*order));

	if (!order)
		return -ENOMEM;
	/* dest_group left each device's destinations together, devices in order:
	 * sorting each device's run is the whole order, without comparing devices. */
	for (size_t i = 0, end; i < l->len; i = end) {
		const char *mac = l->items[i].first->device_mac;

		for (end = i + 1; end < l->len && !strcmp(l->items[end].first->device_mac, mac); end++)
			;
		for (size_t k = i; k < end; k++)
			order[k] = (struct dest_rank){
				.bytes = l->items[k].bytes_up + l->items[k].bytes_down,
				.index = k - i };
		qsort(order + i, end - i, sizeof(*order), cmp_dest_rank);
		permute_dests(l->items + i, order + i, end - i);
	}
	free(order);
	return 0;
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
