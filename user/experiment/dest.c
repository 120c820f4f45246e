// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Destination sets, grouping observed flows into destinations (METHODS 1)
 * and the deny rules that block a set of them without touching the others.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "attrib/destinations.h"
#include "experiment/experiment.h"
#include "common/dnsname.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "iotrim.h"

/* ---- sets ---------------------------------------------------------------- */

unsigned exp_set_count(const struct exp_set *s)
{
	unsigned n = 0;

	for (unsigned i = 0; i < EXP_MAX_DESTS / 64; i++)
		n += __builtin_popcountll(s->w[i]);
	return n;
}

bool exp_set_equal(const struct exp_set *a, const struct exp_set *b)
{
	return !memcmp(a->w, b->w, sizeof(a->w));
}

bool exp_set_empty(const struct exp_set *s)
{
	return exp_set_count(s) == 0;
}

int exp_set_nth(const struct exp_set *s, unsigned n)
{
	for (unsigned i = 0; i < EXP_MAX_DESTS; i++)
		if (exp_set_has(s, i) && n-- == 0)
			return (int)i;
	return -1;
}

bool exp_set_format(const struct exp_set *s, char *out, size_t len)
{
	size_t o = 0;

	if (!len)
		return false;
	out[0] = '\0';
	for (unsigned i = 0; i < EXP_MAX_DESTS; i++) {
		if (!exp_set_has(s, i))
			continue;
		int n = snprintf(out + o, len - o, "%s%u", o ? "," : "", i);

		if (n < 0 || (size_t)n >= len - o)
			return false;
		o += n;
	}
	return true;
}

bool exp_set_parse(const char *text, struct exp_set *s)
{
	memset(s, 0, sizeof(*s));
	while (*text) {
		char *end;
		unsigned long v = strtoul(text, &end, 10);

		if (end == text || v >= EXP_MAX_DESTS)
			return false;
		exp_set_add(s, (unsigned)v);
		if (*end == ',')
			end++;
		else if (*end)
			return false;
		text = end;
	}
	return true;
}

/* ---- addresses and labels ------------------------------------------------- */

bool exp_addr_parse(const char *s, struct exp_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->ip) == 1) {
		a->family = IOTRIM_FAMILY_IPV4;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->ip) == 1) {
		a->family = IOTRIM_FAMILY_IPV6;
		return true;
	}
	return false;
}

void exp_addr_format(const struct exp_addr *a, char *out, size_t len)
{
	char buf[INET6_ADDRSTRLEN];

	format_ip(a->family, a->ip, buf);
	snprintf(out, len, "%s", buf);
}

static bool addr_equal(const struct exp_addr *a, const struct exp_addr *b)
{
	return a->family == b->family && !memcmp(a->ip, b->ip, 16);
}

void exp_dest_label(const struct exp_dest *d, char out[EXP_LABEL_MAX])
{
	char host[EXP_NAME_MAX + 2], proto[PROTO_STRLEN];

	if (d->name[0]) {
		snprintf(host, sizeof(host), "%s", d->name);
	} else {
		char ip[INET6_ADDRSTRLEN];

		exp_addr_format(&d->ips[0], ip, sizeof(ip));
		if (d->ips[0].family == IOTRIM_FAMILY_IPV6 && d->port)
			snprintf(host, sizeof(host), "[%s]", ip);
		else
			snprintf(host, sizeof(host), "%s", ip);
	}
	format_proto(d->proto, proto);
	if (!d->port)
		snprintf(out, EXP_LABEL_MAX, "%s/%s", host, proto);
	else if (d->proto == IPPROTO_TCP)
		snprintf(out, EXP_LABEL_MAX, "%s:%u", host, d->port);
	else
		snprintf(out, EXP_LABEL_MAX, "%s:%u/%s", host, d->port, proto);
}

