/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The server certificate of a TLS <= 1.2 connection: the Certificate
 * handshake message's chain, parsed with OpenSSL's libcrypto (d2i_X509),
 * summed up as `destinations --json` shows it (README "Certificates"), and
 * the weaknesses found, each with the rule that flagged it.  Only the leaf
 * (the first certificate) is described; the others count in chain_length.
 */
#ifndef IOTRIM_CERT_H
#define IOTRIM_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CERT_NAME_MAX 256	/* subject, issuer: RFC 2253, cut to fit */
#define CERT_SANS_MAX 4096	/* space separated DNS names and addresses, whole ones only */
#define CERT_ALG_MAX 64
#define CERT_CHAIN_MAX 16	/* certificates of a chain we look at */
#define CERT_MAX_VALIDITY_DAYS 398

enum cert_weakness {
	CERT_WEAK_SHA1 = 0,
	CERT_WEAK_MD5,
	CERT_WEAK_RSA_SMALL,
	CERT_WEAK_LONG_VALIDITY,
	CERT_WEAK_EXPIRED,
	CERT_WEAK_SELF_SIGNED,
	CERT_WEAK__COUNT,
};

struct cert_info {
	char subject[CERT_NAME_MAX];
	char issuer[CERT_NAME_MAX];
	char sans[CERT_SANS_MAX];
	bool self_signed;	/* issued by itself and its signature verifies with its own key */
	unsigned chain_length;	/* certificates in the message */
	unsigned malformed;	/* of those, not parsed (the leaf always parsed) */
	char signature_algorithm[CERT_ALG_MAX];	/* OpenSSL long name: sha256WithRSAEncryption */
	char key_type[16];	/* RSA, RSA-PSS, EC, ED25519, ... */
	unsigned key_bits;
	int64_t not_before, not_after;	/* unix seconds */
	int64_t validity_days;	/* (not_after - not_before) / 1 day, rounded down */
	bool sni_mismatch;	/* an SNI was sent and the certificate is not for it */
	unsigned weaknesses;	/* bit (1 << enum cert_weakness) */
};

enum cert_status {
	CERT_OK = 0,
	CERT_MALFORMED,		/* the message's lengths do not add up, or the leaf does not parse */
	CERT_EMPTY,		/* no certificate in the message */
};

/*
 * Parses a Certificate message body (after its 4-byte handshake header).
 * sni: the connection's ("" or NULL: unknown, never a mismatch); seen_s:
 * when it was served (unix seconds), for "expired".  Returns enum
 * cert_status; never reads past len.
 */
int cert_parse_message(const uint8_t *body, size_t len, const char *sni, int64_t seen_s,
		       struct cert_info *out);

/* Sets or clears CERT_WEAK_EXPIRED for a certificate served at seen_s (unix seconds). */
void cert_set_expired(struct cert_info *c, int64_t seen_s);

/* The weaknesses' names and rules (public: `destinations --json`). */
const char *cert_weakness_kind(enum cert_weakness w);
const char *cert_weakness_rule(enum cert_weakness w);
/* enum cert_weakness of a kind name, or -1. */
int cert_weakness_from_kind(const char *kind);

#endif
