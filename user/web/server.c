// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <microhttpd.h>

#include "common/clock.h"
#include "common/json.h"
#include "common/log.h"
#include "history/db.h"
#include "web/api.h"
#include "web/http.h"
#include "web/request.h"
#include "web/server.h"

#define WEB_BODY_MAX (256 * 1024)

/* Every answer: no framing, no sniffing, no caching, scripts from us only. */
static const char *const security_headers[][2] = {
	{ "Content-Security-Policy", "default-src 'none'; script-src 'self'; "
	  "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; "
	  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "X-Frame-Options", "DENY" },
	{ "Referrer-Policy", "no-referrer" },
	{ "Cache-Control", "no-store" },
};

struct upload {
	char *data;
	size_t len;
	bool too_big;
};

const char *web_query(const struct web_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *web_header(const struct web_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

sqlite3 *web_db(struct web_server *s, struct web_response *resp)
{
	sqlite3 *db;

	if (db_open(s->db, &db)) {
		web_error(resp, 500, "cannot open the database");
		return NULL;
	}
	return db;
}

void web_error(struct web_response *resp, unsigned status, const char *msg)
{
	struct json j;

	rewind(resp->out);
	resp->status = status;
	resp->type = "application/json";
	json_init(&j, resp->out);
	json_object_begin(&j, NULL);
	json_string(&j, "error", msg);
	json_object_end(&j);
	json_finish(&j);
}

void web_redirect(struct web_response *resp, const char *location)
{
	resp->status = 303;
	snprintf(resp->location, sizeof(resp->location), "%s", location);
}

/*
 * A loopback listener answers only requests addressed to a loopback name:
 * a web page elsewhere cannot read it through DNS rebinding.
 */
static bool host_allowed(const struct web_server *s, const char *host)
{
	static const char *const names[] = { "localhost", "127.0.0.1", "[::1]" };
	char want[32];

	if (!s->loopback)
		return true;
	if (!host)
		return false;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(want, sizeof(want), "%s:%u", names[i], s->port);
		if (!strcmp(host, want) || (s->port == 80 && !strcmp(host, names[i])))
			return true;
	}
	return false;
}

/* The credentials of the request; req->session filled from the cookie. */
static void credentials(struct web_server *s, struct web_request *req, struct web_credentials *c)
{
	const char *cookie = web_header(req, MHD_HTTP_HEADER_COOKIE);
	const char *auth = web_header(req, MHD_HTTP_HEADER_AUTHORIZATION);
	const char *csrf = web_header(req, "X-CSRF-Token");
	char id[WEB_SECRET_STRLEN];

	memset(c, 0, sizeof(*c));
	c->reads_open = s->loopback;
	if (cookie && !cookie_value(cookie, WEB_SESSION_COOKIE, id, sizeof(id)))
		req->session = session_find(&s->sessions, id, clock_wall_ms());
	c->session = req->session != NULL;
	c->csrf_sent = csrf != NULL;
	c->csrf_valid = csrf && req->session && secret_equal(csrf, req->session->csrf);
	if (auth) {
		c->bearer_sent = true;
		if (!strncmp(auth, "Bearer ", 7)) {
			sqlite3 *db;

			if (!db_open(s->db, &db)) {
				c->bearer_valid = web_token_valid(db, auth + 7) == 1;
				db_close(db);
			}
		}
	}
}

static void dispatch(struct web_server *s, struct web_request *req, struct web_response *resp)
{
	const struct web_route *route;
	struct web_credentials c;
	bool known;

	if (!host_allowed(s, web_header(req, MHD_HTTP_HEADER_HOST))) {
		web_error(resp, 403, "this server answers to localhost only");
		return;
	}
	route = web_route_find(web_routes, req->method, req->path, &req->rest, &known);
	if (!route) {
		web_error(resp, known ? 405 : 404, known ? "method not allowed" : "not found");
		return;
	}
	credentials(s, req, &c);
	switch (web_authorize(route->access, &c)) {
	case WEB_ALLOW:
		route->handler(s, req, resp);
		return;
	case WEB_SIGN_IN:
		if (strncmp(req->path, "/api/", 5))
			web_redirect(resp, "/login");
		else
			web_error(resp, 401, "sign in, or send Authorization: Bearer TOKEN");
		return;
	case WEB_FORBIDDEN:
		web_error(resp, 403, c.bearer_sent ? "wrong token" :
			  "needs a Bearer token, or a session and its X-CSRF-Token");
		return;
	}
}

static enum MHD_Result answer(struct web_server *s, struct MHD_Connection *conn, const char *url,
			      const char *method, struct upload *up)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	struct web_request req = { .conn = conn, .method = method, .path = url,
				   .body = up->data ? up->data : "", .body_len = up->len,
				   .client = ci ? ci->client_addr : NULL };
	struct web_response resp = { .status = 200, .type = "application/json" };
	struct MHD_Response *r;
	enum MHD_Result ret;

	resp.out = open_memstream(&resp.body, &resp.len);
	if (!resp.out)
		return MHD_NO;
	if (up->too_big)
		web_error(&resp, 413, "request body too large");
	else
		dispatch(s, &req, &resp);
	fclose(resp.out);
	r = MHD_create_response_from_buffer(resp.len, resp.body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(resp.body);
		return MHD_NO;
	}
	if (resp.len)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp.type);
	for (size_t i = 0; i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		MHD_add_response_header(r, security_headers[i][0], security_headers[i][1]);
	if (resp.set_cookie[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, resp.set_cookie);
	if (resp.location[0])
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, resp.location);
	ret = MHD_queue_response(conn, resp.status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *size, void **con_cls)
{
	struct upload *up = *con_cls;

	(void)version;
	if (!up) {
		up = calloc(1, sizeof(*up));
		*con_cls = up;
		return up ? MHD_YES : MHD_NO;
	}
	if (*size) {
		if (up->len + *size > WEB_BODY_MAX) {
			up->too_big = true;
		} else if (!up->too_big) {
			char *grown = realloc(up->data, up->len + *size + 1);

			if (!grown)
				return MHD_NO;
			up->data = grown;
			memcpy(up->data + up->len, data, *size);
			up->len += *size;
			up->data[up->len] = '\0';
		}
		*size = 0;
		return MHD_YES;
	}
	return answer(cls, conn, url, method, up);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;

	(void)cls, (void)conn, (void)toe;
	if (up) {
		free(up->data);
		free(up);
	}
	*con_cls = NULL;
}

int web_server_start(const struct web_options *o, struct web_server **out)
{
	const char *listen = o->listen ? o->listen : WEB_DEFAULT_LISTEN;
	struct sockaddr_storage addr;
	struct web_server *s;
	socklen_t alen;
	sqlite3 *db;
	int auth;

	if (parse_listen(listen, &addr, &alen)) {
		pr_error("not an ADDR:PORT to listen on: '%s' (127.0.0.1:8089, [::1]:8089)", listen);
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->db, sizeof(s->db), "%s", o->db ? o->db : db_path());
	s->allow_experiment_commands = o->allow_experiment_commands;
	s->loopback = sockaddr_loopback((struct sockaddr *)&addr);
	s->port = ntohs(addr.ss_family == AF_INET ? ((struct sockaddr_in *)&addr)->sin_port :
			((struct sockaddr_in6 *)&addr)->sin6_port);
	if (db_open(s->db, &db)) {
		free(s);
		return -EIO;
	}
	auth = web_auth_configured(db);
	db_close(db);
	if (auth < 0 || (!auth && !s->loopback)) {
		if (!auth)
			pr_error("refusing to listen on %s, which is not loopback, with no token or "
				 "password set: run `iotrim web token` or `iotrim web passwd` first", listen);
		free(s);
		return auth < 0 ? -EIO : -EPERM;
	}
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
				  (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
				  0, NULL, NULL, on_request, s,
				  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				  MHD_OPTION_CONNECTION_LIMIT, 64u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				  MHD_OPTION_END);
	if (!s->mhd) {
		pr_error("cannot listen on %s (in use, or not an address of this host)", listen);
		free(s);
		return -EIO;
	}
	*out = s;
	return 0;
}

void web_server_stop(struct web_server *s)
{
	if (!s)
		return;
	MHD_stop_daemon(s->mhd);
	web_experiments_reap(s);	/* those still running go on, journaled */
	free(s);
}
