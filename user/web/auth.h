/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dashboard's secrets (migration web_auth_v1): API tokens and one
 * password, stored as hashes only.  A token is 256 random bits in hex, so
 * its SHA-256 is enough; the password is stretched with PBKDF2-HMAC-SHA256
 * and a random salt.  Neither is ever logged.  Functions return 0 (or a
 * truth value) or -errno after saying why.
 */
#ifndef IOTRIM_WEB_AUTH_H
#define IOTRIM_WEB_AUTH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#define WEB_SECRET_BYTES 32
#define WEB_SECRET_STRLEN (2 * WEB_SECRET_BYTES + 1)	/* hex and NUL */
#define WEB_PBKDF2_ITERATIONS 200000
#define WEB_PASSWORD_MIN 8

/* n random bytes as hex into out (2n + 1 bytes).  0 or -EIO. */
int random_hex(size_t n, char *out);
/* SHA-256 of s as hex into out. */
void sha256_hex(const char *s, char out[WEB_SECRET_STRLEN]);
/* Equal strings, in time that does not depend on where they differ. */
bool secret_equal(const char *a, const char *b);

/* A new token into out (shown once by the caller), its hash stored. */
int web_token_create(sqlite3 *db, char out[WEB_SECRET_STRLEN]);
/* 1 if token is one of the stored ones, 0 if not, -errno. */
int web_token_valid(sqlite3 *db, const char *token);
/* Sets (replaces) the password.  -EINVAL: shorter than WEB_PASSWORD_MIN. */
int web_password_set(sqlite3 *db, const char *password);
/* 1 if password is the stored one, 0 if not (or none is set), -errno. */
int web_password_valid(sqlite3 *db, const char *password);
/* 1 if a token or a password is set, 0 if not, -errno. */
int web_auth_configured(sqlite3 *db);

#endif
