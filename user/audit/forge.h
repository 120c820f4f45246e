/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The forged certificates of `iotrim audit tls`: a CA made for one run
 * (EC P-256, its key only in this process's memory, trusted by nobody) and,
 * per name the devices ask for, a leaf certificate it signed, made on first
 * use and cached.  Safe to use from several threads.
 */
#ifndef IOTRIM_AUDIT_FORGE_H
#define IOTRIM_AUDIT_FORGE_H

#include <openssl/evp.h>
#include <openssl/x509.h>

struct forge;

/* 0 or -ENOMEM / -EIO (OpenSSL's reason is logged). */
int forge_new(struct forge **out);
void forge_free(struct forge *f);

/*
 * The leaf for name (a host name, or an IPv4/IPv6 address when the client
 * sent no SNI): subject CN and subjectAltName DNS or IP, serverAuth, valid
 * from an hour ago for 7 days.  A new reference (X509_free it), or NULL.
 */
X509 *forge_leaf(struct forge *f, const char *name);
/* The key of every leaf (one per run: leafs differ only in their names). */
EVP_PKEY *forge_leaf_key(const struct forge *f);
X509 *forge_ca(const struct forge *f);

#endif
