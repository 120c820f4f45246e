// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim run`: the long-running controller.  Attaches (or reuses a live
 * attachment), consumes the attribution ring buffer (names map, SQLite),
 * harvests the flow counters into SQLite every --interval seconds and once
 * more on SIGINT/SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
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

#include "common/clock.h"
#include "iotrim_maps.h"
#include "datapath/attach.h"
#include "cli/cli.h"
#include "history/db.h"
#include "common/fmt.h"
#include "history/history.h"
#include "history/name_store.h"
#include "attrib/names.h"
#include "attrib/party.h"
#include "datapath/pin.h"
#include "datapath/table.h"

static const char run_usage[] =
	"usage: iotrim run --lan IFACE [--interval SECONDS] [--grace SECONDS] [--db FILE]\n"
	"                  [--devices FILE] [--mode native|generic|tc] [--max-flows N]\n"
	"       iotrim run --no-attach [...]\n"
	"\n"
	"The controller: attaches to IFACE (or keeps iotrim's live attachment there),\n"
	"then names destinations from the DNS answers and TLS hellos the programs pass\n"
	"up (pinned map \"names\", SQLite), and harvests the flow counters into SQLite\n"
	"every interval and on exit (SIGINT, SIGTERM).  Counting goes on without it;\n"
	"a restarted controller continues where the last harvest stopped.\n"
	"\n"
	"  --lan IFACE        the gateway's LAN interface\n"
	"  --no-attach        use the pinned maps as they are (attached elsewhere, tests)\n"
	"  --interval SECS    harvest period (default 10)\n"
	"  --grace SECS       a name stays in the names map TTL + SECS (default 300)\n"
	"  --db FILE          SQLite database (default $IOTRIM_DB or " IOTRIM_DEFAULT_DB ")\n"
	"  --devices FILE     device names and vendors (default " IOTRIM_DEFAULT_DEVICES_CONF ")\n"
	"  --duration SECS    stop by itself after SECS (tests)\n"
	"  --mode, --max-flows  as for `iotrim attach`\n";

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
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return fail(EXIT_FAILURE_RUNTIME, "cannot create %s: %s", path, strerror(errno));
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
	unsigned interval, grace, duration;
	const char *db, *devices;
};

static int run_loop(const struct run_opts *o)
{
	struct ring_buffer *rb = NULL;
	struct device_config conf = { 0 };
	struct harvest_result hr;
	struct name_store store;
	struct attrib a;
	sqlite3 *db = NULL;
	int events_fd = -1, names_fd = -1, flows_fd = -1, devices_fd = -1, lock_fd = -1;
	double start, last_flush, last_harvest, last_expire;
	int err;

	if ((err = device_config_load(o->devices, &conf)))
		return load_exit_code(err);
	if ((err = take_lock(o->db, &lock_fd)))
		goto out;
	if ((err = cli_db_open(o->db, &db)))
		goto out;
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
	history_update_devices(db, devices_fd, &conf);
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
			history_update_devices(db, devices_fd, &conf);
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
	history_update_devices(db, devices_fd, &conf);
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
	if (db)
		db_close(db);
	if (lock_fd >= 0)
		close(lock_fd);
	device_config_free(&conf);
	return err;
}

static bool parse_mode(const char *s, enum iotrim_attach_mode *mode)
{
	if (!strcmp(s, "native"))
		*mode = IOTRIM_MODE_NATIVE;
	else if (!strcmp(s, "generic"))
		*mode = IOTRIM_MODE_GENERIC;
	else if (!strcmp(s, "tc"))
		*mode = IOTRIM_MODE_TC;
	else
		return false;
	return true;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lan", required_argument, NULL, 'l' },
		{ "no-attach", no_argument, NULL, 'A' },
		{ "interval", required_argument, NULL, 'i' },
		{ "grace", required_argument, NULL, 'g' },
		{ "db", required_argument, NULL, 'D' },
		{ "devices", required_argument, NULL, 'c' },
		{ "duration", required_argument, NULL, 't' },
		{ "mode", required_argument, NULL, 'm' },
		{ "max-flows", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct run_opts o = { .interval = 10, .grace = IOTRIM_DEFAULT_GRACE_S };
	unsigned long long n;
	int c, err;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': o.req.ifname = optarg; break;
		case 'A': o.no_attach = true; break;
		case 'i':
			if (!parse_u64(optarg, 1, 86400, &n))
				return fail(EXIT_USAGE, "--interval takes 1 to 86400 seconds, not '%s'", optarg);
			o.interval = n;
			break;
		case 'g':
			if (!parse_u64(optarg, 0, 30 * 86400, &n))
				return fail(EXIT_USAGE, "--grace takes 0 to 2592000 seconds, not '%s'", optarg);
			o.grace = n;
			break;
		case 'D': o.db = optarg; break;
		case 'c': o.devices = optarg; break;
		case 't':
			if (!parse_u64(optarg, 1, 1ULL << 31, &n))
				return fail(EXIT_USAGE, "--duration takes seconds, not '%s'", optarg);
			o.duration = n;
			break;
		case 'm':
			if (!parse_mode(optarg, &o.req.mode))
				return fail(EXIT_USAGE, "--mode must be native, generic or tc, not '%s'", optarg);
			break;
		case 'n':
			if (!parse_u64(optarg, 1024, 1 << 24, &n))
				return fail(EXIT_USAGE, "--max-flows must be a number from 1024 to 16777216, not '%s'",
					    optarg);
			o.req.max_flows = n;
			break;
		case 'h': fputs(run_usage, stdout); return EXIT_OK;
		default: fputs(run_usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s' (see iotrim run --help)", argv[optind]);
	if (!o.req.ifname && !o.no_attach)
		return fail(EXIT_USAGE, "run needs --lan IFACE (or --no-attach)");
	if (!o.db)
		o.db = db_path();
	if ((err = require_root()))
		return datapath_exit(err);
	if (!o.no_attach && !attached_to(o.req.ifname) && (err = attach_and_report(&o.req)))
		return err;
	return run_loop(&o);
}
