// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "web/router.h"

static bool path_matches(const char *route, const char *path, const char **rest)
{
	size_t n = strlen(route);

	if (n > 1 && route[n - 1] == '/') {
		/* A prefix route needs something after it, and never a further '/'. */
		if (strncmp(path, route, n) || !path[n] || strchr(path + n, '/'))
			return false;
		*rest = path + n;
		return true;
	}
	*rest = "";
	return !strcmp(route, path);
}

const struct web_route *web_route_find(const struct web_route *table, const char *method,
				       const char *path, const char **rest, bool *path_known)
{
	*path_known = false;
	for (const struct web_route *r = table; r->path; r++) {
		if (!path_matches(r->path, path, rest))
			continue;
		*path_known = true;
		if (!strcmp(r->method, method))
			return r;
	}
	return NULL;
}

enum web_verdict web_authorize(enum web_access access, const struct web_credentials *c)
{
	if (access == WEB_PUBLIC)
		return WEB_ALLOW;
	if (c->bearer_sent)
		return c->bearer_valid ? WEB_ALLOW : WEB_FORBIDDEN;
	if (access == WEB_READ) {
		if (c->session || c->reads_open)
			return WEB_ALLOW;
		return WEB_SIGN_IN;
	}
	/* An action by cookie: the session's CSRF token must come with it. */
	if (c->session && c->csrf_sent && c->csrf_valid)
		return WEB_ALLOW;
	return WEB_FORBIDDEN;
}
