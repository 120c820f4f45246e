// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Certificate chains with libcrypto: see cert.h. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attrib/cert.h"

#define DAY_S 86400

static const struct {
	const char *kind, *rule;
} weakness_table[CERT_WEAK__COUNT] = {
	[CERT_WEAK_SHA1] = { "sha1_signature", "signature_algorithm hashes with SHA-1" },
	[CERT_WEAK_MD5] = { "md5_signature", "signature_algorithm hashes with MD5" },
	[CERT_WEAK_RSA_SMALL] = { "weak_rsa_key", "key_type RSA with key_bits < 2048" },
	[CERT_WEAK_LONG_VALIDITY] = { "long_validity", "validity_days > 398" },
	[CERT_WEAK_EXPIRED] = { "expired", "not_after before the time the certificate was served" },
	[CERT_WEAK_SELF_SIGNED] = { "self_signed",
				    "issuer is the subject and the signature verifies with its own key" },
};

const char *cert_weakness_kind(enum cert_weakness w)
{
	return w < CERT_WEAK__COUNT ? weakness_table[w].kind : NULL;
}

const char *cert_weakness_rule(enum cert_weakness w)
{
	return w < CERT_WEAK__COUNT ? weakness_table[w].rule : NULL;
}

int cert_weakness_from_kind(const char *kind)
{
	for (int w = 0; w < CERT_WEAK__COUNT; w++)
		if (!strcmp(kind, weakness_table[w].kind))
			return w;
	return -1;
}

void cert_set_expired(struct cert_info *c, int64_t seen_s)
{
	if (c->not_after && c->not_after < seen_s)
		c->weaknesses |= 1u << CERT_WEAK_EXPIRED;
	else
		c->weaknesses &= ~(1u << CERT_WEAK_EXPIRED);
}

static uint32_t be24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static void name_text(const X509_NAME *name, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = 0;

	out[0] = '\0';
	if (!b)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0)
		n = BIO_read(b, out, (int)len - 1);
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

/* Appends word to the space separated list out, whole or not at all. */
static void append_word(char *out, size_t len, const char *word)
{
	size_t used = strlen(out), need = strlen(word) + (used ? 1 : 0);

	if (!word[0] || strchr(word, ' ') || used + need >= len)
		return;
	snprintf(out + used, len - used, "%s%s", used ? " " : "", word);
}

static void sans_text(X509 *x, char *out, size_t len)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

	out[0] = '\0';
	for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
		char buf[256];

		buf[0] = '\0';
		if (g->type == GEN_DNS) {
			const ASN1_IA5STRING *s = g->d.dNSName;

			if (s->length > 0 && (size_t)s->length < sizeof(buf) &&
			    !memchr(s->data, '\0', s->length)) {
				memcpy(buf, s->data, s->length);
				buf[s->length] = '\0';
			}
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *a = g->d.iPAddress;

			if (a->length == 4 || a->length == 16)
				inet_ntop(a->length == 4 ? AF_INET : AF_INET6, a->data, buf,
					  sizeof(buf));
		}
		append_word(out, len, buf);
	}
	GENERAL_NAMES_free(names);
}

static bool asn1_unix(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

static void describe(X509 *x, const char *sni, int64_t seen_s, struct cert_info *c)
{
	EVP_PKEY *key = X509_get0_pubkey(x);
	int sig = X509_get_signature_nid(x), md = NID_undef, pk = NID_undef;
	const char *ln = OBJ_nid2ln(sig);

	name_text(X509_get_subject_name(x), c->subject, sizeof(c->subject));
	name_text(X509_get_issuer_name(x), c->issuer, sizeof(c->issuer));
	sans_text(x, c->sans, sizeof(c->sans));
	c->self_signed = X509_self_signed(x, 1) == 1;
	snprintf(c->signature_algorithm, sizeof(c->signature_algorithm), "%s", ln ? ln : "unknown");
	if (key) {
		const char *type = EVP_PKEY_get0_type_name(key);

		snprintf(c->key_type, sizeof(c->key_type), "%s", type ? type : "unknown");
		c->key_bits = EVP_PKEY_get_bits(key) > 0 ? (unsigned)EVP_PKEY_get_bits(key) : 0;
	} else {
		snprintf(c->key_type, sizeof(c->key_type), "unknown");
	}
	if (asn1_unix(X509_get0_notBefore(x), &c->not_before) &&
	    asn1_unix(X509_get0_notAfter(x), &c->not_after))
		c->validity_days = (c->not_after - c->not_before) / DAY_S;
	c->sni_mismatch = sni && sni[0] && X509_check_host(x, sni, strlen(sni), 0, NULL) != 1;

	if (sig != NID_undef && OBJ_find_sigid_algs(sig, &md, &pk)) {
		if (md == NID_sha1)
			c->weaknesses |= 1u << CERT_WEAK_SHA1;
		if (md == NID_md5 || md == NID_md5_sha1)
			c->weaknesses |= 1u << CERT_WEAK_MD5;
	}
	if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA && c->key_bits < 2048)
		c->weaknesses |= 1u << CERT_WEAK_RSA_SMALL;
	if (key && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA_PSS && c->key_bits < 2048)
		c->weaknesses |= 1u << CERT_WEAK_RSA_SMALL;
	if (c->not_after > c->not_before &&
	    c->not_after - c->not_before > (int64_t)CERT_MAX_VALIDITY_DAYS * DAY_S)
		c->weaknesses |= 1u << CERT_WEAK_LONG_VALIDITY;
	cert_set_expired(c, seen_s);
	if (c->self_signed)
		c->weaknesses |= 1u << CERT_WEAK_SELF_SIGNED;
}

int cert_parse_message(const uint8_t *body, size_t len, const char *sni, int64_t seen_s,
		       struct cert_info *out)
{
	size_t pos = 3, list_len;
	bool described = false;

	memset(out, 0, sizeof(*out));
	if (len < 3)
		return CERT_MALFORMED;
	list_len = be24(body);
	if (list_len != len - 3)
		return CERT_MALFORMED;
	if (!list_len)
		return CERT_EMPTY;
	while (pos < len) {
		const unsigned char *der;
		size_t cl;
		X509 *x;

		if (len - pos < 3)
			return CERT_MALFORMED;
		cl = be24(body + pos);
		pos += 3;
		if (cl > len - pos)
			return CERT_MALFORMED;
		der = body + pos;
		pos += cl;
		out->chain_length++;
		if (out->chain_length > CERT_CHAIN_MAX)
			continue;
		x = cl ? d2i_X509(NULL, &der, (long)cl) : NULL;
		/* A certificate is its DER encoding exactly: bytes left over are not one. */
		if (x && der != body + pos) {
			X509_free(x);
			x = NULL;
		}
		if (!x) {
			if (!described)
				return CERT_MALFORMED;
			out->malformed++;
			continue;
		}
		if (!described)
			describe(x, sni, seen_s, out);
		described = true;
		X509_free(x);
	}
	return CERT_OK;
}
