// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench: the controller at scale, each figure beside its floor in the
 * same run.  The flow table is filled from user space (batch updates) on a
 * dummy interface with a private pin directory and database:
 *   - `iotrim flows` and `iotrim destinations` over 1,000,000 flows
 *     (target <= 2 s), beside `bpftool map dump` of the same map;
 *   - a harvest of 65,536 changed flows (target <= 200 ms), beside
 *     SELECT count(*) over the history it wrote, and beside what a harvest
 *     cannot do without: rewriting each flow's flow_state row (one UPDATE
 *     of the whole table, rolled back; a harvest also rewrites each
 *     flow's flow_history row);
 *   - the peak RSS of a harvest and of `iotrim flows` at 65,536 flows
 *     (target <= 32 MiB), beside bpftool's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "iotrim.h"
#include "iotrim_maps.h"
#include "common/clock.h"
#include "datapath/pin.h"
#include "history/db.h"
#include "history/history.h"

#define BIG_FLOWS 1000000
#define HARVEST_FLOWS 65536
#define BATCH 4096

static char ifname[16], pins[64], store_path[64];

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs a shell command; its wall time in s and its peak RSS in MiB. */
static double run(const char *cmd, double *rss_mib)
{
	double t0 = mono_s();
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "bench: `%s` failed\n", cmd);
		exit(1);
	}
	if (rss_mib)
		*rss_mib = ru.ru_maxrss / 1024.0;
	return mono_s() - t0;
}

static void attach(unsigned int max_flows)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd),
		 "build/iotrim detach --lan %s --purge >/dev/null 2>&1; "
		 "build/iotrim attach --lan %s --mode tc --max-flows %u >/dev/null",
		 ifname, ifname, max_flows);
	run(cmd, NULL);
}

/* n flows of 32 devices, each with `scale` times the base counts (the flow map is shared,
 * not per-CPU: one value a key). */
static void fill(int fd, unsigned int n, __u64 scale)
{
	struct flow_key *keys = calloc(BATCH, sizeof(*keys));
	struct flow_value *values = calloc(BATCH, sizeof(*values));
	__u64 now = clock_boot_ns();

	for (unsigned int done = 0; done < n;) {
		__u32 count = n - done < BATCH ? n - done : BATCH;

		for (__u32 i = 0; i < count; i++) {
			unsigned int f = done + i;
			struct flow_key *k = &keys[i];
			struct flow_value *v = &values[i];

			memset(k, 0, sizeof(*k));
			k->device_mac[0] = 0x02;
			k->device_mac[5] = 1 + f % 32;
			k->family = IOTRIM_FAMILY_IPV4;
			k->proto = 6;
			k->remote_port = 443;
			k->device_ip[0] = 192, k->device_ip[2] = 2, k->device_ip[3] = 1 + f % 32;
			k->remote_ip[0] = 10, k->remote_ip[1] = f >> 16;
			k->remote_ip[2] = f >> 8, k->remote_ip[3] = f;
			v->up = (struct traffic_counter){ 10 * scale, 1000 * scale };
			v->down = (struct traffic_counter){ 20 * scale, 20000 * scale };
			v->first_seen_ns = now - 60000000000ULL;
			v->last_seen_ns = now;
		}
		if (bpf_map_update_batch(fd, keys, values, &count, NULL)) {
			perror("bench: filling the flow table");
			exit(1);
		}
		done += count;
	}
	free(keys);
	free(values);
}

/* The controller's part that is the kernel's: read_flows of the whole table. */
static double read_table_ms(int fd)
{
	struct flow_table t = { 0 };
	double t0 = mono_s();

	if (read_flows(fd, &t)) {
		fprintf(stderr, "bench: reading the flow table failed\n");
		exit(1);
	}
	t0 = mono_s() - t0;
	flow_table_free(&t);
	return t0 * 1e3;
}

static void report(const char *what, double v, const char *unit, double target,
		   const char *floor_what, double floor)
{
	printf("%-44s %8.3f %s (target <= %g %s)   %s %.3f %s\n", what, v, unit, target, unit,
	       floor_what, floor, unit);
}

