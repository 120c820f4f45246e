/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Browser sessions and the login rate limit, in the server's memory (a
 * restart signs everyone out).  A session is a random id (the HttpOnly,
 * SameSite=Strict cookie) with its own random CSRF token, which the pages
 * carry and every state-changing request must send back in X-CSRF-Token.
 */
#ifndef IOTRIM_WEB_SESSION_H
#define IOTRIM_WEB_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "web/auth.h"

#define WEB_SESSION_COOKIE "iotrim_session"
#define WEB_SESSIONS_MAX 64
#define WEB_SESSION_TTL_MS (12 * 3600 * 1000LL)
#define WEB_LOGIN_FAILURES_MAX 5	/* per client address and window */
#define WEB_LOGIN_WINDOW_MS (60 * 1000LL)
#define WEB_LOGIN_CLIENTS 64

struct web_session {
	char id[WEB_SECRET_STRLEN];
	char csrf[WEB_SECRET_STRLEN];
	int64_t expires_ms;		/* 0: free slot */
};

struct login_client {
	uint8_t addr[16];
	int64_t window_start_ms;
	unsigned failures;
};

struct web_sessions {
	struct web_session s[WEB_SESSIONS_MAX];
	struct login_client clients[WEB_LOGIN_CLIENTS];
};

/* A new session (the oldest is replaced when all slots are taken).  NULL if no randomness. */
const struct web_session *session_create(struct web_sessions *t, int64_t now_ms);
/* The live session with this id, or NULL. */
const struct web_session *session_find(struct web_sessions *t, const char *id, int64_t now_ms);
void session_drop(struct web_sessions *t, const char *id);

/* False while the client at sa has used up its failed logins of the window. */
bool login_allowed(struct web_sessions *t, const struct sockaddr *sa, int64_t now_ms);
void login_failed(struct web_sessions *t, const struct sockaddr *sa, int64_t now_ms);

#endif
