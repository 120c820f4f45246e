// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Attribution benchmarks (make bench):
 *   1. DNS answer -> name visible in the pinned "names" map: the answer is
 *      run through the real TC egress program (BPF_PROG_TEST_RUN), a real
 *      `iotrim run --no-attach` process takes it from the ring buffer, and
 *      we poll the map: median and p99 over 10 000 answers.
 *   2. The controller's CPU at 1 000 DNS answers per second (5 s, from
 *      /proc/PID/stat).
 *   3. SQLite harvest of 65 536 flows: all new, all changed, none changed.
 * Needs root and bpffs; pins under /sys/fs/bpf/iotrim-bench-PID, removed
 * after.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attrib_msgs.h"
#include "history/db.h"
#include "history/history.h"
#include "iotrim.h"
#include "iotrim_tc.skel.h"
#include "packet.h"

#define ANSWERS 10000
#define RATE_SECONDS 5

static const __u8 DEV_MAC[6] = { 2, 0, 0, 0, 0, 0x21 };
static const __u8 GW_MAC[6] = { 2, 0, 0, 0, 0, 0x01 };
static const __u8 DEV6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x21 };
static const __u8 GW6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x01 };

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct msg m;
static struct pkt p;

/* A DNS answer to the device: bench-N.example AAAA 2001:db8:beef::N. */
static __u32 answer_frame(unsigned n, __u8 ip[16])
{
	char name[64];

	snprintf(name, sizeof(name), "bench-%u.example", n);
	memset(ip, 0, 16);
	memcpy(ip, (__u8[]){ 0x20, 0x01, 0x0d, 0xb8, 0xbe, 0xef }, 6);
	ip[12] = n >> 24;
	ip[13] = n >> 16;
	ip[14] = n >> 8;
	ip[15] = n;
	dns_begin(&m, n & 0xffff, true, 0);
	dns_question(&m, name, DNS_AAAA);
	dns_aaaa(&m, name, ip, 300);
	pkt_init(&p);
	pkt_eth(&p, DEV_MAC, GW_MAC);
	pkt_ipv6(&p, GW6, DEV6);
	pkt_udp(&p, 53, 40000 + (n % 20000));
	pkt_payload(&p, m.b, dns_end(&m));
	return pkt_finish(&p);
}

/* The device's query that answer_frame(n) answers (answers to no query are ignored). */
static __u32 query_frame(unsigned n)
{
	char name[64];

	snprintf(name, sizeof(name), "bench-%u.example", n);
	dns_begin(&m, n & 0xffff, false, 0);
	dns_question(&m, name, DNS_AAAA);
	pkt_init(&p);
	pkt_eth(&p, GW_MAC, DEV_MAC);
	pkt_ipv6(&p, DEV6, GW6);
	pkt_udp(&p, 40000 + (n % 20000), 53);
	pkt_payload(&p, m.b, dns_end(&m));
	return pkt_finish(&p);
}

static int run_frame(int prog_fd, __u32 len)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p.data, .data_size_in = len);

	return bpf_prog_test_run_opts(prog_fd, &o);
}

