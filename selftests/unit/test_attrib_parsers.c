// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attribution, controller side: the DNS parser (CNAME chains, TTLs, hostile
 * messages), the TLS hello parser (SNI, versions, cuts at every offset),
 * event handling into SQLite, party labels for a table of cases, the ASN
 * and override tables, registrable domains.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "attrib_msgs.h"
#include "history/db.h"
#include "history/name_store.h"
#include "attrib/dns.h"
#include "attrib/geo.h"
#include "harness.h"
#include "attrib/names.h"
#include "attrib/party.h"
#include "attrib/tls.h"

static const uint8_t API4[4] = { 203, 0, 113, 10 };
static const uint8_t CDN4A[4] = { 203, 0, 113, 20 };
static const uint8_t CDN4B[4] = { 203, 0, 113, 21 };
static uint8_t CDN6A[16], CDN6B[16];
static char tmpdir[] = "/tmp/iotrim-attrib-test-XXXXXX";
static struct msg m, t;

/* ---- DNS ------------------------------------------------------------------ */

TEST(dns_cname_chain_and_ttl)
{
	struct dns_message d;
	size_t len;

	dns_begin(&m, 7, true, 0);
	dns_question(&m, "Log.Vendor.Example", DNS_A);
	dns_cname(&m, "log.vendor.example", "edge.vendor.example", 300);
	dns_cname(&m, "edge.vendor.example", "api.vendor.example", 20);
	dns_a(&m, "api.vendor.example", API4, 60);
	len = dns_end(&m);
	ASSERT(dns_parse(m.b, len, false, &d) == DNS_OK, "parses");
	EXPECT(d.response && d.rcode == 0 && d.id == 7, "header");
	EXPECT(!strcmp(d.qname, "log.vendor.example"), "asked name lower-cased: %s", d.qname);
	EXPECT(d.chain_len == 2 && !strcmp(d.chain[0], "edge.vendor.example") &&
	       !strcmp(d.chain[1], "api.vendor.example"), "chain of %d", d.chain_len);
	EXPECT(!strcmp(dns_final_name(&d), "api.vendor.example"), "final");
	ASSERT(d.naddrs == 1, "one address, got %d", d.naddrs);
	EXPECT(!memcmp(d.addrs[0].ip, API4, 4) && d.addrs[0].family == 4, "address");
	EXPECT(d.addrs[0].ttl == 20, "TTL is the chain's minimum: %u", d.addrs[0].ttl);
}

TEST(dns_several_a_and_aaaa)
{
	struct dns_message d;
	size_t len;

	dns_begin(&m, 1, true, 0);
	dns_question(&m, "cdn.example", DNS_AAAA);
	dns_a(&m, "cdn.example", CDN4A, 30);
	dns_a(&m, "cdn.example", CDN4B, 30);
	dns_aaaa(&m, "cdn.example", CDN6A, 30);
	dns_aaaa(&m, "cdn.example", CDN6B, 30);
	dns_a(&m, "other.example", API4, 30);	/* not on the chain: ignored */
	len = dns_end(&m);
	ASSERT(dns_parse(m.b, len, false, &d) == DNS_OK, "parses");
	EXPECT(d.naddrs == 4, "four addresses of the asked name, got %d", d.naddrs);
	EXPECT(d.naddrs == 4 && d.addrs[2].family == 6 && !memcmp(d.addrs[3].ip, CDN6B, 16),
	       "AAAA kept");
	EXPECT(d.answers == 5, "answer count %d", d.answers);
}

TEST(dns_query_nxdomain_and_tcp)
{
	struct dns_message d;
	size_t len;

	dns_begin(&m, 2, false, 0);
	dns_question(&m, "never.vendor.example", DNS_A);
	len = dns_end(&m);
	ASSERT(dns_parse(m.b, len, false, &d) == DNS_OK, "query parses");
	EXPECT(!d.response && !strcmp(d.qname, "never.vendor.example"), "a query");

	dns_begin(&m, 3, true, 3);
	dns_question(&m, "never.vendor.example", DNS_A);
	len = dns_end(&m);
	ASSERT(dns_parse(m.b, len, false, &d) == DNS_OK, "NXDOMAIN parses");
	EXPECT(d.rcode == 3 && d.naddrs == 0, "rcode %u", d.rcode);

	dns_begin(&m, 4, true, 0);
	dns_question(&m, "api.vendor.example", DNS_A);
	dns_a(&m, "api.vendor.example", API4, 30);
	dns_end(&m);
	len = dns_tcp(&m, &t);
	ASSERT(dns_parse(t.b, len, true, &d) == DNS_OK && d.naddrs == 1, "TCP message parses");
	for (size_t cut = 0; cut < len; cut++) {
		int st = dns_parse(t.b, cut, true, &d);

		if (st != DNS_TRUNCATED) {
			EXPECT(st == DNS_TRUNCATED, "TCP cut at %zu: %d", cut, st);
			break;
		}
	}
	/* The length prefix says less than the segment holds: only that is read. */
	msg_set16(&t, 0, 12);
	EXPECT(dns_parse(t.b, len, true, &d) == DNS_MALFORMED, "12 bytes: no question");
}

