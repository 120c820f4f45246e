// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim status`: where iotrim is attached, how full its maps are, errors. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "common/clock.h"
#include "datapath/attach.h"
#include "cli/commands.h"
#include "common/fmt.h"
#include "common/json.h"
#include "datapath/pin.h"
#include "datapath/table.h"
#include "history/db.h"
#include "history/retention.h"

struct status_opts {
	bool json;
	const char *db;
};

/* The database's size and oldest row, if there is one (never created here). */
static int read_db_stats(const char *path, struct db_stats *st)
{
	int err = history_db_stats(path, st);

	if (err && err != -ENOENT)
		warn("cannot read %s: %s", path, strerror(-err));
	return err;
}

static int run_status(const void *opts, int argc, char **argv)
{
	uint64_t counters[IOTRIM_COUNTER__COUNT];
	struct pinned_maps maps;
	struct attach_info info;
	const struct status_opts *o = opts;
	const char *db_file = o->db ? o->db : db_path();
	bool json = o->json, attached, have_db;
	struct db_stats dbs;
	char oldest[TIME_STRLEN];
	size_t flows, devices;
	char since[TIME_STRLEN];
	struct json j;
	int err;

	(void)argc, (void)argv;
	if ((err = open_all_maps(&maps)))
		return datapath_exit(err);
	attached = read_attach_info(maps.attachment, &info) && info.mode != IOTRIM_MODE_NONE;
	flows = map_fill(maps.flows);
	devices = map_fill(maps.devices.slots);
	err = read_counters(maps.counters, counters);
	if (err) {
		close_all_maps(&maps);
		return fail(EXIT_FAILURE_RUNTIME, "reading counters failed: %s", strerror(-err));
	}
	format_wall_time(boot_ns_to_wall_ns(info.attached_at_ns), since);
	have_db = read_db_stats(db_file, &dbs) == 0;
	if (have_db && dbs.oldest_ms)
		format_wall_time((uint64_t)dbs.oldest_ms * 1000000, oldest);

	if (json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_bool(&j, "attached", attached);
		json_string(&j, "pin_dir", pin_dir());
		if (attached) {
			json_string(&j, "interface", info.ifname);
			json_u64(&j, "ifindex", info.ifindex);
			json_string(&j, "mode", attach_mode_name(info.mode));
			json_string(&j, "reject_path", attach_reject_path(&info));
			json_u64(&j, "ingress_prog_id", info.ingress_prog_id);
			json_u64(&j, "egress_prog_id", info.egress_prog_id);
			json_string(&j, "attached_since", since);
		}
		json_object_begin(&j, "flows");
		json_u64(&j, "entries", flows);
		json_u64(&j, "capacity", map_capacity(maps.flows));
		json_object_end(&j);
		json_object_begin(&j, "devices");
		json_u64(&j, "entries", devices);
		json_u64(&j, "capacity", map_capacity(maps.devices.slots));
		json_object_end(&j);
		json_object_begin(&j, "database");
		json_string(&j, "path", db_file);
		json_bool(&j, "exists", have_db);
		if (have_db) {
			json_u64(&j, "bytes", dbs.bytes);
			json_u64(&j, "flow_rows", dbs.detail_rows);
			json_u64(&j, "daily_rows", dbs.daily_rows);
			json_string(&j, "oldest", dbs.oldest_ms ? oldest : NULL);
			json_u64(&j, "oldest_ms", dbs.oldest_ms);
		}
		json_object_end(&j);
		json_object_begin(&j, "counters");
		for (unsigned int i = 0; i < IOTRIM_COUNTER__COUNT; i++)
			json_u64(&j, counter_name(i), counters[i]);
		json_object_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else {
		if (attached)
			printf("attached:   %s (ifindex %u), %s mode, since %s\n"
			       "programs:   ingress id %u, egress id %u\n"
			       "reject:     %s\n",
			       info.ifname, info.ifindex, attach_mode_name(info.mode), since,
			       info.ingress_prog_id, info.egress_prog_id,
			       attach_reject_path(&info));
		else
			printf("attached:   no (pinned counts kept under %s)\n", pin_dir());
		printf("flows:      %zu of %u entries\n", flows, map_capacity(maps.flows));
		printf("devices:    %zu of %u entries\n", devices, map_capacity(maps.devices.slots));
		if (have_db)
			printf("database:   %s, %.1f MiB, %lld flow rows + %lld daily rows, oldest %s\n",
			       db_file, dbs.bytes / 1048576.0, (long long)dbs.detail_rows,
			       (long long)dbs.daily_rows, dbs.oldest_ms ? oldest : "none");
		else
			printf("database:   %s (none yet)\n", db_file);
		printf("not counted as a flow:\n");
		for (unsigned int i = 0; i < IOTRIM_COUNTER__COUNT; i++)
			printf("  %-28s %llu%s\n", counter_name(i), (unsigned long long)counters[i],
			       i < IOTRIM_ERR__COUNT ? "  (error)" : "");
	}
	close_all_maps(&maps);
	return EXIT_OK;
}

const struct command status_command = {
	.name = "status",
	.summary = "attachment, map fill, error counters",
	.doc = "Shows the attached interface, mode and program ids, how the reject action\n"
	       "answers (reject path: xdp_tx, xdp_tx_generic or tc_redirect), how full the\n"
	       "flow and device tables are, and the counters of packets not counted as a\n"
	       "flow (malformed or truncated frames by reason, non-IP frames, ...), and the\n"
	       "database's size, rows and oldest row (what retention keeps bounded).\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct status_opts, json),
		  .help = "an object: attached, pin_dir, interface, ifindex, mode, "
			  "ingress_prog_id, egress_prog_id, attached_since, flows and devices "
			  "(entries, capacity), database (path, exists, bytes, flow_rows, daily_rows, "
			  "oldest, oldest_ms), counters (each by name)" },
		{ .name = "db", PARAM_STRING(struct status_opts, db), .arg = "FILE",
		  .help = "SQLite database whose size and oldest row to show (default $IOTRIM_DB "
			  "or " IOTRIM_DEFAULT_DB "; read only)" },
		{ NULL },
	},
	.opts_size = sizeof(struct status_opts),
	.run = run_status,
};
