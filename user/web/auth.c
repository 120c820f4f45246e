// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "common/clock.h"
#include "common/log.h"
#include "web/auth.h"

static void to_hex(const unsigned char *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	out[2 * n] = '\0';
}

int random_hex(size_t n, char *out)
{
	unsigned char b[64];

	if (n > sizeof(b) || RAND_bytes(b, (int)n) != 1) {
		pr_error("no random bytes from OpenSSL");
		return -EIO;
	}
	to_hex(b, n, out);
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

void sha256_hex(const char *s, char out[WEB_SECRET_STRLEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)s, strlen(s), md);
	to_hex(md, sizeof(md), out);
}

bool secret_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la == lb && CRYPTO_memcmp(a, b, la) == 0;
}

static int pbkdf2_hex(const char *password, const char *salt_hex, int iterations,
		      char out[WEB_SECRET_STRLEN])
{
	unsigned char key[WEB_SECRET_BYTES];

	if (PKCS5_PBKDF2_HMAC(password, (int)strlen(password), (const unsigned char *)salt_hex,
			      (int)strlen(salt_hex), iterations, EVP_sha256(), sizeof(key),
			      key) != 1) {
		pr_error("PBKDF2 failed");
		return -EIO;
	}
	to_hex(key, sizeof(key), out);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

static int sql_fail(sqlite3 *db, const char *what)
{
	pr_error("%s: %s", what, sqlite3_errmsg(db));
	return -EIO;
}

int web_token_create(sqlite3 *db, char out[WEB_SECRET_STRLEN])
{
	char hash[WEB_SECRET_STRLEN];
	sqlite3_stmt *st;
	int rc;

	if (random_hex(WEB_SECRET_BYTES, out))
		return -EIO;
	sha256_hex(out, hash);
	if (sqlite3_prepare_v2(db, "INSERT INTO web_tokens (sha256, created_ms) VALUES (?, ?)", -1,
			       &st, NULL) != SQLITE_OK)
		return sql_fail(db, "storing the token");
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, clock_wall_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_fail(db, "storing the token");
}

int web_token_valid(sqlite3 *db, const char *token)
{
	char hash[WEB_SECRET_STRLEN];
	sqlite3_stmt *st;
	int rc;

	sha256_hex(token, hash);
	if (sqlite3_prepare_v2(db, "SELECT 1 FROM web_tokens WHERE sha256 = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return sql_fail(db, "reading the tokens");
	sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : sql_fail(db, "reading the tokens");
}

int web_password_set(sqlite3 *db, const char *password)
{
	char salt[WEB_SECRET_STRLEN], hash[WEB_SECRET_STRLEN];
	sqlite3_stmt *st;
	int rc;

	if (strlen(password) < WEB_PASSWORD_MIN) {
		pr_error("the password needs at least %d characters", WEB_PASSWORD_MIN);
		return -EINVAL;
	}
	if (random_hex(16, salt) || pbkdf2_hex(password, salt, WEB_PBKDF2_ITERATIONS, hash))
		return -EIO;
	if (sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO web_password "
			       "(id, salt, iterations, pbkdf2_sha256, updated_ms) VALUES (1, ?, ?, ?, ?)",
			       -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "storing the password");
	sqlite3_bind_text(st, 1, salt, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, WEB_PBKDF2_ITERATIONS);
	sqlite3_bind_text(st, 3, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, clock_wall_ms());
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_fail(db, "storing the password");
}

int web_password_valid(sqlite3 *db, const char *password)
{
	char salt[WEB_SECRET_STRLEN] = "", stored[WEB_SECRET_STRLEN] = "", hash[WEB_SECRET_STRLEN];
	int iterations = 0, rc;
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT salt, iterations, pbkdf2_sha256 FROM web_password", -1,
			       &st, NULL) != SQLITE_OK)
		return sql_fail(db, "reading the password");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(salt, sizeof(salt), "%s", (const char *)sqlite3_column_text(st, 0));
		iterations = sqlite3_column_int(st, 1);
		snprintf(stored, sizeof(stored), "%s", (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE || iterations < 1)
		return 0;
	if (rc != SQLITE_ROW)
		return sql_fail(db, "reading the password");
	if (pbkdf2_hex(password, salt, iterations, hash))
		return -EIO;
	return secret_equal(hash, stored);
}

int web_auth_configured(sqlite3 *db)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM web_tokens) + "
			       "(SELECT count(*) FROM web_password)", -1, &st, NULL) != SQLITE_OK)
		return sql_fail(db, "reading the dashboard's secrets");
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) > 0 : sql_fail(db, "reading the dashboard's secrets");
	sqlite3_finalize(st);
	return rc;
}
