/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* What every page of the dashboard shares: its frame, and table cells. */
#ifndef IOTRIM_WEB_LAYOUT_H
#define IOTRIM_WEB_LAYOUT_H

#include <stdint.h>
#include <stdio.h>

#include "web/http.h"

/* The document up to <main> and the title (escaped); carries the session's CSRF token. */
void page_head(FILE *out, const struct web_request *req, const char *title);
void page_foot(FILE *out);
/* The answer is an HTML page. */
void page_html(struct web_response *resp);
/* A number cell that the assets keep live: the API object's field (a dotted path). */
void cell_live_u64(FILE *out, const char *field, uint64_t v);
/* A text cell, escaped; "-" for none. */
void cell_text(FILE *out, const char *s);

#endif
