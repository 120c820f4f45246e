// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Server certificates, controller side: certificates made by the openssl
 * CLI at test time (a self-signed RSA-1024 SHA-1 one valid for ten years,
 * MD5, EC, a CA and a leaf it signed) through the Certificate message
 * parser, each weakness rule on and off; the cache of parsed messages;
 * the reassembly of a flight from events in and out of order, cut,
 * evicted, TLS 1.3 hidden; malformed messages counted; and the
 * certificates table read back for a destination.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attrib_msgs.h"
#include "attrib/cert.h"
#include "attrib/cert_cache.h"
#include "attrib/cert_reasm.h"
#include "attrib/names.h"
#include "common/clock.h"
#include "harness.h"
#include "history/cert_store.h"
#include "history/db.h"
#include "history/dest_facts.h"
#include "history/name_store.h"

static char dir[] = "/tmp/iotrim-cert-test-XXXXXX";
static const uint8_t DEV_MAC[6] = { 2, 0, 0, 0, 0, 0x21 };
static const uint8_t API4[4] = { 203, 0, 113, 10 };

struct der {
	uint8_t b[4096];
	size_t len;
};
static struct der weak, md5, ec, leaf, ca;
static struct msg m;

static bool load(const char *name, struct der *d)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return false;
	d->len = fread(d->b, 1, sizeof(d->b), f);
	fclose(f);
	return d->len > 0 && d->len < sizeof(d->b);
}

/* The certificates, by the openssl CLI (quietly). */
static bool make_certs(void)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "cd %s && exec >log 2>&1 && "
		 "openssl req -x509 -newkey rsa:1024 -sha1 -nodes -days 3650 -subj /CN=weak.example"
		 " -addext subjectAltName=DNS:weak.example -keyout weak.key -outform DER -out weak.der &&"
		 " openssl req -x509 -newkey rsa:2048 -md5 -nodes -days 30 -subj /CN=md5.example"
		 " -keyout md5.key -outform DER -out md5.der &&"
		 " openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -sha256 -nodes -days 90"
		 " -subj /CN=ec.example -addext subjectAltName=DNS:*.ec.example,IP:203.0.113.10"
		 " -keyout ec.key -outform DER -out ec.der &&"
		 " openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 3650 -subj '/CN=Test CA'"
		 " -keyout ca.key -out ca.pem &&"
		 " openssl x509 -in ca.pem -outform DER -out ca.der &&"
		 " openssl req -newkey rsa:2048 -nodes -subj /CN=api.vendor.example -keyout leaf.key"
		 " -out leaf.csr &&"
		 " printf 'subjectAltName=DNS:api.vendor.example\\n' > leaf.ext &&"
		 " openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365"
		 " -sha256 -extfile leaf.ext -outform DER -out leaf.der",
		 dir);
	return system(cmd) == 0 && load("weak.der", &weak) && load("md5.der", &md5) &&
	       load("ec.der", &ec) && load("leaf.der", &leaf) && load("ca.der", &ca);
}

/* A Certificate message body of the given certificates. */
static size_t message(uint8_t *out, const struct der *const *c, int n)
{
	size_t list = 0, o = 3;

	for (int i = 0; i < n; i++)
		list += 3 + c[i]->len;
	out[0] = list >> 16, out[1] = list >> 8, out[2] = list;
	for (int i = 0; i < n; i++) {
		out[o] = c[i]->len >> 16, out[o + 1] = c[i]->len >> 8, out[o + 2] = c[i]->len;
		memcpy(out + o + 3, c[i]->b, c[i]->len);
		o += 3 + c[i]->len;
	}
	return o;
}

static uint8_t body[16384];

