// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The plaintext audit's controller side: every scanner rule with its near
 * misses (table-driven: the exact findings of each input), redaction (the
 * secret never appears in what is kept), the --strings file, the store
 * (per-database HMAC key, repeats counted, strings wiped) and samples into
 * findings through plain_sampler_handle(), with the database file checked
 * for the secrets afterwards.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/plain_sample.h"
#include "audit/plain_strings.h"
#include "audit/plaintext.h"
#include "audit/plaintext_store.h"
#include "audit/redact.h"
#include "report/security_plaintext.h"
#include "common/clock.h"
#include "harness.h"
#include "common/json.h"
#include "history/db.h"
#include "report/report.h"
#include "iotrim.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_FOUND 8

static char tmpdir[] = "/tmp/iotrim-plain-test-XXXXXX";

static const uint8_t DEV_MAC[6] = { 0x02, 0x00, 0x00, 0xab, 0xcd, 0x21 };

struct found {
	enum plain_kind kind;
	const char *value;
};

struct scan_case {
	const char *name;
	const char *input;
	struct found want[MAX_FOUND];	/* in the scanner's order; kind 0 with NULL value ends */
};

#define F(k, v) { PLAIN_##k, v }

static const struct scan_case scan_cases[] = {
	/* headers */
	{ "Authorization header", "GET / HTTP/1.1\r\nAuthorization: Bearer abc.def.ghi\r\n\r\n",
	  { F(AUTHORIZATION, "Bearer abc.def.ghi") } },
	{ "header names in any case, value trimmed",
	  "GET / HTTP/1.1\r\naUtHoRiZaTiOn:   Basic dXNlcjpwYXNz  \r\n",
	  { F(AUTHORIZATION, "Basic dXNlcjpwYXNz") } },
	{ "Proxy-Authorization", "Proxy-Authorization: Basic Zm9vOmJhcg==\n",
	  { F(AUTHORIZATION, "Basic Zm9vOmJhcg==") } },
	{ "Cookie and Set-Cookie", "Cookie: sid=42abcdef\r\nSet-Cookie: id=7; Path=/\r\n",
	  { F(COOKIE, "sid=42abcdef"), F(COOKIE, "id=7; Path=/") } },
	{ "X-API-Key, Api-Key, X-Auth-Token",
	  "X-API-Key: k-123456\r\nApi-Key: zzz999\r\nX-Auth-Token: t0ken\r\n",
	  { F(API_KEY, "k-123456"), F(API_KEY, "zzz999"), F(API_KEY, "t0ken") } },
	{ "near miss: empty header value", "Authorization:   \r\nCookie:\r\n", { { 0 } } },
	{ "near miss: header name not at a line start",
	  "X-Note: see Authorization: Bearer x\r\nMy-Cookie: a=b\r\n", { { 0 } } },
	{ "near miss: other headers", "Authorization-Hint: none\r\nCookies: 1\r\n", { { 0 } } },
	/* URL query */
	{ "query secrets, exact names in any case",
	  "GET /v1/x?api_key=s3cr3t&Token=abc&page=2 HTTP/1.1\r\n",
	  { F(URL_SECRET, "api_key=s3cr3t"), F(URL_SECRET, "Token=abc") } },
	{ "absolute-form target and a fragment",
	  "POST http://h.example/p?password=hunter2#frag HTTP/1.0\r\n",
	  { F(URL_SECRET, "password=hunter2") } },
	{ "near miss: longer names and empty values",
	  "GET /a?monkey=1&tokens=2&key=&sessionid_x=3 HTTP/1.1\r\n", { { 0 } } },
	{ "near miss: not a request line", "GETX /a?key=1 HTTP/1.1\r\n", { { 0 } } },
	{ "near miss: lower-case method", "get /a?key=1 HTTP/1.1\r\n", { { 0 } } },
	{ "near miss: no HTTP version", "GET /a?key=1\r\n", { { 0 } } },
	/* URL path */
	{ "hex path segment of 32",
	  "GET /dev/0123456789abcdef0123456789ABCDEF/state HTTP/1.1\r\n",
	  { F(URL_TOKEN, "0123456789abcdef0123456789ABCDEF") } },
	{ "base64url path segment with digit, upper and lower",
	  "PUT /k/Zm9vYmFyLWJhei1xdXV4LTEyMzQ1Njc4OTA_x HTTP/1.1\r\n",
	  { F(URL_TOKEN, "Zm9vYmFyLWJhei1xdXV4LTEyMzQ1Njc4OTA_x") } },
	{ "near miss: 31 hex, long word, no upper case",
	  "GET /0123456789abcdef0123456789abcde/supercalifragilisticexpialidociousxx/"
	  "abcdefghij0123456789abcdefghij0123 HTTP/1.1\r\n", { { 0 } } },
	/* e-mail */
	{ "e-mail address", "{\"user\":\"Jane.Doe+iot@mail.example.org\"}",
	  { F(EMAIL, "Jane.Doe+iot@mail.example.org") } },
	{ "e-mail at a sentence's end", "mail me: a_b@example.com.", { F(EMAIL, "a_b@example.com") } },
	{ "near misses: no dot, empty local, 1-letter TLD, digit TLD, leading dot",
	  "root@localhost @example.com a@b.c x@host.123 .x@y.zz", { { 0 } } },
	/* phone */
	{ "international numbers",
	  "tel=+49 151 2345-6789; alt=+1 (555) 010-9999, +441632960961",
	  { F(PHONE, "+49 151 2345-6789"), F(PHONE, "+1 (555) 010-9999"), F(PHONE, "+441632960961") } },
	{ "near misses: short, 16 digits, inside a word, no plus, letters after",
	  "+1234567 +1234567890123456 a+4915123456789 015123456789 +4915123456789x", { { 0 } } },
	/* device MAC */
	{ "device MAC, four spellings, any case",
	  "m1=02:00:00:AB:CD:21 m2=02-00-00-ab-cd-21 m3=0200.00ab.cd21 m4=020000ABCD21",
	  { F(DEVICE_MAC, "02:00:00:AB:CD:21"), F(DEVICE_MAC, "02-00-00-ab-cd-21"),
	    F(DEVICE_MAC, "0200.00ab.cd21"), F(DEVICE_MAC, "020000ABCD21") } },
	{ "near misses: another MAC, inside a longer hex run",
	  "02:00:00:ab:cd:22 f020000abcd21 020000abcd21f", { { 0 } } },
	/* serial and the user's strings */
	{ "serial and user strings, any case", "serial=SN-XY-4711 owner=alice SMITH ",
	  { F(DEVICE_SERIAL, "SN-XY-4711"), F(USER_STRING, "alice SMITH") } },
	{ "near miss: parts of a user string", "owner=alice SMYTH", { { 0 } } },
	/* binary and empty input */
	{ "binary junk", "\x01\x02\xff@\xfe\x00", { { 0 } } },
	{ "empty", "", { { 0 } } },
};

