// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The /metrics endpoint: see http.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "exporter/http.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static enum MHD_Result queue_text(struct MHD_Connection *c, unsigned status, const char *text,
				  size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)text, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct metrics_server *s = cls;
	enum MHD_Result ret;

	(void)version, (void)upload, (void)con_cls;
	if (*upload_size)
		return MHD_NO;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		static const char msg[] = "only GET\n";

		return queue_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, msg, sizeof(msg) - 1,
				  MHD_RESPMEM_PERSISTENT);
	}
	if (strcmp(url, "/metrics")) {
		static const char msg[] = "iotrim serves /metrics\n";

		return queue_text(c, MHD_HTTP_NOT_FOUND, msg, sizeof(msg) - 1,
				  MHD_RESPMEM_PERSISTENT);
	}
	pthread_mutex_lock(&s->lock);
	ret = queue_text(c, MHD_HTTP_OK, s->text ? s->text : "", s->text ? s->len : 0,
			 MHD_RESPMEM_MUST_COPY);
	s->scrapes++;
	pthread_mutex_unlock(&s->lock);
	return ret;
}

int metrics_server_start(struct metrics_server *s, const struct sockaddr *addr)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->lock, NULL);
	if (addr->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* Few, short connections: a scraper or two, each answered from memory. */
	s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s,
				     MHD_OPTION_SOCK_ADDR, addr,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)16,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				     MHD_OPTION_END);
	if (!s->daemon) {
		int err = errno ? -errno : -EADDRINUSE;

		pthread_mutex_destroy(&s->lock);
		return err;
	}
	return 0;
}

void metrics_server_publish(struct metrics_server *s, char *text, size_t len)
{
	char *old;

	pthread_mutex_lock(&s->lock);
	old = s->text;
	s->text = text;
	s->len = len;
	pthread_mutex_unlock(&s->lock);
	free(old);
}

uint64_t metrics_server_scrapes(struct metrics_server *s)
{
	uint64_t n;

	pthread_mutex_lock(&s->lock);
	n = s->scrapes;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s->daemon)
		return;
	MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
	pthread_mutex_destroy(&s->lock);
	free(s->text);
	s->text = NULL;
}
