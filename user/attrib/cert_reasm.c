// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A server's TLS hello flight put back together: see cert_reasm.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/cert_reasm.h"

#define TLS_CONTENT_HANDSHAKE 0x16
#define TLS_RECORD_MAX (16384 + 2048)
#define HS_CERTIFICATE 11
#define HS_SERVER_HELLO_DONE 14

void cert_reasm_init(struct cert_reasm *r)
{
	memset(r, 0, sizeof(*r));
}

static void release(struct cert_conn *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
}

void cert_reasm_free(struct cert_reasm *r)
{
	for (int i = 0; i < CERT_REASM_CONNS; i++)
		release(&r->conns[i]);
}

/* Frees c, counting a flight that was under way as dropped. */
static void drop(struct cert_reasm *r, struct cert_conn *c)
{
	if (c->buf)
		r->dropped++;
	release(c);
}

static bool idle(const struct cert_conn *c, uint64_t now)
{
	return c->ts_ns && now > c->ts_ns + CERT_REASM_IDLE_NS;
}

static struct cert_conn *find(struct cert_reasm *r, const struct conn_key *k, uint64_t now)
{
	for (int i = 0; i < CERT_REASM_CONNS; i++) {
		struct cert_conn *c = &r->conns[i];

		if (!c->ts_ns || memcmp(&c->key, k, sizeof(*k)))
			continue;
		if (idle(c, now)) {
			drop(r, c);
			return NULL;
		}
		return c;
	}
	return NULL;
}

/* A fresh slot for k: a free one, else an idle one, else the oldest. */
static struct cert_conn *claim(struct cert_reasm *r, const struct conn_key *k, uint64_t now)
{
	struct cert_conn *c = find(r, k, now), *oldest = NULL;

	if (!c) {
		for (int i = 0; i < CERT_REASM_CONNS && !c; i++) {
			struct cert_conn *x = &r->conns[i];

			if (!x->ts_ns || idle(x, now))
				c = x;
			else if (!oldest || x->ts_ns < oldest->ts_ns)
				oldest = x;
		}
		if (!c)
			c = oldest;
	}
	drop(r, c);
	c->key = *k;
	c->ts_ns = now ? now : 1;
	return c;
}

void cert_reasm_client_hello(struct cert_reasm *r, const struct conn_key *k, const char *sni,
			     uint64_t ts_ns)
{
	struct cert_conn *c = claim(r, k, ts_ns);

	snprintf(c->sni, sizeof(c->sni), "%s", sni ? sni : "");
}

void cert_reasm_forget(struct cert_reasm *r, const struct conn_key *k, char sni[TLS_SNI_MAX])
{
	struct cert_conn *c = find(r, k, 0);

	sni[0] = '\0';
	if (!c)
		return;
	snprintf(sni, TLS_SNI_MAX, "%s", c->sni);
	release(c);
}

int cert_find_certificate(const uint8_t *flight, size_t len, uint8_t *hs, const uint8_t **body,
			  size_t *body_len)
{
	size_t pos = 0, hl = 0, p = 0;
	bool ended = false;

	/* The records' handshake bytes, joined: a message may span records. */
	while (pos + 5 <= len) {
		size_t rl = (size_t)flight[pos + 3] << 8 | flight[pos + 4], take;

		if (flight[pos + 1] != 3 || rl > TLS_RECORD_MAX)
			return CERT_REASM_MALFORMED;
		if (flight[pos] != TLS_CONTENT_HANDSHAKE) {
			ended = true;	/* ChangeCipherSpec, alert, data: the flight is over */
			break;
		}
		take = rl < len - pos - 5 ? rl : len - pos - 5;
		memcpy(hs + hl, flight + pos + 5, take);
		hl += take;
		if (take < rl)
			break;
		pos += 5 + rl;
	}
	while (p + 4 <= hl) {
		size_t ml = (size_t)hs[p + 1] << 16 | (size_t)hs[p + 2] << 8 | hs[p + 3];

		if (p + 4 + ml > hl) {
			if (hs[p] == HS_CERTIFICATE && ml > CERT_REASM_WINDOW)
				return CERT_REASM_OUTSIDE;	/* longer than we can ever hold */
			return ended ? CERT_REASM_MALFORMED : CERT_REASM_MORE;
		}
		if (hs[p] == HS_CERTIFICATE) {
			*body = hs + p + 4;
			*body_len = ml;
			return CERT_REASM_DONE;
		}
		if (hs[p] == HS_SERVER_HELLO_DONE)
			return CERT_REASM_ABSENT;
		p += 4 + ml;
	}
	return ended ? CERT_REASM_ABSENT : CERT_REASM_MORE;
}

