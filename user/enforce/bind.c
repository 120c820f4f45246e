// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "common/clock.h"
#include "common/dnsname.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "datapath/pin.h"
#include "enforce/bind.h"
#include "enforce/store.h"
#include "iotrim_maps.h"

/* One (device, address, name) the device used. */
struct obs {
	uint8_t mac[6];
	uint8_t family;
	uint8_t ip[16];
	char name[IOTRIM_NAME_LEN];
	char source[4];		/* "dns" or "sni" */
	char chain[512];	/* CNAME targets after name, space separated */
};

struct obs_list {
	struct obs *items;
	size_t len;
};

struct obs_list_cap {
	size_t n;
};

void bind_note(struct bind_result *out, const char *note)
{
	size_t len = strlen(out->left_alone);

	snprintf(out->left_alone + len, sizeof(out->left_alone) - len, "%s%s", len ? "; " : "",
		 note);
}

static int obs_push(struct obs_list *l, struct obs_list_cap *cap, const struct obs *o)
{
	if (l->len == cap->n) {
		size_t n = cap->n ? cap->n * 2 : 64;
		struct obs *items = realloc(l->items, n * sizeof(*items));

		if (!items)
			return -ENOMEM;
		l->items = items;
		cap->n = n;
	}
	l->items[l->len++] = *o;
	return 0;
}

static bool parse_ip(const char *text, uint8_t *family, uint8_t ip[16])
{
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, text, ip) == 1) {
		*family = IOTRIM_FAMILY_IPV4;
		return true;
	}
	if (inet_pton(AF_INET6, text, ip) == 1) {
		*family = IOTRIM_FAMILY_IPV6;
		return true;
	}
	return false;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* Orders observations by (device, address): sorting and bsearch. */
static int obs_addr_cmp(const void *a, const void *b)
{
	const struct obs *x = a, *y = b;
	int c = memcmp(x->mac, y->mac, 6);

	if (c)
		return c;
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->ip, y->ip, 16);
}

/* name and its subdomains as LIKE patterns ('%' and '_' escaped with '\'). */
static void like_patterns(const char *name, char *exact, size_t len, char *below, size_t below_len)
{
	size_t o = 0;

	for (const char *c = name; *c && o + 3 < len; c++) {
		if (*c == '%' || *c == '_' || *c == '\\')
			exact[o++] = '\\';
		exact[o++] = *c;
	}
	exact[o] = '\0';
	snprintf(below, below_len, "%%.%s", exact);
}

/*
 * Does the rule cover what the device asked for: the name, or a CNAME target
 * its answer led through (as the program's deep CNAME inspection does)?
 * via gets "alias.example -> target.example" for a target, "" for the name.
 */
