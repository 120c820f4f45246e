// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim set`: run-time settings of the attached programs, in the pinned
 * "settings" map that both programs read on every payload packet, so a
 * change applies from the next packet on, without reloading anything.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/json.h"
#include "datapath/pin.h"
#include "datapath/settings.h"

static void print_settings(const struct iotrim_config *stored, bool json)
{
	struct iotrim_config c = settings_effective(stored);
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
	struct sampling_change change = {
		.defaults = o->defaults,
		.first_set = o->first.set, .first = o->first.value,
		.every_set = o->every.set, .every = o->every.value,
		.bytes_set = o->bytes.set, .bytes = o->bytes.value,
	};
	struct iotrim_config stored;
	int err;

	(void)argc, (void)argv;
	if ((err = require_pin_access()))
		return datapath_exit(err);
	if ((err = settings_change(&change, &stored))) {
		if (err == -ENOENT)
			return fail(EXIT_NOT_ATTACHED,
				    "no iotrim settings under %s: run `iotrim attach --lan IFACE` first",
				    pin_dir());
		return fail(EXIT_FAILURE_RUNTIME, "the settings map under %s: %s", pin_dir(),
			    strerror(-err));
	}
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
