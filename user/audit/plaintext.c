// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The plaintext scanner's rules: see plaintext.h. */
#include <stdio.h>
#include <string.h>

#include "audit/plaintext.h"

const char *plain_kind_name(enum plain_kind kind)
{
	static const char *const names[PLAIN_KIND__COUNT] = {
		[PLAIN_AUTHORIZATION] = "authorization",
		[PLAIN_COOKIE] = "cookie",
		[PLAIN_API_KEY] = "api_key",
		[PLAIN_URL_SECRET] = "url_secret",
		[PLAIN_URL_TOKEN] = "url_token",
		[PLAIN_EMAIL] = "email",
		[PLAIN_PHONE] = "phone",
		[PLAIN_DEVICE_MAC] = "device_mac",
		[PLAIN_DEVICE_SERIAL] = "device_serial",
		[PLAIN_USER_STRING] = "user_string",
	};

	return (unsigned)kind < PLAIN_KIND__COUNT ? names[kind] : "unknown";
}

/* A scan in progress: the buffer, where findings go and how many so far. */
struct scan {
	const uint8_t *b;
	size_t len;
	plain_match_fn fn;
	void *ctx;
	size_t found;
};

static void emit(struct scan *s, enum plain_kind kind, size_t from, size_t to)
{
	struct plain_match m = { .kind = kind, .value = s->b + from, .len = to - from };

	s->found++;
	s->fn(s->ctx, &m);
}

/* ASCII only: the payload is bytes, and the locale must not matter. */
static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(int c)
{
	return is_digit(c) || is_alpha(c);
}

static bool is_hex(int c)
{
	return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* buf[at..) starts with word (n bytes), in any case. */
static bool ci_at(const struct scan *s, size_t at, const char *word, size_t n)
{
	if (at > s->len || s->len - at < n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s->b[at + i]) != lower((unsigned char)word[i]))
			return false;
	return true;
}

static size_t line_end(const struct scan *s, size_t at)
{
	while (at < s->len && s->b[at] != '\r' && s->b[at] != '\n')
		at++;
	return at;
}

/* Header lines: "Name:" at a line start, then the value, trimmed. */
static void scan_headers(struct scan *s)
{
	static const struct {
		const char *name;
		enum plain_kind kind;
	} headers[] = {
		{ "authorization:", PLAIN_AUTHORIZATION },
		{ "proxy-authorization:", PLAIN_AUTHORIZATION },
		{ "cookie:", PLAIN_COOKIE },
		{ "set-cookie:", PLAIN_COOKIE },
		{ "x-api-key:", PLAIN_API_KEY },
		{ "api-key:", PLAIN_API_KEY },
		{ "x-auth-token:", PLAIN_API_KEY },
	};

	for (size_t at = 0; at < s->len;) {
		size_t end = line_end(s, at);

		for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
			size_t n = strlen(headers[h].name), v = at + n, e = end;

			if (!ci_at(s, at, headers[h].name, n))
				continue;
			while (v < e && (s->b[v] == ' ' || s->b[v] == '\t'))
				v++;
			while (e > v && (s->b[e - 1] == ' ' || s->b[e - 1] == '\t'))
				e--;
			if (e > v)
				emit(s, headers[h].kind, v, e);
			break;
		}
		at = end;
		while (at < s->len && (s->b[at] == '\r' || s->b[at] == '\n'))
			at++;
	}
}

static bool secret_param(const struct scan *s, size_t from, size_t to)
{
	static const char *const names[] = {
		"key", "apikey", "api_key", "token", "access_token", "auth", "auth_token",
		"secret", "client_secret", "password", "passwd", "pwd", "session",
		"sessionid", "sig", "signature",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == to - from && ci_at(s, from, names[i], to - from))
			return true;
	return false;
}