static bool name_or_chain_covered(const struct block_rule *rule, const char *name,
				  const char *chain, char *via, size_t via_len)
{
	char targets[sizeof(((struct obs *)0)->chain)], *save = NULL;

	if (via_len)
		via[0] = '\0';
	if (dns_name_covers(rule->target, name))
		return true;
	snprintf(targets, sizeof(targets), "%s", chain);
	for (char *t = strtok_r(targets, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (!dns_name_covers(rule->target, t))
			continue;
		if (via_len)
			snprintf(via, via_len, "%s -> %s", name, t);
		return true;
	}
	return false;
}

static bool in_scope(const struct block_rule *rule, const uint8_t mac[6])
{
	return rule->all_devices || !memcmp(rule->mac, mac, 6);
}

/*
 * The SQL test "name, or a target of chain, is the rule's name or below it":
 * ?2 and ?3 are like_patterns() of the rule's name; the chain is matched
 * with a space on each side, so only whole targets match.
 */
#define SQL_COVERED \
	"(name LIKE ?2 ESCAPE '\\' OR name LIKE ?3 ESCAPE '\\'" \
	" OR ' ' || chain || ' ' LIKE '% ' || ?2 || ' %' ESCAPE '\\'" \
	" OR ' ' || chain || ' ' LIKE '% ' || ?3 || ' %' ESCAPE '\\')"

/*
 * The (device, address) pairs the rule covers, by name or CNAME target,
 * once each at their first covered name (rowid order), from dns_names:
 * SQLite walks the (device_mac, name) index, so this is linear in the
 * device's rows and needs no de-duplication here.  0 or -errno; no table is
 * no error.
 */
static int covered_from_db(sqlite3 *db, const struct block_rule *rule, struct obs_list *out,
			   struct obs_list_cap *cap)
{
	char mac[MAC_STRLEN], exact[2 * sizeof(rule->target) + 8], below[sizeof(exact) + 2];
	sqlite3_stmt *st;
	int err = 0;

	if (sqlite3_prepare_v2(db,
			       "SELECT device_mac, ip, name, source, chain, MIN(rowid) FROM dns_names"
			       " WHERE (?1 IS NULL OR device_mac = ?1) AND " SQL_COVERED
			       " GROUP BY device_mac, ip ORDER BY MIN(rowid)",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	if (!rule->all_devices) {
		format_mac(rule->mac, mac);
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
	}
	like_patterns(rule->target, exact, sizeof(exact), below, sizeof(below));
	sqlite3_bind_text(st, 2, exact, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, below, -1, SQLITE_TRANSIENT);
	while (!err && sqlite3_step(st) == SQLITE_ROW) {
		struct obs o = { 0 };
		const char *m = (const char *)sqlite3_column_text(st, 0);
		const char *ip = (const char *)sqlite3_column_text(st, 1);
		const char *name = (const char *)sqlite3_column_text(st, 2);
		const char *src = (const char *)sqlite3_column_text(st, 3);
		const char *chain = (const char *)sqlite3_column_text(st, 4);

		if (!m || !ip || !name || !parse_mac(m, o.mac) || !parse_ip(ip, &o.family, o.ip))
			continue;
		snprintf(o.name, sizeof(o.name), "%s", name);
		snprintf(o.source, sizeof(o.source), "%s", src ? src : "dns");
		snprintf(o.chain, sizeof(o.chain), "%s", chain ? chain : "");
		lower(o.name);
		lower(o.chain);
		err = obs_push(out, cap, &o);
	}
	sqlite3_finalize(st);
	return err;
}

/* The names map's entries of the devices in scope (at most IOTRIM_MAX_NAMES), sorted. */
static int map_entries(const struct block_rule *rule, struct obs_list *out)
{
	struct obs_list_cap cap = { 0 };
	struct name_key key, next;
	struct name_value val;
	void *prev = NULL;
	int fd, err = 0;

	fd = open_pinned_map(MAP_NAME(MAP_NAMES));
	if (fd < 0)
		return 0;
	while (!err && bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct obs o = { 0 };

		key = next;
		prev = &key;
		if (!in_scope(rule, key.device_mac) || bpf_map_lookup_elem(fd, &key, &val))
			continue;
		memcpy(o.mac, key.device_mac, 6);
		o.family = key.family;
		memcpy(o.ip, key.ip, 16);
		val.name[IOTRIM_NAME_LEN - 1] = '\0';
		snprintf(o.name, sizeof(o.name), "%s", val.name);
		snprintf(o.source, sizeof(o.source), "%s",
			 val.source == IOTRIM_NAME_SNI ? "sni" : "dns");
		lower(o.name);
		if (o.name[0])
			err = obs_push(out, &cap, &o);
	}
	close(fd);
	if (out->len)
		qsort(out->items, out->len, sizeof(*out->items), obs_addr_cmp);
	return err;
}

/*
 * Everything the rule covers: the history's pairs, then the names map's
 * pairs the history lacks (a sorted copy of the keys finds those in
 * O(log n) each).  0 or -ENOMEM.
 */
static int gather(sqlite3 *db, const struct block_rule *rule, const struct obs_list *map,
		  struct obs_list *out)
{
	struct obs_list_cap cap = { 0 };
	struct obs *sorted = NULL;
	size_t ndb;
	int err;

	if ((err = covered_from_db(db, rule, out, &cap)))
		return err;
	ndb = out->len;
	if (ndb) {
		sorted = malloc(ndb * sizeof(*sorted));
		if (!sorted)
			return -ENOMEM;
		memcpy(sorted, out->items, ndb * sizeof(*sorted));
		qsort(sorted, ndb, sizeof(*sorted), obs_addr_cmp);
	}
	for (size_t i = 0; i < map->len && !err; i++) {
		const struct obs *o = &map->items[i];

		/* the map holds one entry per (device, address) */
		if (!dns_name_covers(rule->target, o->name) ||
		    (ndb && bsearch(o, sorted, ndb, sizeof(*sorted), obs_addr_cmp)))
			continue;
		err = obs_push(out, &cap, o);
	}
	free(sorted);
	return err;
}

/* Does a name rule in force block name for the device? */
static bool name_blocked(const struct block_list *rules, const uint8_t mac[6], const char *name)
{
	for (size_t i = 0; i < rules->len; i++) {
		const struct block_rule *r = &rules->items[i];

		if ((r->all_devices || !memcmp(r->mac, mac, 6)) && dns_name_covers(r->target, name))
			return true;
	}
	return false;
}

/* A (protocol, port) a device used with an address, and under which names. */
struct port_use {
	uint8_t proto;
	uint16_t port;
	bool blocked_name;	/* used under the name being blocked */
	bool other_name;	/* used under a name not blocked, or none known */
};

/*
 * Did the device reach name (a flow's name) through a CNAME target the rule
 * covers?  chained is dns_names_chained() of the rule, NULL without a table.
 */
static bool flow_name_covered(const struct block_rule *rule, sqlite3_stmt *chained,
			      const char *mac, const char *name)
{
	bool hit;

	if (dns_name_covers(rule->target, name))
		return true;
	if (!chained)
		return false;
	sqlite3_reset(chained);
	sqlite3_bind_text(chained, 1, mac, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(chained, 4, name, -1, SQLITE_TRANSIENT);
	hit = sqlite3_step(chained) == SQLITE_ROW;
	sqlite3_reset(chained);
	return hit;
}

/* The statement flow_name_covered() asks: a (device, name) row whose chain the rule covers. */
static sqlite3_stmt *dns_names_chained(sqlite3 *db, const struct block_rule *rule)
{
	char exact[2 * sizeof(rule->target) + 8], below[sizeof(exact) + 2];
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db,
			       "SELECT 1 FROM dns_names WHERE device_mac = ?1 AND name = ?4"
			       " AND " SQL_COVERED " LIMIT 1",
			       -1, &st, NULL) != SQLITE_OK)
		return NULL;
	like_patterns(rule->target, exact, sizeof(exact), below, sizeof(below));
	sqlite3_bind_text(st, 2, exact, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, below, -1, SQLITE_TRANSIENT);
	return st;
}

/* Ports the device used with ip, from flow_totals: how many (0 without a history table). */
static int port_uses(sqlite3 *db, const uint8_t mac[6], uint8_t family, const uint8_t ip[16],
		     const struct block_rule *rule, const struct block_list *rules,
		     sqlite3_stmt *chained, struct port_use *out, int max)
{
	char mtext[MAC_STRLEN], itext[INET6_ADDRSTRLEN];
	sqlite3_stmt *st;
	int n = 0;

	format_mac(mac, mtext);
	format_ip(family, ip, itext);
	if (sqlite3_prepare_v2(db,
			       "SELECT DISTINCT proto, remote_port, name FROM flow_totals"
			       " WHERE device_mac = ? AND remote_ip = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;	/* no history table: no port information */
	sqlite3_bind_text(st, 1, mtext, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, itext, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		uint8_t proto = sqlite3_column_int(st, 0);
		uint16_t port = sqlite3_column_int(st, 1);
		char name[IOTRIM_NAME_LEN];
		int i;

		snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 2));
		lower(name);
		for (i = 0; i < n; i++)
			if (out[i].proto == proto && out[i].port == port)
				break;
		if (i == n) {
			if (n == max)
				continue;
			out[n++] = (struct port_use){ .proto = proto, .port = port };
		}
		if (name[0] && flow_name_covered(rule, chained, mtext, name))
			out[i].blocked_name = true;
		else if (!name[0] || !name_blocked(rules, mac, name))
			out[i].other_name = true;
	}
	sqlite3_finalize(st);
	return n;
}

static int add_bound(struct bind_result *out, const uint8_t mac[6], uint8_t family,
		     const uint8_t ip[16], uint8_t proto, uint16_t port, const char *reason)
{
	struct block_rule r = { 0 };

	memcpy(r.mac, mac, 6);
	r.kind = BLOCK_IP;
	r.family = family;
	r.prefix_len = family == IOTRIM_FAMILY_IPV4 ? 32 : 128;
	memcpy(r.addr, ip, 16);
	format_ip(family, ip, r.target);
	r.proto = proto;
	r.port = port;
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	return block_list_push(&out->rules, &r);
}

/*
 * Adds name to the ", "-separated out if it is another, unblocked name of
 * the device (its answer's chain not leading to the rule's name either).
 */
static void other_name(const char *name, const char *chain, const uint8_t mac[6],
		       const struct block_rule *rule, const struct block_list *rules, char *out,
		       size_t len)
{
	size_t used = strlen(out);

	if (!name[0] || name_or_chain_covered(rule, name, chain, NULL, 0) ||
	    name_blocked(rules, mac, name) || strstr(out, name))
		return;
	snprintf(out + used, len - used, "%s%s", used ? ", " : "", name);
}

/*
 * Names (other than those the rule covers) the device uses for o's address,
 * not blocked: from dns_names by its primary key (device_mac, ip, ...) and
 * from the sorted map entries, so each look-up is a range, not a scan.  The
 * map knows no CNAME chain: a name the history has for the address was
 * judged there, with its chain.
 */
static void other_names(sqlite3 *db, const struct obs_list *map, const struct obs *o,
			const struct block_rule *rule, const struct block_list *rules,
			char *out, size_t len)
{
	char mac[MAC_STRLEN], ip[INET6_ADDRSTRLEN];
	const struct obs *hit;
	bool map_name_judged = false;
	sqlite3_stmt *st;

	out[0] = '\0';
	format_mac(o->mac, mac);
	format_ip(o->family, o->ip, ip);
	hit = map->len ? bsearch(o, map->items, map->len, sizeof(*hit), obs_addr_cmp) : NULL;
	if (sqlite3_prepare_v2(db,
			       "SELECT DISTINCT name, chain FROM dns_names WHERE device_mac = ? AND ip = ?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, ip, -1, SQLITE_TRANSIENT);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *chain = (const char *)sqlite3_column_text(st, 1);
			char name[IOTRIM_NAME_LEN], targets[sizeof(o->chain)];

			snprintf(name, sizeof(name), "%s", (const char *)sqlite3_column_text(st, 0));
			snprintf(targets, sizeof(targets), "%s", chain ? chain : "");
			lower(name);
			lower(targets);
			if (hit && !strcmp(name, hit->name))
				map_name_judged = true;
			other_name(name, targets, o->mac, rule, rules, out, len);
		}
		sqlite3_finalize(st);
	}
	if (hit && !map_name_judged)
		other_name(hit->name, "", o->mac, rule, rules, out, len);
}

int block_bind_name(sqlite3 *db, const struct block_rule *rule, struct bind_result *out)
{
	struct obs_list obs = { 0 }, map = { 0 };
	struct block_list rules = { 0 };
	sqlite3_stmt *chained = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = map_entries(rule, &map)) || (err = gather(db, rule, &map, &obs)) ||
	    (err = store_name_rules(db, clock_wall_ms(), &rules)))
		goto done;
	chained = dns_names_chained(db, rule);
	for (size_t i = 0; i < obs.len; i++) {
		const struct obs *o = &obs.items[i];
		char ip[INET6_ADDRSTRLEN], others[512], reason[BLOCK_REASON_MAX], note[768];
		char via[2 * IOTRIM_NAME_LEN + 8], asked[sizeof(via)];
		struct port_use uses[64];
		int n, bound = 0;

		/* gather() gives each covered (device, address) once, at its first name */
		name_or_chain_covered(rule, o->name, o->chain, via, sizeof(via));
		/* The name, or the chain through which it led to the rule's name. */
		snprintf(asked, sizeof(asked), "%s", via[0] ? via : o->name);
		format_ip(o->family, o->ip, ip);
		other_names(db, &map, o, rule, &rules, others, sizeof(others));
		if (!others[0]) {
			if (!strcmp(o->source, "sni"))
				snprintf(reason, sizeof(reason),
					 "%s was the TLS server name (SNI) this device used with %s",
					 o->name, ip);
			else
				snprintf(reason, sizeof(reason), "%s resolved to %s for this device",
					 asked, ip);
			if ((err = add_bound(out, o->mac, o->family, o->ip, 0, 0, reason)))
				goto done;
			continue;
		}
		/* Shared: only the protocols and ports no other name was used on. */
		n = port_uses(db, o->mac, o->family, o->ip, rule, &rules, chained, uses, 64);
		for (int k = 0; k < n; k++) {
			char proto[PROTO_STRLEN];

			if (!uses[k].blocked_name || uses[k].other_name || !uses[k].port ||
			    (uses[k].proto != IPPROTO_TCP && uses[k].proto != IPPROTO_UDP))
				continue;
			format_proto(uses[k].proto, proto);
			snprintf(reason, sizeof(reason),
				 "%s resolved to %s for this device; %s is also %s's, so only %s port %u, which only %s used",
				 asked, ip, ip, others, proto, uses[k].port, o->name);
			if ((err = add_bound(out, o->mac, o->family, o->ip, uses[k].proto,
					     uses[k].port, reason)))
				goto done;
			bound++;
		}
		if (!bound) {
			snprintf(note, sizeof(note), "left %s alone: this device also uses it for %s",
				 ip, others);
			bind_note(out, note);
		}
	}
done:
	sqlite3_finalize(chained);
	free(obs.items);
	free(map.items);
	block_list_free(&rules);
	if (err)
		block_list_free(&out->rules);
	return err;
}