static struct found got[MAX_FOUND * 2];
static char got_values[MAX_FOUND * 2][128];
static size_t ngot;

static void collect(void *ctx, const struct plain_match *m)
{
	(void)ctx;
	if (ngot < ARRAY_SIZE(got)) {
		snprintf(got_values[ngot], sizeof(got_values[ngot]), "%.*s", (int)m->len,
			 (const char *)m->value);
		got[ngot].kind = m->kind;
		got[ngot].value = got_values[ngot];
	}
	ngot++;
}

static const char *const USER_STRINGS[] = { "Alice Smith", "bob" };
static const struct plain_rules RULES = {
	.mac = { 0x02, 0x00, 0x00, 0xab, 0xcd, 0x21 }, .have_mac = true,
	.serial = "sn-xy-4711", .strings = USER_STRINGS, .nstrings = 2,
};

static void run_scan_case(const void *arg)
{
	const struct scan_case *c = arg;
	size_t want = 0, n;

	while (want < MAX_FOUND && c->want[want].value)
		want++;
	ngot = 0;
	n = plaintext_scan((const uint8_t *)c->input, strlen(c->input), &RULES, collect, NULL);
	EXPECT(n == ngot, "returns the number of calls (%zu, %zu)", n, ngot);
	EXPECT(ngot == want, "%zu findings, got %zu", want, ngot);
	for (size_t i = 0; i < ngot && i < want; i++)
		EXPECT(got[i].kind == c->want[i].kind && !strcmp(got[i].value, c->want[i].value),
		       "finding %zu: %s '%s', got %s '%s'", i, plain_kind_name(c->want[i].kind),
		       c->want[i].value, plain_kind_name(got[i].kind), got[i].value);
}

struct redact_case {
	enum plain_kind kind;
	const char *value, *want;
};

