// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * make bench: the cost of block rules.
 *  1. ns/packet of the XDP program (BPF_PROG_TEST_RUN) with 0, 100 and
 *     10 000 IP and prefix rules installed, for packets that pass (the
 *     common case: the trie is walked and nothing matches), one from a
 *     device without rules of its own, and one that a rule drops; the
 *     ratio is to the same packet through a second copy of the programs
 *     that never has a rule, measured alternately in the same run so that
 *     machine noise hits both alike.  Rules are
 *     spread over 40 devices and all devices, IPv4 /32 and /30 in the
 *     documentation ranges, IPv6 /48 and /128 in 2001:db8::/32; the
 *     measured device has its share of them around the address it sends to.
 *  2. The time from `iotrim block add` (the library call the command makes:
 *     database transaction, map writes) to the first packet dropped, median
 *     and p99 over 1000 adds; and for 100 of them the whole command, run as
 *     a process.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "iotrim_maps.h"
#include "enforce/block.h"
#include "iotrim_hash.h"
#include "bpf_fixture.h"
#include "history/db.h"
#include "packet.h"

#define REPEAT 1000000
#define ROUNDS 5
#define ADDS 1000
#define EXEC_ADDS 100
#define DEVICES 40

static struct bpf_fixture fx;		/* rules go here */
static struct bpf_fixture fx0;		/* the same programs, never a rule: the baseline */
static const __u8 device_mac[6] = { 0x02, 0, 0, 0, 0, 0x21 };
static const __u8 gateway_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 device_ip4[4] = { 192, 0, 2, 21 };
static const __u8 device_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x21 };

struct frame {
	const char *name;
	struct pkt pkt;
	__u32 len;
};

static __u32 build(struct pkt *p, int family, const __u8 *dst, bool tcp, __u32 size)
{
	struct pkt_ipv4 v4 = { .saddr = device_ip4, .daddr = dst };

	pkt_init(p);
	pkt_eth(p, gateway_mac, device_mac);
	if (family == 4)
		pkt_ipv4(p, &v4);
	else
		pkt_ipv6(p, device_ip6, dst);
	if (tcp)
		pkt_tcp(p, 40000, 443, 0);
	else
		pkt_udp(p, 40000, 5683);
	pkt_payload(p, NULL, size - p->len);
	return pkt_finish(p);
}

static double run_ns(const struct bpf_fixture *f, const struct frame *fr, __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = fr->pkt.data, .data_size_in = fr->len,
		    .repeat = REPEAT);

	if (bpf_prog_test_run_opts(fixture_prog_fd(f, FIXTURE_XDP), &opts)) {
		perror("bench: BPF_PROG_TEST_RUN");
		exit(1);
	}
	if (retval)
		*retval = opts.retval;
	return opts.duration;
}

static int compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Medians over ROUNDS of the frame with rules (fx) and without (fx0), alternating. */
static void measure(const struct frame *fr, double *with, double *without, __u32 *retval)
{
	double a[ROUNDS], b[ROUNDS];

	for (int r = 0; r < ROUNDS; r++) {
		a[r] = run_ns(&fx, fr, retval);
		b[r] = run_ns(&fx0, fr, NULL);
	}
	qsort(a, ROUNDS, sizeof(double), compare_double);
	qsort(b, ROUNDS, sizeof(double), compare_double);
	*with = a[ROUNDS / 2];
	*without = b[ROUNDS / 2];
}

