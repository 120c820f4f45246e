// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Attribution events -> names map and a sink: see names.h. */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>

#include "common/clock.h"
#include "common/hash.h"
#include "common/log.h"
#include "attrib/dns.h"
#include "common/fmt.h"
#include "attrib/names.h"
#include "attrib/tls.h"
#include "attrib/cert.h"
#include "attrib/cert_reasm.h"

#define NS_PER_S 1000000000ULL

void attrib_init(struct attrib *a, const struct attrib_sink *sink, int names_fd,
		 unsigned grace_s)
{
	memset(a, 0, sizeof(*a));
	a->sink = sink;
	a->names_fd = names_fd;
	a->grace_ns = (uint64_t)grace_s * NS_PER_S;
	cert_reasm_init(&a->certs);
}

void attrib_close(struct attrib *a)
{
	cert_reasm_free(&a->certs);
	cert_cache_free(&a->cert_cache);
}

static void name_key_of(const struct iotrim_event *ev, uint8_t family, const uint8_t *ip,
			struct name_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->device_mac, ev->key.device_mac, 6);
	k->family = family;
	memcpy(k->ip, ip, family == IOTRIM_FAMILY_IPV4 ? 4 : 16);
}

/*
 * The names map holds one name per (device, address).  A DNS answer always
 * replaces the entry; an SNI only fills in where no live DNS entry is.
 */
static void put_name(struct attrib *a, const struct name_key *k, const char *name,
		     uint8_t source, uint32_t ttl, uint64_t ts_ns)
{
	struct name_value v;

	if (a->names_fd < 0)
		return;
	if (source == IOTRIM_NAME_SNI &&
	    bpf_map_lookup_elem(a->names_fd, k, &v) == 0 && v.source == IOTRIM_NAME_DNS &&
	    v.expires_ns > ts_ns)
		return;
	memset(&v, 0, sizeof(v));
	v.expires_ns = ts_ns + (uint64_t)ttl * NS_PER_S + a->grace_ns;
	v.updated_ns = ts_ns;
	v.ttl = ttl;
	v.source = source;
	snprintf(v.name, sizeof(v.name), "%s", name);
	if (bpf_map_update_elem(a->names_fd, k, &v, BPF_ANY) != 0)
		warn("updating the names map failed: %s", strerror(errno));
}

static void record_name(struct attrib *a, const char *mac, const char *ip, const char *name,
			const char *source, const char *chain, uint32_t ttl, uint16_t sni_port,
			int64_t ms)
{
	const struct name_record r = {
		.device_mac = mac, .ip = ip, .name = name, .source = source, .chain = chain,
		.ttl = ttl, .sni_port = sni_port, .seen_ms = ms,
		.expires_ms = ms + (int64_t)ttl * 1000 + (int64_t)(a->grace_ns / 1000000),
	};

	if (!a->sink)
		return;
	a->sink->name(a->sink->ctx, &r);
	a->pending++;
}

/* FNV-1a over the question; names are lower case already (dns.c). */
static uint64_t question_hash(const struct dns_message *m)
{
	const uint8_t qtype[2] = { m->qtype & 0xff, m->qtype >> 8 };

	return fnv1a64_add(fnv1a64(m->qname, strlen(m->qname)), qtype, sizeof(qtype));
}

static void remember_query(struct attrib *a, const struct iotrim_event *ev,
			   const struct dns_message *m)
{
	struct pending_query *q = &a->queries[a->next_query++ % ATTRIB_PENDING_QUERIES];

	q->ts_ns = ev->ts_ns ? ev->ts_ns : 1;
	q->question = question_hash(m);
	memcpy(q->mac, ev->key.device_mac, 6);
	q->id = m->id;
	q->port = ev->device_port;
}

/* Finds and takes the device's recent query this answers: one answer per query. */
static bool take_query(struct attrib *a, const struct iotrim_event *ev,
		       const struct dns_message *m)
{
	uint64_t question = question_hash(m);

	for (unsigned i = 0; i < ATTRIB_PENDING_QUERIES; i++) {
		struct pending_query *q = &a->queries[i];

		if (!q->ts_ns || q->id != m->id || q->port != ev->device_port ||
		    q->question != question || memcmp(q->mac, ev->key.device_mac, 6))
			continue;
		/* Answers come after their query, and soon. */
		if (ev->ts_ns + 1000000000ULL < q->ts_ns || ev->ts_ns > q->ts_ns + ATTRIB_QUERY_WINDOW_NS)
			continue;
		q->ts_ns = 0;
		return true;
	}
	return false;
}