static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024], *s;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	s = strrchr(buf, ')');
	/* after ") S": fields 3.. ; utime is field 14, stime 15 */
	if (!s || sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static int bench_names(const char *pin_dir, const char *db_path)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = pin_dir);
	static double lat[ANSWERS];
	struct iotrim_tc *tc;
	char names_path[256];
	int names_fd, prog_fd, up_fd, lost = 0, n = 0;
	pid_t pid;
	double t_start, cpu0, cpu1;

	tc = iotrim_tc__open_opts(&oo);
	if (!tc || iotrim_tc__load(tc)) {
		fprintf(stderr, "bench: loading the TC program failed\n");
		return 1;
	}
	prog_fd = bpf_program__fd(tc->progs.iotrim_tc_egress);
	up_fd = bpf_program__fd(tc->progs.iotrim_tc_ingress);	/* the queries, upwards */
	snprintf(names_path, sizeof(names_path), "%s/names", pin_dir);
	names_fd = bpf_obj_get(names_path);

	pid = fork();
	if (pid == 0) {
		setenv("IOTRIM_PIN_DIR", pin_dir, 1);
		if (!freopen("/dev/null", "w", stdout))
			_exit(126);
		execl("build/iotrim", "iotrim", "run", "--no-attach", "--db", db_path, "--interval",
		      "3600", (char *)NULL);
		_exit(127);
	}
	/* Wait for the consumer: an answer shows up in the map. */
	for (int i = 0; i < 100; i++) {
		__u8 ip[16];
		struct name_key k = { 0 };
		struct name_value v;
		__u32 len;

		run_frame(up_fd, query_frame(0xffffff));
		len = answer_frame(0xffffff, ip);
		run_frame(prog_fd, len);
		memcpy(k.device_mac, DEV_MAC, 6);
		k.family = IOTRIM_FAMILY_IPV6;
		memcpy(k.ip, ip, 16);
		usleep(50000);
		if (bpf_map_lookup_elem(names_fd, &k, &v) == 0)
			break;
	}

	for (unsigned i = 0; i < ANSWERS; i++) {
		struct name_key k = { 0 };
		struct name_value v;
		__u8 ip[16];
		__u32 len;
		double t0, t1;

		run_frame(up_fd, query_frame(i));
		len = answer_frame(i, ip);
		memcpy(k.device_mac, DEV_MAC, 6);
		k.family = IOTRIM_FAMILY_IPV6;
		memcpy(k.ip, ip, 16);
		t0 = now_us();
		run_frame(prog_fd, len);
		for (;;) {
			if (bpf_map_lookup_elem(names_fd, &k, &v) == 0)
				break;
			if (now_us() - t0 > 1e6) {
				lost++;
				break;
			}
		}
		t1 = now_us();
		lat[n++] = t1 - t0;
	}
	qsort(lat, n, sizeof(lat[0]), cmp_double);
	printf("DNS answer -> name in the names map (%d answers, one at a time): median %.1f us, p99 %.1f us, max %.1f us%s\n",
	       n, lat[n / 2], lat[(int)(n * 0.99)], lat[n - 1], lost ? " (some never arrived!)" : "");

	/* 1000 answers per second for RATE_SECONDS. */
	cpu0 = cpu_seconds(pid);
	t_start = now_us();
	for (unsigned i = 0; i < 1000 * RATE_SECONDS; i++) {
		__u8 ip[16];
		double due = t_start + i * 1000.0;

		while (now_us() < due)
			usleep(100);
		run_frame(up_fd, query_frame(100000 + i));
		run_frame(prog_fd, answer_frame(100000 + i, ip));
	}
	usleep(200000);
	cpu1 = cpu_seconds(pid);
	printf("controller CPU at 1000 DNS answers/s: %.1f%% of one core (%.2f s CPU in %.1f s)\n",
	       (cpu1 - cpu0) / ((now_us() - t_start) / 1e6) * 100, cpu1 - cpu0,
	       (now_us() - t_start) / 1e6);

	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	close(names_fd);
	iotrim_tc__destroy(tc);
	return lost ? 1 : 0;
}

static void bench_harvest(const char *db_path)
{
	struct flow_table t = { .len = 65536 };
	struct harvest_result r;
	sqlite3 *db;

	t.items = calloc(t.len, sizeof(*t.items));
	if (!t.items || db_open(db_path, &db))
		return;
	for (size_t i = 0; i < t.len; i++) {
		struct flow_entry *e = &t.items[i];

		memcpy(e->key.device_mac, (__u8[]){ 2, 0, 0, 0, (i >> 12) & 0xff, 0x21 }, 6);
		e->key.family = IOTRIM_FAMILY_IPV4;
		e->key.proto = i & 1 ? IPPROTO_TCP : IPPROTO_UDP;
		e->key.remote_port = 443 + (i & 7);
		memcpy(e->key.device_ip, (__u8[]){ 192, 0, 2, 21 }, 4);
		memcpy(e->key.remote_ip, (__u8[]){ 10, i >> 16, i >> 8, i }, 4);
		e->value.up.packets = 10;
		e->value.up.bytes = 1000 + i;
		e->value.down.packets = 20;
		e->value.down.bytes = 20000 + i;
		e->value.first_seen_ns = 1000 + i;
		e->value.last_seen_ns = 2000 + i;
	}
	history_harvest(db, &t, &r);
	printf("SQLite harvest of %zu flows, all new: %.0f ms\n", r.flows, r.ms);
	for (size_t i = 0; i < t.len; i++)
		t.items[i].value.down.bytes += 1500;
	history_harvest(db, &t, &r);
	printf("SQLite harvest of %zu flows, all changed: %.0f ms\n", r.flows, r.ms);
	history_harvest(db, &t, &r);
	printf("SQLite harvest of %zu flows, none changed: %.0f ms\n", r.flows, r.ms);
	db_close(db);
	free(t.items);
}

int main(void)
{
	char pin_dir[128], tmp[] = "/tmp/iotrim-bench-XXXXXX", db1[256], db2[256], cmd[512];
	int rc;

	if (geteuid() != 0) {
		printf("bench_attribution: needs root, skipped\n");
		return 0;
	}
	if (!mkdtemp(tmp))
		return 1;
	snprintf(pin_dir, sizeof(pin_dir), "/sys/fs/bpf/iotrim-bench-%d", getpid());
	snprintf(db1, sizeof(db1), "%s/names.db", tmp);
	snprintf(db2, sizeof(db2), "%s/harvest.db", tmp);
	if (mkdir(pin_dir, 0700) && errno != EEXIST) {
		perror(pin_dir);
		return 1;
	}
	rc = bench_names(pin_dir, db1);
	bench_harvest(db2);
	snprintf(cmd, sizeof(cmd), "rm -rf %s %s", pin_dir, tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s or %s\n", pin_dir, tmp);
	return rc;
}
