// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `block add NAME` on a big attribution history: N dns_names rows (default
 * 100,000, as a device spraying random names leaves behind) and as many
 * flow_history rows, plus a name resolved to 4 addresses (one shared with
 * another name) and a name with 1,000 subdomains.  Prints the time of each
 * block_add with binding beside SQLite's own `SELECT count(*)` of the rows
 * (the floor).  No maps are pinned: rules go to the database only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/fmt.h"
#include "enforce/block.h"
#include "history/db.h"

#define MAC "02:00:00:00:00:21"

static double now_ms(void)
{
	return clock_mono_s() * 1e3;
}

static void fill(sqlite3 *db, long rows)
{
	sqlite3_stmt *dn, *fh;
	char ip[32], name[64];

	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO dns_names (device_mac, ip, name, source, first_seen_ms,"
			   " last_seen_ms, expires_ms) VALUES ('" MAC "', ?, ?, 'dns', 1, 2, 3)",
			   -1, &dn, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO flow_history (device_mac, device_ip, remote_ip, proto,"
			   " remote_port, name, first_seen_ms, last_seen_ms)"
			   " VALUES ('" MAC "', '192.0.2.21', ?, 17, 53, ?, 1, 2)", -1, &fh, NULL);
	for (long i = 0; i < rows; i++) {
		if (i < 1000)	/* 1,000 subdomains of wide.example */
			snprintf(name, sizeof(name), "n%ld.wide.example", i);
		else
			snprintf(name, sizeof(name), "r%08lx.spray.example", (unsigned long)random());
		snprintf(ip, sizeof(ip), "10.%ld.%ld.%ld", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		for (sqlite3_stmt *st = dn; st; st = st == dn ? fh : NULL) {
			sqlite3_bind_text(st, 1, ip, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
			sqlite3_step(st);
			sqlite3_reset(st);
		}
	}
	/* api.vendor.example: 4 addresses, the last also cdn.example's */
	sqlite3_exec(db,
		     "INSERT INTO dns_names (device_mac, ip, name, source, first_seen_ms, last_seen_ms,"
		     " expires_ms) VALUES"
		     " ('" MAC "', '203.0.113.10', 'api.vendor.example', 'dns', 1, 2, 3),"
		     " ('" MAC "', '203.0.113.11', 'api.vendor.example', 'dns', 1, 2, 3),"
		     " ('" MAC "', '203.0.113.12', 'api.vendor.example', 'dns', 1, 2, 3),"
		     " ('" MAC "', '203.0.113.13', 'api.vendor.example', 'dns', 1, 2, 3),"
		     " ('" MAC "', '203.0.113.13', 'cdn.example', 'dns', 1, 2, 3);"
		     "INSERT INTO flow_history (device_mac, device_ip, remote_ip, proto, remote_port,"
		     " name, first_seen_ms, last_seen_ms) VALUES"
		     " ('" MAC "', '192.0.2.21', '203.0.113.13', 6, 8443, 'api.vendor.example', 1, 2),"
		     " ('" MAC "', '192.0.2.21', '203.0.113.13', 6, 443, 'cdn.example', 1, 2)",
		     NULL, NULL, NULL);
	sqlite3_finalize(dn);
	sqlite3_finalize(fh);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

static void bench_add(sqlite3 *db, const char *target, double floor_ms)
{
	struct block_add_report rep = { 0 };
	struct block_add_opts o = { .bind_names = true, .report = &rep };
	struct block_rule r = { 0 };
	char err[128];
	double t0, ms;

	if (!block_parse_target(target, &r, err, sizeof(err)) || !parse_mac(MAC, r.mac)) {
		fprintf(stderr, "bench: %s\n", err);
		return;
	}
	t0 = now_ms();
	if (block_add(db, &r, &o)) {
		fprintf(stderr, "bench: block add %s failed\n", target);
		return;
	}
	ms = now_ms() - t0;
	printf("block add %-20s %6zu addresses bound  %9.1f ms   (SELECT count(*): %.1f ms, %.0fx)\n",
	       target, rep.bound.len, ms, floor_ms, ms / floor_ms);
	block_add_report_free(&rep);
}

int main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 100000;
	char dir[] = "/tmp/iotrim-bench-bind-XXXXXX", path[300], cmd[300];
	sqlite3_stmt *st;
	sqlite3 *db;
	double t0, floor_ms;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/nopins", dir);
	setenv("IOTRIM_PIN_DIR", path, 1);
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	setenv("IOTRIM_DB", path, 1);
	if (db_open(path, &db))
		return 1;
	srandom(1);
	fill(db, rows);
	t0 = now_ms();
	sqlite3_prepare_v2(db, "SELECT count(*) FROM dns_names", -1, &st, NULL);
	sqlite3_step(st);
	printf("%d dns_names rows, as many flow_history rows\n", sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	floor_ms = now_ms() - t0;
	bench_add(db, "api.vendor.example", floor_ms);
	bench_add(db, "wide.example", floor_ms);
	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
