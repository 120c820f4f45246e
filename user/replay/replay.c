// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Capture files through the real programs: see replay.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "attrib/names.h"
#include "attrib/party.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/progress.h"
#include "history/history.h"
#include "history/name_store.h"
#include "iotrim_maps.h"
#include "replay/progs.h"
#include "replay/replay.h"

/* Harvest (and so name flows) every this much capture time. */
#define HARVEST_EVERY_NS (10ULL * 1000000000ULL)
/* Events are taken from the ring buffer every this many frames. */
#define CONSUME_EVERY 64

/*
 * The time map: before a frame whose capture millisecond differs from the
 * last one, the kernel's CLOCK_BOOTTIME is noted beside the frame's
 * capture time.  A timestamp the programs took lies between the notes of
 * the frame that was running and the next one: the last note at or
 * before it gives the capture time, exactly to the millisecond.
 */
struct time_note {
	uint64_t boot_ns, capture_ns;
};

struct time_map {
	struct time_note *v;
	size_t len, cap;
	uint64_t last_ms;
};

/* Notes the boot clock for a new capture millisecond: 1 if it did, 0 if
 * capture_ns is in the last noted millisecond, or -errno. */
static int time_note(struct time_map *t, uint64_t capture_ns)
{
	if (t->len && capture_ns / 1000000 == t->last_ms)
		return 0;
	if (t->len == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 4096;
		struct time_note *v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->len].boot_ns = clock_boot_ns();
	t->v[t->len].capture_ns = capture_ns;
	t->len++;
	t->last_ms = capture_ns / 1000000;
	return 1;
}

static uint64_t time_translate(void *ctx, uint64_t boot_ns)
{
	const struct time_map *t = ctx;
	size_t lo = 0, hi = t->len;

	if (!t->len)
		return 0;
	/* The last note with boot_ns at or before it (the first if none). */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].boot_ns <= boot_ns)
			lo = mid;
		else
			hi = mid;
	}
	return t->v[lo].capture_ns;
}

/* What one replay holds while it runs. */
struct replayer {
	const struct replay_opts *o;
	struct replay_result *r;
	struct replay_progs p;
	struct ring_buffer *rb;
	struct attrib a;
	struct name_store store;
	struct device_config conf;
	bool store_open, sampling_off;
	uint64_t last_harvest_ns;
	size_t next_cut;		/* index into o->harvest_at_ms */
	struct progress_pace pace;
	const char *file;
	unsigned said_too_big, said_failed;
	uint8_t frame[65535 + 64];
};

static int on_event(void *ctx, void *data, size_t size)
{
	attrib_handle(ctx, data, size);
	return 0;
}

static int harvest(struct replayer *x)
{
	struct harvest_result hr;
	int err;

	ring_buffer__consume(x->rb);
	attrib_flush(&x->a);
	err = history_harvest_map(x->o->db, x->p.flows_fd, &hr);
	if (!err)
		err = history_update_devices(x->o->db, &x->p.devices, &x->conf);
	return err;
}

/* Harvests once before the first frame at or after each cut time. */
static int harvest_before_cuts(struct replayer *x, uint64_t ts_ns)
{
	const struct replay_opts *o = x->o;
	bool due = false;
	int err;

	while (x->next_cut < o->nharvest_at &&
	       (int64_t)(ts_ns / 1000000) >= o->harvest_at_ms[x->next_cut]) {
		x->next_cut++;
		due = true;
	}
	if (!due || !x->r->st.frames)
		return 0;
	if ((err = harvest(x)))
		return err;
	x->last_harvest_ns = ts_ns;
	return 0;
}

/*
 * Bytes of a cut frame nobody saw are zeros: sampling is off while such
 * frames run, so no class is guessed from them (their payload stays
 * unclassified, reported as ignored).
 */
static void set_sampling(struct replayer *x, bool cut)
{
	if (cut == x->sampling_off)
		return;
	if (replay_progs_sampling(&x->p, !cut) == 0)
		x->sampling_off = cut;
}

