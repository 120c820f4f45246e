// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim phase`: lifecycle phase marks (history/phase.h), set live, imported
 * from a timestamp file, listed with the bytes of each interval.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "iotrim_maps.h"
#include "cli/cli.h"
#include "common/clock.h"
#include "common/json.h"
#include "datapath/pin.h"
#include "history/db.h"
#include "history/history.h"
#include "history/phase.h"

static const char phase_usage[] =
	"usage: iotrim phase DEVICE setup|interaction|idle|deletion|none [--at TIME] [--db FILE]\n"
	"       iotrim phase import FILE [--db FILE]\n"
	"       iotrim phase list [--device MAC] [--json] [--db FILE]\n"
	"\n"
	"Lifecycle phases (Jin et al.): from a mark on, a device's harvested bytes\n"
	"count to that phase until its next mark ('none' ends phases).  Marking live\n"
	"first harvests what the kernel counted so far (when iotrim is attached), so\n"
	"those bytes stay with the phase before.\n"
	"\n"
	"  --at TIME       the mark's time (RFC 3339, e.g. 2026-11-30T19:00:00Z; default now)\n"
	"  import FILE     one 'RFC3339-TIME DEVICE-MAC PHASE' line each ('#' comments);\n"
	"                  every malformed line is reported with its number and nothing\n"
	"                  is stored; bytes harvested before an imported mark stay where\n"
	"                  they are\n"
	"  list            each mark's interval (phase, since, until) and its bytes\n"
	"  --device MAC    only this device\n"
	"  --json          an array of objects: device_mac, phase, since, until (null\n"
	"                  while open), source, bytes_up, bytes_down, packets_up,\n"
	"                  packets_down\n"
	"  --db FILE       default $IOTRIM_DB or " IOTRIM_DEFAULT_DB "\n";

struct phase_opts {
	const char *db;
	const char *at;
	const char *device;
	bool json;
};

/* Options after the positional arguments: EXIT_OK, an exit code, or -1 after --help. */
static int parse_opts(int argc, char **argv, struct phase_opts *o)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "at", required_argument, NULL, 'a' },
		{ "device", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'D': o->db = optarg; break;
		case 'a': o->at = optarg; break;
		case 'd': o->device = optarg; break;
		case 'j': o->json = true; break;
		case 'h': fputs(phase_usage, stdout); return -1;
		default: fputs(phase_usage, stderr); return EXIT_USAGE;
		}
	}
	o->db = env_or(o->db, "IOTRIM_DB", IOTRIM_DEFAULT_DB);
	return EXIT_OK;
}

/* What the kernel counted so far goes to the phase before the new mark. */
static void harvest_before_mark(sqlite3 *db)
{
	struct harvest_result hr;
	int fd;

	if (geteuid() != 0 || (fd = open_pinned_map(MAP_NAME(MAP_FLOWS))) < 0)
		return;
	history_harvest_map(db, fd, &hr);
	close(fd);
}

static int mark(const char *device, const char *phase, const struct phase_opts *o)
{
	struct phase_marks marks = { 0 };
	struct phase_mark m = { 0 };
	uint8_t mac[6];
	sqlite3 *db;
	int err;

	if (!parse_mac(device, mac))
		return fail(EXIT_USAGE, "bad device MAC address '%s'", device);
	if (!phase_name_valid(phase))
		return fail(EXIT_USAGE, "unknown phase '%s' (setup, interaction, idle, deletion or none)",
			    phase);
	if (o->at && !parse_rfc3339(o->at, &m.at_ms))
		return fail(EXIT_USAGE, "bad time '%s' (RFC 3339, e.g. 2026-11-30T19:00:00Z)", o->at);
	format_mac(mac, m.mac);
	snprintf(m.phase, sizeof(m.phase), "%s", phase);
	if ((err = cli_db_open(o->db, &db)))
		return err;
	if (!o->at) {
		harvest_before_mark(db);
		m.at_ms = clock_wall_ms();
	}
	marks.items = &m;
	marks.len = 1;
	err = phase_store(db, &marks, "live");
	db_close(db);
	if (err)
		return EXIT_FAILURE_RUNTIME;
	printf("%s: %s\n", m.mac, phase);
	return EXIT_OK;
}