static void scan_query(struct scan *s, size_t from, size_t to)
{
	while (from < to) {
		size_t end = from, eq;

		while (end < to && s->b[end] != '&' && s->b[end] != ';')
			end++;
		for (eq = from; eq < end && s->b[eq] != '='; eq++)
			;
		if (eq < end && eq + 1 < end && secret_param(s, from, eq))
			emit(s, PLAIN_URL_SECRET, from, end);
		from = end + 1;
	}
}

#define URL_TOKEN_MIN 32

static bool token_segment(const struct scan *s, size_t from, size_t to)
{
	bool hex = true, digit = false, upper = false, low = false;

	if (to - from < URL_TOKEN_MIN)
		return false;
	for (size_t i = from; i < to; i++) {
		int c = s->b[i];

		if (!is_alnum(c) && c != '-' && c != '_')
			return false;
		hex = hex && is_hex(c);
		digit = digit || is_digit(c);
		upper = upper || (c >= 'A' && c <= 'Z');
		low = low || (c >= 'a' && c <= 'z');
	}
	return hex || (digit && upper && low);
}

static void scan_path(struct scan *s, size_t from, size_t to)
{
	while (from < to) {
		size_t end = from;

		while (end < to && s->b[end] != '/')
			end++;
		if (token_segment(s, from, end))
			emit(s, PLAIN_URL_TOKEN, from, end);
		from = end + 1;
	}
}

/* The request target of an HTTP/1.x request line at the sample's start. */
static void scan_request_line(struct scan *s)
{
	static const char *const methods[] = {
		"GET ", "POST ", "PUT ", "DELETE ", "PATCH ", "HEAD ", "OPTIONS ",
	};
	size_t end = line_end(s, 0), t = 0, te, q;

	/* methods are case-sensitive (RFC 9110) */
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]) && !t; i++)
		if (s->len >= strlen(methods[i]) && !memcmp(s->b, methods[i], strlen(methods[i])))
			t = strlen(methods[i]);
	if (!t)
		return;
	for (te = t; te < end && s->b[te] != ' '; te++)
		;
	if (te == end || !ci_at(s, te, " HTTP/1.", 8))
		return;
	/* absolute-form: skip the scheme and authority */
	if (ci_at(s, t, "http://", 7)) {
		t += 7;
		while (t < te && s->b[t] != '/' && s->b[t] != '?')
			t++;
	}
	for (q = t; q < te && s->b[q] != '?' && s->b[q] != '#'; q++)
		;
	scan_path(s, t, q);
	if (q < te && s->b[q] == '?') {
		size_t qe = q + 1;

		while (qe < te && s->b[qe] != '#')
			qe++;
		scan_query(s, q + 1, qe);
	}
}