static const struct redact_case redact_cases[] = {
	{ PLAIN_AUTHORIZATION, "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",
	  "Bearer eyJh\u2026(40 chars)" },
	{ PLAIN_AUTHORIZATION, "Basic dXNlcjpwYXNz", "Basic dXN\u2026(12 chars)" },
	{ PLAIN_AUTHORIZATION, "opaquetoken123", "opa\u2026(14 chars)" },
	{ PLAIN_URL_SECRET, "api_key=s3cr3t", "api_key=s\u2026(6 chars)" },
	{ PLAIN_URL_SECRET, "pwd=abc", "pwd=\u2026(3 chars)" },
	{ PLAIN_EMAIL, "owner@example.com", "owne\u2026(17 chars)" },
	{ PLAIN_COOKIE, "\x01\x02zzzzzz", "??\u2026(8 chars)" },
	{ PLAIN_PHONE, "+49 151 2345-6789", "+49 \u2026(17 chars)" },
	{ PLAIN_USER_STRING, "bob", "\u2026(3 chars)" },
};

TEST(redaction)
{
	for (size_t i = 0; i < ARRAY_SIZE(redact_cases); i++) {
		const struct redact_case *c = &redact_cases[i];
		struct plain_match m = { c->kind, (const uint8_t *)c->value, strlen(c->value) };
		char out[REDACTED_MAX];

		plain_redact(&m, out);
		EXPECT(!strcmp(out, c->want), "%s: '%s', got '%s'", c->value, c->want, out);
		EXPECT(!strstr(out, c->value), "the value itself is not in '%s'", out);
	}
}

/* Every finding of every scan case, redacted: never the whole value. */
TEST(redaction_never_keeps_the_value)
{
	for (size_t i = 0; i < ARRAY_SIZE(scan_cases); i++) {
		ngot = 0;
		plaintext_scan((const uint8_t *)scan_cases[i].input, strlen(scan_cases[i].input),
			       &RULES, collect, NULL);
		for (size_t k = 0; k < ngot && k < ARRAY_SIZE(got); k++) {
			struct plain_match m = { got[k].kind, (const uint8_t *)got[k].value,
						 strlen(got[k].value) };
			char out[REDACTED_MAX];

			plain_redact(&m, out);
			EXPECT(!strstr(out, got[k].value), "'%s' hides '%s'", out, got[k].value);
		}
	}
}

TEST(hmac_is_keyed)
{
	uint8_t k1[PLAIN_KEY_BYTES] = { 1 }, k2[PLAIN_KEY_BYTES] = { 2 };
	struct plain_match a = { PLAIN_EMAIL, (const uint8_t *)"a@example.com", 13 };
	struct plain_match b = { PLAIN_USER_STRING, (const uint8_t *)"a@example.com", 13 };
	char h1[PLAIN_HMAC_HEX], h2[PLAIN_HMAC_HEX], h3[PLAIN_HMAC_HEX], h4[PLAIN_HMAC_HEX];

	ASSERT(!plain_hmac(k1, &a, h1) && !plain_hmac(k1, &a, h2) && !plain_hmac(k2, &a, h3) &&
	       !plain_hmac(k1, &b, h4), "hmac");
	EXPECT(strlen(h1) == 64 && !strcmp(h1, h2), "same key, same value: same hash");
	EXPECT(strcmp(h1, h3), "another database's key: another hash");
	EXPECT(strcmp(h1, h4), "another kind: another hash");
}

static int write_file(const char *name, const char *text, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	fclose(f);
	return 0;
}

TEST(strings_file)
{
	static const struct { const char *text; int err; unsigned line; size_t count; } cases[] = {
		{ "# names\nAlice Smith\n\n  bob  \r\n", 0, 0, 2 },
		{ "", 0, 0, 0 },
		{ "ok1\nab\n", -EINVAL, 2, 0 },
		{ "ok1\n\nok2\n   \t\n", 0, 0, 2 },
	};
	char path[512], big[400];
	struct plain_strings s;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		ASSERT(!write_file("strings", cases[i].text, path, sizeof(path)), "write");
		int err = plain_strings_load(path, &s);

		EXPECT(err == cases[i].err, "case %zu: %d, got %d", i, cases[i].err, err);
		if (err == -EINVAL)
			EXPECT(s.bad_line == cases[i].line && s.why, "line %u", s.bad_line);
		else if (!err)
			EXPECT(s.count == cases[i].count, "case %zu: %zu strings", i, s.count);
		plain_strings_free(&s);
	}
	ASSERT(!write_file("strings", "Alice Smith\n  bob  \n", path, sizeof(path)), "write");
	ASSERT(!plain_strings_load(path, &s), "load");
	EXPECT(s.joined && !strcmp(s.joined, "Alice Smith\nbob"), "joined '%s'", s.joined);
	plain_strings_free(&s);
	memset(big, 'x', sizeof(big) - 2);
	big[sizeof(big) - 2] = '\n', big[sizeof(big) - 1] = 0;
	ASSERT(!write_file("strings", big, path, sizeof(path)), "write");
	EXPECT(plain_strings_load(path, &s) == -EINVAL && s.bad_line == 1, "too long");
	EXPECT(plain_strings_load("/nonexistent/strings", &s) == -ENOENT, "missing file");
}