/* A MAC for a device the capture shows only by its address (raw IP, cooked). */
static void mac_of_address(const struct frame_ip *ip, const uint8_t *addr, uint8_t mac[6])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < (ip->family == 4 ? 4 : 16); i++)
		h = (h ^ addr[i]) * 16777619u;
	mac[0] = 0x06;	/* locally administered, unicast */
	mac[1] = 0x52;
	memcpy(mac + 2, &h, 4);
}

/*
 * Which program sees the frame, with the device's MAC filled in where the
 * capture has none.  Cooked frames' device MAC is derived from the
 * device's address, so a device's uploads and downloads agree.
 */
static enum side_verdict direct(struct replayer *x, const struct capture_frame *f, uint8_t *d)
{
	struct frame_ip ip;
	enum side_verdict v;

	if (!f->synthetic_eth)
		return side_of_ethernet(&x->r->side, d);
	if (!frame_ip_parse(d, f->captured, &ip))
		return SIDE_NEITHER;
	if (f->way == CAPTURE_WAY_IN)
		v = SIDE_UP;
	else if (f->way == CAPTURE_WAY_OUT)
		v = SIDE_DOWN;
	else if (f->way == CAPTURE_WAY_OTHER)
		return SIDE_NEITHER;
	else
		v = side_raw(&ip);
	if (v == SIDE_UP)
		mac_of_address(&ip, ip.src, d + 6);
	else if (v == SIDE_DOWN)
		mac_of_address(&ip, ip.dst, d);
	return v;
}

static void run_frame(struct replayer *x, const struct capture_frame *f)
{
	struct replay_stats *st = &x->r->st;
	enum side_verdict v;
	uint8_t *d = x->frame;
	int err;

	memcpy(d, f->data, f->len);
	v = direct(x, f, d);
	if (v == SIDE_NEITHER) {
		st->not_seen++;
		return;
	}
	if (f->len > REPLAY_FRAME_MAX) {
		if (!x->said_too_big++)
			warn("%s: a frame of %u bytes is over the %u that BPF_PROG_TEST_RUN takes (a capture with GRO/TSO?): such frames are not counted",
			     x->file, f->len, REPLAY_FRAME_MAX);
		st->too_big++;
		return;
	}
	set_sampling(x, f->captured < f->len);
	if (f->captured < f->len)
		st->cut_payload_bytes += f->len - f->captured;
	err = time_note(x->r->times, f->ts_ns);
	if (err > 0)
		replay_progs_restart_clock(&x->p);
	if (err < 0) {
		st->run_failed++;
		return;
	}
	err = replay_progs_run(&x->p, v == SIDE_UP, d, f->len);
	if (err) {
		if (!x->said_failed++)
			warn("%s: BPF_PROG_TEST_RUN failed: %s", x->file, strerror(-err));
		st->run_failed++;
		return;
	}
	if (v == SIDE_UP)
		st->up++;
	else
		st->down++;
}

static void progress(struct replayer *x)
{
	if (!x->o->progress || !progress_due(&x->pace))
		return;
	x->o->progress(x->o->progress_ctx, x->file, &x->r->st, progress_elapsed(&x->pace));
}

