/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the dashboard reads from untrusted requests, with no HTTP library in
 * sight (so the unit tests and the fuzz target call it directly): URL
 * decoding, form and query fields, the Cookie header, flat JSON objects,
 * and ADDR:PORT.  Every function bounds its output and never reads past
 * its input.
 */
#ifndef IOTRIM_WEB_REQUEST_H
#define IOTRIM_WEB_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Percent-decodes s[0..len) into out (size outlen, NUL-terminated), '+' as
 * a space when form is set.  -EINVAL: a bad escape, a NUL byte or no room.
 */
int url_decode(const char *s, size_t len, bool form, char *out, size_t outlen);
/*
 * The value of field name in "a=1&b=2" (a query string or a urlencoded
 * form), decoded into out.  0, -ENOENT if absent, -EINVAL if malformed.
 */
int form_field(const char *form, const char *name, char *out, size_t outlen);
/* The value of cookie name in a Cookie header ("a=1; b=2").  0 or -ENOENT / -EINVAL. */
int cookie_value(const char *header, const char *name, char *out, size_t outlen);

#define JSON_FIELDS_MAX 16
#define JSON_KEY_MAX 32
#define JSON_VALUE_MAX 512

enum json_field_type { JF_STRING, JF_NUMBER, JF_BOOL, JF_NULL };

/* A flat JSON object: string, number, boolean or null values, no nesting. */
struct json_fields {
	int n;
	struct {
		char key[JSON_KEY_MAX];
		enum json_field_type type;
		char value[JSON_VALUE_MAX];	/* the string, the number's text, "true"/"false" */
	} f[JSON_FIELDS_MAX];
};

/*
 * Parses body[0..len) as one flat JSON object.  0, or -EINVAL with a short
 * reason in *why (a static string): not an object, nesting, a duplicate or
 * too long key or value, too many fields, bad escapes, trailing bytes.
 */
int json_fields_parse(const char *body, size_t len, struct json_fields *out, const char **why);
/* The field's value if it has this type, else NULL. */
const char *json_field(const struct json_fields *o, const char *key, enum json_field_type type);
/* True if o has the key, whatever its type. */
bool json_field_present(const struct json_fields *o, const char *key);

/*
 * "ADDR:PORT" with ADDR an IPv4 address or a bracketed IPv6 one
 * ("[::1]:8089") into a socket address.  0 or -EINVAL.
 */
int parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *len);
/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool sockaddr_loopback(const struct sockaddr *sa);

#endif
