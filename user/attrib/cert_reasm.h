/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The server's hello flight of TLS <= 1.2 connections, put back together
 * from the ServerHello event (IOTRIM_EV_TLS) and the certificate events
 * that follow it (IOTRIM_EV_TLS_CERT), by TCP sequence number, until the
 * Certificate handshake message is whole.
 *
 * Memory is bounded: CERT_REASM_CONNS connections (from the device's
 * ClientHello, which gives the SNI to compare with), and only those between
 * their ServerHello and their Certificate hold a buffer of
 * CERT_REASM_WINDOW bytes, the most the programs pass.  The oldest
 * connection makes room for a new one; one idle for CERT_REASM_IDLE_NS is
 * gone.  What a caller must count comes back as a status.
 */
#ifndef IOTRIM_CERT_REASM_H
#define IOTRIM_CERT_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotrim.h"
#include "attrib/tls.h"

#define CERT_REASM_CONNS 128
#define CERT_REASM_WINDOW (IOTRIM_EVENT_PAYLOAD_MAX + IOTRIM_CERT_BYTES_MAX)
#define CERT_REASM_IDLE_NS (30ULL * 1000000000ULL)

enum cert_reasm_status {
	CERT_REASM_MORE = 0,	/* kept; the Certificate message is not whole yet */
	CERT_REASM_DONE,	/* the Certificate message is whole: cert_reasm_message() */
	CERT_REASM_ABSENT,	/* the flight ended without one (resumption, PSK, anonymous) */
	CERT_REASM_MALFORMED,	/* records or handshake lengths that do not add up */
	CERT_REASM_UNMATCHED,	/* bytes of no ServerHello we know of: dropped */
	CERT_REASM_OUTSIDE,	/* bytes before the ServerHello or past the window: dropped */
};

struct cert_conn {
	struct conn_key key;
	uint64_t ts_ns;		/* last event; 0: a free slot */
	char sni[TLS_SNI_MAX];	/* of the device's ClientHello; "" if none */
	uint32_t base_seq;	/* sequence number of the ServerHello's first byte */
	uint32_t contiguous;	/* bytes [0, contiguous) of buf are all there */
	uint32_t received_end;	/* one past the highest byte received */
	uint8_t *buf;		/* CERT_REASM_WINDOW bytes; NULL before the ServerHello */
	uint8_t *hs;		/* the handshake messages of buf's records, joined */
	uint8_t *got;		/* a bit per byte of buf received */
	const uint8_t *msg;	/* CERT_REASM_DONE: the Certificate message body, in hs */
	size_t msg_len;
};

struct cert_reasm {
	struct cert_conn conns[CERT_REASM_CONNS];
	uint64_t dropped;	/* connections with a buffer evicted or idle before their end */
	uint64_t out_of_order;	/* events that did not start where the bytes so far ended */
};

void cert_reasm_init(struct cert_reasm *r);
void cert_reasm_free(struct cert_reasm *r);

/* The device's ClientHello on connection k (sni may be NULL); forgets an older one. */
void cert_reasm_client_hello(struct cert_reasm *r, const struct conn_key *k, const char *sni,
			     uint64_t ts_ns);
/* The connection's SNI ("" if none known) and forgets it: its ServerHello says TLS 1.3. */
void cert_reasm_forget(struct cert_reasm *r, const struct conn_key *k, char sni[TLS_SNI_MAX]);
/*
 * The ServerHello event (TLS <= 1.2) starts the flight at seq; a
 * certificate event adds to it.  Returns enum cert_reasm_status; on
 * anything but CERT_REASM_MORE the connection is done and forgotten once
 * the caller calls cert_reasm_finish.
 */
int cert_reasm_server_hello(struct cert_reasm *r, const struct conn_key *k, uint32_t seq,
			    const uint8_t *data, size_t len, uint64_t ts_ns);
int cert_reasm_segment(struct cert_reasm *r, const struct conn_key *k, uint32_t seq,
		       const uint8_t *data, size_t len, uint64_t ts_ns);
/* After CERT_REASM_DONE: the message body and the connection's SNI ("" if none). */
void cert_reasm_message(const struct cert_reasm *r, const struct conn_key *k,
			const uint8_t **body, size_t *len, const char **sni);
/* Frees the connection k. */
void cert_reasm_finish(struct cert_reasm *r, const struct conn_key *k);

/*
 * Walks a server flight's TLS records from its start and finds the
 * Certificate handshake message (type 11).  Exposed for the fuzzer and the
 * tests: hs receives the records' handshake bytes (at least len bytes).
 */
int cert_find_certificate(const uint8_t *flight, size_t len, uint8_t *hs, const uint8_t **body,
			  size_t *body_len);

#endif
