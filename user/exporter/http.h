/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The /metrics endpoint (libmicrohttpd, its own thread).  The harvest
 * publishes a finished text; a scrape copies the latest one under a lock
 * held only for that copy, so a slow or stuck client never holds up a
 * harvest.
 */
#ifndef IOTRIM_EXPORTER_HTTP_H
#define IOTRIM_EXPORTER_HTTP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct metrics_server {
	struct MHD_Daemon *daemon;
	pthread_mutex_t lock;
	char *text;		/* the latest exposition, owned */
	size_t len;
	uint64_t scrapes;	/* answered with 200, under lock */
};

/* Listens on addr (IPv4 or IPv6); 0 or -errno. */
int metrics_server_start(struct metrics_server *s, const struct sockaddr *addr);
/* Replaces the text (the server takes text, from malloc). */
void metrics_server_publish(struct metrics_server *s, char *text, size_t len);
uint64_t metrics_server_scrapes(struct metrics_server *s);
void metrics_server_stop(struct metrics_server *s);

#endif
