// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim run`: the long-running controller.  Attaches (or reuses a live
 * attachment), consumes the attribution ring buffer (names map, SQLite),
 * harvests the flow counters into SQLite every --interval seconds and once
 * more on SIGINT/SIGTERM, applies the retention, and on SIGHUP reads its
 * config file again (cli/run.h).
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
#include "cli/config.h"
#include "cli/run.h"
#include "history/device_aging.h"
#include "history/db.h"
#include "common/fmt.h"
#include "history/history.h"
#include "history/name_store.h"
#include "attrib/names.h"
#include "attrib/party.h"
#include "audit/plain_sample.h"
#include "datapath/error.h"
#include "datapath/pin.h"
#include "datapath/settings.h"
#include "datapath/table.h"
#include "web/server.h"
#include "exporter/exporter.h"

static volatile sig_atomic_t stop_requested, reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

/* Where the ring buffer's records go: names, or the plaintext audit. */
struct run_events {
	struct attrib *attrib;
	struct plain_sampler *plain;
};

static int on_event(void *ctx, void *data, size_t size)
{
	const struct run_events *e = ctx;
	const struct iotrim_event *ev = data;

	if (size >= sizeof(*ev) && ev->kind == IOTRIM_EV_PLAIN_SAMPLE)
		plain_sampler_handle(e->plain, data, size);
	else
		attrib_handle(e->attrib, data, size);
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

bool run_active(const char *db_file)
{
	char path[4096];
	bool active;
	int fd;

	snprintf(path, sizeof(path), "%s.run.lock", db_file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	active = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
	close(fd);
	return active;
}

struct run_opts {
	struct attach_request req;
	bool no_attach;
	unsigned duration;
	const char *db;
	struct run_live live;	/* what SIGHUP may change */
	struct exporter_opts ex;
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
	if ((err = device_config_load(o->live.devices, &st->conf)))
		return load_exit_code(err);
	if ((err = cli_db_open(o->db, &st->db)) || (err = take_lock(o->db, &st->lock_fd)))
		run_state_close(st);
	return err;
}

/* A harvest; its deltas and the controller's counters go to the exporters. */
static int harvest(sqlite3 *db, int flows_fd, struct exporters *ex, const struct attrib *a,
		   struct harvest_result *hr)
{
	int err = history_harvest_map_to(db, flows_fd, exporters_sink(ex), hr);

	exporters_harvested(ex, err, hr, &a->st);
	return err;
}

static int run_loop(struct run_opts *o, struct run_state *st, struct run_reload *rl)
{
	struct ring_buffer *rb = NULL;
	struct device_config *conf = &st->conf;
	struct harvest_result hr;
	struct exporters ex;
	struct name_store store;
	struct attrib a;
	struct plain_sampler plain;
	struct run_events events = { .attrib = &a, .plain = &plain };
	sqlite3 *db = st->db;
	int events_fd = -1, names_fd = -1, flows_fd = -1, devices_err;
	struct device_maps devices;
	double start, last_flush, last_harvest, last_expire, last_retention;
	int err;

	events_fd = open_pinned_map(MAP_NAME(MAP_EVENTS));
	names_fd = open_pinned_map(MAP_NAME(MAP_NAMES));
	flows_fd = open_pinned_map(MAP_NAME(MAP_FLOWS));
	devices_err = device_maps_open(&devices);
	if (devices_err == -DP_PINS_DIFFER) {
		err = fail(EXIT_CONFLICT, "the pinned device maps are of another build");
		goto out;
	}
	if (events_fd < 0 || names_fd < 0 || flows_fd < 0 || devices_err) {
		if (devices_err)
			errno = -devices_err;
		err = fail(errno == ENOENT ? EXIT_NOT_ATTACHED : EXIT_FAILURE_RUNTIME,
			   "cannot open the pinned maps under %s (%s): attach first, or re-attach to pin the attribution maps",
			   pin_dir(), strerror(errno));
		goto out;
	}
	if (name_store_open(&store, db)) {
		err = EXIT_FAILURE_RUNTIME;
		goto out;
	}
	attrib_init(&a, &store.sink, names_fd, o->live.grace);
	if (plain_sampler_init(&plain, db, names_fd)) {
		err = fail(EXIT_FAILURE_RUNTIME, "cannot read the plaintext audit's key from %s",
			   o->db);
		attrib_close(&a);
		name_store_close(&store);
		goto out;
	}
	rb = ring_buffer__new(events_fd, on_event, &events, NULL);
	if (!rb) {
		err = fail(EXIT_FAILURE_RUNTIME, "cannot read the events ring buffer: %s",
			   strerror(errno));
		name_store_close(&store);
		goto out;
	}
	if (exporters_open(&ex, &o->ex, db)) {
		err = fail(EXIT_FAILURE_RUNTIME, "cannot start the exporters");
		name_store_close(&store);
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	run_apply_sampling(&o->live, NULL);
	/*
	 * Harvest first: whatever the last controller left is taken now, after
	 * the names that waited in the ring buffer, so that bytes counted after
	 * them are theirs (names by time).
	 */
	ring_buffer__consume(rb);
	attrib_flush(&a);
	harvest(db, flows_fd, &ex, &a, &hr);
	history_update_devices(db, &devices, conf);
	printf("collecting: names and history into %s (harvest every %u s); stop with Ctrl-C\n",
	       o->db, o->live.interval);
	fflush(stdout);

	start = last_flush = last_harvest = last_expire = clock_mono_s();
	last_retention = start - RUN_RETENTION_PERIOD_S;	/* once at the start */
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
		if (reload_requested) {
			reload_requested = 0;
			if (run_reload(rl, &o->live, conf) == 0)
				a.grace_ns = (uint64_t)o->live.grace * 1000000000ULL;
			last_retention = now - RUN_RETENTION_PERIOD_S;
		}
		if (now - last_harvest >= o->live.interval) {
			ring_buffer__consume(rb);
			attrib_flush(&a);
			if (harvest(db, flows_fd, &ex, &a, &hr) == 0 && verbose)
				notice("harvest: %zu flows, %zu changed, %zu restarted, %.1f ms",
				       hr.flows, hr.changed, hr.restarted, hr.ms);
			history_update_devices(db, &devices, conf);
			/* after the harvest: the aged devices' flows are in the history */
			if (history_age_devices(db, &devices, o->live.device_idle, clock_boot_ns()) > 0 &&
			    verbose)
				notice("aged silent devices out of the devices table");
			last_harvest = now;
		}
		if (now - last_expire >= 30) {
			attrib_expire_names(&a);
			last_expire = now;
		}
		if (now - last_retention >= RUN_RETENTION_PERIOD_S) {
			run_retention(db, &o->live.retention, flows_fd);
			last_retention = now;
		}
		if (o->duration && now - start >= o->duration)
			break;
	}
	ring_buffer__consume(rb);
	attrib_flush(&a);
	err = harvest(db, flows_fd, &ex, &a, &hr) ? EXIT_FAILURE_RUNTIME : EXIT_OK;
	exporters_close(&ex);
	history_update_devices(db, &devices, conf);
	if (verbose)
		notice("stopped: %llu events (%llu DNS answers, %llu malformed DNS, %llu TLS hellos, %llu malformed TLS)",
		       (unsigned long long)a.st.events, (unsigned long long)a.st.dns_responses,
		       (unsigned long long)(a.st.dns_malformed + a.st.dns_truncated),
		       (unsigned long long)(a.st.tls_client_hellos + a.st.tls_server_hellos),
		       (unsigned long long)(a.st.tls_malformed + a.st.tls_truncated));
	if (verbose && plain.st.samples)
		notice("plaintext audit: %llu samples (%llu bad, %llu of no running audit), %llu findings, %llu not stored",
		       (unsigned long long)plain.st.samples, (unsigned long long)plain.st.bad,
		       (unsigned long long)plain.st.unaudited, (unsigned long long)plain.st.findings,
		       (unsigned long long)plain.st.failed);
	attrib_close(&a);
	name_store_close(&store);
out:
	ring_buffer__free(rb);
	if (events_fd >= 0)
		close(events_fd);
	if (names_fd >= 0)
		close(names_fd);
	if (flows_fd >= 0)
		close(flows_fd);
	device_maps_close(&devices);
	return err;
}

static int run_run(const void *opts, int argc, char **argv)
{
	const struct run_params *given = opts;
	struct run_params p = *given;
	struct run_reload rl;
	struct run_opts o;
	struct sockaddr_storage addr;
	struct run_state st;
	socklen_t alen;
	int err;

	(void)argc, (void)argv;
	/* A reload asked for while starting waits for the loop (not the default: exit). */
	signal(SIGHUP, on_signal);
	/* The config file fills what the command line left unset. */
	if (config_load(&run_command, given->config, &p, &rl.first)) {
		config_print_errors(&rl.first);
		config_free(&rl.first);
		return EXIT_USAGE;
	}
	rl.current = &rl.first;
	rl.later = (struct config){ 0 };
	o = (struct run_opts){
		.req = { .ifname = p.lan },
		.no_attach = p.no_attach,
		.duration = p.duration.value,
		.db = p.db ? p.db : db_path(),
	};
	o.ex = (struct exporter_opts){
		.metrics_listen = p.metrics_listen,
		.metrics_top = (unsigned)p.metrics_top.value,
		.ipfix_collector = p.ipfix_collector,
		.ipfix_transport = p.ipfix_transport,
	};
	run_live_from(&p, &o.live);
	if (p.metrics_listen && exporter_address(p.metrics_listen, SOCK_STREAM, &addr, &alen) == -EINVAL)
		return fail(EXIT_USAGE, "--metrics-listen takes ADDR:PORT or [IPv6]:PORT, not '%s'",
			    p.metrics_listen);
	if (p.ipfix_collector && exporter_address(p.ipfix_collector, SOCK_DGRAM, &addr, &alen) == -EINVAL)
		return fail(EXIT_USAGE, "--ipfix-collector takes HOST:PORT or [IPv6]:PORT, not '%s'",
			    p.ipfix_collector);
	attach_params_apply(&p.attach, &o.req);
	if (!o.req.ifname && !o.no_attach)
		err = fail(EXIT_USAGE, "run needs --lan IFACE, or lan in [iotrim] of %s (or --no-attach)",
			   rl.first.path);
	else if ((err = require_pin_access()))
		err = datapath_exit(err);
	else if (!(err = run_state_open(&o, &st))) {
		/* The dashboard answers from its own thread and database connections. */
		struct web_options web = { .listen = p.web_listen, .db = o.db };
		struct web_server *server = NULL;

		if (p.web_listen)
			err = web_exit_code(web_server_start(&web, &server));
		if (!err && (o.no_attach || attached_to(o.req.ifname) ||
			     !(err = attach_and_report(&o.req))))
			err = run_loop(&o, &st, &rl);
		web_server_stop(server);
		run_state_close(&st);
	}
	config_free(&rl.later);
	config_free(&rl.first);
	return err;
}

static const struct param_word transport_words[] = {
	{ "udp", IPFIX_UDP },
	{ "tcp", IPFIX_TCP },
	{ NULL },
};

const struct command run_command = {
	.name = "run",
	.hint = "--lan IFACE",
	.summary = "the controller: attach, name destinations, keep history",
	.doc = "The controller: attaches to IFACE (or keeps iotrim's live attachment there),\n"
	       "then names destinations from the DNS answers and TLS hellos the programs pass\n"
	       "up (pinned map \"names\", SQLite), scans the text samples of devices under\n"
	       "`iotrim audit plaintext`, and harvests the flow counters into SQLite\n"
	       "every interval and on exit (SIGINT, SIGTERM).  Counting goes on without it;\n"
	       "a restarted controller continues where the last harvest stopped.\n"
	       "\n"
	       "Options not on the command line come from the config file (--config, default\n"
	       IOTRIM_DEFAULT_CONFIG " if it exists): [iotrim] KEY is --KEY, [SECTION] KEY\n"
	       "is --SECTION-KEY; [iotrim] database is --db, [sampling] first, every, bytes are\n"
	       "--sample-first, --sample-every, --sample-bytes.  SIGHUP reads it again and\n"
	       "applies sampling, interval, grace, retention and devices; other changes are\n"
	       "logged as needing a restart.\n"
	       "\n"
	       "With --metrics-listen it serves Prometheus metrics, with --ipfix-collector it\n"
	       "sends each harvest's per-flow deltas as IPFIX; a collector that is down never\n"
	       "holds up counting or the harvest.\n",
	.params = (const struct param[]){
		{ .name = "config", PARAM_STRING(struct run_params, config), .arg = "FILE",
		  .help = "config file (default " IOTRIM_DEFAULT_CONFIG " if it exists; "
			  "/dev/null for none)" },
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
		{ .name = "web-listen", PARAM_STRING(struct run_params, web_listen),
		  .arg = "ADDR:PORT", .help = "also serve the dashboard there (see iotrim serve)" },
		{ .name = "metrics-listen", PARAM_STRING(struct run_params, metrics_listen),
		  .arg = "ADDR:PORT", .help = "serve Prometheus metrics on http://ADDR:PORT/metrics" },
		{ .name = "metrics-top", PARAM_U64(struct run_params, metrics_top, 1, METRICS_MAX_TOP),
		  .arg = "N", .expect = "takes 1 to 1000",
		  .help = "destination series per device; the rest is one \"other\" series (default 20)" },
		{ .name = "ipfix-collector", PARAM_STRING(struct run_params, ipfix_collector),
		  .arg = "HOST:PORT", .help = "send each harvest's per-flow deltas as IPFIX to HOST:PORT" },
		{ .name = "ipfix-transport", PARAM_ENUM(struct run_params, ipfix_transport, transport_words),
		  .arg = "udp|tcp", .help = "IPFIX over UDP (default) or TCP" },
		ATTACH_PARAMS(struct run_params, attach),
		{ .name = "sample-first", PARAM_U64(struct run_params, sample_first, 0, SAMPLE_FIRST_MAX),
		  .arg = "K", .help = "payload sampling, as iotrim set --sample-first (at the start "
				      "and on SIGHUP)" },
		{ .name = "sample-every", PARAM_U64(struct run_params, sample_every, 0, SAMPLE_EVERY_MAX),
		  .help = "as iotrim set --sample-every" },
		{ .name = "sample-bytes",
		  PARAM_U64(struct run_params, sample_bytes, IOTRIM_SAMPLE_BYTES_MIN,
			    IOTRIM_SAMPLE_BYTES_MAX),
		  .arg = "S", .help = "as iotrim set --sample-bytes" },
		{ .name = "history-retention",
		  PARAM_U64(struct run_params, history_retention, 0, 100000), .arg = "DAYS",
		  .expect = "takes 0 to 100000 days",
		  .help = "per-flow history last seen longer ago is rolled up per day or dropped "
			  "(--history-rollup); also DNS/TLS rows; 0 keeps it all (default)" },
		{ .name = "history-rollup",
		  PARAM_ENUM(struct run_params, history_rollup, history_rollup_words), .arg = "HOW",
		  .help = "daily (default: into per-day totals per destination) or drop" },
		{ .name = "history-daily-retention",
		  PARAM_U64(struct run_params, history_daily_retention, 0, 100000), .arg = "DAYS",
		  .expect = "takes 0 to 100000 days",
		  .help = "per-day totals older than DAYS are dropped; 0 keeps them (default)" },
		{ NULL },
	},
	.opts_size = sizeof(struct run_params),
	.defaults = &(const struct run_params){
		.metrics_top = { .value = METRICS_DEFAULT_TOP },
		.ipfix_transport = IPFIX_UDP,
		.interval = { .value = 10 },
		.grace = { .value = IOTRIM_DEFAULT_GRACE_S },
		.device_idle = { .value = DEVICE_IDLE_DEFAULT_S },
	},
	.run = run_run,
};
