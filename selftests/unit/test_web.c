// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The dashboard's pieces without a server: request parsing (URL decoding,
 * form fields, cookies, flat JSON objects, listen addresses), routing, the
 * access decision for every kind of request, secrets (hashes stored, never
 * the secret; wrong ones refused), sessions, the login rate limit, and the
 * HTML escaping of device-supplied strings.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "history/db.h"
#include "report/html.h"
#include "web/auth.h"
#include "web/request.h"
#include "web/router.h"
#include "web/session.h"
#include "harness.h"

static char dir[] = "/tmp/iotrim-web-test-XXXXXX";

TEST(url_decoding)
{
	char out[16];

	EXPECT(!url_decode("a%20b+c", 7, true, out, sizeof(out)) && !strcmp(out, "a b c"),
	       "form decoding, got '%s'", out);
	EXPECT(!url_decode("a+b", 3, false, out, sizeof(out)) && !strcmp(out, "a+b"),
	       "'+' kept outside forms, got '%s'", out);
	EXPECT(!url_decode("%3Cx%3e", 7, false, out, sizeof(out)) && !strcmp(out, "<x>"),
	       "either hex case, got '%s'", out);
	EXPECT(url_decode("%", 1, false, out, sizeof(out)) == -EINVAL, "lone %% refused");
	EXPECT(url_decode("%4", 2, false, out, sizeof(out)) == -EINVAL, "short escape refused");
	EXPECT(url_decode("%zz", 3, false, out, sizeof(out)) == -EINVAL, "bad hex refused");
	EXPECT(url_decode("a%00b", 5, false, out, sizeof(out)) == -EINVAL, "NUL refused");
	EXPECT(url_decode("0123456789abcdef", 16, false, out, sizeof(out)) == -EINVAL,
	       "no room refused");
}

TEST(form_fields_and_cookies)
{
	char out[64];

	EXPECT(!form_field("a=1&secret=x%26y&b=", "secret", out, sizeof(out)) &&
	       !strcmp(out, "x&y"), "escaped '&' in a value, got '%s'", out);
	EXPECT(!form_field("a=1&b=", "b", out, sizeof(out)) && !strcmp(out, ""), "empty value");
	EXPECT(form_field("ab=1", "a", out, sizeof(out)) == -ENOENT, "a prefix is not the name");
	EXPECT(form_field("", "a", out, sizeof(out)) == -ENOENT, "empty form");
	EXPECT(form_field("a", "a", out, sizeof(out)) == -ENOENT, "a name without '='");
	EXPECT(!cookie_value("x=1; iotrim_session=abc; y=2", "iotrim_session", out, sizeof(out)) &&
	       !strcmp(out, "abc"), "the cookie among others, got '%s'", out);
	EXPECT(cookie_value("xiotrim_session=abc", "iotrim_session", out, sizeof(out)) == -ENOENT,
	       "a longer name is another cookie");
	EXPECT(cookie_value("s=0123456789", "s", out, 8) == -EINVAL, "too long refused");
}

TEST(flat_json_objects)
{
	static const char ok[] = " {\"device\": \"02:00:00:00:00:21\", \"port\": 443, "
				 "\"lease\": 1e3, \"x\": null, \"b\": true, \"s\": \"a\\\"\\u00e9\\n\"} ";
	static const char *const bad[] = {
		"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{\"a\":{}}", "{\"a\":[1]}",
		"{\"a\":1}x", "{\"a\":1,\"a\":2}", "{\"a\":\"\\u0000\"}", "{\"a\":\"\\ud800\"}",
		"{\"a\":\"\\q\"}", "{\"a\":\"\x01\"}", "{\"a\":\"open}", "{a:1}", "{\"a\":tru}",
		"{\"a\":-}",
	};
	struct json_fields f;
	const char *why;

	ASSERT(!json_fields_parse(ok, sizeof(ok) - 1, &f, &why), "parses: %s", why);
	EXPECT(f.n == 6, "six fields, got %d", f.n);
	EXPECT(!strcmp(json_field(&f, "device", JF_STRING), "02:00:00:00:00:21"), "a string");
	EXPECT(!strcmp(json_field(&f, "port", JF_NUMBER), "443"), "a number as text");
	EXPECT(!json_field(&f, "port", JF_STRING), "a number is not a string");
	EXPECT(json_field(&f, "x", JF_NULL) && json_field(&f, "b", JF_BOOL), "null and true");
	EXPECT(!strcmp(json_field(&f, "s", JF_STRING), "a\"\xc3\xa9\n"), "escapes decoded");
	EXPECT(!json_field_present(&f, "missing"), "absent key");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(json_fields_parse(bad[i], strlen(bad[i]), &f, &why) == -EINVAL,
		       "'%s' refused", bad[i]);
	{
		char many[1024] = "{";

		for (int i = 0; i <= JSON_FIELDS_MAX; i++)
			snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s\"k%d\":1",
				 i ? "," : "", i);
		strcat(many, "}");
		EXPECT(json_fields_parse(many, strlen(many), &f, &why) == -EINVAL,
		       "more than %d fields refused", JSON_FIELDS_MAX);
	}
}

