// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The in-kernel payload classifier (bpf/classify.h, bpf/entropy.h), run
 * with BPF_PROG_TEST_RUN on crafted frames through the real XDP and TC
 * programs.
 *
 * Accuracy: payloads of every length 4..64 and then every 7th up to 1500,
 * of random bytes, ASCII text, JSON, a gzip stream, a JPEG, TLS application
 * data captured from the testbed and constant bytes, over UDP (XDP, upload)
 * and TCP (TC egress, download).  With IOTRIM_CONFIG_DEBUG the programs
 * record each sample's entropy numerator and class in the classify_debug
 * map; the kernel's H must equal a double-precision reference within 0.01
 * and its class the reference classifier below, for every case.  The
 * reference is a second, byte-by-byte implementation of the rules in
 * bpf/classify.h, written from the rules, not from that code.
 *
 * Then each rule, sticky labels across segments, the sampling and its
 * run-time settings, GSO, and malformed frames: payload ends at every
 * offset near the frame end, Ethernet padding that must not be read as
 * payload, truncated headers.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bpf_fixture.h"
#include "entropy_table.h"
#include "harness.h"
#include "packet.h"

static struct bpf_fixture fx;
static int settings_fd, debug_fd;

static const __u8 dev_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x21 };
static const __u8 gw_mac[ETH_ALEN] = { 0x02, 0, 0, 0, 0, 0x01 };
static const __u8 dev_ip4[4] = { 192, 0, 2, 21 };
static const __u8 remote_ip4[4] = { 203, 0, 113, 10 };
static const __u8 dev_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x21 };
static const __u8 remote_ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 0, [15] = 0x10 };

#define ARRAY_SIZE(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_PAYLOAD 1500
#define NEUTRAL_PORT 4000	/* no port rule applies */

static const char *const class_names[] = {
	"none", "encrypted", "text", "compressed", "media", "unknown", "ignored",
};

static const char *class_name(int c)
{
	return c >= 0 && c < ARRAY_SIZE(class_names) ? class_names[c] : "?";
}

/* ---- payload kinds ---------------------------------------------------- */

struct blob {
	const char *name;
	__u8 data[16384];
	size_t len;
};

static __u64 rng_state = 0x9e3779b97f4a7c15ULL;

static __u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void fill_random(struct blob *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b->data[i] = rng() >> 56;
	b->len = n;
}

static void append(struct blob *b, const char *s)
{
	size_t n = strlen(s);

	if (b->len + n > sizeof(b->data))
		n = sizeof(b->data) - b->len;
	memcpy(b->data + b->len, s, n);
	b->len += n;
}

static void fill_text(struct blob *b, size_t n)
{
	static const char *const words[] = {
		"the", "device", "sends", "a", "status", "report", "to", "its", "cloud",
		"every", "minute", "and", "waits", "for", "commands", "from", "user",
		"when", "light", "turns", "on", "temperature", "is", "reported", "with",
		"humidity", "of", "room", "kitchen", "firmware", "update", "available",
	};

	b->len = 0;
	while (b->len < n) {
		append(b, words[rng() % ARRAY_SIZE(words)]);
		append(b, rng() % 11 ? " " : ". ");
	}
	b->len = n;
}

static void fill_json(struct blob *b, size_t n)
{
	char rec[160];

	b->len = 0;
	append(b, "[");
	for (int i = 0; b->len < n; i++) {
		snprintf(rec, sizeof(rec),
			 "{\"t\":%d,\"device\":\"bulb-%d\",\"temp\":%d.%d,\"hum\":%d,\"state\":\"%s\"},",
			 1700000000 + i * 30, (int)(rng() % 9), 18 + (int)(rng() % 8),
			 (int)(rng() % 10), 30 + (int)(rng() % 40), rng() % 2 ? "on" : "off");
		append(b, rec);
	}
	b->len = n;
}

/* JSON records with a random base64 signature: it compresses to ~40%. */
static void fill_gzip(struct blob *b)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static struct blob json;
	z_stream z = { 0 };
	char rec[160], sig[49];

	for (int i = 0; json.len < sizeof(json.data); i++) {
		for (int k = 0; k < 48; k++)
			sig[k] = b64[rng() % 64];
		sig[48] = 0;
		snprintf(rec, sizeof(rec), "{\"t\":%d,\"temp\":%d,\"sig\":\"%s\"},",
			 1700000000 + i * 30, 18 + (int)(rng() % 8), sig);
		append(&json, rec);
	}
	deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	z.next_in = json.data;
	z.avail_in = json.len;
	z.next_out = b->data;
	z.avail_out = sizeof(b->data);
	deflate(&z, Z_FINISH);
	b->len = z.total_out;
	deflateEnd(&z);
}

static int read_file(struct blob *b, const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return -1;
	b->len = fread(b->data, 1, sizeof(b->data), f);
	fclose(f);
	return b->len ? 0 : -1;
}

enum { K_RANDOM, K_TEXT, K_JSON, K_GZIP, K_JPEG, K_TLS, K_CONST, K__COUNT };
static struct blob kinds[K__COUNT];
static struct blob client_hello;
static bool have_files;

static void make_kinds(void)
{
	kinds[K_RANDOM].name = "random";
	fill_random(&kinds[K_RANDOM], 4096);
	kinds[K_TEXT].name = "ascii text";
	fill_text(&kinds[K_TEXT], 4096);
	kinds[K_JSON].name = "json";
	fill_json(&kinds[K_JSON], 4096);
	kinds[K_GZIP].name = "gzip";
	fill_gzip(&kinds[K_GZIP]);
	kinds[K_CONST].name = "constant";
	memset(kinds[K_CONST].data, 'A', 4096);
	kinds[K_CONST].len = 4096;
	kinds[K_JPEG].name = "jpeg";
	kinds[K_TLS].name = "tls application data";
	have_files = !read_file(&kinds[K_JPEG], "selftests/data/photo.jpg") &&
		     !read_file(&kinds[K_TLS], "selftests/data/tls_appdata.bin") &&
		     !read_file(&client_hello, "selftests/data/tls_client_hello.bin");
}

/* ---- the reference classifier ----------------------------------------- */

static double ref_entropy(const __u8 *b, size_t n)
{
	size_t count[256] = { 0 };
	double h = 0;

	for (size_t i = 0; i < n; i++)
		count[b[i]]++;
	for (int v = 0; v < 256; v++) {
		if (count[v]) {
			double p = (double)count[v] / n;

			h -= p * log2(p);
		}
	}
	return h / 8;
}

/* The sample as the classifier sees it: len bytes, zeros after. */
struct ref_sample {
	const __u8 *b;
	size_t len;		/* sample length */
	size_t payload;		/* whole payload of the packet */
	bool tcp;
	__u16 sport, dport;
	double h;
};

static int at(const struct ref_sample *s, size_t i)
{
	return i < s->len ? s->b[i] : 0;
}

/* Exact match of lit at i, all inside the sample. */
static bool eq(const struct ref_sample *s, size_t i, const char *lit, size_t n)
{
	return i + n <= s->len && !memcmp(s->b + i, lit, n);
}

/* Case-insensitive (ASCII letters) match of a lower-case literal. */
static bool ieq(const struct ref_sample *s, size_t i, const char *lit)
{
	size_t n = strlen(lit);

	if (i + n > s->len)
		return false;
	for (size_t k = 0; k < n; k++)
		if ((s->b[i + k] | 0x20) != lit[k])
			return false;
	return true;
}