/* A sample event of the device to 203.0.113.10:80 at boot time ts_ns. */
static void make_event(struct iotrim_event *ev, const uint8_t *mac, const char *payload,
		       uint64_t ts_ns)
{
	static const uint8_t api[4] = { 203, 0, 113, 10 };

	memset(ev, 0, sizeof(*ev));
	ev->ts_ns = ts_ns;
	memcpy(ev->key.device_mac, mac, 6);
	ev->key.family = IOTRIM_FAMILY_IPV4;
	ev->key.proto = 6;
	ev->key.remote_port = 80;
	memcpy(ev->key.remote_ip, api, 4);
	ev->kind = IOTRIM_EV_PLAIN_SAMPLE;
	ev->len = strlen(payload);
	ev->payload_len = ev->len;
	memcpy(ev->payload, payload, ev->len);
}

static const char SECRET_TOKEN[] = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.c2ln";
static const char SAMPLE[] =
	"POST /v1/t HTTP/1.1\r\nHost: api.vendor.example\r\n"
	"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.c2ln\r\n\r\n"
	"{\"email\":\"owner.secret@example.com\",\"name\":\"Alice Smith\"}";

/* Does the file hold needle anywhere (the WAL too)? */
static bool file_holds(const char *path, const char *needle)
{
	char buf[1 << 16];
	size_t n, nl = strlen(needle);
	bool found = false;
	FILE *f = fopen(path, "rb");

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf), f);
	for (size_t i = 0; i + nl <= n && !found; i++)
		found = !memcmp(buf + i, needle, nl);
	fclose(f);
	return found;
}

TEST(samples_into_findings)
{
	static struct iotrim_event ev;
	struct plain_audit_row row = { .device_mac = "02:00:00:ab:cd:21", .strings = "Alice Smith" };
	struct plain_findings f;
	struct plain_sampler s;
	char path[512], wal[600];
	uint8_t key1[PLAIN_KEY_BYTES], key2[PLAIN_KEY_BYTES];
	uint64_t now_ns = clock_boot_ns();
	int64_t id;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/plain.db", tmpdir);
	ASSERT(db_open(path, &db) == 0, "db");
	ASSERT(plain_key_get(db, key1) == 0 && plain_key_get(db, key2) == 0, "key");
	EXPECT(!memcmp(key1, key2, sizeof(key1)), "the key is made once");
	row.started_ms = clock_wall_ms() - 5000;
	row.expires_ms = row.started_ms + 60000;
	ASSERT(plain_audit_begin(db, &row, &id) == 0, "audit row");
	ASSERT(plain_sampler_init(&s, db, -1) == 0, "sampler");

	/* boot_ns_to_unix_ms() takes no time from the future: both are past */
	make_event(&ev, DEV_MAC, SAMPLE, now_ns - 2000000000ULL);
	plain_sampler_handle(&s, &ev, sizeof(ev));
	make_event(&ev, DEV_MAC, SAMPLE, now_ns - 1000000000ULL);
	plain_sampler_handle(&s, &ev, sizeof(ev));
	EXPECT(s.st.samples == 2 && s.st.findings == 6 && !s.st.failed, "%llu findings",
	       (unsigned long long)s.st.findings);

	ev.key.device_mac[5] = 0x99;
	plain_sampler_handle(&s, &ev, sizeof(ev));
	EXPECT(s.st.unaudited == 1, "another device has no audit: not scanned");
	plain_sampler_handle(&s, &ev, sizeof(ev) - 1);
	ev.key.device_mac[5] = 0x21;
	ev.len = IOTRIM_EVENT_PAYLOAD_MAX + 1;
	plain_sampler_handle(&s, &ev, sizeof(ev));
	EXPECT(s.st.bad == 2, "short and overlong events are bad (%llu)",
	       (unsigned long long)s.st.bad);
	make_event(&ev, DEV_MAC, SAMPLE, now_ns - 600 * 1000000000ULL);
	plain_sampler_handle(&s, &ev, sizeof(ev));
	EXPECT(s.st.unaudited == 2, "a sample from before the audit is not scanned");

	ASSERT(plain_findings_list(db, id, NULL, &f) == 0, "list");
	EXPECT(f.n == 3, "authorization, email, user_string: %zu", f.n);
	for (size_t i = 0; i < f.n; i++) {
		EXPECT(f.v[i].count == 2 && f.v[i].last_seen_ms - f.v[i].first_seen_ms >= 900 &&
		       !strcmp(f.v[i].name, "203.0.113.10") && f.v[i].port == 80,
		       "%s counted twice at the address (%llu, %lld ms, %s:%u)", f.v[i].kind,
		       (unsigned long long)f.v[i].count,
		       (long long)(f.v[i].last_seen_ms - f.v[i].first_seen_ms), f.v[i].name,
		       f.v[i].port);
		EXPECT(!strstr(f.v[i].redacted, SECRET_TOKEN), "redacted '%s'", f.v[i].redacted);
	}
	if (f.n == 3) {
		EXPECT(!strcmp(f.v[0].kind, "authorization") &&
		       !strcmp(f.v[0].redacted, "Bearer eyJh\u2026(50 chars)"), "'%s'",
		       f.v[0].redacted);
		EXPECT(!strcmp(f.v[1].kind, "email") && !strcmp(f.v[2].kind, "user_string"),
		       "kinds in order");
	}
	plain_findings_free(&f);
	uint64_t samples = 0;

	EXPECT(plain_audit_samples(db, id, &samples) == 0 && samples == 2,
	       "the run counts the samples scanned for it (%llu)", (unsigned long long)samples);
	ASSERT(plain_audit_end(db, id, clock_wall_ms()) == 0, "end");
	struct plain_audit_row active;

	EXPECT(plain_audit_active(db, "02:00:00:ab:cd:21", clock_wall_ms() + 1000, &active) ==
	       -ENOENT, "no audit after its end");
	db_close(db);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	EXPECT(!file_holds(path, SECRET_TOKEN) && !file_holds(wal, SECRET_TOKEN),
	       "the token is nowhere in the database");
	EXPECT(!file_holds(path, "owner.secret") && !file_holds(wal, "owner.secret"),
	       "nor the e-mail address");
	EXPECT(!file_holds(path, "Alice Smith") && !file_holds(wal, "Alice Smith") ,
	       "nor, once the audit ended, the user's string");
}