TEST(dns_hostile_names)
{
	struct dns_message d;
	size_t len;

	/* Answer owner is a pointer to itself: a compression loop. */
	dns_begin(&m, 5, true, 0);
	dns_question(&m, "a.example", DNS_A);
	{
		size_t at = m.len;

		msg_u16(&m, 0xc000 | at);
		msg_u16(&m, DNS_A);
		msg_u16(&m, 1);
		msg_u32(&m, 30);
		msg_u16(&m, 4);
		msg_put(&m, API4, 4);
		m.an++;
	}
	len = dns_end(&m);
	EXPECT(dns_parse(m.b, len, false, &d) == DNS_MALFORMED, "self-pointer loop");

	/* Two pointers pointing at each other. */
	dns_begin(&m, 6, true, 0);
	msg_u16(&m, 0xc000 | 14);	/* question name -> offset 14 */
	msg_u16(&m, 0xc000 | 12);	/* offset 14 -> offset 12 */
	msg_u16(&m, DNS_A);
	msg_u16(&m, 1);
	m.qd = 1;
	len = dns_end(&m);
	EXPECT(dns_parse(m.b, len, false, &d) == DNS_MALFORMED, "two-pointer loop");

	/* A pointer past the end. */
	dns_begin(&m, 7, true, 0);
	msg_u16(&m, 0xc000 | 0x3fff);
	msg_u16(&m, DNS_A);
	msg_u16(&m, 1);
	m.qd = 1;
	len = dns_end(&m);
	EXPECT(dns_parse(m.b, len, false, &d) == DNS_MALFORMED, "pointer past the end");

	/* A 64-byte label, and a name longer than 255 bytes. */
	dns_begin(&m, 8, true, 0);
	msg_u8(&m, 64);
	for (int i = 0; i < 64; i++)
		msg_u8(&m, 'a');
	msg_u8(&m, 0);
	msg_u16(&m, DNS_A);
	msg_u16(&m, 1);
	m.qd = 1;
	len = dns_end(&m);
	EXPECT(dns_parse(m.b, len, false, &d) == DNS_MALFORMED, "label over 63 bytes");
	dns_begin(&m, 9, true, 0);
	for (int l = 0; l < 5; l++) {
		msg_u8(&m, 60);
		for (int i = 0; i < 60; i++)
			msg_u8(&m, 'b');
	}
	msg_u8(&m, 0);
	msg_u16(&m, DNS_A);
	msg_u16(&m, 1);
	m.qd = 1;
	len = dns_end(&m);
	EXPECT(dns_parse(m.b, len, false, &d) == DNS_MALFORMED, "name over 255 bytes");

	/* Counts that promise more records than there are. */
	dns_begin(&m, 10, true, 0);
	dns_question(&m, "a.example", DNS_A);
	len = dns_end(&m);
	msg_set16(&m, 6, 40);
	EXPECT(dns_parse(m.b, len, false, &d) == DNS_MALFORMED, "answer count past the end");
	EXPECT(dns_parse(m.b, 11, false, &d) == DNS_MALFORMED, "shorter than a header");
}

TEST(dns_thousands_of_records)
{
	struct dns_message d;
	size_t len;

	dns_begin(&m, 11, true, 0);
	dns_question(&m, "many.example", DNS_A);
	for (int i = 0; i < 3000; i++) {
		uint8_t ip[4] = { 198, 51, 100, i & 0xff };

		msg_u16(&m, 0xc00c);	/* owner: the question name */
		msg_u16(&m, DNS_A);
		msg_u16(&m, 1);
		msg_u32(&m, 60);
		msg_u16(&m, 4);
		msg_put(&m, ip, 4);
		m.an++;
	}
	len = dns_end(&m);
	ASSERT(len > 40000, "built %zu bytes", len);
	ASSERT(dns_parse(m.b, len, false, &d) == DNS_OK, "parses");
	EXPECT(d.answers == 3000 && d.naddrs == DNS_MAX_ADDRS && d.addrs_capped,
	       "%d answers, %d kept, capped %d", d.answers, d.naddrs, d.addrs_capped);
}