static int ref_magic(const struct ref_sample *s, size_t i)
{
	if (eq(s, i, "\x1f\x8b\x08", 3) || eq(s, i, "BZh", 3) || eq(s, i, "PK\3\4", 4) ||
	    eq(s, i, "\xfd" "7zXZ\0", 6))
		return PAYLOAD_COMPRESSED;
	if (eq(s, i, "\xff\xd8\xff", 3) || eq(s, i, "ID3", 3) || eq(s, i, "\x89PNG", 4) ||
	    eq(s, i, "GIF8", 4) || eq(s, i, "RIFF", 4) || eq(s, i + 4, "ftyp", 4))
		return PAYLOAD_MEDIA;
	return PAYLOAD_NONE;
}

static bool ref_http_start(const struct ref_sample *s)
{
	static const char *const starts[] = {
		"HTTP/1.", "GET ", "PUT ", "POST ", "HEAD ", "PATCH ", "DELETE ", "OPTIONS ",
	};

	for (int i = 0; i < ARRAY_SIZE(starts); i++)
		if (eq(s, 0, starts[i], strlen(starts[i])))
			return true;
	return false;
}

struct ref_http {
	int type, encoding;
	bool done, have_length;
	size_t body;
	unsigned long long length;
};

static void ref_http_value(const struct ref_sample *s, size_t v, int kind, struct ref_http *h)
{
	for (int k = 0; k < 4; k++) {
		if (v >= s->len)
			return;
		if (s->b[v] != ' ' && s->b[v] != '\t')
			break;
		v++;
	}
	if (v >= s->len)
		return;
	if (kind == 2) {
		unsigned long long n = 0;
		int digits = 0;

		for (int k = 0; k < 12 && v + k < s->len; k++) {
			if (s->b[v + k] < '0' || s->b[v + k] > '9')
				break;
			n = n * 10 + (s->b[v + k] - '0');
			digits++;
		}
		if (digits) {
			h->length = n;
			h->have_length = true;
		}
	} else if (kind == 1) {
		if (ieq(s, v, "gzip") || ieq(s, v, "x-gzip") || ieq(s, v, "br") ||
		    ieq(s, v, "deflate"))
			h->encoding = PAYLOAD_COMPRESSED;
	} else if (ieq(s, v, "image/") || ieq(s, v, "video/") || ieq(s, v, "audio/")) {
		h->type = PAYLOAD_MEDIA;
	} else if (ieq(s, v, "text/")) {
		h->type = PAYLOAD_TEXT;
	} else if (ieq(s, v, "application/")) {
		if (ieq(s, v + 12, "json") || ieq(s, v + 12, "xml") || ieq(s, v + 12, "javascri"))
			h->type = PAYLOAD_TEXT;
		else if (ieq(s, v + 12, "gzip") || ieq(s, v + 12, "x-gzip") || ieq(s, v + 12, "zip"))
			h->type = PAYLOAD_COMPRESSED;
	}
}

static int ref_http_class(const struct ref_sample *s, struct ref_http *h)
{
	size_t pos = 0;
	int label;

	memset(h, 0, sizeof(*h));
	for (int line = 0; line < 64 && pos < s->len; line++) {
		size_t q;

		if (line && (s->b[pos] == '\n' || eq(s, pos, "\r\n", 2))) {
			h->done = true;
			h->body = pos + (s->b[pos] == '\n' ? 1 : 2);
			break;
		}
		if (line && ieq(s, pos, "content-")) {
			if (ieq(s, pos + 8, "type:"))
				ref_http_value(s, pos + 13, 0, h);
			else if (ieq(s, pos + 8, "encoding") && at(s, pos + 16) == ':')
				ref_http_value(s, pos + 17, 1, h);
			else if (ieq(s, pos + 8, "length:"))
				ref_http_value(s, pos + 15, 2, h);
		}
		for (q = pos; q < s->len && s->b[q] != '\n'; q++)
			;
		if (q >= s->len)
			break;
		pos = q + 1;
	}
	label = h->encoding ? h->encoding : h->type;
	if (!label && h->done && h->body < s->len)
		label = ref_magic(s, h->body);
	return label ? label : PAYLOAD_TEXT;
}

/* MQTT; PAYLOAD_NONE if no valid fixed header. */
static int ref_mqtt(const struct ref_sample *s)
{
	int type = at(s, 0) >> 4, flags = at(s, 0) & 15, qos = (flags >> 1) & 3;
	size_t rem = 0, hdr = 0, off;
	int m;

	if (!type)
		return PAYLOAD_NONE;
	if (type == 3 ? qos == 3 : (type == 6 || type == 8 || type == 10) ? flags != 2 : flags)
		return PAYLOAD_NONE;
	for (size_t i = 1; i <= 4; i++) {
		if (i >= s->len)
			return PAYLOAD_NONE;
		rem |= (size_t)(s->b[i] & 0x7f) << (7 * (i - 1));
		if (!(s->b[i] & 0x80)) {
			hdr = i + 1;
			break;
		}
	}
	if (!hdr)
		return PAYLOAD_NONE;
	if (type != 3)
		return PAYLOAD_TEXT;
	off = hdr + 2 + (at(s, hdr) << 8 | at(s, hdr + 1)) + (qos ? 2 : 0);
	m = off < s->len ? ref_magic(s, off) : PAYLOAD_NONE;
	if (m)
		return m;
	return s->h > 0.9 ? PAYLOAD_ENCRYPTED : PAYLOAD_TEXT;
}

static bool port(const struct ref_sample *s, __u16 p)
{
	return s->sport == p || s->dport == p;
}

/* The class of the first sample of a fresh flow direction (no sticky label yet). */
static int ref_classify(struct ref_sample *s, int *reason)
{
	int c, type;

	if (s->payload < 4) {
		*reason = CLASSIFY_SMALL;
		return PAYLOAD_IGNORED;
	}
	s->h = ref_entropy(s->b, s->len);
	type = s->b[0];
	if (s->len >= 5 && type >= 20 && type <= 23 && s->b[1] == 3 && s->b[2] <= 4) {
		unsigned int rlen = s->b[3] << 8 | s->b[4];

		if (rlen >= 1 && rlen <= 18432) {
			*reason = CLASSIFY_TLS;
			if (s->h > 0.8 || type == 23 || (type == 21 && rlen != 2))
				return PAYLOAD_ENCRYPTED;
			return PAYLOAD_TEXT;
		}
	}
	if (port(s, 53)) {
		*reason = CLASSIFY_DNS;
		return PAYLOAD_TEXT;
	}
	if (!s->tcp && port(s, 443) && (s->b[0] & 0x40)) {
		*reason = CLASSIFY_QUIC;
		return PAYLOAD_ENCRYPTED;
	}
	if (s->tcp && ref_http_start(s)) {
		struct ref_http h;

		*reason = CLASSIFY_HTTP;
		return ref_http_class(s, &h);
	}
	if (s->tcp && port(s, 1883) && (c = ref_mqtt(s))) {
		*reason = CLASSIFY_MQTT;
		return c;
	}
	if ((c = ref_magic(s, 0))) {
		*reason = CLASSIFY_MAGIC;
		return c;
	}
	*reason = CLASSIFY_ENTROPY;
	if (s->h > 0.9)
		return PAYLOAD_ENCRYPTED;
	if (s->h < 0.4 && s->payload > 100)
		return PAYLOAD_TEXT;
	return s->payload < 20 ? PAYLOAD_IGNORED : PAYLOAD_UNKNOWN;
}

/* ---- frames and runs -------------------------------------------------- */

