// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim report` over a big history: N flow_history rows (default
 * 1,000,000: 100 devices in 5 categories, 10,000 flows each to addresses in
 * 6 countries), the time to build the report and render its JSON, beside
 * the time SQLite takes to SELECT count(*) the same rows (the floor).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/clock.h"
#include "history/db.h"
#include "history/device_labels.h"
#include "report/report.h"

static const char *const categories[] = { "camera", "plug", "light", "speaker", "hub" };

int main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 1000000;
	char dir[] = "/tmp/iotrim-bench-report-XXXXXX", path[256], ov[256], cmd[300];
	struct geo_options go = { 0 };
	struct device_config conf = { 0 };
	struct providers prov = { 0 };
	struct report_options o = { .home = "DE" };
	struct geo *geo = NULL;
	struct report r;
	sqlite3_stmt *st;
	sqlite3 *db;
	double t0, t_count, t_build, t_json;
	FILE *f, *null;
	long devices = 100;

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/bench.db", dir);
	snprintf(ov, sizeof(ov), "%s/ov.conf", dir);
	f = fopen(ov, "w");
	fputs("1.0.0.0/8 CN 1 A\n2.0.0.0/8 US 2 B\n3.0.0.0/8 DE 3 C\n4.0.0.0/8 FR 4 D\n"
	      "5.0.0.0/8 JP 5 E\n6.0.0.0/8 BR 6 F\n", f);
	fclose(f);
	if (db_open(path, &db))
		return 1;
	printf("writing %ld flow rows ...\n", rows);
	db_exec(db, "BEGIN");
	sqlite3_prepare_v2(db,
		"INSERT INTO flow_history (device_mac, device_ip, remote_ip, proto, remote_port, name,"
		" packets_up, bytes_up, packets_down, bytes_down, first_seen_ms, last_seen_ms)"
		" VALUES (?1, ?2, ?3, 6, 443, ?4, 1, ?5, 1, ?6, 1000, 2000)", -1, &st, NULL);
	for (long i = 0; i < rows; i++) {
		long dev = i % devices, k = i / devices;
		char mac[18], dip[16], rip[16], name[40];

		snprintf(mac, sizeof(mac), "02:00:00:00:%02lx:%02lx", dev / 256, dev % 256);
		snprintf(dip, sizeof(dip), "192.0.2.%ld", dev % 250 + 1);
		snprintf(rip, sizeof(rip), "%ld.%ld.%ld.%ld", 1 + k % 6, (k / 6) % 256, (k / 1536) % 256,
			 dev % 256);
		snprintf(name, sizeof(name), k % 3 ? "h%ld.example" : "", k % 500);
		sqlite3_bind_text(st, 1, mac, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, dip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, rip, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 4, name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 5, 100 + i % 977);
		sqlite3_bind_int64(st, 6, 1000 + i % 3571);
		sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	db_exec(db, "COMMIT");
	for (long d = 0; d < devices; d++) {
		char mac[18];

		snprintf(mac, sizeof(mac), "02:00:00:00:%02lx:%02lx", d / 256, d % 256);
		device_label_set(db, mac, NULL, categories[d % 5]);
	}

	t0 = clock_mono_s();
	sqlite3_prepare_v2(db, "SELECT count(*) FROM flow_history", -1, &st, NULL);
	sqlite3_step(st);
	printf("SELECT count(*): %lld rows\n", (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	t_count = clock_mono_s() - t0;

	go.overrides = ov;
	go.country_db = NULL;
	if (geo_open(&go, false, &geo) || providers_load(NULL, &prov))
		return 1;
	t0 = clock_mono_s();
	if (report_build(db, &o, geo, &prov, &conf, &r))
		return 1;
	t_build = clock_mono_s() - t0;
	null = fopen("/dev/null", "w");
	t0 = clock_mono_s();
	report_json(&r, null);
	t_json = clock_mono_s() - t0;
	fclose(null);
	printf("report over %ld rows: %zu devices, %zu destinations\n", rows, r.ndevices, r.dests.len);
	printf("  SELECT count(*) (the floor)  %8.3f s\n", t_count);
	printf("  report build                 %8.3f s\n", t_build);
	printf("  JSON rendering               %8.3f s\n", t_json);
	printf("  report total                 %8.3f s  (target <= 2 s)\n", t_build + t_json);
	report_free(&r);
	providers_free(&prov);
	geo_close(geo);
	db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) != 0;
}