/* Rule i of the benchmark's rule set, written straight into the maps. */
static void install_rule(unsigned i)
{
	static const __u8 nets[3][3] = { { 192, 0, 2 }, { 198, 51, 100 }, { 203, 0, 113 } };
	struct deny_key k = { 0 };
	struct deny_value v = { 0 };
	struct traffic_counter zeros[fx.nr_cpus];
	unsigned dev = i % (DEVICES + 1);	/* DEVICES: all devices */
	unsigned n = i / (DEVICES + 1);		/* rule number within its device */
	__u32 id = i + 1;

	if (dev < DEVICES) {
		memcpy(k.device_mac, device_mac, 6);
		k.device_mac[4] = dev >> 8;
		k.device_mac[5] = 0x21 + dev;
	}
	if (i % 4 == 3) {
		k.family = IOTRIM_FAMILY_IPV6;
		k.addr[0] = 0x20, k.addr[1] = 0x01, k.addr[2] = 0x0d, k.addr[3] = 0xb8;
		k.addr[4] = 0x10 + n % 200, k.addr[5] = n / 200 + 1;
		if (n % 2) {
			k.addr[15] = 1 + n % 250;
			k.prefixlen = IOTRIM_DENY_KEY_BITS + 128;
		} else {
			k.prefixlen = IOTRIM_DENY_KEY_BITS + 48;
		}
	} else {
		k.family = IOTRIM_FAMILY_IPV4;
		memcpy(k.addr, nets[n % 3], 3);
		k.addr[3] = 1 + (n / 3) % 240;		/* .241 .. .255 stay free */
		if (n % 10 == 9) {
			k.addr[3] &= 0xfc;
			k.prefixlen = IOTRIM_DENY_KEY_BITS + 30;
		} else {
			k.prefixlen = IOTRIM_DENY_KEY_BITS + 32;
		}
	}
	if (bpf_map_lookup_elem(bpf_map__fd(fx.xdp->maps.deny_ip), &k, &v)) {
		__u32 slot = iotrim_mac_slot(k.device_mac), cnt = 0;	/* as the controller does */

		bpf_map_lookup_elem(bpf_map__fd(fx.xdp->maps.deny_filter), &slot, &cnt);
		cnt++;
		bpf_map_update_elem(bpf_map__fd(fx.xdp->maps.deny_filter), &slot, &cnt, BPF_ANY);
	}
	v.prefixlen = k.prefixlen;
	if (v.count < IOTRIM_DENY_RULES_PER_PREFIX)
		v.rules[v.count++] = (struct deny_rule){ .id = id, .action = IOTRIM_DENY_DROP,
							   .proto = (n % 5 == 4) ? IPPROTO_UDP : 0 };
	bpf_map_update_elem(bpf_map__fd(fx.xdp->maps.deny_ip), &k, &v, BPF_ANY);
	memset(zeros, 0, sizeof(zeros));
	bpf_map_update_elem(bpf_map__fd(fx.xdp->maps.deny_hits), &id, zeros, BPF_ANY);
}

static void throughput(void)
{
	static const unsigned counts[] = { 0, 100, 10000 };
	const __u8 pass4[4] = { 203, 0, 113, 250 };
	const __u8 pass6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x10, 0x01, [15] = 0xfe };
	const __u8 drop4[4] = { 203, 0, 113, 1 };	/* rule 0: device 0, its first */
	struct frame f[4] = {
		{ .name = "pass 64B UDP/IPv4" },
		{ .name = "pass 1500B TCP/IPv6" },
		{ .name = "pass, device w/o rules" },
		{ .name = "drop 64B UDP/IPv4" },
	};
	unsigned installed = 0;

	f[0].len = build(&f[0].pkt, 4, pass4, false, 64);
	f[1].len = build(&f[1].pkt, 6, pass6, true, 1514);
	f[2].len = build(&f[2].pkt, 4, pass4, false, 64);
	f[2].pkt.data[11] = 0xee;	/* source MAC 02:00:00:00:00:ee: no rule of its own */
	f[3].len = build(&f[3].pkt, 4, drop4, false, 64);
	printf("XDP ns/packet with block rules installed vs none, BPF_PROG_TEST_RUN,\n"
	       "%d runs x %d rounds, alternating (median)\n", REPEAT, ROUNDS);
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		while (installed < counts[c])
			install_rule(installed++);
		for (int i = 0; i < 4; i++) {
			double with, without;
			__u32 ret = 0;

			measure(&f[i], &with, &without, &ret);
			printf("xdp  %-24s %5u rules %6.1f ns/pkt   0 rules %6.1f ns/pkt   ratio %.2f  (%s)\n",
			       f[i].name, counts[c], with, without, with / without,
			       ret == XDP_DROP ? "dropped" : ret == XDP_PASS ? "passed" : "?");
		}
	}
	fixture_clear_hash(bpf_map__fd(fx.xdp->maps.deny_ip), sizeof(struct deny_key));
	fixture_clear_hash(bpf_map__fd(fx.xdp->maps.deny_hits), sizeof(__u32));
	for (__u32 slot = 0, zero = 0; slot < IOTRIM_DENY_FILTER_SLOTS; slot++)
		bpf_map_update_elem(bpf_map__fd(fx.xdp->maps.deny_filter), &slot, &zero, BPF_ANY);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* Runs the frame until the program drops it; false after 10 000 tries. */
static bool first_drop(const struct pkt *p, __u32 len)
{
	for (int i = 0; i < 10000; i++) {
		__u32 ret = 0;

		fixture_run(&fx, FIXTURE_XDP, p->data, len, &ret);
		if (ret == XDP_DROP)
			return true;
	}
	return false;
}

static void report(const char *what, double *us, int n)
{
	qsort(us, n, sizeof(double), compare_double);
	printf("%-48s median %7.0f us   p99 %7.0f us   (%d adds)\n", what, us[n / 2],
	       us[(int)(n * 0.99)], n);
}

