/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Which handler answers a request, and whether the requester may have it.
 * Pure functions (no HTTP library), tested by selftests/unit/test_web.c.
 *
 * Access (README "Dashboard", security model):
 *  - public: the sign-in page and the static assets;
 *  - read: the pages and GET /api/...; open to anyone who reaches a
 *    loopback listener, else a session or a Bearer token;
 *  - action: every state-changing request; a Bearer token, or a session
 *    whose CSRF token the request sends back (X-CSRF-Token).
 * A wrong Bearer token or a wrong CSRF token is refused even where the
 * request would be allowed without one.
 */
#ifndef IOTRIM_WEB_ROUTER_H
#define IOTRIM_WEB_ROUTER_H

#include <stdbool.h>

enum web_access { WEB_PUBLIC, WEB_READ, WEB_ACTION };

struct web_server;
struct web_request;
struct web_response;
typedef void web_handler(struct web_server *s, const struct web_request *req,
			 struct web_response *resp);

struct web_route {
	const char *method;
	const char *path;	/* exact, or a prefix when it ends with '/' ("/" is exact) */
	enum web_access access;
	web_handler *handler;
};

/* The routes of the dashboard (web/routes.c), ending with a zeroed entry. */
extern const struct web_route web_routes[];

/*
 * The route for method and path, with *rest the part of the path after a
 * prefix route ("" for exact ones).  NULL if none; then *path_known says
 * whether another method has the path (405 rather than 404).
 */
const struct web_route *web_route_find(const struct web_route *table, const char *method,
				       const char *path, const char **rest, bool *path_known);

/* What a request brought, as the server checked it. */
struct web_credentials {
	bool reads_open;	/* a loopback listener */
	bool bearer_sent, bearer_valid;
	bool session;		/* a live session cookie */
	bool csrf_sent, csrf_valid;	/* X-CSRF-Token, matching the session's */
};

enum web_verdict {
	WEB_ALLOW,
	WEB_SIGN_IN,	/* no credentials: 401 for the API, the sign-in page for pages */
	WEB_FORBIDDEN,	/* wrong or insufficient credentials: 403 */
};

enum web_verdict web_authorize(enum web_access access, const struct web_credentials *c);

#endif
