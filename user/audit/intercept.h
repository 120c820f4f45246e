/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The interceptor of `iotrim audit tls`: listens on one port (IPv4 and IPv6)
 * for the connections the divert (audit/divert.h) sends it, recovers where
 * each was going (SO_ORIGINAL_DST), peeks at its ClientHello with the
 * attribution's own parser (attrib/tls.h) and, for the audited ones,
 * completes the handshake with a forged certificate for the SNI
 * (audit/forge.h) and records what the client did (audit/tls_verdict.h).
 * Application data is read to count it, then dropped: nothing is kept and
 * nothing is forwarded.  Connections it does not audit pass through
 * (audit/passthrough.h).  One thread per connection, at most
 * INTERCEPT_MAX_CONNS at once.
 */
#ifndef IOTRIM_AUDIT_INTERCEPT_H
#define IOTRIM_AUDIT_INTERCEPT_H

#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>

#include "audit/tls_verdict.h"

#define INTERCEPT_MAX_CONNS 256

/* Where devices speak TLS from the first byte: HTTPS, SMTPS, DNS over TLS,
 * IMAPS, POP3S, SIP-TLS, HTTPS-alt, MQTT over TLS (not STARTTLS ports). */
#define INTERCEPT_TLS_PORTS 443, 465, 853, 993, 995, 5061, 8443, 8883

struct intercept_config {
	const char *only_name;	/* audit only this SNI (lower case) or address; NULL: all */
	uint16_t only_port;	/* with only_name */
	unsigned handshake_ms;	/* a client silent this long during the handshake has closed */
	unsigned idle_ms;	/* after the handshake: app data read until this much quiet */
};

/* What happened to the connections, besides the verdicts. */
struct intercept_stats {
	uint64_t accepted;		/* connections the divert brought */
	uint64_t audited;		/* with a ClientHello of an audited destination */
	uint64_t passed_through;	/* not TLS, or not the destination asked for */
	uint64_t not_tls;		/* of those: no ClientHello */
	uint64_t no_original_dst;	/* closed: conntrack did not know the destination */
	uint64_t over_limit;		/* closed: INTERCEPT_MAX_CONNS were open */
	uint64_t local_errors;		/* audited, but our side failed: no verdict */
};

struct intercept;

/* Binds the listeners on a free port; 0 or -errno (the reason logged). */
int intercept_open(struct intercept **out, const struct intercept_config *cfg);
uint16_t intercept_port(const struct intercept *ic);

/* Serves connections for duration_ms or until *stop; 0 or -errno. */
int intercept_run(struct intercept *ic, uint64_t duration_ms, const volatile sig_atomic_t *stop);
/*
 * What a connection's thread does once it knows the original destination
 * (dst, as text addr and port): peek, then audit or pass through.  Its own
 * entry point for the fuzzer, which hands it hostile clients on a socketpair.
 */
void intercept_client(struct intercept *ic, int fd, const struct sockaddr_storage *dst,
		      socklen_t dst_len, const char *addr, uint16_t port);
/* Closes every open connection and waits for their threads. */
void intercept_stop(struct intercept *ic);

/* The destinations seen (moved to out, sorted by name and port) and the stats. */
void intercept_results(struct intercept *ic, struct tls_dest_list *out,
		       struct intercept_stats *st);
void intercept_close(struct intercept *ic);

#endif
