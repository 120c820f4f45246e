// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The assets compiled into the binary (scripts/gen_assets.c), served as they are. */
#include <stddef.h>
#include <string.h>

#include "web/http.h"
#include "web/pages.h"

struct web_asset {
	const char *path, *type;
	const unsigned char *data;
	size_t len;
};

#include "web_assets.h"

void web_asset(struct web_server *s, const struct web_request *req, struct web_response *resp)
{
	(void)s;
	for (const struct web_asset *a = web_assets; a->path; a++) {
		if (!strcmp(a->path, req->path)) {
			resp->type = a->type;
			fwrite(a->data, 1, a->len, resp->out);
			return;
		}
	}
	web_error(resp, 404, "not found");
}
