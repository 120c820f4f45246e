// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The verdict state machine of `iotrim audit tls` (audit/tls_verdict.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/tls_verdict.h"
#include "common/parse.h"

void tls_conn_event(struct tls_conn *c, enum tls_conn_event ev, uint64_t bytes)
{
	switch (c->state) {
	case TLS_CONN_AWAIT_HELLO:
		if (ev == TLS_EV_HELLO)
			c->state = TLS_CONN_HANDSHAKE;
		else if (ev != TLS_EV_APP_DATA)
			c->state = TLS_CONN_FAILED;	/* nothing was offered to judge */
		break;
	case TLS_CONN_HANDSHAKE:
		if (ev == TLS_EV_ALERT || ev == TLS_EV_CLOSE)
			c->state = TLS_CONN_REJECTED;
		else if (ev == TLS_EV_LOCAL_ERROR)
			c->state = TLS_CONN_FAILED;
		else if (ev == TLS_EV_HANDSHAKE_DONE)
			c->state = TLS_CONN_ACCEPTED;
		break;
	case TLS_CONN_ACCEPTED:
		if (ev == TLS_EV_APP_DATA)
			c->app_bytes += bytes;
		break;
	case TLS_CONN_REJECTED:
	case TLS_CONN_FAILED:
		break;
	}
}

enum tls_verdict tls_conn_verdict(const struct tls_conn *c)
{
	switch (c->state) {
	case TLS_CONN_REJECTED:
		return TLS_VERDICT_VALIDATES;
	case TLS_CONN_ACCEPTED:
		return TLS_VERDICT_ACCEPTS_FORGED;
	default:
		return TLS_VERDICT_NOT_SEEN;
	}
}

static const char *const verdict_names[] = {
	[TLS_VERDICT_NOT_SEEN] = "not-seen",
	[TLS_VERDICT_VALIDATES] = "validates",
	[TLS_VERDICT_ACCEPTS_FORGED] = "accepts-forged",
};

const char *tls_verdict_name(enum tls_verdict v)
{
	return (unsigned)v < sizeof(verdict_names) / sizeof(verdict_names[0]) ? verdict_names[v]
									 : "not-seen";
}

int tls_verdict_parse(const char *word)
{
	for (size_t i = 0; i < sizeof(verdict_names) / sizeof(verdict_names[0]); i++)
		if (!strcmp(word, verdict_names[i]))
			return (int)i;
	return -1;
}

struct tls_dest *tls_dest_get(struct tls_dest_list *l, const char *name, uint16_t port)
{
	struct tls_dest *d;

	for (size_t i = 0; i < l->len; i++)
		if (l->items[i].port == port && !strcmp(l->items[i].name, name))
			return &l->items[i];
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct tls_dest *n = realloc(l->items, cap * sizeof(*n));

		if (!n)
			return NULL;
		l->items = n;
		l->cap = cap;
	}
	d = &l->items[l->len++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->port = port;
	return d;
}

/* accepts-forged outranks validates outranks not-seen: one accepting
 * connection is enough to expose the device. */
void tls_dest_add_conn(struct tls_dest *d, const struct tls_conn *c)
{
	enum tls_verdict v = tls_conn_verdict(c);

	if (c->state == TLS_CONN_REJECTED || c->state == TLS_CONN_ACCEPTED)
		d->connections++;
	if (v > d->verdict)
		d->verdict = v;
	d->app_bytes += c->app_bytes;
}

void tls_dest_list_free(struct tls_dest_list *l)
{
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

bool tls_audit_parse_destination(const char *s, char name[TLS_DEST_NAME_MAX], uint16_t *port)
{
	const char *colon = strrchr(s, ':'), *host = s;
	size_t len = colon ? (size_t)(colon - s) : 0;
	unsigned long long p;
	unsigned char addr[16];

	if (!colon || !parse_u64(colon + 1, 1, 65535, &p))
		return false;
	if (len >= 2 && s[0] == '[' && s[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (!len || len >= TLS_DEST_NAME_MAX)
		return false;
	memcpy(name, host, len);
	name[len] = 0;
	if (inet_pton(AF_INET6, name, addr) == 1) {
		inet_ntop(AF_INET6, addr, name, TLS_DEST_NAME_MAX);
	} else {
		for (char *c = name; *c; c++) {
			if (*c >= 'A' && *c <= 'Z')
				*c += 'a' - 'A';
			if (!host_char(*c))
				return false;
		}
	}
	*port = (uint16_t)p;
	return true;
}
