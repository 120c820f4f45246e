// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* TLS ClientHello / ServerHello parsing: see tls.h. */
#include <string.h>

#include "attrib/tls.h"

#define TLS_CONTENT_HANDSHAKE 0x16
#define TLS_MAX_RECORD (16384 + 2048)
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_SUPPORTED_VERSIONS 43
#define TLS_SNI_HOST_NAME 0

/*
 * A cursor over [p, p + end).  When a read would pass end, ok turns false
 * and every later read fails too.  end is where the bytes we hold (or the
 * record) stop; declared_end where the hello says it stops: running out
 * before declared_end means we were cut, at it means the lengths lie.
 */
struct reader {
	const uint8_t *p;
	size_t pos, end, declared_end;
	bool ok;
	bool cut;
};

static bool take(struct reader *r, size_t n, const uint8_t **out)
{
	if (!r->ok || n > r->end - r->pos) {
		if (r->ok)
			r->cut = r->end < r->declared_end && n <= r->declared_end - r->pos;
		r->ok = false;
		return false;
	}
	if (out)
		*out = r->p + r->pos;
	r->pos += n;
	return true;
}

static bool u8(struct reader *r, uint32_t *v)
{
	const uint8_t *b;

	if (!take(r, 1, &b))
		return false;
	*v = b[0];
	return true;
}

static bool u16(struct reader *r, uint32_t *v)
{
	const uint8_t *b;

	if (!take(r, 2, &b))
		return false;
	*v = (uint32_t)b[0] << 8 | b[1];
	return true;
}

static bool is_grease(uint32_t v)
{
	return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

static bool valid_host_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_';
}

/* server_name extension body; returns TLS_OK or TLS_MALFORMED. */
static int parse_sni(const uint8_t *d, size_t n, struct tls_hello *h)
{
	size_t list_len, pos = 2;

	if (n < 2)
		return TLS_MALFORMED;
	list_len = (size_t)d[0] << 8 | d[1];
	if (list_len != n - 2)
		return TLS_MALFORMED;
	while (pos + 3 <= n) {
		uint8_t type = d[pos];
		size_t name_len = (size_t)d[pos + 1] << 8 | d[pos + 2];
		const uint8_t *name = d + pos + 3;

		pos += 3;
		if (name_len > n - pos)
			return TLS_MALFORMED;
		pos += name_len;
		if (type != TLS_SNI_HOST_NAME || h->has_sni)
			continue;
		if (name_len == 0 || name_len >= TLS_SNI_MAX || name[0] == '.')
			return TLS_MALFORMED;
		for (size_t i = 0; i < name_len; i++) {
			if (!valid_host_char(name[i]))
				return TLS_MALFORMED;
			h->sni[i] = (name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i];
		}
		h->sni[name_len] = '\0';
		/* A trailing dot is allowed in DNS but not meant here. */
		if (h->sni[name_len - 1] == '.')
			h->sni[name_len - 1] = '\0';
		h->has_sni = true;
	}
	return pos == n ? TLS_OK : TLS_MALFORMED;
}

static int parse_supported_versions(const uint8_t *d, size_t n, struct tls_hello *h)
{
	if (h->type == TLS_SERVER_HELLO) {
		if (n != 2)
			return TLS_MALFORMED;
		h->version = (uint16_t)(d[0] << 8 | d[1]);
		return TLS_OK;
	}
	if (n < 1 || d[0] != n - 1 || d[0] % 2 || d[0] == 0)
		return TLS_MALFORMED;
	h->version = 0;
	for (size_t i = 1; i + 1 < n; i += 2) {
		uint16_t v = (uint16_t)(d[i] << 8 | d[i + 1]);

		if (!is_grease(v) && v > h->version)
			h->version = v;
	}
	return TLS_OK;
}

