// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include "report/html.h"
#include "web/layout.h"

void page_head(FILE *out, const struct web_request *req, const char *title)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
	      "<link rel=\"stylesheet\" href=\"/assets/style.css\">"
	      "<script src=\"/assets/app.js\" defer></script><title>iotrim: ", out);
	html_escape(out, title);
	fputs("</title>", out);
	if (req->session) {
		fputs("<meta name=\"csrf\" content=\"", out);
		html_escape(out, req->session->csrf);
		fputs("\">", out);
	}
	fputs("</head><body><header><nav><a href=\"/\">Devices</a><a href=\"/blocks\">Blocks</a>"
	      "<a href=\"/experiments\">Experiments</a>", out);
	if (req->session)
		fputs("<button id=\"logout\" type=\"button\">Sign out</button>", out);
	else
		fputs("<a href=\"/login\">Sign in</a>", out);
	fputs("</nav><p id=\"status\" role=\"status\"></p></header><main>\n<h1>", out);
	html_escape(out, title);
	fputs("</h1>\n", out);
}

void page_foot(FILE *out)
{
	fputs("</main></body></html>\n", out);
}

void page_html(struct web_response *resp)
{
	resp->type = "text/html; charset=utf-8";
}

void cell_live_u64(FILE *out, const char *field, uint64_t v)
{
	fprintf(out, "<td class=\"n\" data-field=\"%s\">%llu</td>", field, (unsigned long long)v);
}

void cell_text(FILE *out, const char *s)
{
	fputs("<td>", out);
	html_escape(out, s && *s ? s : "-");
	fputs("</td>", out);
}