TEST(dns_cname_loop_and_cuts)
{
	struct dns_message d;
	size_t len;
	int ok = 0;

	dns_begin(&m, 12, true, 0);
	dns_question(&m, "a.example", DNS_A);
	dns_cname(&m, "a.example", "b.example", 30);
	dns_cname(&m, "b.example", "a.example", 30);
	dns_a(&m, "b.example", API4, 30);
	len = dns_end(&m);
	ASSERT(dns_parse(m.b, len, false, &d) == DNS_OK, "parses");
	EXPECT(d.chain_len == 1 && d.naddrs == 1, "the loop is cut: chain %d", d.chain_len);

	for (size_t cut = 0; cut < len; cut++)
		ok += dns_parse(m.b, cut, false, &d) == DNS_OK;
	EXPECT(ok == 0, "every proper prefix is malformed (%d parsed)", ok);
	srand(42);
	for (int i = 0; i < 20000; i++) {
		uint8_t buf[300];
		size_t n = rand() % sizeof(buf);

		for (size_t k = 0; k < n; k++)
			buf[k] = rand();
		dns_parse(buf, n, i & 1, &d);
	}
	EXPECT(true, "random input does not crash");
}

/* ---- TLS ------------------------------------------------------------------ */

TEST(tls_client_hello_parses)
{
	static const uint16_t v13[] = { TLS_V13, TLS_V12 };
	struct hello_opts o = { .sni = "API.vendor.example", .versions = v13, .nversions = 2,
				.grease = true };
	struct tls_hello h;
	size_t len = tls_client_hello(&m, &o);

	ASSERT(tls_parse_hello(m.b, len, &h) == TLS_OK, "parses");
	EXPECT(h.type == TLS_CLIENT_HELLO && h.has_sni && !strcmp(h.sni, "api.vendor.example"),
	       "SNI %s", h.sni);
	EXPECT(h.version == TLS_V13, "highest offered %#x", h.version);
	o.sni = NULL;
	o.nversions = 0;
	o.grease = false;
	len = tls_client_hello(&m, &o);
	ASSERT(tls_parse_hello(m.b, len, &h) == TLS_OK, "no SNI parses");
	EXPECT(!h.has_sni && h.version == TLS_V12, "TLS 1.2 client");
}

TEST(tls_server_hello_versions)
{
	static const uint16_t v13[] = { TLS_V13 };
	struct hello_opts o = { .versions = v13, .nversions = 1 };
	struct tls_hello h;
	size_t len = tls_server_hello(&m, &o);

	ASSERT(tls_parse_hello(m.b, len, &h) == TLS_OK, "1.3 parses");
	EXPECT(h.type == TLS_SERVER_HELLO && h.version == TLS_V13 && h.legacy_version == TLS_V12,
	       "negotiated %#x", h.version);
	o.nversions = 0;
	len = tls_server_hello(&m, &o);
	ASSERT(tls_parse_hello(m.b, len, &h) == TLS_OK, "1.2 parses");
	EXPECT(h.version == TLS_V12 && !tls_version_deprecated(h.version), "TLS 1.2");
	o.legacy_version = 0x0300;
	o.no_extensions = true;
	len = tls_server_hello(&m, &o);
	ASSERT(tls_parse_hello(m.b, len, &h) == TLS_OK, "SSL 3.0 parses");
	EXPECT(h.version == 0x0300 && tls_version_deprecated(h.version) &&
	       !strcmp(tls_version_name(h.version), "SSLv3"), "SSLv3 flagged");
	EXPECT(tls_version_deprecated(0x0301) && tls_version_deprecated(0x0302) &&
	       !tls_version_deprecated(TLS_V13), "1.0 and 1.1 deprecated");
}

TEST(tls_client_hello_cut_at_every_offset)
{
	static const uint16_t v13[] = { TLS_V13, TLS_V12 };
	struct hello_opts o = { .sni = "mqtt.vendor.example", .versions = v13, .nversions = 2,
				.grease = true, .padding = 200 };
	struct tls_hello h;
	size_t len = tls_client_hello(&m, &o);
	int bad = 0, with_sni = 0;

	for (size_t cut = 1; cut < len; cut++) {
		int st = tls_parse_hello(m.b, cut, &h);

		if (st != TLS_TRUNCATED)
			bad++;
		if (h.has_sni) {
			with_sni++;
			if (strcmp(h.sni, "mqtt.vendor.example"))
				bad++;
		}
	}
	EXPECT(bad == 0, "%d cuts were not truncated (or had a wrong SNI)", bad);
	EXPECT(with_sni > 0, "cuts after the SNI keep it (%d)", with_sni);
	EXPECT(tls_parse_hello(m.b, 0, &h) == TLS_NOT_HELLO, "empty");
}