TEST(weak_self_signed_certificate)
{
	const struct der *chain[] = { &weak };
	struct cert_info c;
	size_t len = message(body, chain, 1);
	unsigned want = 1u << CERT_WEAK_SHA1 | 1u << CERT_WEAK_RSA_SMALL |
			1u << CERT_WEAK_LONG_VALIDITY | 1u << CERT_WEAK_SELF_SIGNED;

	ASSERT(cert_parse_message(body, len, "weak.example", time(NULL), &c) == CERT_OK, "parses");
	EXPECT(!strcmp(c.subject, "CN=weak.example") && !strcmp(c.issuer, "CN=weak.example"),
	       "subject %s issuer %s", c.subject, c.issuer);
	EXPECT(!strcmp(c.sans, "weak.example"), "sans %s", c.sans);
	EXPECT(c.self_signed && c.chain_length == 1, "self-signed, chain of %u", c.chain_length);
	EXPECT(!strcmp(c.signature_algorithm, "sha1WithRSAEncryption"), "%s", c.signature_algorithm);
	EXPECT(!strcmp(c.key_type, "RSA") && c.key_bits == 1024, "%s %u", c.key_type, c.key_bits);
	EXPECT(c.validity_days == 3650, "validity %lld", (long long)c.validity_days);
	EXPECT(c.weaknesses == want, "weaknesses %#x (want %#x)", c.weaknesses, want);
	EXPECT(!c.sni_mismatch, "its own name matches");
	cert_parse_message(body, len, "api.vendor.example", time(NULL), &c);
	EXPECT(c.sni_mismatch, "another name does not");
	cert_parse_message(body, len, "", time(NULL), &c);
	EXPECT(!c.sni_mismatch, "no SNI: no mismatch");
	/* Served after its end: expired too. */
	cert_parse_message(body, len, NULL, c.not_after + 1, &c);
	EXPECT(c.weaknesses == (want | 1u << CERT_WEAK_EXPIRED), "expired when served late");
	cert_parse_message(body, len, NULL, c.not_after, &c);
	EXPECT(!(c.weaknesses & 1u << CERT_WEAK_EXPIRED), "not expired on its last second");
}

TEST(other_algorithms)
{
	const struct der *m5[] = { &md5 }, *e[] = { &ec };
	struct cert_info c;

	ASSERT(cert_parse_message(body, message(body, m5, 1), NULL, time(NULL), &c) == CERT_OK, "md5");
	EXPECT(c.weaknesses == (1u << CERT_WEAK_MD5 | 1u << CERT_WEAK_SELF_SIGNED),
	       "MD5, self-signed, nothing else: %#x", c.weaknesses);
	EXPECT(!strcmp(c.signature_algorithm, "md5WithRSAEncryption") && c.key_bits == 2048, "%s",
	       c.signature_algorithm);
	ASSERT(cert_parse_message(body, message(body, e, 1), "x.ec.example", time(NULL), &c) ==
	       CERT_OK, "ec");
	EXPECT(!strcmp(c.key_type, "EC") && c.key_bits == 256, "EC %s %u", c.key_type, c.key_bits);
	EXPECT(!strcmp(c.sans, "*.ec.example 203.0.113.10"), "sans %s", c.sans);
	EXPECT(!c.sni_mismatch && c.validity_days == 90, "wildcard matches; 90 days");
	EXPECT(c.weaknesses == 1u << CERT_WEAK_SELF_SIGNED, "only self-signed: %#x", c.weaknesses);
}

TEST(ca_signed_chain)
{
	const struct der *chain[] = { &leaf, &ca };
	struct cert_info c;

	ASSERT(cert_parse_message(body, message(body, chain, 2), "api.vendor.example", time(NULL),
				  &c) == CERT_OK, "parses");
	EXPECT(c.chain_length == 2 && !c.self_signed && !c.sni_mismatch, "chain of 2, for the SNI");
	EXPECT(!strcmp(c.issuer, "CN=Test CA"), "issuer %s", c.issuer);
	EXPECT(c.weaknesses == 0, "no weakness: %#x", c.weaknesses);
}