static void handle_dns(struct attrib *a, const struct iotrim_event *ev)
{
	static struct dns_message m;	/* 4 KiB of chain: not on the stack */
	char mac[MAC_STRLEN], ip[INET6_ADDRSTRLEN], chain[DNS_MAX_CHAIN * DNS_NAME_MAX];
	char tbuf[16], rbuf[16];
	int64_t ms = a->sink ? boot_ns_to_unix_ms(ev->ts_ns) : 0;
	int st = dns_parse(ev->payload, ev->len, ev->key.proto == IPPROTO_TCP, &m);

	if (st == DNS_TRUNCATED) {
		a->st.dns_truncated++;
		return;
	}
	if (st != DNS_OK) {
		a->st.dns_malformed++;
		return;
	}
	format_mac(ev->key.device_mac, mac);
	if (ev->direction == 0) {
		/* From the device: a query (a device answering queries is not ours to name). */
		if (m.response)
			return;
		a->st.dns_queries++;
		remember_query(a, ev, &m);
		if (!a->sink)
			return;
		a->sink->query(a->sink->ctx, mac, m.qname, dns_type_name(m.qtype, tbuf), ms);
		a->pending++;
		return;
	}
	if (!m.response)
		return;
	a->st.dns_responses++;
	if (!take_query(a, ev, &m)) {
		a->st.dns_unmatched++;
		return;
	}
	chain[0] = '\0';
	for (int i = 0, o = 0; i < m.chain_len; i++)
		o += snprintf(chain + o, sizeof(chain) - o, "%s%s", i ? " " : "", m.chain[i]);
	for (int i = 0; i < m.naddrs; i++) {
		const struct dns_addr *d = &m.addrs[i];
		struct name_key k;

		name_key_of(ev, d->family, d->ip, &k);
		put_name(a, &k, m.qname, IOTRIM_NAME_DNS, d->ttl, ev->ts_ns);
		a->st.dns_addresses++;
		if (a->sink) {
			format_ip(d->family, d->ip, ip);
			record_name(a, mac, ip, m.qname, "dns", chain, d->ttl, 0, ms);
		}
	}
	if (!a->sink)
		return;
	a->sink->response(a->sink->ctx, mac, m.qname, dns_type_name(m.qtype, tbuf),
			  dns_rcode_name(m.rcode, rbuf), ms);
	a->pending++;
}

static void conn_key_of_event(const struct iotrim_event *ev, struct conn_key *k)
{
	memset(k, 0, sizeof(*k));
	k->flow = ev->key;
	k->device_port = ev->device_port;
}

static void record_certificate(struct attrib *a, const struct iotrim_event *ev, const char *sni,
			       const struct cert_info *cert)
{
	char mac[MAC_STRLEN], ip[INET6_ADDRSTRLEN];
	struct cert_record r = {
		.device_mac = mac, .ip = ip, .port = ev->key.remote_port, .sni = sni,
		.hidden = !cert, .cert = cert, .seen_ms = boot_ns_to_unix_ms(ev->ts_ns),
	};

	if (!a->sink || !a->sink->certificate)
		return;
	format_mac(ev->key.device_mac, mac);
	format_ip(ev->key.family, ev->key.remote_ip, ip);
	a->sink->certificate(a->sink->ctx, &r);
	a->pending++;
}

