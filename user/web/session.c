// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <netinet/in.h>
#include <string.h>

#include "web/session.h"

const struct web_session *session_create(struct web_sessions *t, int64_t now_ms)
{
	struct web_session *slot = &t->s[0];

	for (int i = 0; i < WEB_SESSIONS_MAX; i++) {
		if (t->s[i].expires_ms <= now_ms) {
			slot = &t->s[i];
			break;
		}
		if (t->s[i].expires_ms < slot->expires_ms)
			slot = &t->s[i];
	}
	if (random_hex(WEB_SECRET_BYTES, slot->id) || random_hex(WEB_SECRET_BYTES, slot->csrf)) {
		memset(slot, 0, sizeof(*slot));
		return NULL;
	}
	slot->expires_ms = now_ms + WEB_SESSION_TTL_MS;
	return slot;
}

const struct web_session *session_find(struct web_sessions *t, const char *id, int64_t now_ms)
{
	for (int i = 0; i < WEB_SESSIONS_MAX; i++)
		if (t->s[i].expires_ms > now_ms && secret_equal(t->s[i].id, id))
			return &t->s[i];
	return NULL;
}

void session_drop(struct web_sessions *t, const char *id)
{
	for (int i = 0; i < WEB_SESSIONS_MAX; i++)
		if (t->s[i].expires_ms && secret_equal(t->s[i].id, id))
			memset(&t->s[i], 0, sizeof(t->s[i]));
}

static void addr_key(const struct sockaddr *sa, uint8_t key[16])
{
	memset(key, 0, 16);
	if (sa->sa_family == AF_INET)
		memcpy(key, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
}

/* The client's entry, a new one in a slot whose window ended, or the stalest one. */
static struct login_client *client(struct web_sessions *t, const struct sockaddr *sa,
				   int64_t now_ms)
{
	struct login_client *free_slot = NULL, *oldest = &t->clients[0];
	uint8_t key[16];

	addr_key(sa, key);
	for (int i = 0; i < WEB_LOGIN_CLIENTS; i++) {
		struct login_client *c = &t->clients[i];

		if (c->failures && !memcmp(c->addr, key, 16))
			return c;
		if (!free_slot && (!c->failures || now_ms - c->window_start_ms >= WEB_LOGIN_WINDOW_MS))
			free_slot = c;
		if (c->window_start_ms < oldest->window_start_ms)
			oldest = c;
	}
	if (!free_slot)
		free_slot = oldest;
	memset(free_slot, 0, sizeof(*free_slot));
	memcpy(free_slot->addr, key, 16);
	free_slot->window_start_ms = now_ms;
	return free_slot;
}

bool login_allowed(struct web_sessions *t, const struct sockaddr *sa, int64_t now_ms)
{
	struct login_client *c = client(t, sa, now_ms);

	if (now_ms - c->window_start_ms >= WEB_LOGIN_WINDOW_MS) {
		c->failures = 0;
		c->window_start_ms = now_ms;
	}
	return c->failures < WEB_LOGIN_FAILURES_MAX;
}

void login_failed(struct web_sessions *t, const struct sockaddr *sa, int64_t now_ms)
{
	struct login_client *c = client(t, sa, now_ms);

	if (!c->failures)
		c->window_start_ms = now_ms;
	c->failures++;
}