TEST(malformed_messages)
{
	const struct der *chain[] = { &leaf, &ca };
	struct cert_info c;
	size_t len = message(body, chain, 2);

	EXPECT(cert_parse_message(body, 2, NULL, 0, &c) == CERT_MALFORMED, "too short");
	EXPECT(cert_parse_message(body, len - 1, NULL, 0, &c) == CERT_MALFORMED, "list cut");
	EXPECT(cert_parse_message((const uint8_t *)"\0\0\0", 3, NULL, 0, &c) == CERT_EMPTY, "empty");
	/* Every cut of the message, and every byte flipped in the leaf's header: never a crash. */
	for (size_t cut = 0; cut < len; cut += 7)
		cert_parse_message(body, cut, NULL, 0, &c);
	body[6] ^= 0xff;
	EXPECT(cert_parse_message(body, len, NULL, 0, &c) == CERT_MALFORMED, "a broken leaf");
	body[6] ^= 0xff;
	/* A broken second certificate: the leaf is still described, the other counted. */
	body[3 + 3 + leaf.len + 3] ^= 0xff;
	EXPECT(cert_parse_message(body, len, NULL, 0, &c) == CERT_OK && c.malformed == 1 &&
	       c.chain_length == 2, "leaf kept, one malformed");
}

TEST(cache)
{
	const struct der *chain[] = { &weak };
	struct cert_cache cache = { 0 };
	struct cert_info a, b;
	size_t len = message(body, chain, 1);

	ASSERT(cert_cache_parse(&cache, body, len, "weak.example", 0, &a) == CERT_OK, "parsed");
	ASSERT(cert_cache_parse(&cache, body, len, "weak.example", 0, &b) == CERT_OK, "again");
	EXPECT(cache.hits == 1 && !memcmp(&a, &b, sizeof(a)), "a hit, the same description");
	cert_cache_parse(&cache, body, len, "weak.example", b.not_after + 1, &b);
	EXPECT(cache.hits == 2 && (b.weaknesses & 1u << CERT_WEAK_EXPIRED) &&
	       !(a.weaknesses & 1u << CERT_WEAK_EXPIRED), "a hit still judges expiry by its time");
	cert_cache_parse(&cache, body, len, "other.example", 0, &b);
	EXPECT(cache.hits == 2 && b.sni_mismatch && !a.sni_mismatch, "another SNI is another entry");
	body[6] ^= 0xff;
	EXPECT(cert_cache_parse(&cache, body, len, "weak.example", 0, &b) == CERT_MALFORMED &&
	       cache.hits == 2, "a different message is parsed, malformed or not");
	body[6] ^= 0xff;
	cert_cache_free(&cache);
}

/* ---- reassembly through attrib_handle ---------------------------------- */

static struct cert_info got;
static struct cert_record got_rec;
static char got_sni[TLS_SNI_MAX];
static int got_n;

static void sink_cert(void *ctx, const struct cert_record *r)
{
	(void)ctx;
	got_rec = *r;
	snprintf(got_sni, sizeof(got_sni), "%s", r->sni);
	if (r->cert)
		got = *r->cert;
	got_n++;
}

static void sink_name(void *c, const struct name_record *r) { (void)c, (void)r; }
static void sink_tls(void *c, const char *a, const char *b, uint16_t p, const char *v, int64_t ms)
{
	(void)c, (void)a, (void)b, (void)p, (void)v, (void)ms;
}
static int sink_flush(void *c, const struct attrib_stats *g) { (void)c, (void)g; return 0; }

static const struct attrib_sink test_sink = {
	.name = sink_name, .tls_version = sink_tls, .certificate = sink_cert, .flush = sink_flush,
};

static struct iotrim_event ev;

static void send_event(struct attrib *a, uint8_t kind, uint8_t dir, uint16_t dport, uint32_t seq,
		 const uint8_t *p, size_t len)
{
	memset(&ev, 0, sizeof(ev));
	ev.ts_ns = clock_boot_ns();
	memcpy(ev.key.device_mac, DEV_MAC, 6);
	ev.key.family = IOTRIM_FAMILY_IPV4;
	ev.key.proto = IPPROTO_TCP;
	ev.key.remote_port = 443;
	memcpy(ev.key.remote_ip, API4, 4);
	ev.device_port = dport;
	ev.kind = kind;
	ev.direction = dir;
	ev.len = len;
	ev.payload_len = len;
	ev.tcp_seq = seq;
	memcpy(ev.payload, p, len);
	attrib_handle(a, &ev, sizeof(ev));
}