/* What a step of a flight's reassembly (cert_reasm.h) comes to. */
static void cert_step(struct attrib *a, const struct iotrim_event *ev, const struct conn_key *k,
		      int st)
{
	const uint8_t *body;
	const char *sni;
	struct cert_info info;
	size_t len;

	switch (st) {
	case CERT_REASM_MORE:
		break;
	case CERT_REASM_DONE:
		cert_reasm_message(&a->certs, k, &body, &len, &sni);
		if (cert_cache_parse(&a->cert_cache, body, len, sni,
				     boot_ns_to_unix_ms(ev->ts_ns) / 1000, &info) == CERT_OK) {
			a->st.cert_certificates++;
			a->st.cert_malformed += info.malformed;
			record_certificate(a, ev, sni, &info);
		} else {
			a->st.cert_malformed++;
		}
		break;
	case CERT_REASM_ABSENT:
		a->st.cert_absent++;
		break;
	case CERT_REASM_MALFORMED:
		a->st.cert_malformed++;
		break;
	case CERT_REASM_UNMATCHED:
		a->st.cert_unmatched++;
		break;
	default:
		a->st.cert_incomplete++;
		break;
	}
	if (st != CERT_REASM_MORE && st != CERT_REASM_UNMATCHED)
		cert_reasm_finish(&a->certs, k);
	a->st.cert_dropped = a->certs.dropped;
	a->st.cert_out_of_order = a->certs.out_of_order;
}

/* A ServerHello: TLS 1.3 hides the certificate; up to 1.2 its flight starts here. */
static void cert_server_hello(struct attrib *a, const struct iotrim_event *ev, uint16_t version)
{
	struct conn_key k;

	if (ev->key.proto != IPPROTO_TCP)
		return;
	conn_key_of_event(ev, &k);
	if (version == 0x0304) {
		char sni[TLS_SNI_MAX];

		cert_reasm_forget(&a->certs, &k, sni);
		a->st.cert_hidden++;
		record_certificate(a, ev, sni, NULL);
		return;
	}
	if (version < 0x0300 || version > 0x0303)
		return;
	a->st.cert_flights++;
	cert_step(a, ev, &k, cert_reasm_server_hello(&a->certs, &k, ev->tcp_seq, ev->payload,
						     ev->len, ev->ts_ns));
}

static void handle_cert(struct attrib *a, const struct iotrim_event *ev)
{
	struct conn_key k;

	if (ev->direction != 1 || ev->key.proto != IPPROTO_TCP || !ev->len) {
		a->st.events_bad++;
		return;
	}
	conn_key_of_event(ev, &k);
	cert_step(a, ev, &k, cert_reasm_segment(&a->certs, &k, ev->tcp_seq, ev->payload, ev->len,
						ev->ts_ns));
}

static void handle_tls(struct attrib *a, const struct iotrim_event *ev)
{
	struct tls_hello h;
	char mac[MAC_STRLEN], ip[INET6_ADDRSTRLEN];
	int st = tls_parse_hello(ev->payload, ev->len, &h);
	int64_t ms;

	if (st == TLS_NOT_HELLO) {
		a->st.tls_not_hello++;
		return;
	}
	if (st == TLS_MALFORMED) {
		a->st.tls_malformed++;
		return;
	}
	if (st == TLS_TRUNCATED)
		a->st.tls_truncated++;
	/* A hello in the wrong direction is not a device's. */
	if ((h.type == TLS_CLIENT_HELLO) != (ev->direction == 0))
		return;
	format_mac(ev->key.device_mac, mac);
	format_ip(ev->key.family, ev->key.remote_ip, ip);
	ms = a->sink ? boot_ns_to_unix_ms(ev->ts_ns) : 0;
	if (h.type == TLS_CLIENT_HELLO) {
		struct name_key k;
		struct conn_key ck;

		if (st == TLS_OK)
			a->st.tls_client_hellos++;
		if (ev->key.proto == IPPROTO_TCP) {
			conn_key_of_event(ev, &ck);
			cert_reasm_client_hello(&a->certs, &ck, h.has_sni ? h.sni : NULL, ev->ts_ns);
		}
		if (!h.has_sni)
			return;
		a->st.tls_sni++;
		name_key_of(ev, ev->key.family, ev->key.remote_ip, &k);
		put_name(a, &k, h.sni, IOTRIM_NAME_SNI, 0, ev->ts_ns);
		record_name(a, mac, ip, h.sni, "sni", "", 0, ev->key.remote_port, ms);
		return;
	}
	if (st != TLS_OK)
		return;	/* the version is in the extensions at the end */
	a->st.tls_server_hellos++;
	cert_server_hello(a, ev, h.version);
	if (!a->sink || !tls_version_name(h.version))
		return;
	a->sink->tls_version(a->sink->ctx, mac, ip, ev->key.remote_port,
			     tls_version_name(h.version), ms);
	a->pending++;
}

