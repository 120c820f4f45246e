// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Signing in (a token or the password, rate-limited) and out. */
#include <errno.h>
#include <string.h>

#include "common/clock.h"
#include "history/db.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/request.h"

/* ---- signing in and out ------------------------------------------------------------ */

static void login_form(const struct web_request *req, struct web_response *resp, const char *msg)
{
	FILE *out = resp->out;

	page_html(resp);
	page_head(out, req, "Sign in");
	if (msg)
		fprintf(out, "<p class=\"error\">%s</p>", msg);
	fputs("<form method=\"post\" action=\"/login\"><label>token or password "
	      "<input name=\"secret\" type=\"password\" autocomplete=\"current-password\" required>"
	      "</label> <button>Sign in</button></form>\n", out);
	page_foot(out);
}

void page_login(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	(void)s;
	login_form(req, resp, NULL);
}

/* The secret is a token or the password; 1 yes, 0 no, -errno. */
static int secret_valid(struct web_server *s, const char *secret)
{
	sqlite3 *db;
	int ok;

	if (db_open(s->db, &db))
		return -EIO;
	ok = web_token_valid(db, secret);
	if (ok == 0)
		ok = web_password_valid(db, secret);
	db_close(db);
	return ok;
}

void login(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	int64_t now = clock_wall_ms();
	const struct web_session *session;
	char secret[256];
	int ok;

	if (!req->client || !login_allowed(&s->sessions, req->client, now)) {
		login_form(req, resp, "Too many failed attempts: wait a minute.");
		resp->status = 429;
		return;
	}
	if (form_field(req->body, "secret", secret, sizeof(secret)) ||
	    (ok = secret_valid(s, secret)) == 0) {
		login_failed(&s->sessions, req->client, now);
		login_form(req, resp, "Wrong token or password.");
		resp->status = 403;
	} else if (ok < 0 || !(session = session_create(&s->sessions, now))) {
		web_error(resp, 500, "cannot sign in");
	} else {
		snprintf(resp->set_cookie, sizeof(resp->set_cookie),
			 WEB_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld",
			 session->id, WEB_SESSION_TTL_MS / 1000);
		web_redirect(resp, "/");
	}
	explicit_bzero(secret, sizeof(secret));
}

void logout(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	if (req->session)
		session_drop(&s->sessions, req->session->id);
	snprintf(resp->set_cookie, sizeof(resp->set_cookie),
		 WEB_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	resp->status = 204;
}
