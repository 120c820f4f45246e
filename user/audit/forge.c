// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The run's CA and its leaf certificates (audit/forge.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "audit/forge.h"
#include "common/log.h"

/* Enough for every name of a device's run; past it leafs are made but not kept. */
#define FORGE_CACHE_MAX 1024

struct leaf {
	char *name;
	X509 *cert;
};

struct forge {
	EVP_PKEY *ca_key, *leaf_key;
	X509 *ca;
	pthread_mutex_t lock;
	struct leaf cache[FORGE_CACHE_MAX];
	size_t ncache;
};

static void ssl_error(const char *what)
{
	char buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	pr_error("%s: %s", what, buf);
	ERR_clear_error();
}

static int random_serial(X509 *x)
{
	unsigned char raw[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return 0;
	raw[0] &= 0x7f;		/* positive */
	if (!(bn = BN_bin2bn(raw, sizeof(raw), NULL)))
		return 0;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok;
}

static int add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if (!(ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)))
		return 0;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

/* A certificate for subject cn and key, valid from an hour ago for days,
 * issued by issuer (NULL: by itself); the caller adds extensions and signs. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, int days)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!x)
		return NULL;
	if (!X509_set_version(x, 2) || !random_serial(x) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) || !X509_set_pubkey(x, key))
		goto err;
	name = X509_get_subject_name(x);
	if (!X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					(const unsigned char *)"iotrim TLS audit (forged)", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					-1, 0))
		goto err;
	if (!X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name))
		goto err;
	return x;
err:
	X509_free(x);
	return NULL;
}

int forge_new(struct forge **out)
{
	struct forge *f = calloc(1, sizeof(*f));
	char cn[64];
	unsigned char tag[4];

	if (!f)
		return -ENOMEM;
	pthread_mutex_init(&f->lock, NULL);
	if (!(f->ca_key = EVP_EC_gen("P-256")) || !(f->leaf_key = EVP_EC_gen("P-256")))
		goto err;
	if (RAND_bytes(tag, sizeof(tag)) != 1)
		goto err;
	snprintf(cn, sizeof(cn), "iotrim audit CA %02x%02x%02x%02x", tag[0], tag[1], tag[2], tag[3]);
	if (!(f->ca = make_cert(cn, f->ca_key, NULL, 7)) ||
	    !add_ext(f->ca, f->ca, NID_basic_constraints, "critical,CA:TRUE") ||
	    !add_ext(f->ca, f->ca, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    !add_ext(f->ca, f->ca, NID_subject_key_identifier, "hash") ||
	    !X509_sign(f->ca, f->ca_key, EVP_sha256()))
		goto err;
	*out = f;
	return 0;
err:
	ssl_error("making the audit CA");
	forge_free(f);
	return -EIO;
}

static X509 *make_leaf(struct forge *f, const char *name)
{
	unsigned char addr[16];
	char san[300], cn[65];
	bool is_ip = inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1;
	X509 *x;

	/* A CN holds at most 64 characters; the SAN carries the whole name. */
	snprintf(cn, sizeof(cn), "%s", name);
	snprintf(san, sizeof(san), "%s:%s", is_ip ? "IP" : "DNS", name);
	if (!(x = make_cert(cn, f->leaf_key, f->ca, 7)))
		return NULL;
	if (!add_ext(x, f->ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_ext(x, f->ca, NID_ext_key_usage, "serverAuth") ||
	    !add_ext(x, f->ca, NID_subject_alt_name, san) ||
	    !add_ext(x, f->ca, NID_authority_key_identifier, "keyid") ||
	    !X509_sign(x, f->ca_key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

X509 *forge_leaf(struct forge *f, const char *name)
{
	X509 *x = NULL;

	pthread_mutex_lock(&f->lock);
	for (size_t i = 0; i < f->ncache; i++) {
		if (!strcmp(f->cache[i].name, name)) {
			x = f->cache[i].cert;
			X509_up_ref(x);
			goto out;
		}
	}
	if (!(x = make_leaf(f, name))) {
		ssl_error("making a leaf certificate");
		goto out;
	}
	if (f->ncache < FORGE_CACHE_MAX && (f->cache[f->ncache].name = strdup(name))) {
		f->cache[f->ncache++].cert = x;
		X509_up_ref(x);
	}
out:
	pthread_mutex_unlock(&f->lock);
	return x;
}

EVP_PKEY *forge_leaf_key(const struct forge *f)
{
	return f->leaf_key;
}

X509 *forge_ca(const struct forge *f)
{
	return f->ca;
}

void forge_free(struct forge *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->ncache; i++) {
		free(f->cache[i].name);
		X509_free(f->cache[i].cert);
	}
	X509_free(f->ca);
	EVP_PKEY_free(f->ca_key);
	EVP_PKEY_free(f->leaf_key);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