TEST(listen_addresses)
{
	struct sockaddr_storage a;
	socklen_t len;

	EXPECT(!parse_listen("127.0.0.1:8089", &a, &len) && sockaddr_loopback((void *)&a),
	       "IPv4 loopback");
	EXPECT(!parse_listen("[::1]:80", &a, &len) && sockaddr_loopback((void *)&a) &&
	       a.ss_family == AF_INET6, "IPv6 loopback");
	EXPECT(!parse_listen("192.0.2.1:8089", &a, &len) && !sockaddr_loopback((void *)&a),
	       "a LAN address is not loopback");
	EXPECT(!parse_listen("0.0.0.0:8089", &a, &len) && !sockaddr_loopback((void *)&a),
	       "the wildcard is not loopback");
	EXPECT(!parse_listen("[::ffff:127.0.0.1]:1", &a, &len) && sockaddr_loopback((void *)&a),
	       "v4-mapped loopback");
	EXPECT(parse_listen("127.0.0.1", &a, &len) && parse_listen("127.0.0.1:0", &a, &len) &&
	       parse_listen("127.0.0.1:65536", &a, &len) && parse_listen("::1:80", &a, &len) &&
	       parse_listen("localhost:80", &a, &len) && parse_listen("[::1:80", &a, &len),
	       "malformed addresses refused");
}

static void h1(struct web_server *s, const struct web_request *q, struct web_response *r)
{
	(void)s, (void)q, (void)r;
}

TEST(routing)
{
	static const struct web_route t[] = {
		{ "GET", "/", WEB_READ, h1 },
		{ "GET", "/api/blocks", WEB_READ, h1 },
		{ "POST", "/api/blocks", WEB_ACTION, h1 },
		{ "DELETE", "/api/blocks/", WEB_ACTION, h1 },
		{ NULL, NULL, 0, NULL },
	};
	const char *rest;
	bool known;
	const struct web_route *r;

	r = web_route_find(t, "GET", "/", &rest, &known);
	EXPECT(r == &t[0], "/ is exact");
	EXPECT(!web_route_find(t, "GET", "/x", &rest, &known) && !known, "/x is unknown: 404");
	r = web_route_find(t, "POST", "/api/blocks", &rest, &known);
	EXPECT(r == &t[2], "method picks the route");
	r = web_route_find(t, "DELETE", "/api/blocks/12", &rest, &known);
	EXPECT(r == &t[3] && !strcmp(rest, "12"), "prefix route with its rest");
	EXPECT(!web_route_find(t, "DELETE", "/api/blocks/", &rest, &known),
	       "a prefix route needs something after it");
	EXPECT(!web_route_find(t, "DELETE", "/api/blocks/1/2", &rest, &known),
	       "and no further '/'");
	EXPECT(!web_route_find(t, "PUT", "/api/blocks", &rest, &known) && known,
	       "known path, other method: 405");
	for (const struct web_route *x = web_routes; x->path; x++)
		EXPECT(strcmp(x->method, "GET") ? x->access == WEB_ACTION || !strcmp(x->path, "/login")
						: x->access != WEB_ACTION,
		       "%s %s: every state-changing route is an action", x->method, x->path);
}

TEST(access_decisions)
{
	struct web_credentials none = { 0 }, open = { .reads_open = true };
	struct web_credentials bearer = { .bearer_sent = true, .bearer_valid = true };
	struct web_credentials bad_bearer = { .reads_open = true, .bearer_sent = true };
	struct web_credentials session = { .session = true };
	struct web_credentials csrf_ok = { .session = true, .csrf_sent = true, .csrf_valid = true };
	struct web_credentials csrf_bad = { .session = true, .csrf_sent = true };
	struct web_credentials csrf_no_session = { .reads_open = true, .csrf_sent = true,
						   .csrf_valid = true };

	EXPECT(web_authorize(WEB_PUBLIC, &none) == WEB_ALLOW, "public is public");
	EXPECT(web_authorize(WEB_READ, &open) == WEB_ALLOW, "reads open on loopback");
	EXPECT(web_authorize(WEB_READ, &none) == WEB_SIGN_IN, "elsewhere reads need credentials");
	EXPECT(web_authorize(WEB_READ, &session) == WEB_ALLOW, "a session reads");
	EXPECT(web_authorize(WEB_READ, &bad_bearer) == WEB_FORBIDDEN,
	       "a wrong token is refused even where reads are open");
	EXPECT(web_authorize(WEB_ACTION, &open) == WEB_FORBIDDEN, "loopback alone acts on nothing");
	EXPECT(web_authorize(WEB_ACTION, &bearer) == WEB_ALLOW, "a token acts");
	EXPECT(web_authorize(WEB_ACTION, &session) == WEB_FORBIDDEN, "a session without CSRF token");
	EXPECT(web_authorize(WEB_ACTION, &csrf_bad) == WEB_FORBIDDEN, "a wrong CSRF token");
	EXPECT(web_authorize(WEB_ACTION, &csrf_ok) == WEB_ALLOW, "a session with its CSRF token");
	EXPECT(web_authorize(WEB_ACTION, &csrf_no_session) == WEB_FORBIDDEN,
	       "a CSRF token without a session");
}

