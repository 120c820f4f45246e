// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The "audit_plain" map: see plain_map.h. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "audit/plain_map.h"
#include "common/clock.h"
#include "datapath/pin.h"
#include "iotrim.h"
#include "iotrim_maps.h"

int plain_map_open(void)
{
	int fd = open_pinned_map(MAP_NAME(MAP_AUDIT_PLAIN));

	return fd < 0 ? -errno : fd;
}

static struct device_key key_of(const uint8_t mac[6])
{
	struct device_key k;

	memset(&k, 0, sizeof(k));
	memcpy(k.mac, mac, 6);
	return k;
}

int plain_map_lease(int fd, const uint8_t mac[6], uint64_t lease_ns)
{
	struct device_key k = key_of(mac);
	struct audit_plain_value v = { .expires_ns = clock_boot_ns() + lease_ns };

	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
}

int plain_map_stop(int fd, const uint8_t mac[6])
{
	struct device_key k = key_of(mac);

	if (bpf_map_delete_elem(fd, &k) && errno != ENOENT)
		return -errno;
	return 0;
}

int plain_map_delete_expired(int fd)
{
	struct device_key key, next, gone[IOTRIM_MAX_AUDITED];
	struct audit_plain_value v;
	uint64_t now = clock_boot_ns();
	void *prev = NULL;
	int n = 0;

	/* The map holds at most IOTRIM_MAX_AUDITED entries: one walk, then delete. */
	while (n < IOTRIM_MAX_AUDITED && bpf_map_get_next_key(fd, prev, &next) == 0) {
		if (bpf_map_lookup_elem(fd, &next, &v) == 0 && v.expires_ns <= now)
			gone[n++] = next;
		key = next;
		prev = &key;
	}
	for (int i = 0; i < n; i++)
		if (bpf_map_delete_elem(fd, &gone[i]) && errno != ENOENT)
			return -errno;
	return n;
}