TEST(tls_hostile_hellos)
{
	struct hello_opts o = { .sni = "bad_name!.example" };
	struct tls_hello h;
	size_t len = tls_client_hello(&m, &o);
	const char http[] = "GET / HTTP/1.1\r\n";

	EXPECT(tls_parse_hello(m.b, len, &h) == TLS_MALFORMED && !h.has_sni, "bad SNI character");
	EXPECT(tls_parse_hello((const uint8_t *)http, sizeof(http) - 1, &h) == TLS_NOT_HELLO,
	       "HTTP is not TLS");
	o.sni = "ok.example";
	len = tls_client_hello(&m, &o);
	m.b[len - 20] ^= 0xff;	/* a length inside the extensions */
	EXPECT(tls_parse_hello(m.b, len, &h) != TLS_OK, "a lying extension length");
	len = tls_client_hello(&m, &o);
	m.b[43] = 200;		/* session id length over 32 */
	EXPECT(tls_parse_hello(m.b, len, &h) == TLS_MALFORMED, "session id over 32");
	len = tls_client_hello(&m, &o);
	m.b[5] = 11;		/* a Certificate, not a hello */
	EXPECT(tls_parse_hello(m.b, len, &h) == TLS_NOT_HELLO, "other handshake types");
	len = tls_client_hello(&m, &o);
	msg_set16(&m, 3, 60);	/* the record ends before the hello: it continues elsewhere */
	EXPECT(tls_parse_hello(m.b, len, &h) == TLS_TRUNCATED, "hello longer than its record");
	srand(7);
	for (int i = 0; i < 50000; i++) {
		size_t n;

		len = tls_client_hello(&m, &o);
		n = 1 + rand() % len;
		m.b[rand() % n] = rand();
		tls_parse_hello(m.b, n, &h);
		if (h.has_sni)
			for (const char *c = h.sni; *c; c++)
				if (!(*c == '-' || *c == '.' || *c == '_' || (*c >= 'a' && *c <= 'z') ||
				      (*c >= '0' && *c <= '9'))) {
					EXPECT(false, "SNI with '%c' accepted", *c);
					return;
				}
	}
}

/* ---- events -> SQLite -------------------------------------------------------- */

static const uint8_t DEV_MAC[6] = { 2, 0, 0, 0, 0, 0x21 };

static void event_for(struct iotrim_event *ev, uint8_t kind, uint8_t dir, uint8_t proto,
		      const uint8_t remote4[4], uint16_t port, const void *payload, size_t len)
{
	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = clock_boot_ns();
	memcpy(ev->key.device_mac, DEV_MAC, 6);
	ev->key.family = IOTRIM_FAMILY_IPV4;
	ev->key.proto = proto;
	ev->key.remote_port = port;
	memcpy(ev->key.device_ip, (uint8_t[]){ 192, 0, 2, 21 }, 4);
	memcpy(ev->key.remote_ip, remote4, 4);
	ev->kind = kind;
	ev->direction = dir;
	ev->len = len > IOTRIM_EVENT_PAYLOAD_MAX ? IOTRIM_EVENT_PAYLOAD_MAX : len;
	ev->payload_len = len;
	memcpy(ev->payload, payload, ev->len);
}

static long long query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

