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
};

struct obs_list {
	struct obs *items;
	size_t len;
};

void bind_note(struct bind_result *out, const char *note)
{
	size_t len = strlen(out->left_alone);

	snprintf(out->left_alone + len, sizeof(out->left_alone) - len, "%s%s", len ? "; " : "",
		 note);
}

static int obs_push(struct obs_list *l, const struct obs *o)
{
	struct obs *n;

	for (size_t i = 0; i < l->len; i++) {
		const struct obs *x = &l->items[i];

		if (!memcmp(x->mac, o->mac, 6) && x->family == o->family &&
		    !memcmp(x->ip, o->ip, 16) && !strcmp(x->name, o->name))
			return 0;
	}
	n = realloc(l->items, (l->len + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->items = n;
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

/* Everything the history and the names map know; a missing source is no error.  0 or -ENOMEM. */
static int gather(sqlite3 *db, struct obs_list *out)
{
	sqlite3_stmt *st;
	int fd;

	if (sqlite3_prepare_v2(db, "SELECT device_mac, ip, name, source FROM dns_names", -1, &st,
			       NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct obs o = { 0 };
			const char *mac = (const char *)sqlite3_column_text(st, 0);
			const char *ip = (const char *)sqlite3_column_text(st, 1);
			const char *name = (const char *)sqlite3_column_text(st, 2);
			const char *src = (const char *)sqlite3_column_text(st, 3);

			if (!mac || !ip || !name || !parse_mac(mac, o.mac) ||
			    !parse_ip(ip, &o.family, o.ip))
				continue;
			snprintf(o.name, sizeof(o.name), "%s", name);
			snprintf(o.source, sizeof(o.source), "%s", src ? src : "dns");
			lower(o.name);
			if (obs_push(out, &o)) {
				sqlite3_finalize(st);
				return -ENOMEM;
			}
		}
		sqlite3_finalize(st);
	}

	fd = open_pinned_map(MAP_NAME(MAP_NAMES));
	if (fd >= 0) {
		struct name_key key, next;
		struct name_value val;
		void *prev = NULL;

		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			key = next;
			prev = &key;
			if (bpf_map_lookup_elem(fd, &key, &val))
				continue;
			struct obs o = { 0 };

			memcpy(o.mac, key.device_mac, 6);
			o.family = key.family;
			memcpy(o.ip, key.ip, 16);
			val.name[IOTRIM_NAME_LEN - 1] = '\0';
			snprintf(o.name, sizeof(o.name), "%s", val.name);
			snprintf(o.source, sizeof(o.source), "%s",
				 val.source == IOTRIM_NAME_SNI ? "sni" : "dns");
			lower(o.name);
			if (o.name[0] && obs_push(out, &o)) {
				close(fd);
				return -ENOMEM;
			}
		}
		close(fd);
	}
	return 0;
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

/* Ports the device used with ip, from flow_totals: how many (0 without a history table). */
static int port_uses(sqlite3 *db, const uint8_t mac[6], uint8_t family, const uint8_t ip[16],
		     const struct block_rule *rule, const struct block_list *rules,
		     struct port_use *out, int max)
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
		if (name[0] && dns_name_covers(rule->target, name))
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

/* Names (other than those the rule covers) the device uses for ip, not blocked. */
static void other_names(const struct obs_list *obs, const struct obs *o,
			const struct block_rule *rule, const struct block_list *rules,
			char *out, size_t len)
{
	out[0] = '\0';
	for (size_t j = 0; j < obs->len; j++) {
		const struct obs *x = &obs->items[j];
		size_t used = strlen(out);

		if (memcmp(x->mac, o->mac, 6) || x->family != o->family || memcmp(x->ip, o->ip, 16) ||
		    dns_name_covers(rule->target, x->name) || name_blocked(rules, x->mac, x->name))
			continue;
		if (strstr(out, x->name))
			continue;
		snprintf(out + used, len - used, "%s%s", used ? ", " : "", x->name);
	}
}

int block_bind_name(sqlite3 *db, const struct block_rule *rule, struct bind_result *out)
{
	struct obs_list obs = { 0 };
	struct block_list rules = { 0 };
	int err;

	memset(out, 0, sizeof(*out));
	if ((err = gather(db, &obs)) || (err = store_name_rules(db, clock_wall_ms(), &rules)))
		goto done;
	for (size_t i = 0; i < obs.len; i++) {
		const struct obs *o = &obs.items[i];
		char ip[INET6_ADDRSTRLEN], others[512], reason[BLOCK_REASON_MAX], note[768];
		struct port_use uses[64];
		bool seen = false;
		int n, bound = 0;

		if (!rule->all_devices && memcmp(o->mac, rule->mac, 6))
			continue;
		if (!dns_name_covers(rule->target, o->name))
			continue;
		/* Once per (device, address), at its first covered name. */
		for (size_t j = 0; j < i && !seen; j++) {
			const struct obs *x = &obs.items[j];

			seen = !memcmp(x->mac, o->mac, 6) && x->family == o->family &&
			       !memcmp(x->ip, o->ip, 16) && dns_name_covers(rule->target, x->name);
		}
		if (seen)
			continue;
		format_ip(o->family, o->ip, ip);
		other_names(&obs, o, rule, &rules, others, sizeof(others));
		if (!others[0]) {
			if (!strcmp(o->source, "sni"))
				snprintf(reason, sizeof(reason),
					 "%s was the TLS server name (SNI) this device used with %s",
					 o->name, ip);
			else
				snprintf(reason, sizeof(reason), "%s resolved to %s for this device",
					 o->name, ip);
			if ((err = add_bound(out, o->mac, o->family, o->ip, 0, 0, reason)))
				goto done;
			continue;
		}
		/* Shared: only the protocols and ports no other name was used on. */
		n = port_uses(db, o->mac, o->family, o->ip, rule, &rules, uses, 64);
		for (int k = 0; k < n; k++) {
			char proto[PROTO_STRLEN];

			if (!uses[k].blocked_name || uses[k].other_name || !uses[k].port ||
			    (uses[k].proto != IPPROTO_TCP && uses[k].proto != IPPROTO_UDP))
				continue;
			format_proto(uses[k].proto, proto);
			snprintf(reason, sizeof(reason),
				 "%s resolved to %s for this device; %s is also %s's, so only %s port %u, which only %s used",
				 o->name, ip, ip, others, proto, uses[k].port, o->name);
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
	free(obs.items);
	block_list_free(&rules);
	if (err)
		block_list_free(&out->rules);
	return err;
}
