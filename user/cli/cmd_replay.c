// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim replay`: capture files through the real programs and attribution. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "common/fmt.h"
#include "datapath/pin.h"
#include "history/db.h"
#include "history/phase.h"
#include "replay/replay.h"

#define REPLAY_DEFAULT_DB "iotrim-replay.db"

static void on_progress(void *ctx, const char *file, const struct replay_stats *st,
			double seconds)
{
	(void)ctx;
	fprintf(stderr, "replay: %s: %llu packets, %llu bytes, %.0f packets/s\n", file,
		(unsigned long long)st->frames, (unsigned long long)st->bytes,
		seconds > 0 ? st->frames / seconds : 0);
}

struct replay_cli_opts {
	const char *db, *phases;
	struct param_mac lan_mac;
	struct device_side devices;
	bool payload, json;
};

/* --devices MAC,MAC,...: up to SIDE_MAX_DEVICES. */
static int parse_devices(const struct param *p, const char *arg, void *field)
{
	struct device_side *s = field;
	char list[SIDE_MAX_DEVICES * 18 + 1];

	(void)p;
	s->ndevices = 0;
	if (strlen(arg) >= sizeof(list))
		goto bad;
	snprintf(list, sizeof(list), "%s", arg);
	for (char *save, *m = strtok_r(list, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
		if (s->ndevices == SIDE_MAX_DEVICES || !parse_mac(m, s->devices[s->ndevices]))
			goto bad;
		s->ndevices++;
	}
	if (s->ndevices > 0)
		return EXIT_OK;
bad:
	return fail(EXIT_USAGE, "--devices takes up to %d MACs separated by commas",
		    SIDE_MAX_DEVICES);
}

static int cmp_ms(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The marks' times, ascending: the replay harvests at each of them. */
static int64_t *mark_times(const struct phase_marks *m)
{
	int64_t *t = calloc(m->len ? m->len : 1, sizeof(*t));

	if (!t)
		return NULL;
	for (size_t i = 0; i < m->len; i++)
		t[i] = m->items[i].at_ms;
	qsort(t, m->len, sizeof(*t), cmp_ms);
	return t;
}

static void print_summary(FILE *out, const struct replay_result *r, const char *db)
{
	const struct replay_stats *st = &r->st;
	char first[TIME_STRLEN] = "-", last[TIME_STRLEN] = "-";
	uint64_t nproblems = 0;

	if (st->frames) {
		format_wall_time(st->first_ns, first);
		format_wall_time(st->last_ns, last);
	}
	fprintf(out, "replayed %llu frames (%llu bytes) of %u file%s in %.2f s (%.0f frames/s), capture time %s .. %s\n",
		(unsigned long long)st->frames, (unsigned long long)st->bytes, st->files_read,
		st->files_read == 1 ? "" : "s", st->seconds,
		st->seconds > 0 ? st->frames / st->seconds : 0, first, last);
	fprintf(out, "  %llu up through XDP, %llu down through TC egress, %llu not for the gateway\n",
		(unsigned long long)st->up, (unsigned long long)st->down,
		(unsigned long long)st->not_seen);
	fprintf(out, "  %llu events: %llu DNS answers, %llu TLS hellos; history in %s\n",
		(unsigned long long)st->events, (unsigned long long)st->dns_answers,
		(unsigned long long)st->tls_hellos, db);
	for (int i = 0; i < CAPTURE_PROBLEM__COUNT; i++)
		nproblems += st->problems[i];
	nproblems += st->too_big + st->run_failed;
	fprintf(out, "  problems: %llu\n", (unsigned long long)nproblems);
	for (int i = 0; i < CAPTURE_PROBLEM__COUNT; i++)
		if (st->problems[i])
			fprintf(out, "    %s: %llu\n", capture_problem_name(i),
				(unsigned long long)st->problems[i]);
	if (st->cut_payload_bytes)
		fprintf(out, "    bytes of cut frames not in the capture (payload ignored): %llu\n",
			(unsigned long long)st->cut_payload_bytes);
	if (st->too_big)
		fprintf(out, "    frames too big for BPF_PROG_TEST_RUN: %llu\n",
			(unsigned long long)st->too_big);
	if (st->run_failed)
		fprintf(out, "    frames BPF_PROG_TEST_RUN failed on: %llu\n",
			(unsigned long long)st->run_failed);
	for (unsigned i = 0; i < IOTRIM_COUNTER__COUNT; i++)
		if (st->kernel[i])
			fprintf(out, "  programs: %s %llu\n", counter_name(i),
				(unsigned long long)st->kernel[i]);
}

static int run_replay(const void *opts, int argc, char **argv)
{
	const struct replay_cli_opts *c = opts;
	struct replay_opts o = { .progress = on_progress };
	struct replay_result r;
	struct phase_marks marks = { 0 };
	int64_t *cuts = NULL;
	const char *db_file = c->db;
	bool json = c->json, payload = c->payload;
	sqlite3 *db = NULL;
	int err;

	if (c->lan_mac.set && c->devices.ndevices)
		return fail(EXIT_USAGE, "give --lan-mac or --devices, not both");
	if (c->lan_mac.set) {
		memcpy(o.side.gateway, c->lan_mac.addr, sizeof(o.side.gateway));
		o.side.mode = SIDE_GATEWAY;
	} else if (c->devices.ndevices) {
		memcpy(o.side.devices, c->devices.devices, sizeof(o.side.devices));
		o.side.ndevices = c->devices.ndevices;
		o.side.mode = SIDE_DEVICES;
	}
	o.files = argv;
	o.nfiles = argc;
	if (!db_file)
		db_file = getenv("IOTRIM_DB") ? getenv("IOTRIM_DB") : REPLAY_DEFAULT_DB;
	if ((err = require_root()))
		return datapath_exit(err);
	if (c->phases && (err = phase_marks_read(c->phases, &marks)))
		return err;
	if (c->phases && !(cuts = mark_times(&marks))) {
		phase_marks_free(&marks);
		return fail(EXIT_FAILURE_RUNTIME, "out of memory");
	}
	o.harvest_at_ms = cuts;
	o.nharvest_at = marks.len;
	if ((err = cli_db_open(db_file, &db)) ||
	    (c->phases && (err = phase_marks_store(db, c->phases, &marks)))) {
		if (db)
			db_close(db);
		phase_marks_free(&marks);
		free(cuts);
		return err;
	}
	o.db = db;
	err = replay_run(&o, &r);
	phase_marks_free(&marks);
	free(cuts);
	if (err) {
		replay_result_free(&r);
		db_close(db);
		return err == -ENOENT && o.side.mode == SIDE_INFER ? EXIT_USAGE : EXIT_FAILURE_RUNTIME;
	}
	if (r.side.inferred[0])
		notice("%s", r.side.inferred);
	if (flows_print(&r.snap, NULL, json, payload)) {
		replay_result_free(&r);
		db_close(db);
		return fail(EXIT_FAILURE_RUNTIME, "out of memory");
	}
	print_summary(json ? stderr : stdout, &r, db_file);
	replay_result_free(&r);
	db_close(db);
	if (!r.st.files_read)
		return fail(EXIT_FAILURE_RUNTIME, "no capture file could be read");
	return EXIT_OK;
}

const struct command replay_command = {
	.name = "replay",
	.hint = "FILE...",
	.summary = "capture files through the same programs and attribution",
	.doc = "Drives every frame of pcap or pcapng captures (Ethernet with VLAN tags, Linux\n"
	       "cooked v1/v2, raw IP) through iotrim's own BPF programs with BPF_PROG_TEST_RUN:\n"
	       "frames from a device through the XDP (upload) program, frames to a device\n"
	       "through the TC egress (download) program.  They are loaded unpinned and not\n"
	       "attached: a live iotrim is not touched.  DNS answers and TLS hellos name the\n"
	       "destinations as in `iotrim run`; the history goes into the database with\n"
	       "capture times (read it with `iotrim destinations --db FILE`, `iotrim export\n"
	       "--db FILE`).  Several files are replayed in capture time order.  Prints the\n"
	       "flows as `iotrim flows` does, then a summary.\n"
	       "\n"
	       "Which side is the device: --devices, else --lan-mac, else inferred: the MAC\n"
	       "that sent the most DNS answers is the gateway, or if none did, the MAC that\n"
	       "sent from the most IP addresses (said on stderr).  Cooked captures say which\n"
	       "way a frame went; in raw IP captures the device has the private or link-local\n"
	       "address.  Problems in the files (truncated, corrupt, unknown link type, cut\n"
	       "frames) are said once each and counted; what was read before them counts.\n"
	       "\n"
	       "--phases FILE imports lifecycle phase marks (as `iotrim phase import`) before\n"
	       "the replay and harvests at each mark, so every byte lands in the phase in\n"
	       "force at its capture time (`iotrim report --phase`, `iotrim phase list`).\n",
	.params = (const struct param[]){
		{ .name = "db", PARAM_STRING(struct replay_cli_opts, db), .arg = "FILE",
		  .help = "SQLite database (default $IOTRIM_DB, else ./" REPLAY_DEFAULT_DB ")" },
		{ .name = "lan-mac", PARAM_MAC(struct replay_cli_opts, lan_mac),
		  .help = "the gateway's LAN MAC: every other MAC is a device" },
		{ .name = "devices", PARAM_CUSTOM(struct replay_cli_opts, devices, parse_devices),
		  .arg = "MAC,...", .help = "the devices' MACs (up to 64)" },
		{ .name = "phases", PARAM_STRING(struct replay_cli_opts, phases), .arg = "FILE",
		  .help = "phase marks (\"RFC3339-TIME MAC PHASE\" lines) for the capture's "
			  "times" },
		{ .name = "payload", PARAM_FLAG(struct replay_cli_opts, payload),
		  .help = "below each flow, the sampled payload bytes by class" },
		{ .name = "json", PARAM_FLAG(struct replay_cli_opts, json),
		  .help = "the flows as `iotrim flows --json` (capture times); the summary goes "
			  "to stderr" },
		{ NULL },
	},
	.opts_size = sizeof(struct replay_cli_opts),
	.args = "FILE...",
	.min_args = 1,
	.max_args = -1,
	.args_missing = "replay needs a capture FILE (see iotrim replay --help)",
	.run = run_replay,
};