static char *render(int format, const struct report_device *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	if (format == 0)
		security_plaintext_text(f, d, false, "  ");
	else if (format == 1)
		security_plaintext_text(f, d, true, "- ");
	else if (format == 2)
		security_plaintext_html(f, d);
	else {
		json_init(&j, f);
		json_object_begin(&j, NULL);
		json_object_begin(&j, "security");
		security_plaintext_json(&j, d);
		json_object_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
	fclose(f);
	return buf;
}

/* The report's Security part in every format: fields, escaping, never audited. */
TEST(report_security)
{
	struct plain_finding f = {
		.name = "api.vendor.example", .port = 80, .kind = "cookie", .count = 3,
		.first_seen_ms = 1796065200000LL, .last_seen_ms = 1796065260000LL,
		.redacted = "<b>|*\u2026(9 chars)",
	};
	struct report_device d = { .plaintext_audits = 2, .plaintext = { &f, 1 } };
	char *out;

	out = render(0, &d);
	EXPECT(strstr(out, "plaintext: 1 finding in 2 audits") && strstr(out, "api.vendor.example") &&
	       strstr(out, "2026-11-30T19:00:00.000Z") && strstr(out, "cookie"), "text:\n%s", out);
	free(out);
	out = render(1, &d);
	EXPECT(strstr(out, "| destination |") && strstr(out, "\\<b\\>\\|\\*"), "markdown escapes:\n%s", out);
	free(out);
	out = render(2, &d);
	EXPECT(strstr(out, "&lt;b&gt;|*") && !strstr(out, "<b>"), "html escapes:\n%s", out);
	free(out);
	out = render(3, &d);
	EXPECT(strstr(out, "\"security\":{\"plaintext_audits\":2,\"plaintext\":[{\"name\":\"api.vendor.example\","
			   "\"port\":80,\"kind\":\"cookie\",\"count\":3,\"first_seen\":\"2026-11-30T19:00:00.000Z\","
			   "\"last_seen\":\"2026-11-30T19:01:00.000Z\",\"redacted\":\"<b>|*"), "json:\n%s", out);
	free(out);
	d.plaintext_audits = 0;
	d.plaintext.n = 0;
	out = render(0, &d);
	EXPECT(strstr(out, "not audited"), "a device never audited says so:\n%s", out);
	free(out);
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(scan_cases); i++)
		RUN_CASE(scan_cases[i].name, run_scan_case, &scan_cases[i]);
	RUN(redaction);
	RUN(redaction_never_keeps_the_value);
	RUN(hmac_is_keyed);
	RUN(strings_file);
	RUN(samples_into_findings);
	RUN(report_security);
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", tmpdir);
	return harness_done();
}
