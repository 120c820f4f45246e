// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim run`: the long-running controller.  Attaches (or reuses a live
 * attachment), consumes the attribution ring buffer (names map, SQLite),
 * harvests the flow counters into SQLite every --interval seconds and once
 * more on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/safefile.h"
#include "common/clock.h"
#include "iotrim_maps.h"
#include "datapath/attach.h"
#include "cli/commands.h"
#include "history/device_aging.h"
#include "history/db.h"
#include "common/fmt.h"
#include "history/history.h"
#include "history/name_store.h"
#include "attrib/names.h"
#include "attrib/party.h"
#include "datapath/pin.h"
#include "datapath/table.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int on_event(void *ctx, void *data, size_t size)
{
	attrib_handle(ctx, data, size);
	return 0;
}

/* Attached to ifname by iotrim and live? */
static bool attached_to(const char *ifname)
{
	struct attach_info info;
	int fd = open_pinned_map(MAP_NAME(MAP_ATTACHMENT));
	bool ok = false;

	if (fd < 0)
		return false;
	if (read_attach_info(fd, &info) && info.mode != IOTRIM_MODE_NONE &&
	    (int)info.ifindex == (int)if_nametoindex(ifname) && info.egress_prog_id) {
		int prog = bpf_prog_get_fd_by_id(info.egress_prog_id);

		ok = prog >= 0;
		if (prog >= 0)
			close(prog);
	}
	close(fd);
	return ok;
}

/* One controller per database: a second would double the event handling. */
static int take_lock(const char *db_file, int *fd_out)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s.run.lock", db_file);
	fd = safe_open_lock(path);
	if (fd < 0)
		return fail(EXIT_FAILURE_RUNTIME, "cannot create %s: %s", path, strerror(-fd));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return fail(EXIT_CONFLICT, "another `iotrim run` uses %s already", db_file);
	}
	*fd_out = fd;
	return EXIT_OK;
}

struct run_opts {
	struct attach_request req;
	bool no_attach;
	unsigned interval, grace, duration, device_idle;
	const char *db, *devices;
};

/* What the controller needs before it touches the interface: everything
 * that can fail on a new machine or a busy database fails before attach. */
struct run_state {
	struct device_config conf;
	sqlite3 *db;
	int lock_fd;
};

static void run_state_close(struct run_state *st)
{
	if (st->db)
		db_close(st->db);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	device_config_free(&st->conf);
}

/* Device config, then the database (which creates the state directory),
 * then the one-controller lock beside it. */
static int run_state_open(const struct run_opts *o, struct run_state *st)
{
	int err;

	memset(st, 0, sizeof(*st));
	st->lock_fd = -1;
	if ((err = device_config_load(o->devices, &st->conf)))
		return load_exit_code(err);
	if ((err = cli_db_open(o->db, &st->db)) || (err = take_lock(o->db, &st->lock_fd)))
		run_state_close(st);
	return err;
}