/* Target address of add i: 2001:db8:a:<i>::1, one new rule each time. */
static void add_target(int i, __u8 addr[16], char *text, size_t len)
{
	memset(addr, 0, 16);
	addr[0] = 0x20, addr[1] = 0x01, addr[2] = 0x0d, addr[3] = 0xb8, addr[5] = 0x0a;
	addr[6] = i >> 8, addr[7] = i & 0xff, addr[15] = 1;
	snprintf(text, len, "2001:db8:a:%x::1", i);
}

static int pin_maps(const char *dir)
{
	struct bpf_map *maps[] = { fx.xdp->maps.deny_ip, fx.xdp->maps.deny_names,
				   fx.xdp->maps.deny_hits, fx.xdp->maps.deny_filter,
				   fx.xdp->maps.devices, fx.xdp->maps.device_slots,
				   fx.xdp->maps.device_owners };
	char path[512];

	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, bpf_map__name(maps[i]));
		if (bpf_obj_pin(bpf_map__fd(maps[i]), path))
			return -1;
	}
	return 0;
}

static void unpin_maps(const char *dir)
{
	static const char *const names[] = { MAP_NAME(MAP_DENY_IP), MAP_NAME(MAP_DENY_NAMES),
					     MAP_NAME(MAP_DENY_HITS), MAP_NAME(MAP_DENY_FILTER),
					     MAP_NAME(MAP_DEVICES), MAP_NAME(MAP_DEVICE_SLOTS),
					     MAP_NAME(MAP_DEVICE_OWNERS) };
	char path[512];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void add_latency(void)
{
	char pins[64], dbdir[] = "/tmp/iotrim-bench-XXXXXX", dbpath[128], target[64];
	struct block_add_opts o = { .check_device = true, .bind_names = false };
	double lib_us[ADDS], exec_us[EXEC_ADDS];
	struct pkt p;
	sqlite3 *db;
	__u8 addr[16];
	int n_lib = 0, n_exec = 0;

	snprintf(pins, sizeof(pins), "/sys/fs/bpf/iotrim-bench-%d", getpid());
	if (!mkdtemp(dbdir) || mkdir(pins, 0700) || pin_maps(pins)) {
		fprintf(stderr, "bench: cannot set up the pin directory or database\n");
		unpin_maps(pins);
		return;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/iotrim.db", dbdir);
	setenv("IOTRIM_PIN_DIR", pins, 1);
	setenv("IOTRIM_DB", dbpath, 1);
	if (db_open(dbpath, &db)) {
		unpin_maps(pins);
		return;
	}
	/* The device must be known: one packet from it. */
	add_target(0xffff, addr, target, sizeof(target));
	build(&p, 6, addr, false, 100);
	first_drop(&p, p.len);

	for (int i = 0; i < ADDS + EXEC_ADDS; i++) {
		struct block_rule r = { .action = IOTRIM_DENY_DROP };
		char err[256];
		double t0;
		__u32 len;

		add_target(i, addr, target, sizeof(target));
		len = build(&p, 6, addr, false, 100);
		if (!block_parse_target(target, &r, err, sizeof(err)))
			break;
		memcpy(r.mac, device_mac, 6);
		t0 = now_us();
		if (i < ADDS) {
			if (block_add(db, &r, &o) != 0)
				break;
		} else {
			char cmd[256];

			snprintf(cmd, sizeof(cmd),
				 "build/iotrim block add --device 02:00:00:00:00:21 %s >/dev/null", target);
			if (system(cmd) != 0)
				break;
		}
		if (!first_drop(&p, len)) {
			fprintf(stderr, "bench: add %d never dropped\n", i);
			break;
		}
		if (i < ADDS)
			lib_us[n_lib++] = now_us() - t0;
		else
			exec_us[n_exec++] = now_us() - t0;
	}
	db_close(db);
	printf("\ntime from `block add` to the first dropped packet\n");
	if (n_lib)
		report("block_add() (database + maps), in process", lib_us, n_lib);
	if (n_exec)
		report("`iotrim block add` as a command", exec_us, n_exec);
	unpin_maps(pins);
	snprintf(dbpath, sizeof(dbpath), "rm -rf %s", dbdir);
	if (system(dbpath) != 0)
		fprintf(stderr, "bench: could not remove %s\n", dbdir);
}

int main(void)
{
	if (fixture_open(&fx) || fixture_open(&fx0)) {
		fprintf(stderr, "bench: cannot load iotrim's programs (root needed)\n");
		return 1;
	}
	throughput();
	add_latency();
	fixture_close(&fx0);
	fixture_close(&fx);
	return 0;
}
