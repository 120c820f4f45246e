// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim set`: run-time settings of the attached programs, in the pinned
 * "settings" map that both programs read on every payload packet, so a
 * change applies from the next packet on, without reloading anything.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "iotrim_maps.h"
#include "cli/commands.h"
#include "common/json.h"
#include "datapath/pin.h"

#define SAMPLE_FIRST_MAX 1000000
#define SAMPLE_EVERY_MAX 1000000

/* The settings in force: the stored ones once set, else the defaults. */
static struct iotrim_config effective(const struct iotrim_config *stored)
{
	struct iotrim_config c = *stored;

	if (!(stored->flags & IOTRIM_CONFIG_SET)) {
		c.sample_first = IOTRIM_DEFAULT_SAMPLE_FIRST;
		c.sample_every = IOTRIM_DEFAULT_SAMPLE_EVERY;
		c.sample_bytes = IOTRIM_DEFAULT_SAMPLE_BYTES;
	}
	return c;
}

static void print_settings(const struct iotrim_config *stored, bool json)
{
	struct iotrim_config c = effective(stored);
	bool defaults = !(stored->flags & IOTRIM_CONFIG_SET);
	struct json j;

	if (json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_u64(&j, "sample_first", c.sample_first);
		json_u64(&j, "sample_every", c.sample_every);
		json_u64(&j, "sample_bytes", c.sample_bytes);
		json_bool(&j, "defaults", defaults);
		json_object_end(&j);
		json_finish(&j);
		return;
	}
	printf("sample-first %u  sample-every %u  sample-bytes %u%s\n", c.sample_first,
	       c.sample_every, c.sample_bytes, defaults ? "  (defaults)" : "");
	if (!c.sample_first && !c.sample_every)
		printf("payload classification is off\n");
}

struct set_opts {
	struct param_u64 first, every, bytes;
	bool defaults, json;
};

static int run_set(const void *opts, int argc, char **argv)
{
	const struct set_opts *o = opts;
	struct iotrim_config stored = { 0 }, next;
	bool changes = o->first.set || o->every.set || o->bytes.set;
	__u32 zero = 0;
	int fd, err;

	(void)argc, (void)argv;
	if ((err = require_pin_access()))
		return datapath_exit(err);
	fd = open_pinned_map(MAP_NAME(MAP_SETTINGS));
	if (fd < 0) {
		if (errno == ENOENT)
			return fail(EXIT_NOT_ATTACHED,
				    "no iotrim settings under %s: run `iotrim attach --lan IFACE` first",
				    pin_dir());
		return fail(EXIT_FAILURE_RUNTIME, "cannot open pinned map %s/settings: %s",
			    pin_dir(), strerror(errno));
	}
	if (bpf_map_lookup_elem(fd, &zero, &stored)) {
		err = errno;
		close(fd);
		return fail(EXIT_FAILURE_RUNTIME, "reading the settings failed: %s", strerror(err));
	}
	if (o->defaults || changes) {
		if (o->defaults)
			stored.flags &= ~IOTRIM_CONFIG_SET;
		next = effective(&stored);
		if (o->first.set)
			next.sample_first = o->first.value;
		if (o->every.set)
			next.sample_every = o->every.value;
		if (o->bytes.set)
			next.sample_bytes = o->bytes.value;
		/* Only --defaults alone returns to "never set". */
		if (changes)
			next.flags |= IOTRIM_CONFIG_SET;
		if (bpf_map_update_elem(fd, &zero, &next, BPF_ANY)) {
			err = errno;
			close(fd);
			return fail(EXIT_FAILURE_RUNTIME, "writing the settings failed: %s",
				    strerror(err));
		}
		stored = next;
	}
	close(fd);
	print_settings(&stored, o->json);
	return EXIT_OK;
}

const struct command set_command = {
	.name = "set",
	.summary = "payload sampling settings (classification at run time)",
	.doc = "Changes how the attached programs sample payload for classification\n"
	       "(encrypted / text / compressed / media / unknown, see `iotrim flows`).\n"
	       "Changes apply from the next packet on; nothing is reloaded and no count\n"
	       "is lost.  With no option, shows the settings in force.\n",
	.params = (const struct param[]){
		{ .name = "sample-first", PARAM_U64(struct set_opts, first, 0, SAMPLE_FIRST_MAX),
		  .arg = "K",
		  .help = "classify the first K packets with payload of each flow direction "
			  "(default 8; 0 to 1000000)" },
		{ .name = "sample-every", PARAM_U64(struct set_opts, every, 0, SAMPLE_EVERY_MAX),
		  .help = "then one packet in N (default 64; 0 = none after the first K; "
			  "1 = every packet)" },
		{ .name = "sample-bytes",
		  PARAM_U64(struct set_opts, bytes, IOTRIM_SAMPLE_BYTES_MIN, IOTRIM_SAMPLE_BYTES_MAX),
		  .arg = "S",
		  .help = "payload bytes looked at per sampled packet, 32 to 1500 (default 1024)" },
		{ .name = "defaults", PARAM_FLAG(struct set_opts, defaults),
		  .help = "back to the defaults (before the options above)" },
		{ .name = "json", PARAM_FLAG(struct set_opts, json),
		  .help = "print the settings in force as an object: sample_first, sample_every, "
			  "sample_bytes, defaults (true while never set)" },
		{ NULL },
	},
	.opts_size = sizeof(struct set_opts),
	.epilogue = "--sample-first 0 --sample-every 0 turns classification off: only bytes and\n"
		    "packets are counted.  Settings stay pinned until `iotrim detach --purge`.\n",
	.run = run_set,
};