static int import(const char *file, const struct phase_opts *o)
{
	struct phase_marks marks = { 0 };
	char source[280];
	sqlite3 *db;
	FILE *f;
	int err;

	if (!(f = fopen(file, "r")))
		return fail(EXIT_USAGE, "cannot read %s: %s", file, strerror(errno));
	err = phase_file_parse(f, file, &marks);
	fclose(f);
	if (err) {
		phase_marks_free(&marks);
		if (err == -EINVAL)
			return fail(EXIT_USAGE, "%s: nothing imported", file);
		return fail(EXIT_FAILURE_RUNTIME, "reading %s failed: %s", file, strerror(-err));
	}
	if ((err = cli_db_open(o->db, &db))) {
		phase_marks_free(&marks);
		return err;
	}
	snprintf(source, sizeof(source), "import:%s", file);
	err = phase_store(db, &marks, source);
	db_close(db);
	if (!err)
		printf("%zu phase mark%s imported\n", marks.len, marks.len == 1 ? "" : "s");
	phase_marks_free(&marks);
	return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}

struct list_ctx {
	struct json j;
	bool json;
};

static void ms_text(int64_t ms, char out[TIME_STRLEN])
{
	format_wall_time((uint64_t)ms * 1000000ULL, out);
}

static void list_one(void *arg, const struct phase_interval *iv)
{
	struct list_ctx *c = arg;
	char since[TIME_STRLEN], until[TIME_STRLEN];

	ms_text(iv->since_ms, since);
	if (iv->until_ms)
		ms_text(iv->until_ms, until);
	if (!c->json) {
		printf("%-17s  %-11s  %-24s  %-24s  %12llu  %12llu  %s\n", iv->mac, iv->phase, since,
		       iv->until_ms ? until : "-", (unsigned long long)iv->bytes_up,
		       (unsigned long long)iv->bytes_down, iv->source);
		return;
	}
	json_object_begin(&c->j, NULL);
	json_string(&c->j, "device_mac", iv->mac);
	json_string(&c->j, "phase", iv->phase);
	json_string(&c->j, "since", since);
	json_string(&c->j, "until", iv->until_ms ? until : NULL);
	json_string(&c->j, "source", iv->source);
	json_u64(&c->j, "bytes_up", iv->bytes_up);
	json_u64(&c->j, "bytes_down", iv->bytes_down);
	json_u64(&c->j, "packets_up", iv->packets_up);
	json_u64(&c->j, "packets_down", iv->packets_down);
	json_object_end(&c->j);
}

static int list(const struct phase_opts *o)
{
	struct list_ctx c = { .json = o->json };
	char only[MAC_STRLEN];
	uint8_t mac[6];
	sqlite3 *db;
	int err;

	if (o->device) {
		if (!parse_mac(o->device, mac))
			return fail(EXIT_USAGE, "bad device MAC address '%s'", o->device);
		format_mac(mac, only);
	}
	if ((err = cli_db_open(o->db, &db)))
		return err;
	if (o->json) {
		json_init(&c.j, stdout);
		json_array_begin(&c.j, NULL);
	} else {
		printf("%-17s  %-11s  %-24s  %-24s  %12s  %12s  %s\n", "DEVICE", "PHASE", "SINCE",
		       "UNTIL", "BYTES UP", "BYTES DOWN", "SOURCE");
	}
	err = phase_intervals(db, o->device ? only : NULL, list_one, &c);
	if (o->json) {
		json_array_end(&c.j);
		json_finish(&c.j);
	}
	db_close(db);
	return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}

int cmd_phase(int argc, char **argv)
{
	struct phase_opts o;
	const char *pos[2];
	int npos = 0, rc;

	/* Positional arguments first, then options (GNU getopt permutes them). */
	if ((rc = parse_opts(argc, argv, &o)))
		return rc < 0 ? EXIT_OK : rc;
	while (optind < argc && npos < 2)
		pos[npos++] = argv[optind++];
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s' (see iotrim phase --help)",
			    argv[optind]);
	if (npos == 1 && !strcmp(pos[0], "list"))
		return list(&o);
	if (npos == 2 && !strcmp(pos[0], "import"))
		return import(pos[1], &o);
	if (npos == 2)
		return mark(pos[0], pos[1], &o);
	fputs(phase_usage, stderr);
	return EXIT_USAGE;
}