static int run_loop(const struct run_opts *o, struct run_state *st)
{
	struct ring_buffer *rb = NULL;
	struct device_config *conf = &st->conf;
	struct harvest_result hr;
	struct name_store store;
	struct attrib a;
	sqlite3 *db = st->db;
	int events_fd = -1, names_fd = -1, flows_fd = -1, devices_fd = -1;
	double start, last_flush, last_harvest, last_expire;
	int err;

	events_fd = open_pinned_map(MAP_NAME(MAP_EVENTS));
	names_fd = open_pinned_map(MAP_NAME(MAP_NAMES));
	flows_fd = open_pinned_map(MAP_NAME(MAP_FLOWS));
	devices_fd = open_pinned_map(MAP_NAME(MAP_DEVICES));
	if (events_fd < 0 || names_fd < 0 || flows_fd < 0 || devices_fd < 0) {
		err = fail(errno == ENOENT ? EXIT_NOT_ATTACHED : EXIT_FAILURE_RUNTIME,
			   "cannot open the pinned maps under %s (%s): attach first, or re-attach to pin the attribution maps",
			   pin_dir(), strerror(errno));
		goto out;
	}
	if (name_store_open(&store, db)) {
		err = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	attrib_init(&a, &store.sink, names_fd, o->grace);
	rb = ring_buffer__new(events_fd, on_event, &a, NULL);
	if (!rb) {
		err = fail(EXIT_FAILURE_RUNTIME, "cannot read the events ring buffer: %s",
			   strerror(errno));
		name_store_close(&store);
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	/*
	 * Harvest first: whatever the last controller left is taken now, after
	 * the names that waited in the ring buffer, so that bytes counted after
	 * them are theirs (names by time).
	 */
	ring_buffer__consume(rb);
	attrib_flush(&a);
	history_harvest_map(db, flows_fd, &hr);
	history_update_devices(db, devices_fd, conf);
	printf("collecting: names and history into %s (harvest every %u s); stop with Ctrl-C\n",
	       o->db, o->interval);
	fflush(stdout);

	start = last_flush = last_harvest = last_expire = clock_mono_s();
	while (!stop_requested) {
		double now;
		int n = ring_buffer__poll(rb, 100);

		if (n < 0 && n != -EINTR) {
			warn("reading the events ring buffer failed: %s", strerror(-n));
			break;
		}
		now = clock_mono_s();
		if (a.pending >= 512 || (a.pending && now - last_flush >= 0.2) ||
		    now - last_flush >= 5) {
			attrib_flush(&a);
			last_flush = now;
		}
		if (now - last_harvest >= o->interval) {
			ring_buffer__consume(rb);
			attrib_flush(&a);
			if (history_harvest_map(db, flows_fd, &hr) == 0 && verbose)
				notice("harvest: %zu flows, %zu changed, %zu restarted, %.1f ms",
				       hr.flows, hr.changed, hr.restarted, hr.ms);
			history_update_devices(db, devices_fd, conf);
			/* after the harvest: the aged devices' flows are in the history */
			if (history_age_devices(db, devices_fd, o->device_idle, clock_boot_ns()) > 0 &&
			    verbose)
				notice("aged silent devices out of the devices table");
			last_harvest = now;
		}
		if (now - last_expire >= 30) {
			attrib_expire_names(&a);
			last_expire = now;
		}
		if (o->duration && now - start >= o->duration)
			break;
	}
	ring_buffer__consume(rb);
	attrib_flush(&a);
	err = history_harvest_map(db, flows_fd, &hr) ? EXIT_FAILURE_RUNTIME : EXIT_OK;
	history_update_devices(db, devices_fd, conf);
	if (verbose)
		notice("stopped: %llu events (%llu DNS answers, %llu malformed DNS, %llu TLS hellos, %llu malformed TLS)",
		       (unsigned long long)a.st.events, (unsigned long long)a.st.dns_responses,
		       (unsigned long long)(a.st.dns_malformed + a.st.dns_truncated),
		       (unsigned long long)(a.st.tls_client_hellos + a.st.tls_server_hellos),
		       (unsigned long long)(a.st.tls_malformed + a.st.tls_truncated));
	name_store_close(&store);
out:
	ring_buffer__free(rb);
	if (events_fd >= 0)
		close(events_fd);
	if (names_fd >= 0)
		close(names_fd);
	if (flows_fd >= 0)
		close(flows_fd);
	if (devices_fd >= 0)
		close(devices_fd);
	return err;
}

struct run_params {
	const char *lan, *db, *devices;
	bool no_attach;
	struct param_u64 interval, grace, duration, device_idle;
	struct attach_params attach;
};

static int run_run(const void *opts, int argc, char **argv)
{
	const struct run_params *p = opts;
	struct run_opts o = {
		.req = { .ifname = p->lan },
		.no_attach = p->no_attach,
		.interval = p->interval.value,
		.grace = p->grace.value,
		.duration = p->duration.value,
		.device_idle = p->device_idle.value,
		.db = p->db ? p->db : db_path(),
		.devices = p->devices,
	};
	struct run_state st;
	int err;

	(void)argc, (void)argv;
	attach_params_apply(&p->attach, &o.req);
	if (!o.req.ifname && !o.no_attach)
		return fail(EXIT_USAGE, "run needs --lan IFACE (or --no-attach)");
	if ((err = require_pin_access()))
		return datapath_exit(err);
	if ((err = run_state_open(&o, &st)))
		return err;
	if (o.no_attach || attached_to(o.req.ifname) || !(err = attach_and_report(&o.req)))
		err = run_loop(&o, &st);
	run_state_close(&st);
	return err;
}

const struct command run_command = {
	.name = "run",
	.hint = "--lan IFACE",
	.summary = "the controller: attach, name destinations, keep history",
	.doc = "The controller: attaches to IFACE (or keeps iotrim's live attachment there),\n"
	       "then names destinations from the DNS answers and TLS hellos the programs pass\n"
	       "up (pinned map \"names\", SQLite), and harvests the flow counters into SQLite\n"
	       "every interval and on exit (SIGINT, SIGTERM).  Counting goes on without it;\n"
	       "a restarted controller continues where the last harvest stopped.\n",
	.params = (const struct param[]){
		{ .name = "lan", PARAM_STRING(struct run_params, lan), .arg = "IFACE",
		  .help = "the gateway's LAN interface" },
		{ .name = "no-attach", PARAM_FLAG(struct run_params, no_attach),
		  .help = "use the pinned maps as they are (attached elsewhere, tests)" },
		{ .name = "interval", PARAM_U64(struct run_params, interval, 1, 86400), .arg = "SECS",
		  .expect = "takes 1 to 86400 seconds", .help = "harvest period (default 10)" },
		{ .name = "grace", PARAM_U64(struct run_params, grace, 0, 30 * 86400), .arg = "SECS",
		  .expect = "takes 0 to 2592000 seconds",
		  .help = "a name stays in the names map TTL + SECS (default 300)" },
		{ .name = "device-idle", PARAM_U64(struct run_params, device_idle, 0, 30 * 86400),
		  .arg = "SECS", .expect = "takes 0 to 2592000 seconds",
		  .help = "move devices silent for SECS out of the devices table into the history"
			  " (default 600; 0 never)" },
		{ .name = "db", PARAM_STRING(struct run_params, db), .arg = "FILE",
		  .help = "SQLite database (default $IOTRIM_DB or " IOTRIM_DEFAULT_DB ")" },
		{ .name = "devices", PARAM_STRING(struct run_params, devices), .arg = "FILE",
		  .help = "device names and vendors (default " IOTRIM_DEFAULT_DEVICES_CONF ")" },
		{ .name = "duration", PARAM_U64(struct run_params, duration, 1, 1ULL << 31),
		  .arg = "SECS", .expect = "takes seconds",
		  .help = "stop by itself after SECS (tests)" },
		ATTACH_PARAMS(struct run_params, attach),
		{ NULL },
	},
	.opts_size = sizeof(struct run_params),
	.defaults = &(const struct run_params){
		.interval = { .value = 10 },
		.grace = { .value = IOTRIM_DEFAULT_GRACE_S },
		.device_idle = { .value = DEVICE_IDLE_DEFAULT_S },
	},
	.run = run_run,
};