TEST(events_into_database)
{
	static const uint16_t v13[] = { TLS_V13 };
	static struct iotrim_event ev;
	struct hello_opts ch = { .sni = "doh.vendor.example" }, sh = { .versions = v13, .nversions = 1 };
	const uint8_t gw[4] = { 192, 0, 2, 1 };
	struct name_store store;
	struct attrib a;
	char path[256];
	sqlite3 *db;
	size_t len;

	snprintf(path, sizeof(path), "%s/events.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "db");
	ASSERT(name_store_open(&store, db) == 0, "init");
	attrib_init(&a, &store.sink, -1, 60);

	dns_begin(&m, 1, false, 0);
	dns_question(&m, "log.vendor.example", DNS_A);
	len = dns_end(&m);
	event_for(&ev, IOTRIM_EV_DNS, 0, IPPROTO_UDP, gw, 53, m.b, len);
	attrib_handle(&a, &ev, sizeof(ev));
	dns_begin(&m, 1, true, 0);
	dns_question(&m, "log.vendor.example", DNS_A);
	dns_cname(&m, "log.vendor.example", "api.vendor.example", 30);
	dns_a(&m, "api.vendor.example", API4, 30);
	len = dns_end(&m);
	event_for(&ev, IOTRIM_EV_DNS, 1, IPPROTO_UDP, gw, 53, m.b, len);
	attrib_handle(&a, &ev, sizeof(ev));
	event_for(&ev, IOTRIM_EV_DNS, 1, IPPROTO_UDP, gw, 53, "\x01\x02garbage", 9);
	attrib_handle(&a, &ev, sizeof(ev));

	len = tls_client_hello(&m, &ch);
	event_for(&ev, IOTRIM_EV_TLS, 0, IPPROTO_TCP, CDN4A, 443, m.b, len);
	attrib_handle(&a, &ev, sizeof(ev));
	len = tls_server_hello(&m, &sh);
	event_for(&ev, IOTRIM_EV_TLS, 1, IPPROTO_TCP, CDN4A, 443, m.b, len);
	attrib_handle(&a, &ev, sizeof(ev));
	event_for(&ev, IOTRIM_EV_TLS, 0, IPPROTO_TCP, CDN4A, 443, m.b, 30);
	attrib_handle(&a, &ev, sizeof(ev));	/* a cut ServerHello, upwards: ignored */
	attrib_handle(&a, &ev, 10);		/* short record */
	ASSERT(attrib_flush(&a) == 0, "flush");

	EXPECT(query_int(db, "SELECT count(*) FROM dns_names WHERE device_mac = '02:00:00:00:00:21'"
			     " AND ip = '203.0.113.10' AND name = 'log.vendor.example' AND source = 'dns'"
			     " AND chain = 'api.vendor.example' AND ttl = 30") == 1, "DNS name row");
	EXPECT(query_int(db, "SELECT expires_ms - last_seen_ms FROM dns_names WHERE source = 'dns'") ==
	       90000, "expiry = TTL + grace");
	EXPECT(query_int(db, "SELECT queries * 10 + responses FROM dns_queries WHERE"
			     " name = 'log.vendor.example'") == 11, "one query, one response");
	EXPECT(query_int(db, "SELECT count(*) FROM dns_names WHERE ip = '203.0.113.20' AND"
			     " name = 'doh.vendor.example' AND source = 'sni'") == 1, "SNI name row");
	EXPECT(query_int(db, "SELECT connections FROM tls_versions WHERE remote_ip = '203.0.113.20'"
			     " AND remote_port = 443 AND version = 'TLSv1.3'") == 1, "TLS version row");
	EXPECT(query_int(db, "SELECT value FROM attribution_counters WHERE name = 'dns_malformed'") == 1,
	       "malformed DNS counted");
	EXPECT(query_int(db, "SELECT value FROM attribution_counters WHERE name = 'events_bad'") == 1,
	       "short record counted");
	EXPECT(a.st.tls_truncated == 1 && a.st.tls_sni == 1 && a.st.tls_server_hellos == 1,
	       "TLS stats");
	name_store_close(&store);
	db_close(db);
}

/* ---- party ------------------------------------------------------------------ */

TEST(party_labels)
{
	static const struct {
		const char *vendor, *domains, *domain, *org;
		uint32_t asn;
		enum party want;
		const char *reason;
	} cases[] = {
		{ "Vendor Example", NULL, "vendor.example", NULL, 0, PARTY_FIRST, "matches vendor" },
		{ "TP-LINK TECHNOLOGIES CO.,LTD.", NULL, "tplinkcloud.com", NULL, 0, PARTY_FIRST, "tplinkcloud.com" },
		{ "Amazon Technologies Inc.", NULL, "amazonaws.com", NULL, 16509, PARTY_FIRST, "matches vendor" },
		{ "Espressif Inc.", NULL, "amazonaws.com", "Amazon.com, Inc.", 16509, PARTY_SUPPORT, "amazonaws.com is Amazon Web Services" },
		{ "Espressif Inc.", NULL, "espressif.com", NULL, 0, PARTY_FIRST, "espressif.com" },
		{ "Xiaomi Communications Co Ltd", NULL, "mi.com", "Xiaomi Inc", 0, PARTY_FIRST, "organisation 'Xiaomi Inc'" },
		{ "Example Cams", "camcloud.example", "eu.camcloud.example", NULL, 0, PARTY_FIRST, "device config" },
		{ "Vendor Example", NULL, "ntp.org", NULL, 0, PARTY_SUPPORT, "NTP Pool" },
		{ "Vendor Example", NULL, NULL, "Cloudflare, Inc.", 13335, PARTY_SUPPORT, "AS13335 is Cloudflare" },
		{ "Vendor Example", NULL, NULL, "Akamai International B.V.", 99999, PARTY_SUPPORT, "organisation 'Akamai International B.V.' is Akamai" },
		{ "Vendor Example", NULL, "doubleclick.net", "Google LLC", 15169, PARTY_SUPPORT, "AS15169" },
		{ "Vendor Example", NULL, "tracker.example", "Some Analytics Ltd", 64500, PARTY_THIRD, "neither vendor 'Vendor Example'" },
		{ NULL, NULL, "tracker.example", NULL, 0, PARTY_THIRD, "vendor unknown" },
		{ "Tuya Smart Inc.", NULL, "tuyaeu.com", "Amazon.com, Inc.", 16509, PARTY_FIRST, "tuyaeu.com" },
		{ "Huawei Technologies", NULL, "huaweicloud.com", NULL, 0, PARTY_FIRST, "matches vendor" },
		{ "Sonos, Inc.", NULL, "aliyuncs.com", "Hangzhou Alibaba Advertising Co.,Ltd.", 37963, PARTY_SUPPORT, "aliyuncs.com is Alibaba Cloud" },
	};
	struct providers prov;
	int mismatches = 0;

	ASSERT(providers_load("data/providers.conf", &prov) == 0 && prov.n > 50,
	       "shipped providers list (%zu rules)", prov.n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct device_info dev = { 0 };
		struct party_input in = { .device = &dev, .domain = cases[i].domain,
					  .asn = cases[i].asn, .org = cases[i].org };
		char reason[PARTY_REASON_MAX];
		enum party got;

		if (cases[i].vendor) {
			snprintf(dev.vendor, sizeof(dev.vendor), "%s", cases[i].vendor);
			dev.vendor_source = cases[i].domains ? "device config" : "OUI";
		}
		if (cases[i].domains) {
			snprintf(dev.domains[0], sizeof(dev.domains[0]), "%s", cases[i].domains);
			dev.n_domains = 1;
		}
		got = party_classify(&prov, &in, reason);
		if (got != cases[i].want || !strstr(reason, cases[i].reason)) {
			mismatches++;
			printf("#   case %zu: %s / %s: got %s (%s), want %s with '%s'\n", i,
			       cases[i].vendor ? cases[i].vendor : "-",
			       cases[i].domain ? cases[i].domain : "-", party_name(got), reason,
			       party_name(cases[i].want), cases[i].reason);
		}
	}
	EXPECT(mismatches == 0, "%d party cases wrong", mismatches);
	providers_free(&prov);
}

TEST(registrable_domains)
{
	char d[256];

	registrable_domain("api.vendor.example", d, sizeof(d));
	EXPECT(!strcmp(d, "vendor.example"), "%s", d);
	registrable_domain("a.b.pool.ntp.org", d, sizeof(d));
	EXPECT(!strcmp(d, "ntp.org"), "%s", d);
	registrable_domain("iot.eu-west-1.amazonaws.com", d, sizeof(d));
	EXPECT(!strcmp(d, "iot.eu-west-1.amazonaws.com") || !strcmp(d, "amazonaws.com") ||
	       !strcmp(d, "eu-west-1.amazonaws.com"), "%s", d);
	registrable_domain("www.example.co.uk", d, sizeof(d));
	EXPECT(!strcmp(d, "example.co.uk"), "%s", d);
}

TEST(device_config_and_oui)
{
	struct device_config c;
	struct device_info d;
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/devices.conf", tmpdir);
	f = fopen(path, "w");
	ASSERT(f, "write config");
	fputs("[02:00:00:00:00:21]\nname = bulb\nvendor = Vendor Example\ncategory = light\n"
	      "domains = vendor.example, vendorcdn.example\n", f);
	fclose(f);
	ASSERT(device_config_load(path, &c) == 0, "loads");
	device_info_get(&c, DEV_MAC, &d);
	EXPECT(!strcmp(d.name, "bulb") && !strcmp(d.vendor, "Vendor Example") &&
	       d.n_domains == 2 && !strcmp(d.domains[1], "vendorcdn.example") &&
	       !strcmp(d.vendor_source, "device config"), "config entry");
	device_info_get(&c, (uint8_t[]){ 2, 0, 0, 0, 0, 0x22 }, &d);
	EXPECT(!d.vendor[0], "locally administered MAC: no OUI vendor");
	if (access(IOTRIM_DEFAULT_OUI, R_OK) == 0) {
		/* 00:00:0C is Cisco's first OUI. */
		device_info_get(&c, (uint8_t[]){ 0, 0, 0x0c, 1, 2, 3 }, &d);
		EXPECT(strstr(d.vendor, "Cisco") && !strcmp(d.vendor_source, "OUI"), "OUI: %s",
		       d.vendor);
	}
	device_config_free(&c);
}

/* ---- geo tables ---------------------------------------------------------------- */

TEST(asn_csv_and_overrides)
{
	struct geo_options o = { .country_db = NULL };
	struct geo_info gi;
	struct geo *g;
	char csv4[256], csv6[256], ovr[256];
	uint8_t ip[16];
	FILE *f;

	snprintf(csv4, sizeof(csv4), "%s/asn-ipv4.csv", tmpdir);
	snprintf(csv6, sizeof(csv6), "%s/asn-ipv6.csv", tmpdir);
	snprintf(ovr, sizeof(ovr), "%s/overrides.conf", tmpdir);
	f = fopen(csv4, "w");
	fputs("1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
	      "8.8.8.0,8.8.8.255,15169,Google LLC\n"
	      "not,a,line\n"
	      "9.9.9.0,9.9.9.255,19281,\"Quad9 \"\"DNS\"\"\"\n", f);
	fclose(f);
	f = fopen(csv6, "w");
	fputs("2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n", f);
	fclose(f);
	f = fopen(ovr, "w");
	fputs("# testbed\n203.0.113.0/24 ZZ 64500 Vendor Example Inc.\n"
	      "203.0.113.53 ZY - -\n2001:db8::/32 ZZ AS64501 Doc Net\n8.8.8.8/32 - - Override Org\n", f);
	fclose(f);
	o.asn_files[0] = csv4;
	o.asn_files[1] = csv6;
	o.n_asn_files = 2;
	o.overrides = ovr;
	o.country_db = NULL;
	setenv("IOTRIM_GEOIP", "/nonexistent.mmdb", 1);
	EXPECT(geo_open(&o, false, &g) != 0, "a named database that is missing is an error");
	unsetenv("IOTRIM_GEOIP");
	ASSERT(geo_open(&o, false, &g) == 0, "opens");
	EXPECT(geo_asn_ranges(g) == 4, "ranges %lu", geo_asn_ranges(g));

	memset(ip, 0, 16);
	memcpy(ip, (uint8_t[]){ 1, 0, 0, 255 }, 4);
	geo_lookup(g, 4, ip, &gi);
	EXPECT(gi.asn == 13335 && !strcmp(gi.org, "Cloudflare, Inc."), "range end: AS%u %s", gi.asn, gi.org);
	memcpy(ip, (uint8_t[]){ 1, 0, 1, 0 }, 4);
	geo_lookup(g, 4, ip, &gi);
	EXPECT(gi.asn == 0 && !gi.org[0], "between ranges: AS%u", gi.asn);
	memcpy(ip, (uint8_t[]){ 9, 9, 9, 9 }, 4);
	geo_lookup(g, 4, ip, &gi);
	EXPECT(gi.asn == 19281 && !strcmp(gi.org, "Quad9 \"DNS\""), "quoted: %s", gi.org);
	memcpy(ip, (uint8_t[]){ 8, 8, 8, 8 }, 4);
	geo_lookup(g, 4, ip, &gi);
	EXPECT(gi.asn == 15169 && !strcmp(gi.org, "Override Org"), "override keeps ASN: %s", gi.org);
	memcpy(ip, (uint8_t[]){ 203, 0, 113, 10 }, 4);
	geo_lookup(g, 4, ip, &gi);
	EXPECT(!strcmp(gi.country, "ZZ") && gi.asn == 64500 && !strcmp(gi.org, "Vendor Example Inc."),
	       "testbed override: %s AS%u %s", gi.country, gi.asn, gi.org);
	memcpy(ip, (uint8_t[]){ 203, 0, 113, 53 }, 4);
	geo_lookup(g, 4, ip, &gi);
	EXPECT(!strcmp(gi.country, "ZY") && gi.asn == 64500, "longest prefix: %s AS%u", gi.country, gi.asn);
	inet_pton(AF_INET6, "2001:4860:4860::8888", ip);
	geo_lookup(g, 6, ip, &gi);
	EXPECT(gi.asn == 15169, "IPv6 range: AS%u", gi.asn);
	inet_pton(AF_INET6, "2001:db8:100::10", ip);
	geo_lookup(g, 6, ip, &gi);
	EXPECT(gi.asn == 64501 && !strcmp(gi.org, "Doc Net"), "IPv6 override AS%u", gi.asn);
	geo_close(g);
}


/* ---- a GeoLite2-layout database, written here ----------------------------- */

/*
 * A minimal MaxMind DB (format 2.0): an IPv4 search tree with 24-bit
 * records holding one /24, its data, and the metadata.  data is an
 * already-encoded MMDB value.
 */
static size_t mmdb_u(uint8_t *o, uint8_t type, uint64_t v, int bytes)
{
	size_t n = 0;

	if (type <= 7) {
		o[n++] = type << 5 | bytes;
	} else {
		o[n++] = bytes;
		o[n++] = type - 7;
	}
	for (int i = bytes - 1; i >= 0; i--)
		o[n++] = v >> (8 * i);
	return n;
}

static size_t mmdb_str(uint8_t *o, const char *s)
{
	size_t len = strlen(s), h = 1;

	if (len < 29) {
		o[0] = 2 << 5 | len;
	} else {		/* sizes 29..284: one more byte */
		o[0] = 2 << 5 | 29;
		o[h++] = len - 29;
	}
	memcpy(o + h, s, len);
	return len + h;
}

static bool write_mmdb(const char *path, const char *db_type, const uint8_t net[3],
		       const uint8_t *data, size_t data_len)
{
	enum { NODES = 24 };
	uint8_t buf[4096];
	size_t n = 0;
	FILE *f;

	/* Node i tests bit i of the address; the prefix's side leads on. */
	for (int i = 0; i < NODES; i++) {
		int bit = net[i / 8] >> (7 - i % 8) & 1;
		uint32_t next = i + 1 < NODES ? (uint32_t)i + 1 : NODES + 16;	/* data offset 0 */
		uint32_t rec[2] = { NODES, NODES };	/* NODES: no data */

		rec[bit] = next;
		for (int side = 0; side < 2; side++) {
			buf[n++] = rec[side] >> 16;
			buf[n++] = rec[side] >> 8;
			buf[n++] = rec[side];
		}
	}
	memset(buf + n, 0, 16);
	n += 16;
	memcpy(buf + n, data, data_len);
	n += data_len;
	memcpy(buf + n, "\xab\xcd\xefMaxMind.com", 14);
	n += 14;
	buf[n++] = 7 << 5 | 9;	/* map of 9 */
	n += mmdb_str(buf + n, "node_count");
	n += mmdb_u(buf + n, 6, NODES, 1);
	n += mmdb_str(buf + n, "record_size");
	n += mmdb_u(buf + n, 5, 24, 1);
	n += mmdb_str(buf + n, "ip_version");
	n += mmdb_u(buf + n, 5, 4, 1);
	n += mmdb_str(buf + n, "database_type");
	n += mmdb_str(buf + n, db_type);
	n += mmdb_str(buf + n, "languages");
	buf[n++] = 1;		/* array (extended type 11) of 1 */
	buf[n++] = 11 - 7;
	n += mmdb_str(buf + n, "en");
	n += mmdb_str(buf + n, "binary_format_major_version");
	n += mmdb_u(buf + n, 5, 2, 1);
	n += mmdb_str(buf + n, "binary_format_minor_version");
	n += mmdb_u(buf + n, 5, 0, 0);
	n += mmdb_str(buf + n, "build_epoch");
	n += mmdb_u(buf + n, 9, 1700000000, 4);
	n += mmdb_str(buf + n, "description");
	buf[n++] = 7 << 5 | 1;
	n += mmdb_str(buf + n, "en");
	n += mmdb_str(buf + n, "iotrim test");
	f = fopen(path, "wb");
	if (!f)
		return false;
	fwrite(buf, 1, n, f);
	fclose(f);
	return true;
}

TEST(geolite2_layouts)
{
	/* An ordinary /24: special-purpose blocks never take a database row (special.h). */
	uint8_t data[256], ip[16] = { 11, 22, 33, 7 };
	struct geo_options o = { 0 };
	struct geo_info gi;
	struct geo *g;
	char country[256], asn[256], empty[256];
	size_t n = 0;

	snprintf(country, sizeof(country), "%s/GeoLite2-Country.mmdb", tmpdir);
	snprintf(asn, sizeof(asn), "%s/GeoLite2-ASN.mmdb", tmpdir);
	snprintf(empty, sizeof(empty), "%s/empty-overrides", tmpdir);
	fclose(fopen(empty, "w"));
	/* {"country": {"iso_code": "NL"}, "registered_country": {"iso_code": "DE"}} */
	data[n++] = 7 << 5 | 2;
	n += mmdb_str(data + n, "country");
	data[n++] = 7 << 5 | 1;
	n += mmdb_str(data + n, "iso_code");
	n += mmdb_str(data + n, "NL");
	n += mmdb_str(data + n, "registered_country");
	data[n++] = 7 << 5 | 1;
	n += mmdb_str(data + n, "iso_code");
	n += mmdb_str(data + n, "DE");
	ASSERT(write_mmdb(country, "GeoLite2-Country", (uint8_t[]){ 11, 22, 33 }, data, n), "write");
	/* {"autonomous_system_number": 64499, "autonomous_system_organization": "Doc Org"} */
	n = 0;
	data[n++] = 7 << 5 | 2;
	n += mmdb_str(data + n, "autonomous_system_number");
	n += mmdb_u(data + n, 6, 64499, 2);
	n += mmdb_str(data + n, "autonomous_system_organization");
	n += mmdb_str(data + n, "Doc Org");
	ASSERT(write_mmdb(asn, "GeoLite2-ASN", (uint8_t[]){ 11, 22, 33 }, data, n), "write");

	o.country_db = country;
	o.asn_files[0] = asn;
	o.n_asn_files = 1;
	o.overrides = empty;
	ASSERT(geo_open(&o, false, &g) == 0, "GeoLite2 files open");
	geo_lookup(g, 4, ip, &gi);
	EXPECT(!strcmp(gi.country, "NL"), "country.iso_code: '%s'", gi.country);
	EXPECT(gi.asn == 64499 && !strcmp(gi.org, "Doc Org"), "ASN mmdb: AS%u '%s'", gi.asn, gi.org);
	ip[2] = 101;
	geo_lookup(g, 4, ip, &gi);
	EXPECT(!gi.country[0] && !gi.asn, "outside the network: nothing");
	geo_close(g);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	inet_pton(AF_INET6, "2001:db8:100::20", CDN6A);
	inet_pton(AF_INET6, "2001:db8:100::21", CDN6B);
	RUN(dns_cname_chain_and_ttl);
	RUN(dns_several_a_and_aaaa);
	RUN(dns_query_nxdomain_and_tcp);
	RUN(dns_hostile_names);
	RUN(dns_thousands_of_records);
	RUN(dns_cname_loop_and_cuts);
	RUN(tls_client_hello_parses);
	RUN(tls_server_hello_versions);
	RUN(tls_client_hello_cut_at_every_offset);
	RUN(tls_hostile_hellos);
	RUN(events_into_database);
	RUN(party_labels);
	RUN(registrable_domains);
	RUN(device_config_and_oui);
	RUN(asn_csv_and_overrides);
	RUN(geolite2_layouts);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	return harness_done();
}