/*
 * A flow as the frames see it.  The flow key has no device port, so tests
 * that need separate flows on one remote port give each its own remote
 * host (the last two bytes of the remote address).
 */
struct flow {
	bool v6, tcp, down;	/* down: remote -> device, through TC egress */
	__u16 device_port, remote_port;
	__u16 host;
	__u32 seq;
	__u32 tcp_options;	/* bytes of TCP options */
};

static void remote_addr(const struct flow *f, __u8 *out)
{
	memcpy(out, f->v6 ? remote_ip6 : remote_ip4, f->v6 ? 16 : 4);
	out[(f->v6 ? 16 : 4) - 2] ^= f->host >> 8;
	out[(f->v6 ? 16 : 4) - 1] ^= f->host & 0xff;
}

static void put32(__u8 *at, __u32 v)
{
	at[0] = v >> 24;
	at[1] = v >> 16;
	at[2] = v >> 8;
	at[3] = v;
}

static __u32 build(struct pkt *p, const struct flow *f, const void *payload, __u32 len)
{
	__u16 sport = f->down ? f->remote_port : f->device_port;
	__u16 dport = f->down ? f->device_port : f->remote_port;
	__u8 remote[16];

	remote_addr(f, remote);
	pkt_init(p);
	if (f->down)
		pkt_eth(p, dev_mac, gw_mac);
	else
		pkt_eth(p, gw_mac, dev_mac);
	if (f->v6)
		pkt_ipv6(p, f->down ? remote : dev_ip6, f->down ? dev_ip6 : remote);
	else
		pkt_ipv4(p, &(struct pkt_ipv4){ .saddr = f->down ? remote : dev_ip4,
						.daddr = f->down ? dev_ip4 : remote });
	if (f->tcp)
		pkt_tcp(p, sport, dport, f->tcp_options);
	else
		pkt_udp(p, sport, dport);
	pkt_payload(p, payload ? payload : "", len);
	len = pkt_finish(p);
	if (f->tcp && len)
		put32(p->data + p->l4_off + 4, f->seq);
	return len;
}

static enum fixture_hook hook_of(const struct flow *f)
{
	return f->down ? FIXTURE_TC_EGRESS : FIXTURE_XDP;
}

/* Budgets stay off (fixture_open): thousands of flows come from one MAC here. */
static void set_config(__u32 first, __u32 every, __u32 bytes, __u32 flags)
{
	struct iotrim_config c = { first, every, bytes, flags | IOTRIM_CONFIG_NO_LIMITS };
	__u32 zero = 0;

	bpf_map_update_elem(settings_fd, &zero, &c, BPF_ANY);
}

