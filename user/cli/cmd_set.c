// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim set`: run-time settings of the attached programs, in the pinned
 * "settings" map that both programs read on every payload packet, so a
 * change applies from the next packet on, without reloading anything.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "iotrim_maps.h"
#include "cli/cli.h"
#include "common/json.h"
#include "datapath/pin.h"

#define SAMPLE_FIRST_MAX 1000000
#define SAMPLE_EVERY_MAX 1000000

static const char set_usage[] =
	"usage: iotrim set [--sample-first K] [--sample-every N] [--sample-bytes S]\n"
	"                  [--defaults] [--json]\n"
	"\n"
	"Changes how the attached programs sample payload for classification\n"
	"(encrypted / text / compressed / media / unknown, see `iotrim flows`).\n"
	"Changes apply from the next packet on; nothing is reloaded and no count\n"
	"is lost.  With no option, shows the settings in force.\n"
	"\n"
	"  --sample-first K   classify the first K packets with payload of each flow\n"
	"                     direction (default 8; 0 to 1000000)\n"
	"  --sample-every N   then one packet in N (default 64; 0 = none after the\n"
	"                     first K; 1 = every packet)\n"
	"  --sample-bytes S   payload bytes looked at per sampled packet, 32 to 1500\n"
	"                     (default 1024)\n"
	"  --defaults         back to the defaults (before the options above)\n"
	"  --json             print the settings in force as an object: sample_first,\n"
	"                     sample_every, sample_bytes, defaults (true while never set)\n"
	"\n"
	"--sample-first 0 --sample-every 0 turns classification off: only bytes and\n"
	"packets are counted.  Settings stay pinned until `iotrim detach --purge`.\n";

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

int cmd_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sample-first", required_argument, NULL, 'k' },
		{ "sample-every", required_argument, NULL, 'n' },
		{ "sample-bytes", required_argument, NULL, 's' },
		{ "defaults", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long long first = -1, every = -1, bytes = -1;
	struct iotrim_config stored = { 0 }, next;
	bool json = false, defaults = false;
	unsigned long long v;
	__u32 zero = 0;
	int c, fd, err;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (!parse_u64(optarg, 0, SAMPLE_FIRST_MAX, &v))
				return fail(EXIT_USAGE,
					    "--sample-first must be a number from 0 to %d, not '%s'",
					    SAMPLE_FIRST_MAX, optarg);
			first = v;
			break;
		case 'n':
			if (!parse_u64(optarg, 0, SAMPLE_EVERY_MAX, &v))
				return fail(EXIT_USAGE,
					    "--sample-every must be a number from 0 to %d, not '%s'",
					    SAMPLE_EVERY_MAX, optarg);
			every = v;
			break;
		case 's':
			if (!parse_u64(optarg, IOTRIM_SAMPLE_BYTES_MIN, IOTRIM_SAMPLE_BYTES_MAX, &v))
				return fail(EXIT_USAGE,
					    "--sample-bytes must be a number from %d to %d, not '%s'",
					    IOTRIM_SAMPLE_BYTES_MIN, IOTRIM_SAMPLE_BYTES_MAX, optarg);
			bytes = v;
			break;
		case 'd': defaults = true; break;
		case 'j': json = true; break;
		case 'h': fputs(set_usage, stdout); return EXIT_OK;
		default: fputs(set_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s' (see iotrim set --help)",
			    argv[optind]);
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
	if (defaults || first >= 0 || every >= 0 || bytes >= 0) {
		if (defaults)
			stored.flags &= ~IOTRIM_CONFIG_SET;
		next = effective(&stored);
		if (first >= 0)
			next.sample_first = first;
		if (every >= 0)
			next.sample_every = every;
		if (bytes >= 0)
			next.sample_bytes = bytes;
		/* Only --defaults alone returns to "never set". */
		if (first >= 0 || every >= 0 || bytes >= 0)
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
	print_settings(&stored, json);
	return EXIT_OK;
}
