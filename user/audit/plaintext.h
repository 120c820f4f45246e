/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The plaintext scanner: finds credentials and identifiers in one payload
 * sample of a device under `iotrim audit plaintext` (bpf/audit_plain.h).
 * Pure: no I/O, no allocation; the input is untrusted and may be cut
 * anywhere.  Rules (README "Plaintext audit"), each a kind:
 *
 *   authorization  a header line Authorization: or Proxy-Authorization:
 *   cookie         a header line Cookie: or Set-Cookie:
 *   api_key        a header line X-API-Key:, Api-Key: or X-Auth-Token:
 *   url_secret     a query parameter of the request target named key,
 *                  apikey, api_key, token, access_token, auth, auth_token,
 *                  secret, client_secret, password, passwd, pwd, session,
 *                  sessionid, sig or signature (exact name, any case), with
 *                  a non-empty value
 *   url_token      a path segment of the request target of 32 or more
 *                  characters that are all hex digits, or all base64url
 *                  characters with at least one digit, one upper and one
 *                  lower case letter
 *   email          local@domain.tld: local part of [A-Za-z0-9._%+-], domain
 *                  of at least two labels, the last of 2+ letters
 *   phone          an international number: '+' then 8 to 15 digits,
 *                  single spaces, dashes, dots or parentheses between them,
 *                  not inside a word or a longer number
 *   device_mac     the device's own MAC as aa:bb:.., aa-bb-.., aabb.ccdd.eeff
 *                  or 12 bare hex digits (any case, not inside a longer
 *                  hex run)
 *   device_serial  the serial the user gave (--serial), any case
 *   user_string    each string the user gave (--strings FILE), any case
 *
 * Header names match in any case at the start of a line (after a CR LF or
 * LF, or at the start of the sample); the request target is the second
 * word of an HTTP/1.x request line at the start of the sample.
 */
#ifndef IOTRIM_AUDIT_PLAINTEXT_H
#define IOTRIM_AUDIT_PLAINTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum plain_kind {
	PLAIN_AUTHORIZATION,
	PLAIN_COOKIE,
	PLAIN_API_KEY,
	PLAIN_URL_SECRET,
	PLAIN_URL_TOKEN,
	PLAIN_EMAIL,
	PLAIN_PHONE,
	PLAIN_DEVICE_MAC,
	PLAIN_DEVICE_SERIAL,
	PLAIN_USER_STRING,
	PLAIN_KIND__COUNT,
};

/* "authorization", "cookie", ...: the JSON `kind` values. */
const char *plain_kind_name(enum plain_kind kind);

/* The shortest --serial and --strings entry: shorter ones match everywhere. */
#define PLAIN_LITERAL_MIN 3
#define PLAIN_LITERAL_MAX 256

/* What to look for besides the fixed rules. */
struct plain_rules {
	uint8_t mac[6];
	bool have_mac;
	const char *serial;		/* NULL: none */
	const char *const *strings;	/* the user's strings */
	size_t nstrings;
};

/*
 * One finding: value points into the scanned buffer.  For url_secret the
 * value is "name=value" (the parameter name is no secret and says what
 * leaked); for the headers it is the header's value.
 */
struct plain_match {
	enum plain_kind kind;
	const uint8_t *value;
	size_t len;
};

typedef void (*plain_match_fn)(void *ctx, const struct plain_match *m);

/* Calls fn for each finding in buf[0..len); returns how many. */
size_t plaintext_scan(const uint8_t *buf, size_t len, const struct plain_rules *rules,
		      plain_match_fn fn, void *ctx);

#endif
