// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "web/request.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int url_decode(const char *s, size_t len, bool form, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len)
				return -EINVAL;
			hi = hex_digit(s[i + 1]);
			lo = hex_digit(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -EINVAL;
			c = (char)(hi << 4 | lo);
			i += 2;
		} else if (c == '+' && form) {
			c = ' ';
		}
		if (c == '\0' || o + 1 >= outlen)
			return -EINVAL;
		out[o++] = c;
	}
	if (!outlen)
		return -EINVAL;
	out[o] = '\0';
	return 0;
}

/* Finds name=value in a list separated by sep (spaces after it skipped). */
static int find_pair(const char *list, char sep, const char *name, const char **value,
		     size_t *vlen)
{
	size_t nlen = strlen(name);
	const char *p = list;

	while (p && *p) {
		const char *end = strchr(p, sep), *eq;
		size_t plen;

		while (*p == ' ')
			p++;
		plen = end ? (size_t)(end - p) : strlen(p);
		eq = memchr(p, '=', plen);
		if (eq && (size_t)(eq - p) == nlen && !memcmp(p, name, nlen)) {
			*value = eq + 1;
			*vlen = plen - nlen - 1;
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return -ENOENT;
}

int form_field(const char *form, const char *name, char *out, size_t outlen)
{
	const char *v;
	size_t vlen;
	int err = find_pair(form, '&', name, &v, &vlen);

	return err ? err : url_decode(v, vlen, true, out, outlen);
}

int cookie_value(const char *header, const char *name, char *out, size_t outlen)
{
	const char *v;
	size_t vlen;
	int err = find_pair(header, ';', name, &v, &vlen);

	if (err)
		return err;
	while (vlen && v[vlen - 1] == ' ')
		vlen--;
	if (vlen >= outlen)
		return -EINVAL;
	memcpy(out, v, vlen);
	out[vlen] = '\0';
	return 0;
}

/* ---- flat JSON objects ---------------------------------------------------- */

struct cursor {
	const char *p, *end;
	const char *why;
};

static void skip_space(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int put_utf8(unsigned cp, char *out, size_t *o, size_t outlen)
{
	char b[4];
	int n;

	if (cp < 0x80) {
		b[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else {
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	}
	if (*o + (size_t)n >= outlen)
		return -EINVAL;
	memcpy(out + *o, b, (size_t)n);
	*o += (size_t)n;
	return 0;
}

/* A JSON string (at the opening quote) into out; \u escapes of the BMP only, no NUL. */
static int read_string(struct cursor *c, char *out, size_t outlen)
{
	size_t o = 0;

	c->p++;
	while (c->p < c->end && *c->p != '"') {
		unsigned char ch = (unsigned char)*c->p++;
		unsigned cp = 0;

		if (ch < 0x20) {
			c->why = "control character in a string";
			return -EINVAL;
		}
		if (ch != '\\') {
			if (o + 1 >= outlen)
				goto too_long;
			out[o++] = (char)ch;
			continue;
		}
		if (c->p >= c->end)
			break;
		switch (*c->p++) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if (c->end - c->p < 4) {
				c->why = "bad \\u escape";
				return -EINVAL;
			}
			for (int k = 0; k < 4; k++) {
				int d = hex_digit(c->p[k]);

				if (d < 0) {
					c->why = "bad \\u escape";
					return -EINVAL;
				}
				cp = cp << 4 | (unsigned)d;
			}
			c->p += 4;
			if (!cp || (cp >= 0xd800 && cp <= 0xdfff)) {
				c->why = "\\u0000 and surrogates are not accepted";
				return -EINVAL;
			}
			break;
		default:
			c->why = "bad escape";
			return -EINVAL;
		}
		if (put_utf8(cp, out, &o, outlen))
			goto too_long;
	}
	if (c->p >= c->end) {
		c->why = "unterminated string";
		return -EINVAL;
	}
	c->p++;
	out[o] = '\0';
	return 0;
too_long:
	c->why = "key or value too long";
	return -EINVAL;
}

/* A number, true, false or null: its text (checked by its grammar) into out. */
static int read_scalar(struct cursor *c, enum json_field_type *type, char *out, size_t outlen)
{
	static const char *const words[] = { "true", "false", "null" };
	const char *start = c->p;
	size_t len;

	for (int w = 0; w < 3; w++) {
		len = strlen(words[w]);
		if ((size_t)(c->end - c->p) >= len && !memcmp(c->p, words[w], len)) {
			c->p += len;
			*type = w < 2 ? JF_BOOL : JF_NULL;
			snprintf(out, outlen, "%s", words[w]);
			return 0;
		}
	}
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || *c->p < '0' || *c->p > '9') {
		c->why = "a value must be a string, number, true, false or null (no nesting)";
		return -EINVAL;
	}
	while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || *c->p == '.' || *c->p == 'e' ||
				 *c->p == 'E' || *c->p == '+' || *c->p == '-'))
		c->p++;
	len = (size_t)(c->p - start);
	if (len >= outlen) {
		c->why = "key or value too long";
		return -EINVAL;
	}
	memcpy(out, start, len);
	out[len] = '\0';
	*type = JF_NUMBER;
	return 0;
}

int json_fields_parse(const char *body, size_t len, struct json_fields *out, const char **why)
{
	struct cursor c = { body, body + len, NULL };

	memset(out, 0, sizeof(*out));
	skip_space(&c);
	if (c.p >= c.end || *c.p++ != '{') {
		c.why = "not a JSON object";
		goto bad;
	}
	skip_space(&c);
	if (c.p < c.end && *c.p == '}') {
		c.p++;
		goto end;
	}
	for (;;) {
		char key[JSON_KEY_MAX];

		skip_space(&c);
		if (c.p >= c.end || *c.p != '"') {
			c.why = "expected a key";
			goto bad;
		}
		if (read_string(&c, key, sizeof(key)))
			goto bad;
		if (json_field_present(out, key)) {
			c.why = "duplicate key";
			goto bad;
		}
		if (out->n == JSON_FIELDS_MAX) {
			c.why = "too many fields";
			goto bad;
		}
		skip_space(&c);
		if (c.p >= c.end || *c.p++ != ':') {
			c.why = "expected ':'";
			goto bad;
		}
		skip_space(&c);
		snprintf(out->f[out->n].key, JSON_KEY_MAX, "%s", key);
		if (c.p < c.end && *c.p == '"') {
			out->f[out->n].type = JF_STRING;
			if (read_string(&c, out->f[out->n].value, JSON_VALUE_MAX))
				goto bad;
		} else if (read_scalar(&c, &out->f[out->n].type, out->f[out->n].value,
				       JSON_VALUE_MAX)) {
			goto bad;
		}
		out->n++;
		skip_space(&c);
		if (c.p < c.end && *c.p == ',') {
			c.p++;
			continue;
		}
		if (c.p < c.end && *c.p == '}') {
			c.p++;
			break;
		}
		c.why = "expected ',' or '}'";
		goto bad;
	}
end:
	skip_space(&c);
	if (c.p != c.end) {
		c.why = "trailing bytes after the object";
		goto bad;
	}
	return 0;
bad:
	if (why)
		*why = c.why;
	return -EINVAL;
}

const char *json_field(const struct json_fields *o, const char *key, enum json_field_type type)
{
	for (int i = 0; i < o->n; i++)
		if (!strcmp(o->f[i].key, key))
			return o->f[i].type == type ? o->f[i].value : NULL;
	return NULL;
}

bool json_field_present(const struct json_fields *o, const char *key)
{
	for (int i = 0; i < o->n; i++)
		if (!strcmp(o->f[i].key, key))
			return true;
	return false;
}

/* ---- addresses ------------------------------------------------------------ */

int parse_listen(const char *s, struct sockaddr_storage *out, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	unsigned long long port;
	size_t hlen;

	memset(out, 0, sizeof(*out));
	if (!colon || !parse_u64(colon + 1, 1, 65535, &port))
		return -EINVAL;
	hlen = (size_t)(colon - s);
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;

		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)out;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof(*a);
		return 0;
	}
}

bool sockaddr_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}