/* Puts [seq, seq + len) in place and looks for the message. */
static int add(struct cert_reasm *r, struct cert_conn *c, uint32_t seq, const uint8_t *data,
	       size_t len, uint64_t ts_ns)
{
	uint32_t off = seq - c->base_seq;	/* modulo 2^32: before base is far past the window */
	bool clipped = false;
	int st;

	c->ts_ns = ts_ns ? ts_ns : 1;
	if (off >= CERT_REASM_WINDOW)
		return CERT_REASM_OUTSIDE;
	if (len > CERT_REASM_WINDOW - off) {
		len = CERT_REASM_WINDOW - off;
		clipped = true;
	}
	if (off != c->received_end)
		r->out_of_order++;
	memcpy(c->buf + off, data, len);
	for (size_t i = off; i < off + len; i++)
		c->got[i / 8] |= 1u << (i % 8);
	if (off + len > c->received_end)
		c->received_end = off + len;
	while (c->contiguous < CERT_REASM_WINDOW &&
	       (c->got[c->contiguous / 8] & (1u << (c->contiguous % 8))))
		c->contiguous++;
	st = cert_find_certificate(c->buf, c->contiguous, c->hs, &c->msg, &c->msg_len);
	if (st == CERT_REASM_MORE && (clipped || c->contiguous == CERT_REASM_WINDOW))
		return CERT_REASM_OUTSIDE;
	return st;
}

int cert_reasm_server_hello(struct cert_reasm *r, const struct conn_key *k, uint32_t seq,
			    const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct cert_conn *c = find(r, k, ts_ns);
	char sni[TLS_SNI_MAX];

	/* Without the ClientHello (lost, or before we started) there is no SNI to compare. */
	snprintf(sni, sizeof(sni), "%s", c ? c->sni : "");
	c = claim(r, k, ts_ns);
	memcpy(c->sni, sni, sizeof(sni));
	/* One block: the flight, its handshake bytes, a bit per flight byte. */
	c->buf = calloc(1, 2 * CERT_REASM_WINDOW + CERT_REASM_WINDOW / 8 + 1);
	if (!c->buf) {		/* out of memory: its bytes count as unmatched */
		release(c);
		return CERT_REASM_UNMATCHED;
	}
	c->hs = c->buf + CERT_REASM_WINDOW;
	c->got = c->hs + CERT_REASM_WINDOW;
	c->base_seq = seq;
	return add(r, c, seq, data, len, ts_ns);
}

int cert_reasm_segment(struct cert_reasm *r, const struct conn_key *k, uint32_t seq,
		       const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct cert_conn *c = find(r, k, ts_ns);

	if (!c || !c->buf)
		return CERT_REASM_UNMATCHED;
	return add(r, c, seq, data, len, ts_ns);
}

void cert_reasm_message(const struct cert_reasm *r, const struct conn_key *k,
			const uint8_t **body, size_t *len, const char **sni)
{
	*body = NULL;
	*len = 0;
	*sni = "";
	for (int i = 0; i < CERT_REASM_CONNS; i++) {
		const struct cert_conn *c = &r->conns[i];

		if (c->ts_ns && c->msg && !memcmp(&c->key, k, sizeof(*k))) {
			*body = c->msg;
			*len = c->msg_len;
			*sni = c->sni;
			return;
		}
	}
}

void cert_reasm_finish(struct cert_reasm *r, const struct conn_key *k)
{
	struct cert_conn *c = find(r, k, 0);

	if (c)
		release(c);
}
