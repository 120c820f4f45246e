/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The verdict of the active TLS validation test (`iotrim audit tls`), kept
 * apart from the sockets so that it can be tested as a table.
 *
 * One intercepted connection is a small state machine fed with what the
 * interceptor saw: the ClientHello, then either the handshake failing
 * (the client's alert, its close, our own error) or the handshake finishing,
 * then application data.  A client sends its Finished only after it checked
 * our certificate, so a finished handshake already means the forged
 * certificate was accepted; application data shows what it would have
 * exposed (counted, never kept).
 *
 * A destination (SNI name or original address, port) gathers its
 * connections: accepts-forged if any connection accepted the forgery,
 * else validates if any rejected it, else not-seen.
 */
#ifndef IOTRIM_AUDIT_TLS_VERDICT_H
#define IOTRIM_AUDIT_TLS_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tls_verdict {
	TLS_VERDICT_NOT_SEEN,		/* no intercepted handshake reached a decision */
	TLS_VERDICT_VALIDATES,		/* alert or close before the handshake finished */
	TLS_VERDICT_ACCEPTS_FORGED,	/* finished the handshake over the forged certificate */
};

enum tls_conn_event {
	TLS_EV_HELLO,		/* a ClientHello arrived; our certificate goes out */
	TLS_EV_ALERT,		/* the client sent an alert */
	TLS_EV_CLOSE,		/* the client closed (or went silent past the timeout) */
	TLS_EV_LOCAL_ERROR,	/* our side failed (no shared cipher, out of memory) */
	TLS_EV_HANDSHAKE_DONE,	/* the client's Finished arrived */
	TLS_EV_APP_DATA,	/* decrypted application data, bytes counted */
};

enum tls_conn_state {
	TLS_CONN_AWAIT_HELLO,
	TLS_CONN_HANDSHAKE,
	TLS_CONN_REJECTED,	/* final: validates */
	TLS_CONN_FAILED,	/* final: no decision (our error, or no hello) */
	TLS_CONN_ACCEPTED,	/* the forged session is up; app data may follow */
};

struct tls_conn {
	enum tls_conn_state state;
	uint64_t app_bytes;
};

/* Feeds one event; events that cannot happen in a state are ignored. */
void tls_conn_event(struct tls_conn *c, enum tls_conn_event ev, uint64_t bytes);
enum tls_verdict tls_conn_verdict(const struct tls_conn *c);

/* "validates", "accepts-forged", "not-seen": the public JSON words. */
const char *tls_verdict_name(enum tls_verdict v);
/* The inverse; -1 for an unknown word. */
int tls_verdict_parse(const char *word);

#define TLS_DEST_NAME_MAX 256

struct tls_dest {
	char name[TLS_DEST_NAME_MAX];	/* SNI, or the original address when there was none */
	uint16_t port;
	enum tls_verdict verdict;
	uint64_t app_bytes;		/* over every accepting connection */
	unsigned connections;		/* intercepted ones that reached a verdict */
};

struct tls_dest_list {
	struct tls_dest *items;
	size_t len, cap;
};

/*
 * The destination (name, port), added as not-seen when new; NULL only when
 * out of memory.
 */
struct tls_dest *tls_dest_get(struct tls_dest_list *l, const char *name, uint16_t port);
/* Adds one finished connection to its destination. */
void tls_dest_add_conn(struct tls_dest *d, const struct tls_conn *c);
void tls_dest_list_free(struct tls_dest_list *l);

/*
 * A destination as NAME:PORT: a host name (lower-cased, as SNI compares) or
 * an address (IPv6 in brackets, [2001:db8::1]:443; written canonically, as
 * the interceptor names a connection without SNI).  false if malformed.
 */
bool tls_audit_parse_destination(const char *s, char name[TLS_DEST_NAME_MAX], uint16_t *port);

#endif
