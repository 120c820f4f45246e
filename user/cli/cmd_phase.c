// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim phase`: lifecycle phase marks (history/phase.h), set live, imported
 * from a timestamp file, listed with the bytes of each interval.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "common/json.h"
#include "history/db.h"
#include "history/history.h"
#include "history/phase.h"

struct phase_opts {
	const char *db;
	const char *at;
	struct param_mac device;
	bool json;
};

static const char *phase_db(const struct phase_opts *o)
{
	return o->db ? o->db : db_path();
}

static int run_phase_mark(const void *opts, int argc, char **argv)
{
	const struct phase_opts *o = opts;
	const char *device = argv[0], *phase = argv[1];
	struct phase_marks marks = { 0 };
	struct phase_mark m = { 0 };
	uint8_t mac[6];
	sqlite3 *db;
	int err;

	(void)argc;
	if (!parse_mac(device, mac))
		return fail(EXIT_USAGE, "bad device MAC address '%s'", device);
	if (!phase_name_valid(phase))
		return fail(EXIT_USAGE, "unknown phase '%s' (setup, interaction, idle, deletion or none)",
			    phase);
	if (o->at && !parse_rfc3339(o->at, &m.at_ms))
		return fail(EXIT_USAGE, "bad time '%s' (RFC 3339, e.g. 2026-11-30T19:00:00Z)", o->at);
	format_mac(mac, m.mac);
	snprintf(m.phase, sizeof(m.phase), "%s", phase);
	if ((err = cli_db_open(phase_db(o), &db)))
		return err;
	if (o->at) {
		marks.items = &m;
		marks.len = 1;
		err = phase_store(db, &marks, "live");
	} else {
		err = history_mark_phase(db, &m);
	}
	db_close(db);
	if (err)
		return EXIT_FAILURE_RUNTIME;
	printf("%s: %s\n", m.mac, phase);
	return EXIT_OK;
}

int phase_marks_read(const char *file, struct phase_marks *marks)
{
	FILE *f;
	int err;

	if (!(f = fopen(file, "r")))
		return fail(EXIT_USAGE, "cannot read %s: %s", file, strerror(errno));
	err = phase_file_parse(f, file, marks);
	fclose(f);
	if (!err)
		return EXIT_OK;
	phase_marks_free(marks);
	if (err == -EINVAL)
		return fail(EXIT_USAGE, "%s: nothing imported", file);
	return fail(EXIT_FAILURE_RUNTIME, "reading %s failed: %s", file, strerror(-err));
}

int phase_marks_store(struct sqlite3 *db, const char *file, const struct phase_marks *marks)
{
	char source[280];

	snprintf(source, sizeof(source), "import:%s", file);
	return phase_store(db, marks, source) ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}

static int run_phase_import(const void *opts, int argc, char **argv)
{
	const struct phase_opts *o = opts;
	const char *file = argv[0];
	struct phase_marks marks = { 0 };
	sqlite3 *db;
	int err;

	(void)argc;
	if ((err = phase_marks_read(file, &marks)))
		return err;
	if ((err = cli_db_open(phase_db(o), &db))) {
		phase_marks_free(&marks);
		return err;
	}
	err = phase_marks_store(db, file, &marks);
	db_close(db);
	if (!err)
		printf("%zu phase mark%s imported\n", marks.len, marks.len == 1 ? "" : "s");
	phase_marks_free(&marks);
	return err;
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

static int run_phase_list(const void *opts, int argc, char **argv)
{
	const struct phase_opts *o = opts;
	struct list_ctx c = { .json = o->json };
	char only[MAC_STRLEN];
	sqlite3 *db;
	int err;

	(void)argc;
	(void)argv;
	if (o->device.set)
		format_mac(o->device.addr, only);
	if ((err = cli_db_open(phase_db(o), &db)))
		return err;
	if (o->json) {
		json_init(&c.j, stdout);
		json_array_begin(&c.j, NULL);
	} else {
		printf("%-17s  %-11s  %-24s  %-24s  %12s  %12s  %s\n", "DEVICE", "PHASE", "SINCE",
		       "UNTIL", "BYTES UP", "BYTES DOWN", "SOURCE");
	}
	err = phase_intervals(db, o->device.set ? only : NULL, list_one, &c);
	if (o->json) {
		json_array_end(&c.j);
		json_finish(&c.j);
	}
	db_close(db);
	return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}

#define PHASE_DB                                                                           \
	{ .name = "db", PARAM_STRING(struct phase_opts, db), .arg = "FILE",                    \
	  .help = "default $IOTRIM_DB or " IOTRIM_DEFAULT_DB }

static const struct command phase_mark_command = {
	.name = "mark",
	.doc = "Marks DEVICE's phase from now (or --at TIME) on: setup, interaction,\n"
	       "idle, deletion, or none to end phases.\n",
	.params = (const struct param[]){
		{ .name = "at", PARAM_STRING(struct phase_opts, at), .arg = "TIME",
		  .help = "the mark's time (RFC 3339, e.g. 2026-11-30T19:00:00Z; default now)" },
		PHASE_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct phase_opts),
	.args = "DEVICE setup|interaction|idle|deletion|none",
	.min_args = 2,
	.max_args = 2,
	.run = run_phase_mark,
};

static const struct command phase_import_command = {
	.name = "import",
	.doc = "Reads one 'RFC3339-TIME DEVICE-MAC PHASE' line each ('#' comments);\n"
	       "every malformed line is reported with its number and nothing is stored.\n"
	       "Bytes harvested before an imported mark stay where they are.\n",
	.params = (const struct param[]){
		PHASE_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct phase_opts),
	.args = "FILE",
	.min_args = 1,
	.max_args = 1,
	.run = run_phase_import,
};

static const struct command phase_list_command = {
	.name = "list",
	.doc = "Each mark's interval (phase, since, until) and its bytes.\n",
	.params = (const struct param[]){
		{ .name = "device", PARAM_MAC(struct phase_opts, device),
		  .help = "only this device" },
		{ .name = "json", PARAM_FLAG(struct phase_opts, json),
		  .help = "an array of objects: device_mac, phase, since, until (null while open), "
			  "source, bytes_up, bytes_down, packets_up, packets_down" },
		PHASE_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct phase_opts),
	.run = run_phase_list,
};

const struct command phase_command = {
	.name = "phase",
	.hint = "mark|import|list",
	.summary = "lifecycle phases of a device (setup, interaction, idle, deletion)",
	.doc = "Lifecycle phases (Jin et al.): from a mark on, a device's harvested bytes\n"
	       "count to that phase until its next mark ('none' ends phases).  Marking live\n"
	       "first harvests what the kernel counted so far (when iotrim is attached), so\n"
	       "those bytes stay with the phase before.\n",
	.epilogue = "iotrim phase COMMAND --help shows the options of each command.\n",
	.subcommands = (const struct command *const[]){
		&phase_mark_command, &phase_import_command, &phase_list_command, NULL,
	},
};