/* The files' frames in capture time order, each through its program. */
static int run_files(struct replayer *x)
{
	int n = x->o->nfiles;
	struct capture *c = calloc(n, sizeof(*c));
	struct capture_frame *next = calloc(n, sizeof(*next));
	bool *have = calloc(n, sizeof(*have));
	struct replay_stats *st = &x->r->st;
	int err = 0;

	if (!c || !next || !have) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (capture_open(&c[i], x->o->files[i]) == 0) {
			st->files_read++;
			if (c[i].snaplen && c[i].snaplen <= 96)
				warn("%s: snap length %u: frames carry no payload, so neither names nor payload classes come from it (payload counted as ignored)",
				     c[i].path, c[i].snaplen);
			have[i] = capture_next(&c[i], &next[i]) == 1;
		}
	}
	for (;;) {
		int b = -1;

		for (int i = 0; i < n; i++)
			if (have[i] && (b < 0 || next[i].ts_ns < next[b].ts_ns))
				b = i;
		if (b < 0)
			break;
		x->file = c[b].path;
		if ((err = harvest_before_cuts(x, next[b].ts_ns)))
			goto out;
		if (!st->frames || next[b].ts_ns < st->first_ns)
			st->first_ns = next[b].ts_ns;
		if (next[b].ts_ns > st->last_ns)
			st->last_ns = next[b].ts_ns;
		st->frames++;
		st->bytes += next[b].len;
		run_frame(x, &next[b]);
		if (st->frames % CONSUME_EVERY == 0) {
			ring_buffer__consume(x->rb);
			if (x->a.pending >= 512)
				attrib_flush(&x->a);
		}
		if (st->frames % 65536 == 0)
			progress(x);
		if (next[b].ts_ns - x->last_harvest_ns >= HARVEST_EVERY_NS &&
		    next[b].ts_ns > x->last_harvest_ns) {
			if (x->last_harvest_ns && (err = harvest(x)))
				goto out;
			x->last_harvest_ns = next[b].ts_ns;
		}
		have[b] = capture_next(&c[b], &next[b]) == 1;
	}
	err = harvest(x);
out:
	for (int i = 0; c && i < n; i++) {
		for (int k = 0; k < CAPTURE_PROBLEM__COUNT; k++)
			st->problems[k] += c[i].problems[k];
		capture_close(&c[i]);
	}
	free(c);
	free(next);
	free(have);
	return err;
}

int replay_run(const struct replay_opts *o, struct replay_result *r)
{
	struct replayer *x = calloc(1, sizeof(*x));
	int err;

	memset(r, 0, sizeof(*r));
	r->times = calloc(1, sizeof(*r->times));
	if (!x || !r->times) {
		free(x);
		return -ENOMEM;
	}
	x->o = o;
	x->r = r;
	r->side = o->side;
	if (r->side.mode == SIDE_INFER && (err = side_infer(o->files, o->nfiles, &r->side)))
		goto out;
	if ((err = device_config_load(NULL, &x->conf)))
		goto out;
	if ((err = replay_progs_open(&x->p)))
		goto out;
	if ((err = name_store_open(&x->store, o->db)))
		goto out;
	x->store_open = true;
	attrib_init(&x->a, &x->store.sink, x->p.names_fd, IOTRIM_DEFAULT_GRACE_S);
	x->rb = ring_buffer__new(x->p.events_fd, on_event, &x->a, NULL);
	if (!x->rb) {
		err = -errno;
		pr_error("cannot read the events ring buffer: %s", strerror(-err));
		goto out;
	}
	clock_set_boot_translator(time_translate, r->times);
	progress_start(&x->pace);
	err = run_files(x);
	r->st.seconds = progress_elapsed(&x->pace);
	r->st.events = x->a.st.events;
	r->st.dns_answers = x->a.st.dns_responses;
	r->st.tls_hellos = x->a.st.tls_client_hellos + x->a.st.tls_server_hellos;
	if (!err)
		err = read_counters(x->p.counters_fd, r->st.kernel);
	if (!err && (err = read_flows(x->p.flows_fd, &r->snap.flows)) == 0 &&
	    (err = read_devices(&x->p.devices, &r->snap.devices)) == 0)
		device_table_sum_flows(&r->snap.devices, &r->snap.flows);
out:
	ring_buffer__free(x->rb);
	if (x->store_open) {
		attrib_close(&x->a);
		name_store_close(&x->store);
	}
	replay_progs_close(&x->p);
	device_config_free(&x->conf);
	free(x);
	return err;
}

void replay_result_free(struct replay_result *r)
{
	clock_set_boot_translator(NULL, NULL);
	snapshot_free(&r->snap);
	if (r->times)
		free(r->times->v);
	free(r->times);
	r->times = NULL;
}