/* Splits "host:port", "[v6]:port", "host" or a bare IPv6 address. */
static void split_pattern(const char *pat, char host[EXP_NAME_MAX], long *port)
{
	const char *colon = strrchr(pat, ':');

	*port = -1;
	if (pat[0] == '[') {
		const char *close = strchr(pat, ']');

		if (close) {
			snprintf(host, EXP_NAME_MAX, "%.*s", (int)(close - pat - 1), pat + 1);
			if (close[1] == ':')
				*port = strtol(close + 2, NULL, 10);
			return;
		}
	}
	if (colon && strchr(pat, ':') == colon) {	/* one colon: host:port */
		snprintf(host, EXP_NAME_MAX, "%.*s", (int)(colon - pat), pat);
		*port = strtol(colon + 1, NULL, 10);
		return;
	}
	snprintf(host, EXP_NAME_MAX, "%s", pat);
}

bool exp_exclude_matches(const char *pattern, const struct exp_dest *d)
{
	char host[EXP_NAME_MAX], label[EXP_LABEL_MAX];
	struct exp_addr a;
	long port;

	exp_dest_label(d, label);
	if (!strcasecmp(pattern, label))
		return true;
	split_pattern(pattern, host, &port);
	if (port >= 0 && port != d->port)
		return false;
	if (exp_addr_parse(host, &a)) {
		for (unsigned i = 0; i < d->nips; i++)
			if (addr_equal(&a, &d->ips[i]))
				return true;
		return false;
	}
	return d->name[0] && !strcasecmp(host, d->name);
}

/* ---- grouping ------------------------------------------------------------------ */

static bool same_dest(const struct exp_dest *d, const struct exp_obs *o)
{
	const struct dest_key kd = { .name = d->name, .family = d->ips[0].family,
				     .ip = d->ips[0].ip, .proto = d->proto, .port = d->port };
	const struct dest_key ko = { .name = o->name, .family = o->addr.family,
				     .ip = o->addr.ip, .proto = o->proto, .port = o->port };

	return dest_same(&kd, &ko);
}

static int cmp_dest(const void *pa, const void *pb)
{
	const struct exp_dest *a = pa, *b = pb;
	char la[EXP_LABEL_MAX], lb[EXP_LABEL_MAX];

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	exp_dest_label(a, la);
	exp_dest_label(b, lb);
	return strcmp(la, lb);
}

int exp_group_destinations(const struct exp_obs *obs, size_t nobs, char *const *exclude,
			   unsigned nexclude, struct exp_dest *out, unsigned max)
{
	struct exp_dest *all = calloc(nobs ? nobs : 1, sizeof(*all));
	unsigned n = 0, kept = 0;

	if (!all)
		return -1;
	for (size_t i = 0; i < nobs; i++) {
		const struct exp_obs *o = &obs[i];
		struct exp_dest *d = NULL;
		unsigned k;

		for (unsigned j = 0; j < n; j++)
			if (same_dest(&all[j], o)) {
				d = &all[j];
				break;
			}
		if (!d) {
			d = &all[n++];
			snprintf(d->name, sizeof(d->name), "%s", o->name);
			for (char *c = d->name; *c; c++)
				if (*c >= 'A' && *c <= 'Z')
					*c += 'a' - 'A';
			d->proto = o->proto;
			d->port = o->port;
		}
		d->bytes += o->bytes;
		for (k = 0; k < d->nips; k++)
			if (addr_equal(&d->ips[k], &o->addr))
				break;
		if (k == d->nips && d->nips < EXP_MAX_IPS)
			d->ips[d->nips++] = o->addr;
	}
	for (unsigned j = 0; j < n; j++) {
		bool excluded = false;

		for (unsigned e = 0; e < nexclude && !excluded; e++)
			excluded = exp_exclude_matches(exclude[e], &all[j]);
		if (!excluded)
			all[kept++] = all[j];
	}
	qsort(all, kept, sizeof(*all), cmp_dest);
	if (kept > max) {
		free(all);
		return -1;
	}
	memcpy(out, all, kept * sizeof(*all));
	free(all);
	return (int)kept;
}

/* ---- rules ------------------------------------------------------------------------ */

static bool rule_equal(const struct exp_rule *a, const struct exp_rule *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == EXP_RULE_NAME)
		return !strcmp(a->name, b->name);
	return addr_equal(&a->addr, &b->addr) && a->proto == b->proto && a->port == b->port;
}

