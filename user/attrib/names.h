/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The controller's side of the attribution events (bpf/events.h): DNS
 * queries and answers and TLS hellos become (device, address) -> name in
 * the pinned "names" map, and records for a sink that keeps them (the
 * SQLite history: history/name_store.h), with TLS versions per destination.
 * Malformed input is counted, never trusted.
 */
#ifndef IOTRIM_NAMES_H
#define IOTRIM_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iotrim.h"
#include "attrib/cert.h"
#include "attrib/cert_cache.h"
#include "attrib/cert_reasm.h"

#define IOTRIM_DEFAULT_GRACE_S 300

/* Totals since the controller started; names are the attribution_counters rows. */
struct attrib_stats {
	uint64_t events;
	uint64_t dns_queries;
	uint64_t dns_responses;
	uint64_t dns_addresses;		/* (device, address) -> name records */
	uint64_t dns_malformed;
	uint64_t dns_truncated;		/* TCP message longer than its first segment */
	uint64_t tls_client_hellos;
	uint64_t tls_server_hellos;
	uint64_t tls_sni;
	uint64_t tls_malformed;
	uint64_t tls_truncated;		/* hello longer than the bytes we got */
	uint64_t tls_not_hello;
	uint64_t events_bad;		/* wrong size or kind */
	uint64_t dns_unmatched;		/* answers to no recent query of the device: ignored */
	/* Server certificates (cert_reasm.h, cert.h) */
	uint64_t cert_flights;		/* TLS <= 1.2 ServerHellos whose flight we put together */
	uint64_t cert_certificates;	/* Certificate messages parsed */
	uint64_t cert_hidden;		/* TLS 1.3 ServerHellos: the certificate is encrypted */
	uint64_t cert_malformed;	/* messages or certificates that did not parse */
	uint64_t cert_absent;		/* flights without a Certificate message (resumption) */
	uint64_t cert_incomplete;	/* flights longer than the bytes passed up (cut) */
	uint64_t cert_unmatched;	/* certificate bytes of no known ServerHello */
	uint64_t cert_dropped;		/* flights evicted or idle before their end */
	uint64_t cert_out_of_order;	/* certificate events not where the bytes so far ended */
};
#define ATTRIB_STATS_FIELDS 23

/* A name a device used for an address (from a DNS answer or a TLS SNI). */
struct name_record {
	const char *device_mac;
	const char *ip;
	const char *name;	/* asked name (first of the CNAME chain) or SNI */
	const char *source;	/* "dns" or "sni" */
	const char *chain;	/* CNAME targets after name, space separated */
	uint32_t ttl;
	uint16_t sni_port;	/* an SNI: the remote port it went to; 0 for DNS */
	int64_t seen_ms;	/* unix milliseconds */
	int64_t expires_ms;	/* seen + TTL + grace */
};

/* A server certificate seen by a device, or the fact that TLS 1.3 hid it. */
struct cert_record {
	const char *device_mac;
	const char *ip;
	uint16_t port;
	const char *sni;	/* of the connection's ClientHello; "" if none known */
	bool hidden;		/* TLS 1.3: the certificate was encrypted */
	const struct cert_info *cert;	/* NULL when hidden */
	int64_t seen_ms;
};

/*
 * Where attribution records go besides the names map.  Every call but
 * flush is one write; flush adds the counters' growth since the last
 * successful flush and commits; it returns 0 or -errno.
 */
struct attrib_sink {
	void *ctx;
	void (*name)(void *ctx, const struct name_record *r);
	void (*query)(void *ctx, const char *device_mac, const char *qname, const char *qtype,
		      int64_t ms);
	void (*response)(void *ctx, const char *device_mac, const char *qname, const char *qtype,
			 const char *rcode, int64_t ms);
	void (*tls_version)(void *ctx, const char *device_mac, const char *ip, uint16_t port,
			    const char *version, int64_t ms);
	void (*certificate)(void *ctx, const struct cert_record *r);
	int (*flush)(void *ctx, const struct attrib_stats *growth);
};

/*
 * A DNS answer names a device's flows only if it answers a query that
 * device sent recently: same MAC, transaction ID, device port and question
 * (name and type).  Otherwise another LAN host could ask the resolver with
 * the victim's address as source and relabel the victim's flows.
 */
#define ATTRIB_PENDING_QUERIES 2048
#define ATTRIB_QUERY_WINDOW_NS (30ULL * 1000000000ULL)

struct pending_query {
	uint64_t ts_ns;		/* 0: free */
	uint64_t question;	/* hash of the lower-case name and the type */
	uint8_t mac[6];
	uint16_t id;
	uint16_t port;		/* the device's */
};

struct attrib {
	const struct attrib_sink *sink;	/* NULL: the names map only (fuzzing) */
	int names_fd;			/* -1: no names map */
	uint64_t grace_ns;
	struct attrib_stats st, saved;	/* saved: what the sink has */
	unsigned pending;		/* sink writes since the last flush */
	struct pending_query queries[ATTRIB_PENDING_QUERIES];	/* a ring, oldest overwritten */
	unsigned next_query;
	struct cert_reasm certs;	/* server hello flights under way */
	struct cert_cache cert_cache;	/* certificate messages parsed before */
};

void attrib_init(struct attrib *a, const struct attrib_sink *sink, int names_fd,
		 unsigned grace_s);
/* Frees what attrib_handle holds (flights under way). */
void attrib_close(struct attrib *a);
/* One ring-buffer record (size bytes); never fails, counts what it drops. */
void attrib_handle(struct attrib *a, const void *data, size_t size);
/* Flushes the sink (see struct attrib_sink); 0 without one. */
int attrib_flush(struct attrib *a);
/* Deletes names map entries whose expiry has passed; returns how many. */
int attrib_expire_names(struct attrib *a);

/* Name, value pairs of a stats struct, in a stable order. */
void attrib_stats_list(const struct attrib_stats *st, const char *names[ATTRIB_STATS_FIELDS],
		       uint64_t values[ATTRIB_STATS_FIELDS]);

#endif