static void big_table(void)
{
	char cmd[256];
	double dump, flows, dests, read_ms;
	int fd;

	attach(1U << 20);
	fd = open_pinned_map(MAP_NAME(MAP_FLOWS));
	fill(fd, BIG_FLOWS, 1);
	read_ms = read_table_ms(fd);
	close(fd);
	snprintf(cmd, sizeof(cmd), "bpftool map dump pinned %s/flows >/dev/null", pins);
	dump = run(cmd, NULL);
	flows = run("build/iotrim flows >/dev/null", NULL);
	snprintf(cmd, sizeof(cmd), "build/iotrim destinations --db %s >/dev/null 2>&1", store_path);
	dests = run(cmd, NULL);
	printf("reading the 1,000,000 flows (batch lookups, CPUs summed): %.0f ms\n", read_ms);
	report("iotrim flows, 1,000,000 flows", flows, "s", 2, "bpftool map dump", dump);
	report("iotrim destinations, 1,000,000 flows", dests, "s", 2, "bpftool map dump", dump);
}

/* A harvest in a child process, for its peak RSS: the controller's work. */
static double harvest_rss(void)
{
	struct rusage ru;
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		struct harvest_result hr;
		sqlite3 *db;
		int fd = open_pinned_map(MAP_NAME(MAP_FLOWS));

		if (fd < 0 || db_open(store_path, &db) || history_harvest_map(db, fd, &hr))
			_exit(1);
		db_close(db);
		_exit(0);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return ru.ru_maxrss / 1024.0;
}

/* ms to rewrite every flow_state row once, in one statement (rolled back). */
static double state_rewrite_ms(sqlite3 *db)
{
	double t0;

	sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	t0 = mono_s();
	sqlite3_exec(db, "UPDATE flow_state SET packets_up = packets_up + 1", NULL, NULL, NULL);
	t0 = mono_s() - t0;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return t0 * 1e3;
}

static void harvest(void)
{
	struct harvest_result first, second;
	double t0, count_ms, rewrite_ms, rss_harvest, rss_flows, rss_dump;
	char cmd[256];
	sqlite3 *db;
	sqlite3_stmt *st;
	int fd;

	unlink(store_path);
	attach(IOTRIM_DEFAULT_MAX_FLOWS);
	fd = open_pinned_map(MAP_NAME(MAP_FLOWS));
	fill(fd, HARVEST_FLOWS, 1);
	if (db_open(store_path, &db) || history_harvest_map(db, fd, &first)) {
		fprintf(stderr, "bench: harvest failed\n");
		exit(1);
	}
	fill(fd, HARVEST_FLOWS, 2);	/* every flow grew */
	printf("reading the 65,536 flows: %.1f ms\n", read_table_ms(fd));
	history_harvest_map(db, fd, &second);
	t0 = mono_s();
	sqlite3_prepare_v2(db, "SELECT count(*) FROM flow_history", -1, &st, NULL);
	sqlite3_step(st);
	sqlite3_finalize(st);
	count_ms = (mono_s() - t0) * 1e3;
	rewrite_ms = state_rewrite_ms(db);
	db_close(db);
	printf("harvest of %zu new flows: %.1f ms\n", first.changed, first.ms);
	report("harvest of 65,536 changed flows", second.ms, "ms", 200,
	       "SELECT count(*) of the store", count_ms);
	printf("rewriting the 65,536 flow_state rows (one UPDATE): %.1f ms\n", rewrite_ms);

	fill(fd, HARVEST_FLOWS, 3);
	close(fd);
	rss_harvest = harvest_rss();
	run("build/iotrim flows >/dev/null", &rss_flows);
	snprintf(cmd, sizeof(cmd), "bpftool map dump pinned %s/flows >/dev/null", pins);
	run(cmd, &rss_dump);
	report("controller peak RSS, harvest at 65,536 flows", rss_harvest, "MiB", 32,
	       "bpftool map dump", rss_dump);
	report("`iotrim flows` peak RSS at 65,536 flows", rss_flows, "MiB", 32,
	       "bpftool map dump", rss_dump);
}

int main(void)
{
	char cmd[256];

	if (geteuid()) {
		fprintf(stderr, "bench: root needed\n");
		return 1;
	}
	snprintf(ifname, sizeof(ifname), "itsc%d", getpid() % 10000);
	snprintf(pins, sizeof(pins), "/sys/fs/bpf/iotrim-scale-%d", getpid());
	snprintf(store_path, sizeof(store_path), "/tmp/iotrim-scale-%d.db", getpid());
	setenv("IOTRIM_PIN_DIR", pins, 1);
	snprintf(cmd, sizeof(cmd), "ip link add %s type veth peer name %sp && ip link set %s up", ifname, ifname, ifname);
	run(cmd, NULL);
	printf("controller at scale (veth interface, flows filled by batch updates)\n");
	big_table();
	harvest();
	snprintf(cmd, sizeof(cmd), "build/iotrim detach --lan %s --purge >/dev/null; ip link del %s",
		 ifname, ifname);
	run(cmd, NULL);
	unlink(store_path);
	return 0;
}
