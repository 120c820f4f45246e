/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A bounded parser for the first TLS handshake record of a connection
 * direction: the ClientHello (SNI, offered versions) or the ServerHello
 * (the version actually negotiated, from supported_versions for TLS 1.3).
 * Reads nothing past len; every length is checked.
 */
#ifndef IOTRIM_TLS_H
#define IOTRIM_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_SNI_MAX 256

enum tls_status {
	TLS_OK = 0,
	TLS_NOT_HELLO,		/* not a handshake record with a Client/ServerHello */
	TLS_TRUNCATED,		/* the hello goes on past the bytes we have */
	TLS_MALFORMED,		/* lengths that do not add up, bad SNI */
};

#define TLS_CLIENT_HELLO 1
#define TLS_SERVER_HELLO 2

struct tls_hello {
	uint8_t type;		/* TLS_CLIENT_HELLO or TLS_SERVER_HELLO */
	uint16_t record_version;
	uint16_t legacy_version;	/* client_version / server_version */
	/*
	 * ServerHello: the negotiated version (supported_versions if present,
	 * else legacy_version).  ClientHello: the highest version offered.
	 */
	uint16_t version;
	bool has_sni;		/* ClientHello: sni holds a complete, valid host name */
	char sni[TLS_SNI_MAX];	/* lower case */
};

/*
 * Returns enum tls_status.  On TLS_TRUNCATED the fields parsed before the
 * cut are valid (has_sni only if the whole SNI extension was there).
 */
int tls_parse_hello(const uint8_t *data, size_t len, struct tls_hello *h);

/* "SSLv3", "TLSv1.0" .. "TLSv1.3", or NULL for anything else. */
const char *tls_version_name(uint16_t version);
/* SSL 3.0, TLS 1.0 and 1.1 (RFC 8996). */
bool tls_version_deprecated(uint16_t version);

#endif