void attrib_handle(struct attrib *a, const void *data, size_t size)
{
	const struct iotrim_event *ev = data;

	a->st.events++;
	if (size < sizeof(*ev) || ev->len > IOTRIM_EVENT_PAYLOAD_MAX ||
	    (ev->key.family != IOTRIM_FAMILY_IPV4 && ev->key.family != IOTRIM_FAMILY_IPV6)) {
		a->st.events_bad++;
		return;
	}
	if (ev->kind == IOTRIM_EV_DNS)
		handle_dns(a, ev);
	else if (ev->kind == IOTRIM_EV_TLS)
		handle_tls(a, ev);
	else if (ev->kind == IOTRIM_EV_TLS_CERT)
		handle_cert(a, ev);
	else
		a->st.events_bad++;
}

void attrib_stats_list(const struct attrib_stats *st, const char *names[ATTRIB_STATS_FIELDS],
		       uint64_t values[ATTRIB_STATS_FIELDS])
{
	static const char *const n[ATTRIB_STATS_FIELDS] = {
		"events", "dns_queries", "dns_responses", "dns_addresses", "dns_malformed",
		"dns_truncated", "tls_client_hellos", "tls_server_hellos", "tls_sni",
		"tls_malformed", "tls_truncated", "tls_not_hello", "events_bad", "dns_unmatched",
		"cert_flights", "cert_certificates", "cert_hidden", "cert_malformed",
		"cert_absent", "cert_incomplete", "cert_unmatched", "cert_dropped",
		"cert_out_of_order",
	};
	const uint64_t v[ATTRIB_STATS_FIELDS] = {
		st->events, st->dns_queries, st->dns_responses, st->dns_addresses,
		st->dns_malformed, st->dns_truncated, st->tls_client_hellos,
		st->tls_server_hellos, st->tls_sni, st->tls_malformed, st->tls_truncated,
		st->tls_not_hello, st->events_bad, st->dns_unmatched,
		st->cert_flights, st->cert_certificates, st->cert_hidden, st->cert_malformed,
		st->cert_absent, st->cert_incomplete, st->cert_unmatched, st->cert_dropped,
		st->cert_out_of_order,
	};

	_Static_assert(sizeof(struct attrib_stats) == ATTRIB_STATS_FIELDS * sizeof(uint64_t),
		       "every stats field is listed");
	for (int i = 0; i < ATTRIB_STATS_FIELDS; i++) {
		names[i] = n[i];
		values[i] = v[i];
	}
}

int attrib_flush(struct attrib *a)
{
	uint64_t now[ATTRIB_STATS_FIELDS], before[ATTRIB_STATS_FIELDS];
	struct attrib_stats growth;
	int err;

	if (!a->sink)
		return 0;
	/* Every field is a uint64_t (attrib_stats_list checks): subtract them as an array. */
	memcpy(now, &a->st, sizeof(now));
	memcpy(before, &a->saved, sizeof(before));
	for (int i = 0; i < ATTRIB_STATS_FIELDS; i++)
		now[i] -= before[i];
	memcpy(&growth, now, sizeof(growth));
	err = a->sink->flush(a->sink->ctx, &growth);
	if (!err)
		a->saved = a->st;
	a->pending = 0;
	return err;
}

int attrib_expire_names(struct attrib *a)
{
	struct name_key key, next, gone[256];
	struct name_value v;
	uint64_t now = clock_boot_ns();
	int n = 0, total = 0;
	void *prev = NULL;

	if (a->names_fd < 0)
		return 0;
	/* Collect then delete, so the walk is not disturbed; bounded rounds. */
	for (int round = 0; round < 1024; round++) {
		n = 0;
		prev = NULL;
		while (n < 256 && bpf_map_get_next_key(a->names_fd, prev, &next) == 0) {
			if (bpf_map_lookup_elem(a->names_fd, &next, &v) == 0 && v.expires_ns < now)
				gone[n++] = next;
			key = next;
			prev = &key;
		}
		for (int i = 0; i < n; i++)
			bpf_map_delete_elem(a->names_fd, &gone[i]);
		total += n;
		if (n < 256)
			break;
	}
	return total;
}