static int add_rule(struct exp_rule *out, unsigned *n, unsigned max, const struct exp_rule *r)
{
	for (unsigned i = 0; i < *n; i++)
		if (rule_equal(&out[i], r))
			return 0;
	if (*n == max)
		return -1;
	out[(*n)++] = *r;
	return 0;
}

/* Does a destination outside the set use this address (and proto/port)? */
static bool shared_outside(const struct exp_dest *d, unsigned n, const struct exp_set *blocked,
			   const struct exp_addr *a, uint8_t proto, uint16_t port, bool port_scoped)
{
	for (unsigned j = 0; j < n; j++) {
		if (exp_set_has(blocked, j))
			continue;
		if (port_scoped && (d[j].proto != proto || d[j].port != port))
			continue;
		for (unsigned k = 0; k < d[j].nips; k++)
			if (addr_equal(&d[j].ips[k], a))
				return true;
	}
	return false;
}

/* Does another name outside the set use one of d[i]'s addresses on its proto and port? */
static bool other_name_on_port(const struct exp_dest *d, unsigned n, const struct exp_set *blocked,
			       unsigned i)
{
	for (unsigned j = 0; j < n; j++) {
		if (exp_set_has(blocked, j) || !d[j].name[0] || !strcasecmp(d[j].name, d[i].name) ||
		    d[j].proto != d[i].proto || d[j].port != d[i].port)
			continue;
		for (unsigned k = 0; k < d[i].nips; k++)
			for (unsigned m = 0; m < d[j].nips; m++)
				if (addr_equal(&d[i].ips[k], &d[j].ips[m]))
					return true;
	}
	return false;
}

int exp_rules_for_set(const struct exp_dest *d, unsigned n, const struct exp_set *blocked,
		      bool port_scoped, struct exp_rule *out, unsigned max)
{
	unsigned count = 0;

	for (unsigned i = 0; i < n; i++) {
		struct exp_rule r;

		unsigned open_ips = 0;
		bool whole_name = true;

		if (!exp_set_has(blocked, i))
			continue;
		for (unsigned j = 0; d[i].name[0] && j < n; j++)
			if (!exp_set_has(blocked, j) && dns_name_covers(d[i].name, d[j].name))
				whole_name = false;
		for (unsigned k = 0; d[i].name[0] && k < d[i].nips; k++)
			open_ips += !shared_outside(d, n, blocked, &d[i].ips[k], d[i].proto, d[i].port,
						    port_scoped);
		/*
		 * The name, unless that would block a destination outside the set
		 * too; but a name whose addresses another name uses on the same
		 * port (two names on one address and port) can be blocked by its
		 * name only: then the name, even if it takes its other ports along.
		 */
		if (d[i].name[0] && (whole_name || (!open_ips && other_name_on_port(d, n, blocked, i)))) {
			memset(&r, 0, sizeof(r));
			r.kind = EXP_RULE_NAME;
			snprintf(r.name, sizeof(r.name), "%s", d[i].name);
			if (add_rule(out, &count, max, &r))
				return -1;
		}
		for (unsigned k = 0; k < d[i].nips; k++) {
			/* A bare address has no other way to be blocked. */
			if (d[i].name[0] && shared_outside(d, n, blocked, &d[i].ips[k], d[i].proto,
							   d[i].port, port_scoped))
				continue;
			memset(&r, 0, sizeof(r));
			r.kind = EXP_RULE_IP;
			r.addr = d[i].ips[k];
			if (port_scoped) {
				r.proto = d[i].proto;
				r.port = d[i].port;
			}
			if (add_rule(out, &count, max, &r))
				return -1;
		}
	}
	return (int)count;
}

void exp_rule_format(const struct exp_rule *r, char *out, size_t len)
{
	char ip[INET6_ADDRSTRLEN], proto[PROTO_STRLEN];

	if (r->kind == EXP_RULE_NAME) {
		snprintf(out, len, "name %s", r->name);
		return;
	}
	exp_addr_format(&r->addr, ip, sizeof(ip));
	if (!r->proto) {
		snprintf(out, len, "ip %s", ip);
		return;
	}
	format_proto(r->proto, proto);
	if (r->port)
		snprintf(out, len, "ip %s %s %u", ip, proto, r->port);
	else
		snprintf(out, len, "ip %s %s", ip, proto);
}
