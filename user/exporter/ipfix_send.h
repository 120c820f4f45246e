/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Carries IPFIX messages to the collector from a thread of its own, so a
 * collector that is down, slow or unreachable never holds up counting or
 * the harvest.  The harvest only queues; the queue is bounded
 * (IPFIX_QUEUE_MAX bytes) and a message that does not fit is dropped and
 * counted.  UDP: each message one datagram, sent without waiting; an error
 * (e.g. ICMP port unreachable reported on the next send) drops the message.
 * TCP: non-blocking connect, reconnect with backoff (1 s doubling to 30 s),
 * the templates first on every connection, a message cut by a broken
 * connection sent again whole on the next.
 */
#ifndef IOTRIM_EXPORTER_IPFIX_SEND_H
#define IOTRIM_EXPORTER_IPFIX_SEND_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define IPFIX_QUEUE_MAX (4u << 20)

enum ipfix_transport { IPFIX_UDP, IPFIX_TCP };

struct ipfix_stats {
	uint64_t messages_sent, records_sent;
	uint64_t messages_dropped, records_dropped;
	uint64_t connects, connect_failures;
	size_t queued_bytes;
	bool connected;		/* TCP; UDP: always */
};

struct ipfix_msg;

struct ipfix_sender {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop, started;
	double drain_until;	/* monotonic seconds: after stop, try until then */
	enum ipfix_transport transport;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	uint8_t *preamble;	/* the templates message, sent first on each TCP connection */
	size_t preamble_len;
	struct ipfix_msg *head, *tail;
	struct ipfix_stats st;
	/* The thread's own. */
	int fd;
	double backoff_s, next_connect;
};

/* Starts the thread; addr is the collector.  0 or -errno. */
int ipfix_sender_start(struct ipfix_sender *s, enum ipfix_transport t,
		       const struct sockaddr *addr, socklen_t addr_len,
		       const uint8_t *preamble, size_t preamble_len);
/* Queues a copy of msg (records data records), or drops and counts it; never blocks. */
void ipfix_sender_push(struct ipfix_sender *s, const uint8_t *msg, size_t len, unsigned records);
void ipfix_sender_stats(struct ipfix_sender *s, struct ipfix_stats *out);
/* Sends what is queued for up to drain_s seconds, then stops; what is left is
 * dropped and counted in *final (may be NULL). */
void ipfix_sender_stop(struct ipfix_sender *s, double drain_s, struct ipfix_stats *final);

#endif