/* The flight as the programs pass it: the hello event, then chunks of chunk bytes in order[]. */
static void flight(struct attrib *a, uint16_t dport, const char *sni, const uint8_t *f,
		   size_t len, size_t chunk, const int *order, int n)
{
	struct hello_opts ch = { .sni = sni };

	send_event(a, IOTRIM_EV_TLS, 0, dport, 1, m.b, tls_client_hello(&m, &ch));
	send_event(a, IOTRIM_EV_TLS, 1, dport, 5000, f, len < chunk ? len : chunk);
	for (int i = 0; i < n; i++) {
		size_t off = (size_t)order[i] * chunk;

		if (off < len)
			send_event(a, IOTRIM_EV_TLS_CERT, 1, dport, 5000 + off, f + off,
			     len - off < chunk ? len - off : chunk);
	}
}

static struct msg fl;

TEST(reassembly)
{
	static struct attrib a;
	const uint8_t *ders[] = { leaf.b, ca.b }, *wd[] = { weak.b };
	const size_t lens[] = { leaf.len, ca.len }, wl[] = { weak.len };
	struct hello_opts sh = { 0 };
	const int in_order[] = { 1, 2, 3, 4, 5, 6, 7, 8 }, shuffled[] = { 3, 1, 5, 4, 6, 7, 8, 9 };
	size_t len = tls_server_flight(&fl, &sh, ders, lens, 2, 700);

	attrib_init(&a, &test_sink, -1, 0);
	ASSERT(len > 1500, "a flight of %zu bytes", len);
	flight(&a, 40001, "api.vendor.example", fl.b, len, 1000, in_order, 8);
	EXPECT(got_n == 1 && !got_rec.hidden && got.chain_length == 2 && !got.sni_mismatch &&
	       !strcmp(got_sni, "api.vendor.example"), "in order: the chain, for the SNI (%d)", got_n);
	EXPECT(a.st.cert_flights == 1 && a.st.cert_certificates == 1 && !a.st.cert_out_of_order,
	       "counted once, in order");

	got_n = 0;
	flight(&a, 40002, "other.example", fl.b, len, 300, shuffled, 8);
	EXPECT(got_n == 0, "shuffled with a hole at 600: nothing yet");
	send_event(&a, IOTRIM_EV_TLS_CERT, 1, 40002, 5000 + 600, fl.b + 600, 300);
	EXPECT(got_n == 1 && got.sni_mismatch && a.st.cert_out_of_order > 0,
	       "the hole filled: whole, not for other.example");

	/* Weak certificate, one record per 100 bytes. */
	got_n = 0;
	len = tls_server_flight(&fl, &sh, wd, wl, 1, 100);
	flight(&a, 40003, "weak.example", fl.b, len, 1500, in_order, 8);
	EXPECT(got_n == 1 && got.weaknesses & 1u << CERT_WEAK_SHA1, "small records joined");

	/* TLS 1.3: hidden, said once per connection, with the SNI. */
	{
		static const uint16_t v13[] = { TLS_V13 };
		struct hello_opts s13 = { .versions = v13, .nversions = 1 };
		struct hello_opts ch = { .sni = "tls13.example" };

		got_n = 0;
		send_event(&a, IOTRIM_EV_TLS, 0, 40004, 1, m.b, tls_client_hello(&m, &ch));
		send_event(&a, IOTRIM_EV_TLS, 1, 40004, 9000, m.b, tls_server_hello(&m, &s13));
		EXPECT(got_n == 1 && got_rec.hidden && !got_rec.cert &&
		       !strcmp(got_sni, "tls13.example") && a.st.cert_hidden == 1, "TLS 1.3 hidden");
	}

	/* Bytes of no flight, and a flight cut by the window. */
	send_event(&a, IOTRIM_EV_TLS_CERT, 1, 40999, 77, fl.b, 100);
	EXPECT(a.st.cert_unmatched == 1, "unmatched counted");
	attrib_close(&a);
}