static int parse_extensions(struct reader *r, struct tls_hello *h)
{
	uint32_t total;
	size_t stop;

	if (r->pos == r->declared_end)
		return TLS_OK;	/* no extensions: SSL 3.0 style */
	if (!u16(r, &total))
		return r->cut ? TLS_TRUNCATED : TLS_MALFORMED;
	stop = r->pos + total;
	if (stop != r->declared_end)
		return TLS_MALFORMED;
	while (r->pos < stop) {
		uint32_t type, elen;
		const uint8_t *body;
		int err = TLS_OK;

		if (!u16(r, &type) || !u16(r, &elen) || !take(r, elen, &body))
			return r->cut ? TLS_TRUNCATED : TLS_MALFORMED;
		if (r->pos > stop)
			return TLS_MALFORMED;
		if (type == TLS_EXT_SERVER_NAME && h->type == TLS_CLIENT_HELLO)
			err = parse_sni(body, elen, h);
		else if (type == TLS_EXT_SUPPORTED_VERSIONS)
			err = parse_supported_versions(body, elen, h);
		if (err)
			return err;
	}
	return TLS_OK;
}

int tls_parse_hello(const uint8_t *data, size_t len, struct tls_hello *h)
{
	struct reader r = { .p = data, .ok = true };
	uint32_t hs_type, session_len, v;
	size_t rec_len, hs_len, have;
	const uint8_t *skip;

	memset(h, 0, sizeof(*h));
	if (len < 1 || data[0] != TLS_CONTENT_HANDSHAKE)
		return TLS_NOT_HELLO;
	if (len < 2)
		return TLS_TRUNCATED;
	if (data[1] != 3)
		return TLS_NOT_HELLO;
	if (len < 6)
		return TLS_TRUNCATED;
	h->record_version = (uint16_t)(data[1] << 8 | data[2]);
	rec_len = (size_t)data[3] << 8 | data[4];
	if (rec_len < 4 || rec_len > TLS_MAX_RECORD)
		return TLS_MALFORMED;
	hs_type = data[5];
	if (hs_type != TLS_CLIENT_HELLO && hs_type != TLS_SERVER_HELLO)
		return TLS_NOT_HELLO;
	h->type = hs_type;
	if (len < 9)
		return TLS_TRUNCATED;
	hs_len = (size_t)data[6] << 16 | (size_t)data[7] << 8 | data[8];
	/* The hello may continue in a next record: we read this one only. */
	have = len - 9 < rec_len - 4 ? len - 9 : rec_len - 4;
	r.p = data + 9;
	r.declared_end = hs_len;
	r.end = have < hs_len ? have : hs_len;

	if (!u16(&r, &v))
		goto short_read;
	h->legacy_version = v;
	h->version = v;
	if (!take(&r, 32, NULL) || !u8(&r, &session_len) || session_len > 32 ||
	    !take(&r, session_len, NULL))
		goto short_read;
	if (hs_type == TLS_CLIENT_HELLO) {
		uint32_t n;

		if (!u16(&r, &n) || n < 2 || n % 2 || !take(&r, n, &skip) || !u8(&r, &n) ||
		    n < 1 || !take(&r, n, &skip))
			goto short_read;
	} else {
		if (!take(&r, 3, NULL))	/* cipher suite, compression method */
			goto short_read;
	}
	return r.end < r.declared_end && r.pos == r.end ? TLS_TRUNCATED : parse_extensions(&r, h);

short_read:
	return r.cut ? TLS_TRUNCATED : TLS_MALFORMED;
}

const char *tls_version_name(uint16_t version)
{
	switch (version) {
	case 0x0300: return "SSLv3";
	case 0x0301: return "TLSv1.0";
	case 0x0302: return "TLSv1.1";
	case 0x0303: return "TLSv1.2";
	case 0x0304: return "TLSv1.3";
	default: return NULL;
	}
}

bool tls_version_deprecated(uint16_t version)
{
	return version >= 0x0300 && version < 0x0303;
}
