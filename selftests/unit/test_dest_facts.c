// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What the attribution tables say of a destination (history/dest_facts.h),
 * read once into sorted arrays: rows written straight into tls_versions,
 * dns_names and certificates, then a destination of two addresses
 * described.  The choices are the ones the per-address queries made: TLS
 * versions of any address on the port, or'ed; a DNS answer over an SNI,
 * then the latest; a certificate over TLS 1.3 hidden, then the row for the
 * name, then the latest; other devices and ports never count.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/tls.h"
#include "harness.h"
#include "history/db.h"
#include "history/dest_facts.h"

#define MAC "02:00:00:00:00:31"
#define OTHER "02:00:00:00:00:32"

static char dir[] = "/tmp/iotrim-dest-facts-XXXXXX";

static bool insert(sqlite3 *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool insert(sqlite3 *db, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return db_exec(db, sql) == 0;
}

static bool tls_row(sqlite3 *db, const char *mac, const char *ip, int port, int version)
{
	return insert(db, "INSERT INTO tls_versions (device_mac, remote_ip, remote_port, version,"
		      " first_seen_ms, last_seen_ms) VALUES ('%s', '%s', %d, '%s', 1, 1)", mac, ip,
		      port, tls_version_name(version));
}

static bool name_row(sqlite3 *db, const char *ip, const char *source, const char *chain,
		     long seen)
{
	return insert(db, "INSERT INTO dns_names (device_mac, ip, name, source, chain,"
		      " first_seen_ms, last_seen_ms, expires_ms) VALUES ('" MAC "', '%s',"
		      " 'api.example', '%s', '%s', 1, %ld, %ld)", ip, source, chain, seen, seen);
}

static bool cert_row(sqlite3 *db, const char *mac, const char *ip, const char *sni, int hidden,
		     const char *subject, long seen)
{
	return insert(db, "INSERT INTO certificates (device_mac, remote_ip, remote_port, sni, hidden,"
		      " subject, first_seen_ms, last_seen_ms) VALUES ('%s', '%s', 443, '%s', %d,"
		      " %s%s%s, 1, %ld)", mac, ip, sni, hidden, subject ? "'" : "",
		      subject ? subject : "NULL", subject ? "'" : "", seen);
}

/* A destination api.example:443 of MAC at two addresses, described afresh. */
static bool describe(sqlite3 *db, struct dest *d, struct flow_row *row, char **ips, int proto)
{
	struct dest_facts f;
	bool ok;

	*row = (struct flow_row){ .device_mac = MAC, .remote_port = 443, .proto = proto,
				  .name = "api.example" };
	*d = (struct dest){ .first = row, .nrows = 1, .ips = ips, .nips = 2, .chain = "" };
	ok = dest_facts_load(db, &f) == 0 && dest_facts_describe(&f, d) == 0;
	dest_facts_free(&f);
	return ok;
}

static void dest_done(struct dest *d)
{
	if (d->chain[0])
		free((char *)d->chain);
	free(d->cert);
}

TEST(facts)
{
	char *ips[] = { "192.0.2.1", "192.0.2.2" };
	struct flow_row row;
	char path[256];
	struct dest d;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/facts.db", dir);
	ASSERT(db_open(path, &db) == 0, "database");

	ASSERT(describe(db, &d, &row, ips, IPPROTO_TCP), "empty tables");
	EXPECT(!d.tls_mask && !d.name_source && !d.chain[0] && !d.cert && !d.cert_hidden,
	       "nothing known");
	dest_done(&d);

	ASSERT(tls_row(db, MAC, "192.0.2.1", 443, 0x0303) && tls_row(db, MAC, "192.0.2.2", 443, 0x0304) &&
	       tls_row(db, MAC, "192.0.2.2", 8443, 0x0301) && tls_row(db, OTHER, "192.0.2.1", 443, 0x0300) &&
	       name_row(db, "192.0.2.1", "dns", "old.cdn.example", 100) &&
	       name_row(db, "192.0.2.2", "dns", "new.cdn.example", 200) &&
	       name_row(db, "192.0.2.3", "sni", "", 300) &&
	       cert_row(db, MAC, "192.0.2.1", "api.example", 1, NULL, 500) &&
	       cert_row(db, MAC, "192.0.2.2", "other.example", 0, "CN=later", 400) &&
	       cert_row(db, MAC, "192.0.2.2", "api.example", 0, "CN=for the name", 300) &&
	       cert_row(db, OTHER, "192.0.2.1", "api.example", 0, "CN=other device", 900),
	       "rows written");
	ASSERT(describe(db, &d, &row, ips, IPPROTO_TCP), "described");
	EXPECT(d.tls_mask == (1u << 3 | 1u << 4), "TLS 1.2 and 1.3 of both addresses, no other port "
	       "or device: mask %#x", d.tls_mask);
	EXPECT(d.name_source && !strcmp(d.name_source, "dns") && !strcmp(d.chain, "new.cdn.example"),
	       "the latest DNS answer over a later SNI: %s '%s'", d.name_source ? d.name_source : "-",
	       d.chain);
	EXPECT(d.cert && !strcmp(d.cert->subject, "CN=for the name") && !d.cert_hidden,
	       "the certificate for the name over a later one and over hidden: %s",
	       d.cert ? d.cert->subject : "none");
	dest_done(&d);

	ips[1] = "192.0.2.9";
	ASSERT(describe(db, &d, &row, ips, IPPROTO_TCP), "described again");
	EXPECT(!d.cert && d.cert_hidden, "hidden only: certificate hidden");
	dest_done(&d);

	ips[1] = "192.0.2.2";
	ASSERT(describe(db, &d, &row, ips, IPPROTO_UDP), "over UDP");
	EXPECT(!d.cert && !d.cert_hidden, "no certificate for QUIC/UDP");
	dest_done(&d);
	db_close(db);
}

int main(void)
{
	char cmd[128];

	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	RUN(facts);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return harness_done();
}