/* Every packet sampled, whole payloads (up to 1500), debug records on. */
static void sample_all(void)
{
	set_config(0, 1, IOTRIM_SAMPLE_BYTES_MAX, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
}

static struct classify_record last_record(void)
{
	struct classify_record r = { 0 };
	__u32 zero = 0;

	bpf_map_lookup_elem(debug_fd, &zero, &r);
	return r;
}

/*
 * Runs one frame through its hook.  Returns 1 and the record if it was
 * sampled, 0 if not, -1 on a test-run error.
 */
static int run_frame(const struct flow *f, struct pkt *p, __u32 len, const struct __sk_buff *skb,
		     struct classify_record *rec)
{
	__u64 before = last_record().count;
	struct fixture_run r = { .frame = p->data, .len = len, .skb = skb };

	if (!len || fixture_run_opts(&fx, hook_of(f), &r))
		return -1;
	*rec = last_record();
	return rec->count == before + 1 ? 1 : rec->count == before ? 0 : -1;
}

static int send_payload(const struct flow *f, const void *payload, __u32 len,
			struct classify_record *rec)
{
	static struct pkt p;

	return run_frame(f, &p, build(&p, f, payload, len), NULL, rec);
}

static double kernel_h(const struct classify_record *r)
{
	return r->sample_len ? ldexp((double)r->entropy_num, -ENTROPY_FRAC_BITS) / (8.0 * r->sample_len)
			     : 0;
}

static struct flow_key key_of(const struct flow *f)
{
	struct flow_key k = { .family = f->v6 ? 6 : 4, .proto = f->tcp ? IPPROTO_TCP : IPPROTO_UDP,
			      .remote_port = f->remote_port };

	memcpy(k.device_mac, dev_mac, 6);
	memcpy(k.device_ip, f->v6 ? dev_ip6 : dev_ip4, f->v6 ? 16 : 4);
	remote_addr(f, k.remote_ip);
	return k;
}

static struct payload_counter flow_payload(const struct flow *f)
{
	struct flow_key k = key_of(f);
	struct flow_value v = { 0 };

	fixture_lookup_flow(&fx, &k, &v);
	return f->down ? v.payload_down : v.payload_up;
}

static __u64 class_bytes(const struct payload_counter *c, int class)
{
	return ((const __u64 *)c)[class];
}

/* ---- accuracy --------------------------------------------------------- */

static double max_dh;
static int cases;

/* One payload as the first packet of a new flow; checks H and class. */
static void check_case(const struct flow *f, const __u8 *payload, size_t len, __u32 sample_bytes,
		       const char *what)
{
	struct ref_sample s = { .b = payload, .payload = len, .tcp = f->tcp,
				.sport = f->down ? f->remote_port : f->device_port,
				.dport = f->down ? f->device_port : f->remote_port };
	struct classify_record r;
	int want, reason, got;
	double dh;

	s.len = len < sample_bytes ? len : sample_bytes;
	want = ref_classify(&s, &reason);
	got = send_payload(f, payload, len, &r);
	cases++;
	EXPECT(got == 1, "%s len %zu: sampled %d", what, len, got);
	if (got != 1)
		return;
	EXPECT(r.sample_len == s.len && r.payload_len == len, "%s len %zu: sample_len %u payload_len %u",
	       what, len, r.sample_len, r.payload_len);
	dh = fabs(kernel_h(&r) - ref_entropy(payload, s.len));
	if (dh > max_dh)
		max_dh = dh;
	EXPECT(dh < 0.01, "%s len %zu: kernel H %.6f, double %.6f", what, len, kernel_h(&r),
	       ref_entropy(payload, s.len));
	EXPECT(r.class == want, "%s len %zu (%s): kernel says %s (reason %u), reference %s (reason %d), H %.4f",
	       what, len, f->tcp ? "tcp" : "udp", class_name(r.class), r.reason, class_name(want),
	       reason, s.h);
	EXPECT(r.entropy_milli == (__u32)(1000 * kernel_h(&r) + 1e-9) ||
	       r.entropy_milli + 1 == (__u32)(1000 * kernel_h(&r) + 1e-9),
	       "%s len %zu: entropy_milli %u for H %.6f", what, len, r.entropy_milli, kernel_h(&r));
}

static bool accuracy_length(size_t len)
{
	return len <= 64 || (len - 64) % 7 == 0 || len == MAX_PAYLOAD;
}

static __u16 next_port = 10000;

static void accuracy_kind(int kind)
{
	const struct blob *b = &kinds[kind];
	size_t max = b->len < MAX_PAYLOAD ? b->len : MAX_PAYLOAD;

	fixture_clear(&fx);
	sample_all();
	for (size_t len = 4; len <= max; len++) {
		struct flow udp_up = { .device_port = next_port, .remote_port = NEUTRAL_PORT,
				       .host = next_port };
		struct flow tcp_down = { .tcp = true, .down = true, .device_port = next_port,
					 .remote_port = NEUTRAL_PORT, .host = next_port, .seq = 1000 };

		if (!accuracy_length(len))
			continue;
		if (++next_port < 10000)
			next_port = 10000;
		udp_up.v6 = tcp_down.v6 = len % 2;
		check_case(&udp_up, b->data, len, MAX_PAYLOAD, b->name);
		check_case(&tcp_down, b->data, len, MAX_PAYLOAD, b->name);
	}
	/* The default S: only the first 1024 bytes are looked at. */
	set_config(0, 1, IOTRIM_DEFAULT_SAMPLE_BYTES, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	if (max > IOTRIM_DEFAULT_SAMPLE_BYTES) {
		struct flow f = { .device_port = next_port, .remote_port = NEUTRAL_PORT,
				  .host = next_port };

		next_port++;
		check_case(&f, b->data, max, IOTRIM_DEFAULT_SAMPLE_BYTES, b->name);
	}
}

TEST(accuracy_random) { accuracy_kind(K_RANDOM); }
TEST(accuracy_ascii_text) { accuracy_kind(K_TEXT); }
TEST(accuracy_json) { accuracy_kind(K_JSON); }
TEST(accuracy_gzip) { accuracy_kind(K_GZIP); }
TEST(accuracy_jpeg) { accuracy_kind(K_JPEG); }
TEST(accuracy_tls_application_data) { accuracy_kind(K_TLS); }
TEST(accuracy_constant_bytes) { accuracy_kind(K_CONST); }

/* Entropy alone on crafted byte distributions, including both ends. */
TEST(accuracy_entropy_distributions)
{
	static __u8 buf[MAX_PAYLOAD];
	struct flow f = { .remote_port = NEUTRAL_PORT };

	fixture_clear(&fx);
	sample_all();
	/* k distinct values, equally often (H = log256 k when n is a multiple of k) */
	for (int k = 1; k <= 256; k *= 2) {
		for (size_t n = 256; n <= MAX_PAYLOAD; n += 311) {
			for (size_t i = 0; i < n; i++)
				buf[i] = (i % k) * (256 / k) + 0x20;
			f.host = next_port++;
			check_case(&f, buf, n, MAX_PAYLOAD, "k-uniform");
		}
	}
	/* a geometric distribution: skewed, like text */
	for (size_t n = 100; n <= MAX_PAYLOAD; n += 100) {
		for (size_t i = 0; i < n; i++) {
			int v = 0;

			while (v < 60 && rng() % 3)
				v++;
			buf[i] = 0x30 + v;
		}
		f.host = next_port++;
		check_case(&f, buf, n, MAX_PAYLOAD, "geometric");
	}
	printf("# %d cases, largest |H kernel - H double| = %.3g\n", cases, max_dh);
}

/* The generated table is c log2 c in 2^-32 units, for every c. */
TEST(entropy_table_matches_double)
{
	double worst = 0;

	for (int c = 0; c < ENTROPY_TABLE_SIZE; c++) {
		double want = c > 1 ? c * log2((double)c) : 0;
		double got = ldexp((double)entropy_clog2c[c], -ENTROPY_FRAC_BITS);

		if (fabs(got - want) > worst)
			worst = fabs(got - want);
	}
	EXPECT(worst < 1e-6, "largest table error %g", worst);
}

/* ---- rules ------------------------------------------------------------ */

/* Sends and expects a class (and reason, if not 0). */
#define EXPECT_CLASS(f, payload, len, want_class, want_reason)                               \
	do {                                                                                 \
		struct classify_record r_;                                                   \
		int got_ = send_payload(f, payload, len, &r_);                               \
		EXPECT(got_ == 1 && r_.class == (want_class) &&                             \
			       (!(want_reason) || r_.reason == (want_reason)),             \
		       "%s: sampled %d, class %s reason %u, want %s reason %d", #payload, got_, \
		       class_name(r_.class), r_.reason, class_name(want_class), (int)(want_reason)); \
	} while (0)

TEST(small_payloads_are_ignored)
{
	struct flow f = { .tcp = true, .device_port = 40001, .remote_port = 443 };
	struct classify_record r;
	struct payload_counter c;

	fixture_clear(&fx);
	sample_all();
	EXPECT(send_payload(&f, NULL, 0, &r) == 0, "a pure ACK is not sampled");
	for (int n = 1; n <= 3; n++)
		EXPECT_CLASS(&f, "\x17\x03\x03", n, PAYLOAD_IGNORED, CLASSIFY_SMALL);
	c = flow_payload(&f);
	EXPECT(c.sampled == 6 && c.ignored == 6, "sampled %llu ignored %llu", c.sampled, c.ignored);
	/* unknown under 20 bytes: ignored; 20 and more: unknown */
	f.tcp = false;
	f.remote_port = NEUTRAL_PORT;
	EXPECT_CLASS(&f, "abcdefghij0123456", 17, PAYLOAD_IGNORED, CLASSIFY_ENTROPY);
	EXPECT_CLASS(&f, "abcdefghij0123456789", 20, PAYLOAD_UNKNOWN, CLASSIFY_ENTROPY);
}

TEST(low_entropy_text_needs_more_than_100_bytes)
{
	static const char a[200] = { [0 ... 199] = 'a' };
	struct flow f = { .device_port = 40002, .remote_port = NEUTRAL_PORT };

	fixture_clear(&fx);
	sample_all();
	EXPECT_CLASS(&f, a, 100, PAYLOAD_UNKNOWN, CLASSIFY_ENTROPY);
	EXPECT_CLASS(&f, a, 101, PAYLOAD_TEXT, CLASSIFY_ENTROPY);
}

TEST(tls_records)
{
	struct flow f = { .tcp = true, .device_port = 40003, .remote_port = 8883 };
	static const __u8 alert_plain[] = { 0x15, 3, 3, 0, 2, 2, 40 };
	static const __u8 ccs[] = { 0x14, 3, 3, 0, 1, 1 };
	__u8 appdata[40] = { 0x17, 3, 3, 0, 35 };
	__u8 alert_protected[31] = { 0x15, 3, 3, 0, 26 };

	ASSERT(have_files, "selftests/data missing");
	fixture_clear(&fx);
	sample_all();
	EXPECT_CLASS(&f, client_hello.data, client_hello.len, PAYLOAD_TEXT, CLASSIFY_TLS);
	EXPECT_CLASS(&f, ccs, sizeof(ccs), PAYLOAD_TEXT, CLASSIFY_TLS);
	EXPECT_CLASS(&f, alert_plain, sizeof(alert_plain), PAYLOAD_TEXT, CLASSIFY_TLS);
	memcpy(alert_protected + 5, kinds[K_RANDOM].data, 26);
	EXPECT_CLASS(&f, alert_protected, sizeof(alert_protected), PAYLOAD_ENCRYPTED, CLASSIFY_TLS);
	/* a short application_data record cannot reach H > 0.8, but is encrypted */
	memcpy(appdata + 5, kinds[K_RANDOM].data + 100, 35);
	EXPECT_CLASS(&f, appdata, sizeof(appdata), PAYLOAD_ENCRYPTED, CLASSIFY_TLS);
	EXPECT_CLASS(&f, kinds[K_TLS].data, 1448, PAYLOAD_ENCRYPTED, CLASSIFY_TLS);
	/* a record header with an impossible length is no TLS */
	appdata[3] = 0x50;
	EXPECT_CLASS(&f, appdata, sizeof(appdata), PAYLOAD_UNKNOWN, CLASSIFY_ENTROPY);
}

TEST(dns_and_quic)
{
	static const __u8 query[] = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
				    "\x03" "api\x06vendor\x07" "example\x00\x00\x01\x00\x01";
	struct flow dns = { .device_port = 40004, .remote_port = 53 };
	struct flow dns_tcp = { .tcp = true, .device_port = 40005, .remote_port = 53 };
	struct flow quic = { .device_port = 40006, .remote_port = 443 };
	__u8 pkt[200];

	fixture_clear(&fx);
	sample_all();
	EXPECT_CLASS(&dns, query, sizeof(query) - 1, PAYLOAD_TEXT, CLASSIFY_DNS);
	EXPECT_CLASS(&dns_tcp, kinds[K_RANDOM].data, 300, PAYLOAD_TEXT, CLASSIFY_DNS);
	memcpy(pkt, kinds[K_RANDOM].data, sizeof(pkt));
	pkt[0] = 0xc3;		/* long header (Initial) */
	EXPECT_CLASS(&quic, pkt, 60, PAYLOAD_ENCRYPTED, CLASSIFY_QUIC);
	pkt[0] = 0x43;		/* short header */
	EXPECT_CLASS(&quic, pkt, 30, PAYLOAD_ENCRYPTED, CLASSIFY_QUIC);
	pkt[0] = 0x03;		/* no fixed bit: not QUIC, by entropy */
	EXPECT_CLASS(&quic, pkt, 30, PAYLOAD_UNKNOWN, CLASSIFY_ENTROPY);
	/* TCP 443 is not QUIC */
	quic.tcp = true;
	pkt[0] = 0xc3;
	EXPECT_CLASS(&quic, pkt, 60, PAYLOAD_UNKNOWN, CLASSIFY_ENTROPY);
}

TEST(magic_numbers)
{
	/* need: bytes the magic number has (the rest is typical file content) */
	static const struct { const char *magic; size_t len, need; int class; } m[] = {
		{ "\x1f\x8b\x08", 3, 3, PAYLOAD_COMPRESSED }, { "BZh9", 4, 3, PAYLOAD_COMPRESSED },
		{ "\xfd" "7zXZ\0", 6, 6, PAYLOAD_COMPRESSED }, { "PK\3\4", 4, 4, PAYLOAD_COMPRESSED },
		{ "\x89PNG\r\n", 6, 4, PAYLOAD_MEDIA }, { "\xff\xd8\xff\xe0", 4, 3, PAYLOAD_MEDIA },
		{ "GIF89a", 6, 4, PAYLOAD_MEDIA }, { "\0\0\0\x20" "ftypisom", 12, 8, PAYLOAD_MEDIA },
		{ "ID3\4", 4, 3, PAYLOAD_MEDIA }, { "RIFF", 4, 4, PAYLOAD_MEDIA },
	};
	__u8 buf[64];

	fixture_clear(&fx);
	sample_all();
	for (int i = 0; i < ARRAY_SIZE(m); i++) {
		struct flow f = { .device_port = 41000, .remote_port = NEUTRAL_PORT, .host = i };

		memset(buf, 'a', sizeof(buf));
		memcpy(buf, m[i].magic, m[i].len);
		EXPECT_CLASS(&f, buf, sizeof(buf), m[i].class, CLASSIFY_MAGIC);
		/* cut inside the magic: not recognised */
		if (m[i].need > 4) {
			struct classify_record r;

			f.host += 100;
			EXPECT(send_payload(&f, buf, m[i].need - 1, &r) == 1 &&
				       r.reason != CLASSIFY_MAGIC,
			       "magic %d cut to %zu bytes still matched", i, m[i].need - 1);
		}
	}
}

static size_t http_response(char *out, size_t cap, const char *headers, const __u8 *body,
			    size_t body_len)
{
	size_t n = snprintf(out, cap, "HTTP/1.1 200 OK\r\nServer: nginx\r\n%s\r\n", headers);

	if (n + body_len > cap)
		body_len = cap - n;
	memcpy(out + n, body, body_len);
	return n + body_len;
}

/*
 * Sends a response of headers and a body of body_len bytes in segments of
 * at most segment bytes.  Returns the header packet's class, and for the
 * next nseg segments the class if it came from the sticky label, else
 * -10 - class.
 */
static void http_body_classes(struct flow *f, const char *headers, const __u8 *body,
			      size_t body_len, size_t segment, int *header_class, int *body_classes,
			      int nseg)
{
	static char buf[4096];
	struct classify_record r;
	size_t first = http_response(buf, segment, headers, body, body_len);
	size_t sent = first - (strlen("HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n") + strlen(headers));

	send_payload(f, buf, first, &r);
	*header_class = r.class;
	f->seq += first;
	for (int i = 0; i < nseg; i++) {
		size_t n = body_len - sent < segment ? body_len - sent : segment;

		body_classes[i] = -1;
		if (!n)
			break;
		send_payload(f, body + sent, n, &r);
		body_classes[i] = r.reason == CLASSIFY_STICKY ? r.class : -(int)r.class - 10;
		f->seq += n;
		sent += n;
	}
}

TEST(http_content_type_sticks_for_the_body)
{
	struct { const char *headers; const struct blob *body; int class; } c[] = {
		{ "Content-Type: application/json\r\nContent-Length: 4000\r\n", &kinds[K_JSON],
		  PAYLOAD_TEXT },
		{ "content-type: IMAGE/JPEG\r\ncontent-length: 4000\r\n", &kinds[K_JPEG],
		  PAYLOAD_MEDIA },
		{ "Content-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: 4000\r\n",
		  &kinds[K_GZIP], PAYLOAD_COMPRESSED },
		{ "Content-Type:   application/gzip\r\nContent-Length: 4000\r\n", &kinds[K_GZIP],
		  PAYLOAD_COMPRESSED },
		{ "Content-Type: text/html; charset=utf-8\r\nContent-Length: 4000\r\n",
		  &kinds[K_TEXT], PAYLOAD_TEXT },
		{ "Content-Type: video/mp4\r\nContent-Length: 4000\r\n", &kinds[K_RANDOM],
		  PAYLOAD_MEDIA },
		/* no type: a magic number at the body start labels it */
		{ "Content-Type: application/octet-stream\r\nContent-Length: 4000\r\n",
		  &kinds[K_JPEG], PAYLOAD_MEDIA },
	};

	ASSERT(have_files, "selftests/data missing");
	fixture_clear(&fx);
	sample_all();
	for (int i = 0; i < ARRAY_SIZE(c); i++) {
		struct flow f = { .tcp = true, .down = true, .device_port = 42000,
				  .remote_port = 80, .host = i, .seq = 0xfffff000 };	/* wraps */
		int head, body[2];

		http_body_classes(&f, c[i].headers, c[i].body->data, 4000, 1400, &head, body, 2);
		EXPECT(head == c[i].class, "case %d: header packet %s", i, class_name(head));
		for (int k = 0; k < 2; k++)
			EXPECT(body[k] == c[i].class, "case %d segment %d: %d (sticky class, or -10-class)",
			       i, k, body[k]);
	}
}

TEST(http_sticky_label_ends_with_the_body)
{
	static char buf[2048];
	struct flow f = { .tcp = true, .down = true, .device_port = 42100, .remote_port = 80,
			  .seq = 5000 };
	size_t n = http_response(buf, sizeof(buf),
				 "Content-Type: image/png\r\nContent-Length: 100\r\n",
				 kinds[K_RANDOM].data, 100);

	fixture_clear(&fx);
	sample_all();
	EXPECT_CLASS(&f, buf, n, PAYLOAD_MEDIA, CLASSIFY_HTTP);
	/* a retransmission from inside the body keeps the label */
	f.seq += n - 50;
	EXPECT_CLASS(&f, kinds[K_RANDOM].data + 50, 50, PAYLOAD_MEDIA, CLASSIFY_STICKY);
	/* the next bytes of the stream are past the body: on their own again */
	f.seq += 50;
	EXPECT_CLASS(&f, kinds[K_RANDOM].data + 500, 1000, PAYLOAD_ENCRYPTED, CLASSIFY_ENTROPY);
}

TEST(open_sticky_label_ends_at_the_next_message)
{
	static char buf[2048];
	struct flow f = { .tcp = true, .down = true, .device_port = 42200, .remote_port = 80,
			  .seq = 77 };
	size_t n = http_response(buf, sizeof(buf),
				 "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
				 kinds[K_JSON].data, 600);

	fixture_clear(&fx);
	sample_all();
	EXPECT_CLASS(&f, buf, n, PAYLOAD_TEXT, CLASSIFY_HTTP);
	f.seq += n;
	EXPECT_CLASS(&f, kinds[K_JSON].data + 600, 1400, PAYLOAD_TEXT, CLASSIFY_STICKY);
	f.seq += 1400;
	n = snprintf(buf, sizeof(buf), "HTTP/1.1 204 No Content\r\n\r\n");
	EXPECT_CLASS(&f, buf, n, PAYLOAD_TEXT, CLASSIFY_HTTP);
	f.seq += n;
	EXPECT_CLASS(&f, kinds[K_JSON].data, 1400, PAYLOAD_UNKNOWN, CLASSIFY_ENTROPY);

	/* magic in a raw TCP stream: open label, ended by a TLS record header */
	f.remote_port = 5000;
	f.seq = 1;
	EXPECT_CLASS(&f, kinds[K_GZIP].data, 1400, PAYLOAD_COMPRESSED, CLASSIFY_MAGIC);
	f.seq += 1400;
	EXPECT_CLASS(&f, kinds[K_GZIP].data + 1400, 1400, PAYLOAD_COMPRESSED, CLASSIFY_STICKY);
	f.seq += 1400;
	EXPECT_CLASS(&f, kinds[K_TLS].data, 1400, PAYLOAD_ENCRYPTED, CLASSIFY_TLS);
	f.seq += 1400;
	EXPECT_CLASS(&f, kinds[K_GZIP].data + 2800, 1400, PAYLOAD_ENCRYPTED, CLASSIFY_ENTROPY);

	/* UDP has no stream: a magic number labels only its datagram */
	f.tcp = false;
	EXPECT_CLASS(&f, kinds[K_JPEG].data, 1400, PAYLOAD_MEDIA, CLASSIFY_MAGIC);
	EXPECT_CLASS(&f, kinds[K_JPEG].data + 3000, 1400, PAYLOAD_ENCRYPTED, CLASSIFY_ENTROPY);
}

TEST(http_requests_are_text)
{
	static const char get[] = "GET /status.json HTTP/1.1\r\nHost: api.vendor.example\r\n"
				  "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n";
	static char post[2048];
	struct flow f = { .tcp = true, .device_port = 42300, .remote_port = 80, .seq = 1 };
	int n;

	fixture_clear(&fx);
	sample_all();
	EXPECT_CLASS(&f, get, sizeof(get) - 1, PAYLOAD_TEXT, CLASSIFY_HTTP);
	f.seq += sizeof(get) - 1;
	n = snprintf(post, sizeof(post),
		     "POST /upload HTTP/1.1\r\nContent-Type: image/jpeg\r\nContent-Length: 3000\r\n\r\n");
	memcpy(post + n, kinds[K_JPEG].data, 1000);
	EXPECT_CLASS(&f, post, n + 1000, PAYLOAD_MEDIA, CLASSIFY_HTTP);
	f.seq += n + 1000;
	EXPECT_CLASS(&f, kinds[K_JPEG].data + 1000, 1400, PAYLOAD_MEDIA, CLASSIFY_STICKY);
}

/* Headers cut at every length: only what is inside the sample counts. */
TEST(http_headers_cut_anywhere_never_mislabel)
{
	static char buf[2048];
	size_t n = http_response(buf, sizeof(buf),
				 "Content-Type: image/jpeg\r\nContent-Encoding: br\r\n"
				 "Content-Length: 12345\r\n",
				 kinds[K_JPEG].data, 300);

	fixture_clear(&fx);
	sample_all();
	for (size_t len = 4; len <= n; len++) {
		struct flow f = { .tcp = true, .down = true, .device_port = 42500,
				  .remote_port = 80, .host = next_port++, .seq = 9 };

		check_case(&f, (const __u8 *)buf, len, MAX_PAYLOAD, "http cut");
	}
	/* and with the sample shorter than the payload */
	for (__u32 s = IOTRIM_SAMPLE_BYTES_MIN; s <= n; s++) {
		struct flow f = { .tcp = true, .down = true, .device_port = 42500,
				  .remote_port = 80, .host = next_port++, .seq = 9 };

		set_config(0, 1, s, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
		check_case(&f, (const __u8 *)buf, n, s, "http sample cut");
	}
}

static size_t mqtt_publish(__u8 *out, const char *topic, int qos, const __u8 *payload,
			   size_t len, size_t total_payload)
{
	size_t tl = strlen(topic), rem = 2 + tl + (qos ? 2 : 0) + total_payload, n = 0;

	out[n++] = 0x30 | qos << 1;
	do {
		out[n++] = (rem & 0x7f) | (rem > 0x7f ? 0x80 : 0);
		rem >>= 7;
	} while (rem);
	out[n++] = tl >> 8;
	out[n++] = tl;
	memcpy(out + n, topic, tl);
	n += tl;
	if (qos) {
		out[n++] = 0;
		out[n++] = 1;
	}
	memcpy(out + n, payload, len);
	return n + len;
}

TEST(mqtt_on_1883)
{
	static const __u8 connect[] = "\x10\x1a\x00\x04MQTT\x04\x02\x00\x3c\x00\x0e" "bulb-1-a1b2c3d";
	static const char text[] = "{\"on\":true,\"brightness\":80}";
	struct flow f = { .tcp = true, .device_port = 42400, .remote_port = 1883, .seq = 1 };
	__u8 buf[2048];
	size_t n;

	fixture_clear(&fx);
	sample_all();
	EXPECT_CLASS(&f, connect, sizeof(connect) - 1, PAYLOAD_TEXT, CLASSIFY_MQTT);
	f.seq += sizeof(connect) - 1;
	n = mqtt_publish(buf, "iot/bulb/state", 1, (const __u8 *)text, strlen(text), strlen(text));
	EXPECT_CLASS(&f, buf, n, PAYLOAD_TEXT, CLASSIFY_MQTT);
	f.seq += n;
	/* a camera snapshot: media, and the rest of the PUBLISH stays media */
	n = mqtt_publish(buf, "cam/snap", 0, kinds[K_JPEG].data, 1000, 3000);
	EXPECT_CLASS(&f, buf, n, PAYLOAD_MEDIA, CLASSIFY_MQTT);
	f.seq += n;
	EXPECT_CLASS(&f, kinds[K_JPEG].data + 1000, 1400, PAYLOAD_MEDIA, CLASSIFY_STICKY);
	f.seq += 1400;
	EXPECT_CLASS(&f, kinds[K_JPEG].data + 2400, 600, PAYLOAD_MEDIA, CLASSIFY_STICKY);
	f.seq += 600;
	/* a long text PUBLISH: its continuation stays text (JSON alone is unknown) */
	n = mqtt_publish(buf, "iot/log", 0, kinds[K_JSON].data, 1000, 2400);
	EXPECT_CLASS(&f, buf, n, PAYLOAD_TEXT, CLASSIFY_MQTT);
	f.seq += n;
	EXPECT_CLASS(&f, kinds[K_JSON].data + 1000, 1400, PAYLOAD_TEXT, CLASSIFY_STICKY);
	f.seq += 1400;
	/* encrypted by the application */
	n = mqtt_publish(buf, "iot/x", 0, kinds[K_RANDOM].data, 1200, 1200);
	EXPECT_CLASS(&f, buf, n, PAYLOAD_ENCRYPTED, CLASSIFY_MQTT);
	f.seq += n;
	/* not MQTT on 1883 (reserved type 0): by entropy */
	EXPECT_CLASS(&f, "\x00\x05hello, this is not mqtt at all", 32, PAYLOAD_UNKNOWN,
		     CLASSIFY_ENTROPY);
}

/* ---- sampling --------------------------------------------------------- */

static int sampled_of(struct flow *f, int packets, __u32 len)
{
	int sampled = 0;

	for (int i = 0; i < packets; i++) {
		struct classify_record r;

		sampled += send_payload(f, kinds[K_RANDOM].data, len, &r) == 1;
		f->seq += len;
	}
	return sampled;
}

TEST(sampling_first_k_then_one_in_n)
{
	struct flow f = { .tcp = true, .device_port = 43000, .remote_port = 443 };
	struct classify_record r;
	struct payload_counter c;

	fixture_clear(&fx);
	set_config(3, 4, 1024, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	/* pure ACKs carry no payload and do not count */
	for (int i = 0; i < 5; i++)
		EXPECT(send_payload(&f, NULL, 0, &r) == 0, "ACK %d sampled", i);
	EXPECT(sampled_of(&f, 19, 1000) == 3 + 4, "19 packets, K=3 N=4: 3 + 4 samples");
	c = flow_payload(&f);
	EXPECT(c.sampled == 7 * 1000 && c.encrypted == 7 * 1000, "sampled %llu encrypted %llu",
	       c.sampled, c.encrypted);
	/* the other direction has its own count */
	f.down = true;
	EXPECT(sampled_of(&f, 3, 1000) == 3, "download: first 3 sampled");
}

TEST(sampling_settings_change_at_run_time)
{
	struct flow f = { .device_port = 43100, .remote_port = NEUTRAL_PORT };
	struct flow_value v;
	struct flow_key k;

	fixture_clear(&fx);
	set_config(2, 0, 1024, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	EXPECT(sampled_of(&f, 10, 500) == 2, "K=2 N=0: only the first 2");
	set_config(2, 1, 1024, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	EXPECT(sampled_of(&f, 10, 500) == 10, "N=1: every packet");
	set_config(0, 0, 1024, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	EXPECT(sampled_of(&f, 10, 500) == 0, "K=0 N=0: off");
	set_config(100, 0, 1024, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	EXPECT(sampled_of(&f, 10, 500) == 10, "K=100: packets 31-40 are among the first 100");
	set_config(20, 0, 1024, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	EXPECT(sampled_of(&f, 10, 500) == 0, "K=20 after 40 packets: past it");
	k = key_of(&f);
	ASSERT(!fixture_lookup_flow(&fx, &k, &v), "flow");
	EXPECT(v.up.packets == 50 && v.payload_up.sampled == 22 * 500,
	       "packets %llu (all counted), sampled bytes %llu", v.up.packets,
	       v.payload_up.sampled);
	EXPECT(v.sample_up.packets == 50, "payload packets seen %u", v.sample_up.packets);
}

TEST(sampling_defaults_when_the_map_is_zero)
{
	struct flow f = { .device_port = 43200, .remote_port = NEUTRAL_PORT };

	fixture_clear(&fx);
	set_config(0, 0, 0, IOTRIM_CONFIG_DEBUG);	/* not SET: defaults */
	EXPECT(sampled_of(&f, 8 + 128, 100) == 8 + 2, "K=8 N=64 by default");
}

TEST(sample_bytes_limit_what_is_looked_at)
{
	struct flow f = { .device_port = 43300, .remote_port = NEUTRAL_PORT };
	struct classify_record r;
	struct payload_counter c;

	fixture_clear(&fx);
	set_config(0, 1, 64, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	ASSERT(send_payload(&f, kinds[K_RANDOM].data, 1000, &r) == 1, "sampled");
	EXPECT(r.sample_len == 64 && r.payload_len == 1000, "sample_len %u", r.sample_len);
	/* 64 random bytes cannot have H > 0.75: unknown, for all 1000 bytes */
	EXPECT(r.class == PAYLOAD_UNKNOWN, "class %s", class_name(r.class));
	c = flow_payload(&f);
	EXPECT(c.sampled == 1000 && c.unknown == 1000, "sampled %llu", c.sampled);
	/* out-of-range values fall back to the default */
	set_config(0, 1, 5000, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	ASSERT(send_payload(&f, kinds[K_RANDOM].data, 1400, &r) == 1, "sampled");
	EXPECT(r.sample_len == IOTRIM_DEFAULT_SAMPLE_BYTES, "sample_len %u", r.sample_len);
}

TEST(gso_skb_counts_its_wire_packets)
{
	static struct pkt p;
	struct flow f = { .tcp = true, .down = true, .device_port = 43400, .remote_port = 443,
			  .seq = 1 };
	struct __sk_buff skb = { .gso_segs = 4, .gso_size = 900 };
	struct classify_record r;
	struct payload_counter c;
	__u32 len;

	fixture_clear(&fx);
	set_config(2, 0, 1024, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	len = build(&p, &f, kinds[K_TLS].data, 3600);
	ASSERT(run_frame(&f, &p, len, &skb, &r) == 1, "sampled");
	EXPECT(r.payload_len == 900 && r.sampled_bytes == 2 * 900,
	       "per-segment payload %u, sampled bytes %llu (K=2 of 4 segments)", r.payload_len,
	       r.sampled_bytes);
	EXPECT(r.class == PAYLOAD_ENCRYPTED, "class %s", class_name(r.class));
	c = flow_payload(&f);
	EXPECT(c.sampled == 1800 && c.encrypted == 1800, "sampled %llu", c.sampled);
	/* K used up; one in 3 from now on: 4 more segments, one sample */
	set_config(2, 3, 1024, IOTRIM_CONFIG_SET | IOTRIM_CONFIG_DEBUG);
	ASSERT(run_frame(&f, &p, len, &skb, &r) == 1, "sampled");
	EXPECT(r.sampled_bytes == 900, "sampled bytes %llu", r.sampled_bytes);
}

TEST(device_totals_are_the_sum_of_its_flows)
{
	struct device_value d;
	struct payload_counter sum = { 0 };
	struct flow f[3] = {
		{ .device_port = 43500, .remote_port = 53 },
		{ .tcp = true, .device_port = 43501, .remote_port = 443 },
		{ .tcp = true, .down = true, .device_port = 43502, .remote_port = 80 },
	};

	fixture_clear(&fx);
	sample_all();
	for (int i = 0; i < 3; i++)
		sampled_of(&f[i], 5, 300 + 100 * i);
	for (int i = 0; i < 3; i++) {
		struct payload_counter c = flow_payload(&f[i]);

		for (int k = 0; k < PAYLOAD_CLASS__COUNT; k++)
			((__u64 *)&sum)[k] += class_bytes(&c, k);
	}
	ASSERT(!fixture_lookup_device(&fx, dev_mac, &d), "device");
	for (int k = 0; k < PAYLOAD_CLASS__COUNT; k++) {
		__u64 dev = class_bytes(&d.payload_up, k) + class_bytes(&d.payload_down, k);

		EXPECT(dev == class_bytes(&sum, k), "field %d: device %llu, flows %llu", k, dev,
		       class_bytes(&sum, k));
	}
	EXPECT(sum.sampled == 5 * 300 + 5 * 400 + 5 * 500, "sampled %llu", sum.sampled);
}

/* ---- malformed -------------------------------------------------------- */

/*
 * Payload of 0..16 bytes ending exactly at the IP packet's end, with
 * Ethernet padding behind it full of things the rules would match.  The
 * classifier must see exactly the payload: no sample for 0 bytes, ignored
 * for 1-3, and the reference class of just those bytes otherwise.
 */
TEST(payload_ends_near_the_frame_end)
{
	static const char trap[] = "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\n\r\n"
				   "\xff\xd8\xff\xe0" "\x1f\x8b\x08";
	static struct pkt p;

	fixture_clear(&fx);
	sample_all();
	for (int v = 0; v < 4; v++) {
		for (__u32 opts = 0; opts <= 40; opts += (v & 1) ? 4 : 40) {
			for (__u32 len = 0; len <= 16; len++) {
				struct flow f = { .v6 = v & 2, .tcp = v & 1, .device_port = 44500,
						  .remote_port = NEUTRAL_PORT, .host = next_port++,
						  .down = len & 1, .tcp_options = opts };
				__u8 payload[16];
				struct classify_record r;
				__u32 frame;
				int got;

				memcpy(payload, kinds[K_RANDOM].data + len, sizeof(payload));
				frame = build(&p, &f, payload, len);
				/* padding after the IP packet, not counted in its length */
				memcpy(p.data + frame, trap, sizeof(trap) - 1);
				frame += sizeof(trap) - 1;
				got = run_frame(&f, &p, frame, NULL, &r);
				if (len == 0) {
					EXPECT(got == 0, "v%d opts %u: empty payload sampled", v, opts);
					continue;
				}
				EXPECT(got == 1 && r.payload_len == len &&
					       r.sample_len == (len < 4 ? 0 : len),
				       "v%d opts %u len %u: sampled %d payload %u sample %u", v, opts,
				       len, got, r.payload_len, r.sample_len);
				if (got == 1 && len >= 4) {
					struct ref_sample s = { .b = payload, .len = len,
								.payload = len, .tcp = f.tcp };
					int reason, want = ref_classify(&s, &reason);

					EXPECT(r.class == want &&
						       fabs(kernel_h(&r) - ref_entropy(payload, len)) < 0.01,
					       "v%d len %u: %s, want %s", v, len, class_name(r.class),
					       class_name(want));
				} else if (got == 1) {
					EXPECT(r.class == PAYLOAD_IGNORED, "len %u: %s", len,
					       class_name(r.class));
				}
			}
		}
	}
}

/* Frames cut short of what their IP and L4 headers claim: never sampled. */
TEST(truncated_frames_are_not_sampled)
{
	static struct pkt p;
	__u64 counters[IOTRIM_COUNTER__COUNT];
	int samples = 0;

	fixture_clear(&fx);
	sample_all();
	for (int v = 0; v < 4; v++) {
		struct flow f = { .v6 = v & 2, .tcp = v & 1, .device_port = 44000,
				  .remote_port = 80, .host = v };
		__u32 full = build(&p, &f, "GET / HTTP/1.1\r\n\r\n", 18);

		for (__u32 cut = ETH_HLEN; cut < full; cut++) {
			struct classify_record r;
			int got;

			build(&p, &f, "GET / HTTP/1.1\r\n\r\n", 18);
			got = run_frame(&f, &p, cut, NULL, &r);
			samples += got != 0;
			EXPECT(got == 0, "v%d cut at %u of %u: sampled (%d)", v, cut, full, got);
		}
	}
	EXPECT(!fixture_read_counters(&fx, counters) && counters[IOTRIM_ERR_TRUNC_L3] +
							counters[IOTRIM_ERR_TRUNC_L4] > 0,
	       "truncation counted");
	EXPECT(samples == 0, "%d samples from truncated frames", samples);
}

/* A TCP data offset pointing at (or past) the packet end. */
TEST(tcp_header_up_to_the_end_has_no_payload)
{
	static struct pkt p;
	struct flow f = { .tcp = true, .device_port = 44100, .remote_port = 80 };
	struct classify_record r;
	__u32 len = build(&p, &f, "abcdefgh", 8);

	fixture_clear(&fx);
	sample_all();
	/* doff 7: the 8 payload bytes become TCP options */
	p.data[p.l4_off + 12] = 7 << 4;
	EXPECT(run_frame(&f, &p, len, NULL, &r) == 0, "options sampled as payload");
	/* doff 8: past the IP packet: a parse error, nothing counted */
	p.data[p.l4_off + 12] = 8 << 4;
	EXPECT(run_frame(&f, &p, len, NULL, &r) == 0, "bad doff sampled");
	/* doff 6: 4 bytes of payload left */
	p.data[p.l4_off + 12] = 6 << 4;
	EXPECT(run_frame(&f, &p, len, NULL, &r) == 1 && r.payload_len == 4, "payload %u",
	       r.payload_len);
}

int main(void)
{
	fixture_open_or_exit(&fx);
	settings_fd = bpf_map__fd(fx.xdp->maps.settings);
	debug_fd = bpf_map__fd(fx.xdp->maps.classify_debug);
	make_kinds();

	RUN(entropy_table_matches_double);
	RUN(accuracy_random);
	RUN(accuracy_ascii_text);
	RUN(accuracy_json);
	RUN(accuracy_gzip);
	if (have_files) {
		RUN(accuracy_jpeg);
		RUN(accuracy_tls_application_data);
	} else {
		SKIP(accuracy_jpeg, "selftests/data missing");
		SKIP(accuracy_tls_application_data, "selftests/data missing");
	}
	RUN(accuracy_constant_bytes);
	RUN(accuracy_entropy_distributions);
	RUN(small_payloads_are_ignored);
	RUN(low_entropy_text_needs_more_than_100_bytes);
	RUN(tls_records);
	RUN(dns_and_quic);
	RUN(magic_numbers);
	RUN(http_content_type_sticks_for_the_body);
	RUN(http_sticky_label_ends_with_the_body);
	RUN(open_sticky_label_ends_at_the_next_message);
	RUN(http_requests_are_text);
	RUN(http_headers_cut_anywhere_never_mislabel);
	RUN(mqtt_on_1883);
	RUN(sampling_first_k_then_one_in_n);
	RUN(sampling_settings_change_at_run_time);
	RUN(sampling_defaults_when_the_map_is_zero);
	RUN(sample_bytes_limit_what_is_looked_at);
	RUN(gso_skb_counts_its_wire_packets);
	RUN(device_totals_are_the_sum_of_its_flows);
	RUN(payload_ends_near_the_frame_end);
	RUN(truncated_frames_are_not_sampled);
	RUN(tcp_header_up_to_the_end_has_no_payload);
	fixture_close(&fx);
	return harness_done();
}
