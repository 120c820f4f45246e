// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The pinned settings map: see settings.h. */
#include <errno.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "iotrim_maps.h"
#include "datapath/pin.h"
#include "datapath/settings.h"

struct iotrim_config settings_effective(const struct iotrim_config *stored)
{
	struct iotrim_config c = *stored;

	if (!(stored->flags & IOTRIM_CONFIG_SET)) {
		c.sample_first = IOTRIM_DEFAULT_SAMPLE_FIRST;
		c.sample_every = IOTRIM_DEFAULT_SAMPLE_EVERY;
		c.sample_bytes = IOTRIM_DEFAULT_SAMPLE_BYTES;
	}
	return c;
}

static int lookup(int fd, struct iotrim_config *stored)
{
	__u32 zero = 0;

	*stored = (struct iotrim_config){ 0 };
	return bpf_map_lookup_elem(fd, &zero, stored) ? -errno : 0;
}

int settings_read(struct iotrim_config *stored)
{
	int fd = open_pinned_map(MAP_NAME(MAP_SETTINGS)), err;

	if (fd < 0)
		return -errno;
	err = lookup(fd, stored);
	close(fd);
	return err;
}

int settings_change(const struct sampling_change *ch, struct iotrim_config *stored)
{
	bool changes = ch->first_set || ch->every_set || ch->bytes_set;
	int fd = open_pinned_map(MAP_NAME(MAP_SETTINGS)), err;
	struct iotrim_config next;
	__u32 zero = 0;

	if (fd < 0)
		return -errno;
	if ((err = lookup(fd, stored)) || (!ch->defaults && !changes))
		goto out;
	if (ch->defaults)
		stored->flags &= ~IOTRIM_CONFIG_SET;
	next = settings_effective(stored);
	if (ch->first_set)
		next.sample_first = ch->first;
	if (ch->every_set)
		next.sample_every = ch->every;
	if (ch->bytes_set)
		next.sample_bytes = ch->bytes;
	if (changes)
		next.flags |= IOTRIM_CONFIG_SET;
	if (bpf_map_update_elem(fd, &zero, &next, BPF_ANY))
		err = -errno;
	else
		*stored = next;
out:
	close(fd);
	return err;
}