/* True if the database file contains s anywhere (the secret must not be stored). */
static bool file_contains(const char *path, const char *s)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "grep -qaF '%s' '%s'*", s, path);
	return system(cmd) == 0;
}

TEST(secrets_hashed)
{
	char path[256], token[WEB_SECRET_STRLEN], hash[WEB_SECRET_STRLEN], first;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/web.db", dir);
	ASSERT(!db_open(path, &db), "database");
	EXPECT(web_auth_configured(db) == 0, "nothing set yet");
	EXPECT(web_password_valid(db, "anything at all") == 0, "no password: nothing valid");
	ASSERT(!web_token_create(db, token), "token");
	EXPECT(strlen(token) == 64 && strspn(token, "0123456789abcdef") == 64, "64 hex digits");
	EXPECT(web_token_valid(db, token) == 1, "the token is valid");
	first = token[0];
	token[0] = first == 'a' ? 'b' : 'a';
	EXPECT(web_token_valid(db, token) == 0, "one digit off is not");
	token[0] = first;
	EXPECT(web_token_valid(db, "") == 0, "empty is not");
	EXPECT(web_password_set(db, "short") == -EINVAL, "short password refused");
	ASSERT(!web_password_set(db, "correct horse"), "password");
	EXPECT(web_password_valid(db, "correct horse") == 1, "password valid");
	EXPECT(web_password_valid(db, "correct horsf") == 0, "wrong password");
	EXPECT(web_auth_configured(db) == 1, "configured");
	db_close(db);
	sha256_hex(token, hash);
	EXPECT(file_contains(path, hash), "the token's hash is stored");
	EXPECT(!file_contains(path, token), "the token is not");
	EXPECT(!file_contains(path, "correct horse"), "the password is not");
}

TEST(sessions_and_rate_limit)
{
	static struct web_sessions t;
	struct sockaddr_in a = { .sin_family = AF_INET }, b = { .sin_family = AF_INET };
	const struct web_session *s;
	char id[WEB_SECRET_STRLEN];

	s = session_create(&t, 1000);
	ASSERT(s, "session");
	snprintf(id, sizeof(id), "%s", s->id);
	EXPECT(strcmp(s->id, s->csrf), "the CSRF token is not the id");
	EXPECT(session_find(&t, id, 2000) == s, "found");
	EXPECT(!session_find(&t, id, 1000 + WEB_SESSION_TTL_MS), "expired");
	EXPECT(!session_find(&t, "", 2000), "empty id");
	session_drop(&t, id);
	EXPECT(!session_find(&t, id, 2000), "dropped");
	for (int i = 0; i < WEB_SESSIONS_MAX + 3; i++)
		EXPECT(session_create(&t, 3000 + i), "slot %d, oldest replaced when full", i);

	inet_pton(AF_INET, "192.0.2.5", &a.sin_addr);
	inet_pton(AF_INET, "192.0.2.6", &b.sin_addr);
	for (int i = 0; i < WEB_LOGIN_FAILURES_MAX; i++) {
		EXPECT(login_allowed(&t, (void *)&a, 10000 + i), "attempt %d allowed", i);
		login_failed(&t, (void *)&a, 10000 + i);
	}
	EXPECT(!login_allowed(&t, (void *)&a, 10010), "locked after %d failures",
	       WEB_LOGIN_FAILURES_MAX);
	EXPECT(login_allowed(&t, (void *)&b, 10010), "another address is not");
	EXPECT(login_allowed(&t, (void *)&a, 10000 + WEB_LOGIN_WINDOW_MS), "the window ends");
}

TEST(html_escaping)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ASSERT(f, "memstream");
	html_escape(f, "<script>alert('x')</script>.\"a&b\".example");
	fclose(f);
	EXPECT(!strcmp(buf, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;.&quot;a&amp;b&quot;"
			    ".example"), "escaped: %s", buf);
	free(buf);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir))
		return 1;
	RUN(url_decoding);
	RUN(form_fields_and_cookies);
	RUN(flat_json_objects);
	RUN(listen_addresses);
	RUN(routing);
	RUN(access_decisions);
	RUN(secrets_hashed);
	RUN(sessions_and_rate_limit);
	RUN(html_escaping);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return harness_done();
}
