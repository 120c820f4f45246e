// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Devices aged out of the kernel's devices table (history/device_aging.c):
 * on device maps made like the programs' (needs root for the maps), a
 * device silent past the idle time leaves the table with its totals summed
 * over the CPUs into the history's devices row, twice over, and its slot is
 * freed (next generation, totals zeroed); a device heard within the idle
 * time stays; idle 0 ages nothing.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "history/db.h"
#include "history/device_aging.h"
#include "iotrim.h"

#define S 1000000000ULL

static char dir[] = "/tmp/iotrim-aging-test-XXXXXX";
static int ncpus;
static struct device_maps maps = { .slots = -1, .owners = -1, .totals = -1 };
static sqlite3 *db;

/*
 * Device 02:00:00:00:00:<last> in slot <last>, as the programs claim one;
 * its value on every CPU: bytes_up on each, last_seen on CPU 0 only.
 */
static int put(__u8 last, __u64 bytes_up, __u64 last_seen_ns)
{
	size_t stride = (sizeof(struct device_value) + 7) & ~(size_t)7;
	char *vals = calloc(ncpus, stride);
	struct device_key k = { .mac = { 2, 0, 0, 0, 0, last } };
	struct device_owner *o = &maps.owner[last];
	__u32 slot = last;
	int err;

	o->state = (o->state & ~3ull) | IOTRIM_SLOT_USED;
	memcpy(o->mac, k.mac, 6);
	for (int c = 0; c < ncpus; c++) {
		struct device_value *v = (struct device_value *)(vals + c * stride);

		v->up.bytes = bytes_up;
		v->up.packets = 1;
		v->first_seen_ns = c ? 0 : S;
		v->last_seen_ns = c ? 0 : last_seen_ns;
	}
	err = bpf_map_update_elem(maps.totals, &slot, vals, BPF_ANY) ||
	      bpf_map_update_elem(maps.slots, &k, &slot, BPF_NOEXIST);
	free(vals);
	return err;
}

static bool present(__u8 last)
{
	struct device_key k = { .mac = { 2, 0, 0, 0, 0, last } };
	__u32 slot;

	return bpf_map_lookup_elem(maps.slots, &k, &slot) == 0;
}

/* The slot is free for the next owner: next generation, no MAC, totals zero on every CPU. */
static bool slot_free(__u32 slot, __u64 generation)
{
	size_t stride = (sizeof(struct device_value) + 7) & ~(size_t)7;
	char *vals = calloc(ncpus, stride);
	const struct device_owner *o = &maps.owner[slot];
	bool zero = bpf_map_lookup_elem(maps.totals, &slot, vals) == 0;

	for (size_t i = 0; zero && i < ncpus * stride; i++)
		zero = !vals[i];
	free(vals);
	return zero && o->state == generation << 2 && !o->mac[0] && !o->mac[5];
}

static long long aged(const char *col, const char *mac)
{
	char sql[200];
	sqlite3_stmt *st;
	long long v = -1;

	snprintf(sql, sizeof(sql), "SELECT %s FROM devices WHERE mac = '%s'", col, mac);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

TEST(silent_devices_move_into_the_history)
{
	const __u64 now = 10000 * S;

	ASSERT(put(0x21, 100, now - 700 * S) == 0 && put(0x22, 50, now - 10 * S) == 0, "fill");
	EXPECT(history_age_devices(db, &maps, 0, now) == 0 && present(0x21), "idle 0: never");
	EXPECT(history_age_devices(db, &maps, 600, now) == 1, "one device aged");
	EXPECT(!present(0x21) && present(0x22), "the silent one left, the other stayed");
	EXPECT(slot_free(0x21, 1), "its slot is free, generation 1 (state %llu)",
	       (unsigned long long)maps.owner[0x21].state);
	EXPECT(maps.owner[0x22].state == IOTRIM_SLOT_USED, "the other slot is untouched");
	EXPECT(aged("aged_bytes_up", "02:00:00:00:00:21") == 100LL * ncpus,
	       "its bytes summed over %d CPUs: %lld", ncpus,
	       aged("aged_bytes_up", "02:00:00:00:00:21"));
	EXPECT(aged("aged_packets_up", "02:00:00:00:00:21") == ncpus, "packets");
	/* it comes back, talks, goes silent again: added, not replaced */
	ASSERT(put(0x21, 7, now - 601 * S) == 0, "again");
	EXPECT(history_age_devices(db, &maps, 600, now) == 1, "aged again");
	EXPECT(slot_free(0x21, 2), "free again, generation 2");
	EXPECT(aged("aged_bytes_up", "02:00:00:00:00:21") == 107LL * ncpus &&
	       aged("aged_times", "02:00:00:00:00:21") == 2, "totals add up: %lld",
	       aged("aged_bytes_up", "02:00:00:00:00:21"));
	EXPECT(aged("aged_bytes_up", "02:00:00:00:00:22") == -1, "the talking one has no aged row");
}

/* The three maps as bpf/maps.h declares them. */
static int make_maps(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, mappable, .map_flags = BPF_F_MMAPABLE);
	int slots = bpf_map_create(BPF_MAP_TYPE_HASH, "aging_slots", sizeof(struct device_key),
				   sizeof(__u32), IOTRIM_MAX_DEVICES, NULL);
	int owners = bpf_map_create(BPF_MAP_TYPE_ARRAY, "aging_owners", sizeof(__u32),
				    sizeof(struct device_owner), IOTRIM_MAX_DEVICES, &mappable);
	int totals = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "aging_totals", sizeof(__u32),
				    sizeof(struct device_value), IOTRIM_MAX_DEVICES, NULL);
	int err = device_maps_from_fds(&maps, slots, owners, totals);

	close(slots);
	close(owners);
	close(totals);
	return err;
}

int main(void)
{
	char path[300];

	if (geteuid() != 0) {
		printf("1..0 # SKIP creating a BPF map needs root\n");
		return 0;
	}
	ncpus = libbpf_num_possible_cpus();
	if (make_maps() || !mkdtemp(dir)) {
		printf("Bail out! no map or directory\n");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/iotrim.db", dir);
	if (db_open(path, &db)) {
		printf("Bail out! no database\n");
		return 1;
	}
	RUN(silent_devices_move_into_the_history);
	db_close(db);
	device_maps_close(&maps);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return harness_done();
}
