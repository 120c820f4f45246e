// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The plaintext audit's samples (bpf/audit_plain.h) through
 * BPF_PROG_TEST_RUN: a text-classified sample of a device listed in
 * "audit_plain" with a live lease is copied into the events ring buffer as
 * IOTRIM_EV_PLAIN_SAMPLE, on every hook; devices not listed, expired
 * leases and samples labelled anything but text give nothing; a payload
 * longer than the copy is cut and counted.
 */
#include <bpf/libbpf.h>

#include "bpf_fixture.h"
#include "common/clock.h"
#include "harness.h"
#include "packet.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const __u8 AUDITED_MAC[6] = { 2, 0, 0, 0, 0, 0x21 };
static const __u8 OTHER_MAC[6] = { 2, 0, 0, 0, 0, 0x22 };
static const __u8 GW_MAC[6] = { 2, 0, 0, 0, 0, 0x01 };
static const __u8 DEV4[4] = { 192, 0, 2, 21 };
static const __u8 API4[4] = { 203, 0, 113, 10 };

static const char HTTP_POST[] =
	"POST /v1/telemetry HTTP/1.1\r\nHost: api.vendor.example\r\n"
	"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.dG9rZW4\r\n"
	"Content-Type: application/json\r\nContent-Length: 30\r\n\r\n"
	"{\"email\":\"owner@example.com\"}";
static const char HTTP_RESPONSE[] =
	"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

enum payload_kind { PL_HTTP_POST, PL_HTTP_RESPONSE, PL_TLS_APPDATA, PL_RANDOM, PL_GZIP, PL_LONG_TEXT };

struct plain_case {
	const char *name;
	enum fixture_hook hook;
	const __u8 *device;		/* the frame's device */
	long lease_s;			/* audited device's lease from now; 0: not listed */
	enum payload_kind payload;
	int events;			/* IOTRIM_EV_PLAIN_SAMPLE events expected */
	__u32 copied;			/* expected ev->len (0: the whole payload) */
	__u64 cut;			/* IOTRIM_PLAIN_SAMPLE_CUT expected */
};

static const struct plain_case cases[] = {
	{ "audited device, HTTP request up (XDP)", FIXTURE_XDP, AUDITED_MAC, 60, PL_HTTP_POST, 1, 0, 0 },
	{ "audited device, HTTP request up (TC ingress)", FIXTURE_TC_INGRESS, AUDITED_MAC, 60,
	  PL_HTTP_POST, 1, 0, 0 },
	{ "audited device, HTTP response down (TC egress)", FIXTURE_TC_EGRESS, AUDITED_MAC, 60,
	  PL_HTTP_RESPONSE, 1, 0, 0 },
	{ "audited device, long text: first 1500 bytes, cut counted", FIXTURE_XDP, AUDITED_MAC,
	  60, PL_LONG_TEXT, 1, IOTRIM_EVENT_PAYLOAD_MAX, 1 },
	{ "device not audited, HTTP request: nothing", FIXTURE_XDP, OTHER_MAC, 60, PL_HTTP_POST, 0, 0, 0 },
	{ "no device audited, HTTP request: nothing", FIXTURE_TC_INGRESS, AUDITED_MAC, 0,
	  PL_HTTP_POST, 0, 0, 0 },
	{ "audited device, lease ended: nothing", FIXTURE_XDP, AUDITED_MAC, -1, PL_HTTP_POST, 0, 0, 0 },
	{ "audited device, TLS application data (encrypted): nothing", FIXTURE_XDP, AUDITED_MAC,
	  60, PL_TLS_APPDATA, 0, 0, 0 },
	{ "audited device, random bytes (encrypted by entropy): nothing", FIXTURE_TC_EGRESS,
	  AUDITED_MAC, 60, PL_RANDOM, 0, 0, 0 },
	{ "audited device, gzip body (compressed): nothing", FIXTURE_XDP, AUDITED_MAC, 60,
	  PL_GZIP, 0, 0, 0 },
};

static struct bpf_fixture fx;
static struct ring_buffer *rb;
static int audit_fd;
static struct iotrim_event last;
static int nplain, nother;
static __u8 payload[2000];
static struct pkt p;

static int on_event(void *ctx, void *data, size_t size)
{
	const struct iotrim_event *ev = data;

	(void)ctx;
	if (size < sizeof(*ev) || ev->kind != IOTRIM_EV_PLAIN_SAMPLE) {
		nother++;
		return 0;
	}
	last = *ev;
	nplain++;
	return 0;
}

/* Deterministic bytes that look encrypted (xorshift). */
static void random_bytes(__u8 *b, __u32 n)
{
	__u32 x = 2463534242u;

	for (__u32 i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		b[i] = x >> 24;
	}
}