static bool email_local(int c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

#define EMAIL_LOCAL_MAX 64
#define EMAIL_DOMAIN_MAX 253

/* The address around the '@' at at, or false; [*from, *to). */
static bool email_at(const struct scan *s, size_t at, size_t *from, size_t *to)
{
	size_t l = at, r = at + 1, label = 0, last_dot;

	while (l > 0 && email_local(s->b[l - 1]) && at - l < EMAIL_LOCAL_MAX + 1)
		l--;
	if (l == at || at - l > EMAIL_LOCAL_MAX || s->b[l] == '.')
		return false;
	while (r < s->len && r - at <= EMAIL_DOMAIN_MAX &&
	       (is_alnum(s->b[r]) || s->b[r] == '-' || s->b[r] == '.')) {
		if (s->b[r] == '.') {
			if (!label || s->b[r - 1] == '-')
				break;	/* empty label or one ending in '-' */
			label = 0;
		} else {
			if (!label && s->b[r] == '-')
				return false;
			label++;
		}
		r++;
	}
	/* a trailing dot or dash ends a sentence, not the address */
	while (r > at + 1 && (s->b[r - 1] == '.' || s->b[r - 1] == '-'))
		r--;
	for (last_dot = r - 1; last_dot > at + 1 && s->b[last_dot] != '.'; last_dot--)
		;
	/* at least two labels, the last of two or more letters */
	if (s->b[last_dot] != '.' || r - last_dot - 1 < 2)
		return false;
	for (size_t i = last_dot + 1; i < r; i++)
		if (!is_alpha(s->b[i]))
			return false;
	*from = l;
	*to = r;
	return true;
}

static void scan_emails(struct scan *s)
{
	for (size_t i = 0; i < s->len; i++) {
		size_t from, to;

		if (s->b[i] == '@' && email_at(s, i, &from, &to)) {
			emit(s, PLAIN_EMAIL, from, to);
			i = to - 1;
		}
	}
}

#define PHONE_DIGITS_MIN 8
#define PHONE_DIGITS_MAX 15

static bool phone_sep(int c)
{
	return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

static void scan_phones(struct scan *s)
{
	for (size_t i = 0; i + 1 < s->len; i++) {
		size_t j = i + 1, end = 0, digits = 0, seps = 0;

		if (s->b[i] != '+' || !is_digit(s->b[i + 1]) || (i > 0 && is_alnum(s->b[i - 1])))
			continue;
		for (; j < s->len; j++) {
			if (is_digit(s->b[j])) {
				digits++;
				end = j + 1;
				seps = 0;
			} else if (phone_sep(s->b[j]) && ++seps <= 2) {
				continue;
			} else {
				break;
			}
		}
		if (digits < PHONE_DIGITS_MIN || digits > PHONE_DIGITS_MAX)
			continue;
		if (end < s->len && is_alpha(s->b[end]))
			continue;
		emit(s, PLAIN_PHONE, i, end);
		i = end - 1;
	}
}

/* Every occurrence of needle (n bytes, any case) not inside a longer run of
 * characters that bounded() says belong to it (NULL: anywhere). */
static void scan_literal(struct scan *s, enum plain_kind kind, const char *needle, size_t n,
			 bool (*bounded)(int c))
{
	if (!n || n > s->len)
		return;
	for (size_t i = 0; i + n <= s->len; i++) {
		if (lower(s->b[i]) != lower((unsigned char)needle[0]) || !ci_at(s, i, needle, n))
			continue;
		if (bounded && ((i > 0 && bounded(s->b[i - 1])) ||
				(i + n < s->len && bounded(s->b[i + n]))))
			continue;
		emit(s, kind, i, i + n);
		i += n - 1;
	}
}

static bool hex_or_sep(int c)
{
	return is_hex(c) || c == ':' || c == '-' || c == '.';
}

static void scan_mac(struct scan *s, const uint8_t m[6])
{
	static const char *const formats[] = {
		"%02x:%02x:%02x:%02x:%02x:%02x",
		"%02x-%02x-%02x-%02x-%02x-%02x",
		"%02x%02x.%02x%02x.%02x%02x",
		"%02x%02x%02x%02x%02x%02x",
	};
	char text[24];

	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		snprintf(text, sizeof(text), formats[f], m[0], m[1], m[2], m[3], m[4], m[5]);
		scan_literal(s, PLAIN_DEVICE_MAC, text, strlen(text), hex_or_sep);
	}
}

size_t plaintext_scan(const uint8_t *buf, size_t len, const struct plain_rules *rules,
		      plain_match_fn fn, void *ctx)
{
	struct scan s = { .b = buf, .len = len, .fn = fn, .ctx = ctx };

	if (!buf || !len)
		return 0;
	scan_request_line(&s);
	scan_headers(&s);
	scan_emails(&s);
	scan_phones(&s);
	if (rules && rules->have_mac)
		scan_mac(&s, rules->mac);
	if (rules && rules->serial)
		scan_literal(&s, PLAIN_DEVICE_SERIAL, rules->serial, strlen(rules->serial), NULL);
	for (size_t i = 0; rules && i < rules->nstrings; i++)
		scan_literal(&s, PLAIN_USER_STRING, rules->strings[i], strlen(rules->strings[i]), NULL);
	return s.found;
}