TEST(bounds)
{
	static struct attrib a;
	static uint8_t big[CERT_REASM_WINDOW + 3000];
	struct hello_opts sh = { 0 };
	size_t hl;

	attrib_init(&a, &test_sink, -1, 0);
	/* A Certificate longer than the window: incomplete, never done. */
	hl = tls_server_hello(&m, &sh);
	memcpy(big, m.b, hl);
	for (size_t o = hl; o + 5 + 16384 < sizeof(big); o += 5 + 16384) {
		big[o] = 0x16, big[o + 1] = 3, big[o + 2] = 3, big[o + 3] = 0x40, big[o + 4] = 0;
		if (o == hl)
			big[o + 5] = 11, big[o + 6] = 0, big[o + 7] = 0xa0, big[o + 8] = 0;
	}
	got_n = 0;
	send_event(&a, IOTRIM_EV_TLS, 1, 41000, 0, big, 1500);
	for (size_t off = 1500; off < sizeof(big); off += 1500)
		send_event(&a, IOTRIM_EV_TLS_CERT, 1, 41000, off, big + off,
		     sizeof(big) - off < 1500 ? sizeof(big) - off : 1500);
	EXPECT(got_n == 0 && a.st.cert_incomplete == 1, "longer than the window: incomplete (%llu)",
	       (unsigned long long)a.st.cert_incomplete);
	/* More flights under way than slots: the oldest are dropped, counted. */
	for (int i = 0; i < CERT_REASM_CONNS + 5; i++)
		send_event(&a, IOTRIM_EV_TLS, 1, 42000 + i, 0, m.b, hl);
	EXPECT(a.st.cert_dropped == 5, "5 dropped (%llu)", (unsigned long long)a.st.cert_dropped);
	attrib_close(&a);
}

/* ---- the certificates table --------------------------------------------- */

TEST(stored_and_read_back)
{
	const struct der *chain[] = { &weak };
	struct cert_info c;
	struct cert_record r = {
		.device_mac = "02:00:00:00:00:21", .ip = "203.0.113.10", .port = 443,
		.sni = "weak.example", .cert = &c, .seen_ms = 1000,
	};
	struct flow_row row = { .device_mac = "02:00:00:00:00:21", .remote_port = 443,
				.proto = IPPROTO_TCP, .name = "weak.example" };
	char *ips[] = { "203.0.113.10" };
	struct dest d = { .first = &row, .nrows = 1, .ips = ips, .nips = 1 };
	struct dest_facts f;
	sqlite3_stmt *w;
	char path[256];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/cert.db", dir);
	ASSERT(db_open(path, &db) == 0, "db");
	ASSERT(cert_parse_message(body, message(body, chain, 1), "weak.example", time(NULL), &c) ==
	       CERT_OK, "parse");
	ASSERT((w = cert_store_prepare(db)), "statement");
	EXPECT(cert_store_write(w, &r) == 0, "written");
	r.hidden = true;
	r.cert = NULL;
	EXPECT(cert_store_write(w, &r) == 0, "and a TLS 1.3 connection");
	ASSERT(dest_facts_load(db, &f) == 0 && dest_facts_describe(&f, &d) == 0 && d.cert,
	       "read back");
	dest_facts_free(&f);
	EXPECT(!memcmp(d.cert, &c, sizeof(c)) || (!strcmp(d.cert->subject, c.subject) &&
	       d.cert->weaknesses == c.weaknesses && d.cert->not_after == c.not_after &&
	       d.cert->key_bits == c.key_bits && !strcmp(d.cert->sans, c.sans)),
	       "the same certificate");
	EXPECT(!d.cert_hidden, "a certificate wins over hidden");
	free(d.cert);
	d.cert = NULL;
	ips[0] = "198.51.100.7";
	r.ip = "198.51.100.7";
	EXPECT(cert_store_write(w, &r) == 0, "hidden only elsewhere");
	ASSERT(dest_facts_load(db, &f) == 0 && dest_facts_describe(&f, &d) == 0, "read");
	dest_facts_free(&f);
	EXPECT(!d.cert && d.cert_hidden, "hidden only: certificate_hidden");
	sqlite3_finalize(w);
	db_close(db);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir) || !make_certs()) {
		printf("Bail out! making certificates with openssl failed (see %s/log)\n", dir);
		return 1;
	}
	RUN(weak_self_signed_certificate);
	RUN(other_algorithms);
	RUN(ca_signed_chain);
	RUN(malformed_messages);
	RUN(cache);
	RUN(reassembly);
	RUN(bounds);
	RUN(stored_and_read_back);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return harness_done();
}
