/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Builders of DNS messages and TLS hellos for the attribution tests, the
 * fuzz seeds and the benchmark: well-formed ones, and handles to break
 * them.  Payloads only; selftests/lib/packet.h puts them in frames.
 *
 *	struct msg m;
 *
 *	dns_begin(&m, 0x1234, true, 0);		// id, response, rcode
 *	dns_question(&m, "log.vendor.example", DNS_A);
 *	dns_cname(&m, "log.vendor.example", "api.vendor.example", 30);
 *	dns_a(&m, "api.vendor.example", (uint8_t[]){203, 0, 113, 10}, 30);
 *	dns_end(&m);				// counts into the header
 */
#ifndef IOTRIM_SELFTEST_ATTRIB_MSGS_H
#define IOTRIM_SELFTEST_ATTRIB_MSGS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define MSG_MAX 65536
#define DNS_A 1
#define DNS_CNAME 5
#define DNS_AAAA 28

struct msg {
	uint8_t b[MSG_MAX];
	size_t len;
	uint16_t qd, an;
	bool error;
};

static inline void msg_put(struct msg *m, const void *p, size_t n)
{
	if (m->error || n > MSG_MAX - m->len) {
		m->error = true;
		return;
	}
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

static inline void msg_u8(struct msg *m, uint8_t v) { msg_put(m, &v, 1); }

static inline void msg_u16(struct msg *m, uint16_t v)
{
	uint8_t b[2] = { v >> 8, v & 0xff };

	msg_put(m, b, 2);
}

static inline void msg_u24(struct msg *m, uint32_t v)
{
	uint8_t b[3] = { v >> 16, v >> 8, v };

	msg_put(m, b, 3);
}

static inline void msg_u32(struct msg *m, uint32_t v)
{
	msg_u16(m, v >> 16);
	msg_u16(m, v & 0xffff);
}

static inline void msg_set16(struct msg *m, size_t at, uint16_t v)
{
	m->b[at] = v >> 8;
	m->b[at + 1] = v & 0xff;
}

/* ---- DNS ------------------------------------------------------------------ */

static inline void dns_begin(struct msg *m, uint16_t id, bool response, uint8_t rcode)
{
	memset(m, 0, sizeof(*m));
	msg_u16(m, id);
	msg_u16(m, (response ? 0x8180 : 0x0100) | rcode);	/* QR RD RA | RD */
	msg_u16(m, 0);
	msg_u16(m, 0);
	msg_u16(m, 0);
	msg_u16(m, 0);
}

/* Uncompressed name in wire format. */
static inline void dns_name(struct msg *m, const char *name)
{
	while (*name) {
		size_t n = strcspn(name, ".");

		msg_u8(m, n);
		msg_put(m, name, n);
		name += n;
		if (*name == '.')
			name++;
	}
	msg_u8(m, 0);
}

static inline void dns_question(struct msg *m, const char *name, uint16_t type)
{
	dns_name(m, name);
	msg_u16(m, type);
	msg_u16(m, 1);
	m->qd++;
}

static inline void dns_rr(struct msg *m, const char *owner, uint16_t type, uint32_t ttl,
			  const void *rdata, uint16_t rdlen)
{
	dns_name(m, owner);
	msg_u16(m, type);
	msg_u16(m, 1);
	msg_u32(m, ttl);
	msg_u16(m, rdlen);
	msg_put(m, rdata, rdlen);
	m->an++;
}

static inline void dns_a(struct msg *m, const char *owner, const uint8_t ip[4], uint32_t ttl)
{
	dns_rr(m, owner, DNS_A, ttl, ip, 4);
}

static inline void dns_aaaa(struct msg *m, const char *owner, const uint8_t ip[16], uint32_t ttl)
{
	dns_rr(m, owner, DNS_AAAA, ttl, ip, 16);
}

static inline void dns_cname(struct msg *m, const char *owner, const char *target, uint32_t ttl)
{
	struct msg t;

	t.len = 0;
	t.error = false;
	dns_name(&t, target);
	dns_rr(m, owner, DNS_CNAME, ttl, t.b, t.len);
}

static inline size_t dns_end(struct msg *m)
{
	msg_set16(m, 4, m->qd);
	msg_set16(m, 6, m->an);
	return m->error ? 0 : m->len;
}

/* DNS over TCP: the same message after a two-byte length. */
static inline size_t dns_tcp(const struct msg *m, struct msg *out)
{
	memset(out, 0, sizeof(*out));
	msg_u16(out, m->len);
	msg_put(out, m->b, m->len);
	return out->error ? 0 : out->len;
}

/* ---- TLS ------------------------------------------------------------------- */

#define TLS_V12 0x0303
#define TLS_V13 0x0304

struct hello_opts {
	const char *sni;		/* NULL: no server_name extension */
	uint16_t legacy_version;	/* default TLS 1.2 */
	const uint16_t *versions;	/* supported_versions; NULL: none */
	int nversions;
	bool grease;			/* GREASE values in ciphers, extensions, versions */
	bool no_extensions;		/* SSL 3.0 style */
	size_t padding;			/* a padding extension of this many bytes */
};

/* Record + handshake header; the lengths are written by tls_finish. */
static inline void tls_begin(struct msg *m, uint8_t hs_type, uint16_t record_version)
{
	memset(m, 0, sizeof(*m));
	msg_u8(m, 0x16);
	msg_u16(m, record_version);
	msg_u16(m, 0);		/* record length */
	msg_u8(m, hs_type);
	msg_u24(m, 0);		/* handshake length */
}

static inline size_t tls_finish(struct msg *m)
{
	size_t hs = m->len - 9;

	msg_set16(m, 3, m->len - 5);
	m->b[6] = hs >> 16;
	m->b[7] = hs >> 8;
	m->b[8] = hs;
	return m->error ? 0 : m->len;
}

static inline void tls_extensions(struct msg *m, const struct hello_opts *o, bool server)
{
	size_t ext_len_at;

	if (o->no_extensions)
		return;
	ext_len_at = m->len;
	msg_u16(m, 0);
	if (o->grease) {
		msg_u16(m, 0x1a1a);
		msg_u16(m, 0);
	}
	if (o->sni && !server) {
		size_t n = strlen(o->sni);

		msg_u16(m, 0);		/* server_name */
		msg_u16(m, n + 5);
		msg_u16(m, n + 3);
		msg_u8(m, 0);		/* host_name */
		msg_u16(m, n);
		msg_put(m, o->sni, n);
	}
	msg_u16(m, 10);			/* supported_groups: x25519 */
	msg_u16(m, 4);
	msg_u16(m, 2);
	msg_u16(m, 0x001d);
	if (o->nversions) {
		msg_u16(m, 43);
		if (server) {
			msg_u16(m, 2);
			msg_u16(m, o->versions[0]);
		} else {
			int n = o->nversions + (o->grease ? 1 : 0);

			msg_u16(m, 1 + 2 * n);
			msg_u8(m, 2 * n);
			if (o->grease)
				msg_u16(m, 0x7a7a);
			for (int i = 0; i < o->nversions; i++)
				msg_u16(m, o->versions[i]);
		}
	}
	if (o->padding) {
		msg_u16(m, 21);
		msg_u16(m, o->padding);
		for (size_t i = 0; i < o->padding; i++)
			msg_u8(m, 0);
	}
	msg_set16(m, ext_len_at, m->len - ext_len_at - 2);
}

static inline size_t tls_client_hello(struct msg *m, const struct hello_opts *o)
{
	uint8_t random[32];

	memset(random, 0x5a, sizeof(random));
	tls_begin(m, 1, 0x0301);
	msg_u16(m, o->legacy_version ? o->legacy_version : TLS_V12);
	msg_put(m, random, 32);
	msg_u8(m, 32);			/* session id */
	msg_put(m, random, 32);
	msg_u16(m, o->grease ? 8 : 6);	/* cipher suites */
	if (o->grease)
		msg_u16(m, 0x2a2a);
	msg_u16(m, 0x1301);
	msg_u16(m, 0x1302);
	msg_u16(m, 0xc02f);
	msg_u8(m, 1);			/* compression: null */
	msg_u8(m, 0);
	tls_extensions(m, o, false);
	return tls_finish(m);
}

static inline size_t tls_server_hello(struct msg *m, const struct hello_opts *o)
{
	uint8_t random[32];

	memset(random, 0x3c, sizeof(random));
	tls_begin(m, 2, TLS_V12);
	msg_u16(m, o->legacy_version ? o->legacy_version : TLS_V12);
	msg_put(m, random, 32);
	msg_u8(m, 0);			/* session id */
	msg_u16(m, o->nversions ? 0x1301 : 0xc02f);
	msg_u8(m, 0);
	tls_extensions(m, o, true);
	return tls_finish(m);
}

/*
 * A server's TLS 1.2 hello flight: the ServerHello record (sh), the
 * Certificate message of the n DER certificates cut into handshake records
 * of at most record_max bytes, and a ServerHelloDone record.
 */
static inline size_t tls_server_flight(struct msg *m, const struct hello_opts *sh,
				       const uint8_t *const ders[], const size_t lens[], int n,
				       size_t record_max)
{
	static struct msg hs;
	size_t list = 0, pos = 0;

	tls_server_hello(m, sh);
	memset(&hs, 0, sizeof(hs));
	for (int i = 0; i < n; i++)
		list += 3 + lens[i];
	msg_u8(&hs, 11);
	msg_u24(&hs, list + 3);
	msg_u24(&hs, list);
	for (int i = 0; i < n; i++) {
		msg_u24(&hs, lens[i]);
		msg_put(&hs, ders[i], lens[i]);
	}
	msg_put(&hs, "\x0e\x00\x00\x00", 4);	/* ServerHelloDone, in the same stream */
	while (pos < hs.len) {
		size_t take = hs.len - pos < record_max ? hs.len - pos : record_max;

		msg_u8(m, 0x16);
		msg_u16(m, TLS_V12);
		msg_u16(m, take);
		msg_put(m, hs.b + pos, take);
		pos += take;
	}
	return m->error || hs.error ? 0 : m->len;
}

#endif /* IOTRIM_SELFTEST_ATTRIB_MSGS_H */
