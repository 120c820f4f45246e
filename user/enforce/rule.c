// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Block rules: parsing targets, names of their parts, sameness (README "Blocking"). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/fmt.h"
#include "common/parse.h"
#include "common/proto.h"
#include "enforce/rule.h"
#include "iotrim.h"
#include "iotrim_hash.h"

/* ---- parsing --------------------------------------------------------------- */


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

bool block_parse_address(const char *text, struct block_rule *r, char *err, size_t errlen)
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

bool block_parse_name(const char *text, struct block_rule *r, char *err, size_t errlen)
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
		return block_parse_address(text, r, err, errlen);
	return block_parse_name(text, r, err, errlen);
}

/* ---- names ----------------------------------------------------------------- */

void block_proto_text(const struct block_rule *r, char out[PROTO_STRLEN])
{
	if (!r->proto)
		snprintf(out, PROTO_STRLEN, "any");
	else
		format_proto(r->proto, out);
}

const char *block_action_name(uint8_t action)
{
	return action == IOTRIM_DENY_REJECT ? "reject" : "drop";
}

bool block_action_parse(const char *name, uint8_t *action)
{
	if (!strcmp(name, "drop"))
		*action = IOTRIM_DENY_DROP;
	else if (!strcmp(name, "reject"))
		*action = IOTRIM_DENY_REJECT;
	else
		return false;
	return true;
}

const char *block_scope_error(const struct block_rule *r)
{
	if (r->kind == BLOCK_NAME && (r->proto || r->port))
		return "a name rule blocks the whole name: --proto and --port apply to IP and prefix rules";
	if (r->port && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
		return "--port needs --proto tcp or udp";
	return NULL;
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
enum block_kind block_kind_from_name(const char *name)
{
	if (!strcmp(name, "ip"))
		return BLOCK_IP;
	if (!strcmp(name, "prefix"))
		return BLOCK_PREFIX;
	return BLOCK_NAME;
}

void block_describe(const struct block_rule *r, char *out, size_t len)
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

/* ---- sameness ---------------------------------------------------------------- */

void rule_normalise(struct block_rule *r)
{
	if (r->proto == IPPROTO_ICMPV6)
		r->proto = IPPROTO_ICMP;
}

/* Rows written before rule_normalise() may hold ICMPv6: compare in the stored form. */
static uint8_t stored_proto(uint8_t proto)
{
	return proto == IPPROTO_ICMPV6 ? IPPROTO_ICMP : proto;
}

bool rule_same(const struct block_rule *a, const struct block_rule *b)
{
	if (a->all_devices != b->all_devices ||
	    (!a->all_devices && memcmp(a->mac, b->mac, 6)))
		return false;
	return !strcmp(a->target, b->target) && stored_proto(a->proto) == stored_proto(b->proto) &&
	       a->port == b->port;
}

bool rule_expired(const struct block_rule *r, int64_t now_ms)
{
	return r->expires_ms && r->expires_ms <= now_ms;
}

/* ---- lists ------------------------------------------------------------------- */

int block_list_push(struct block_list *l, const struct block_rule *r)
{
	struct block_rule *n = realloc(l->items, (l->len + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
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
