/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What the server (web/server.c) hands its handlers (web/api.c, web/pages.c). */
#ifndef IOTRIM_WEB_HTTP_H
#define IOTRIM_WEB_HTTP_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "web/router.h"
#include "web/session.h"

struct MHD_Connection;
struct MHD_Daemon;

/* An experiment this server started (web/experiments.c), until it is reaped. */
struct web_child {
	int64_t id;
	pid_t pid;
	uint8_t mac[6];		/* its device */
};

#define WEB_MAX_CHILDREN 16

struct web_server {
	struct MHD_Daemon *mhd;
	char db[4096];
	bool loopback;			/* reads are open, and the Host header is checked */
	unsigned port;
	bool allow_experiment_commands;	/* uploaded experiment files may run (README) */
	struct web_sessions sessions;	/* touched by the server's one thread only */
	struct web_child children[WEB_MAX_CHILDREN];	/* likewise */
	size_t nchildren;
};

struct web_request {
	struct MHD_Connection *conn;
	const char *method, *path;
	const char *rest;		/* the path after a prefix route: "12" of /api/blocks/12 */
	const char *body;		/* NUL-terminated */
	size_t body_len;
	const struct sockaddr *client;
	const struct web_session *session;	/* the cookie's live session, or NULL */
};

struct web_response {
	unsigned status;
	const char *type;		/* Content-Type */
	FILE *out;			/* the body (a memstream) */
	char *body;
	size_t len;
	char set_cookie[256];		/* "" none */
	char location[256];		/* "" none: for 303 See Other */
};

/* A query argument of the request, or NULL. */
const char *web_query(const struct web_request *req, const char *name);
/* A request header, or NULL. */
const char *web_header(const struct web_request *req, const char *name);
/* Opens the database for this request; NULL (and a 500 answer) if it fails. */
sqlite3 *web_db(struct web_server *s, struct web_response *resp);

/* {"error": msg} with status. */
void web_error(struct web_response *resp, unsigned status, const char *msg);
/* A 303 to location. */
void web_redirect(struct web_response *resp, const char *location);

#endif