static __u32 make_payload(enum payload_kind kind)
{
	switch (kind) {
	case PL_HTTP_POST:
		memcpy(payload, HTTP_POST, sizeof(HTTP_POST) - 1);
		return sizeof(HTTP_POST) - 1;
	case PL_HTTP_RESPONSE:
		memcpy(payload, HTTP_RESPONSE, sizeof(HTTP_RESPONSE) - 1);
		return sizeof(HTTP_RESPONSE) - 1;
	case PL_TLS_APPDATA:
		random_bytes(payload, 600);
		payload[0] = 23, payload[1] = 3, payload[2] = 3;
		payload[3] = (600 - 5) >> 8, payload[4] = (600 - 5) & 0xff;
		return 600;
	case PL_RANDOM:
		random_bytes(payload, 900);
		return 900;
	case PL_GZIP:
		random_bytes(payload, 400);
		payload[0] = 0x1f, payload[1] = 0x8b, payload[2] = 8;
		return 400;
	case PL_LONG_TEXT:
		/* An HTTP request, too long for one copy. */
		memset(payload, 'a', sizeof(payload));
		memcpy(payload, HTTP_POST, sizeof(HTTP_POST) - 1);
		return sizeof(payload);
	}
	return 0;
}

static void set_lease(long lease_s)
{
	struct device_key k = {};
	struct audit_plain_value v = {};

	memcpy(k.mac, AUDITED_MAC, 6);
	bpf_map_delete_elem(audit_fd, &k);
	if (!lease_s)
		return;
	v.expires_ns = clock_boot_ns() + lease_s * 1000000000LL;
	if (bpf_map_update_elem(audit_fd, &k, &v, BPF_ANY))
		printf("#   audit_plain update failed: %s\n", strerror(errno));
}

static void run_case(const void *arg)
{
	const struct plain_case *c = arg;
	bool up = fixture_hook_is_upload(c->hook);
	struct pkt_ipv4 ip = { .saddr = up ? DEV4 : API4, .daddr = up ? API4 : DEV4 };
	__u64 counters[IOTRIM_COUNTER__COUNT];
	__u32 len, n, retval;

	ASSERT(fixture_clear(&fx) == 0, "clear");
	set_lease(c->lease_s);
	n = make_payload(c->payload);
	pkt_init(&p);
	pkt_eth(&p, up ? GW_MAC : c->device, up ? c->device : GW_MAC);
	pkt_ipv4(&p, &ip);
	pkt_tcp(&p, up ? 40000 : 80, up ? 80 : 40000, 0);
	pkt_payload(&p, payload, n);
	len = pkt_finish(&p);
	ASSERT(!p.error && len, "frame built");
	ASSERT(fixture_run(&fx, c->hook, p.data, len, &retval) == 0 &&
	       retval == fixture_pass_retval(c->hook), "run on %s", fixture_hook_name(c->hook));
	nplain = nother = 0;
	ring_buffer__consume(rb);
	EXPECT(nplain == c->events, "%d plaintext samples, got %d", c->events, nplain);
	EXPECT(nother == 0, "no other events (%d)", nother);
	ASSERT(fixture_read_counters(&fx, counters) == 0, "counters");
	EXPECT(counters[IOTRIM_PLAIN_SAMPLE_CUT] == c->cut, "cut %llu",
	       (unsigned long long)counters[IOTRIM_PLAIN_SAMPLE_CUT]);
	EXPECT(counters[IOTRIM_PLAIN_SAMPLE_LOST] == 0, "none lost");
	if (!c->events || !nplain)
		return;
	__u32 copied = c->copied ? c->copied : n;

	EXPECT(last.len == copied && last.payload_len == n, "len %u of %u", last.len,
	       last.payload_len);
	EXPECT(!memcmp(last.payload, payload, copied), "the payload's bytes");
	EXPECT(!memcmp(last.key.device_mac, c->device, 6) && last.key.remote_port == 80 &&
	       !memcmp(last.key.remote_ip, API4, 4) && last.device_port == 40000 &&
	       last.direction == (up ? 0 : 1), "flow and direction");
}

int main(void)
{
	fixture_open_or_exit(&fx);
	audit_fd = bpf_map__fd(fx.xdp->maps.audit_plain);
	rb = ring_buffer__new(bpf_map__fd(fx.xdp->maps.events), on_event, NULL, NULL);
	if (!rb) {
		printf("Bail out! no ring buffer\n");
		return 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		RUN_CASE(cases[i].name, run_case, &cases[i]);
	ring_buffer__free(rb);
	fixture_close(&fx);
	return harness_done();
}
