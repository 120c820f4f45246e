// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* TLS validation verdicts in the report (report/security_tls.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "common/fmt.h"
#include "report/security_tls.h"

struct load_ctx {
	struct report_tls_audit *a;
	size_t cap;
	int err;
};

static void add_row(void *arg, const struct tls_audit_row *row)
{
	struct load_ctx *c = arg;

	if (c->err)
		return;
	if (c->a->len == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct tls_audit_row *n = realloc(c->a->rows, cap * sizeof(*n));

		if (!n) {
			c->err = -ENOMEM;
			return;
		}
		c->a->rows = n;
		c->cap = cap;
	}
	c->a->rows[c->a->len++] = *row;
}

int report_tls_audit_load(sqlite3 *db, const char *only_mac, struct report_tls_audit *out)
{
	struct load_ctx c = { .a = out };
	int err;

	memset(out, 0, sizeof(*out));
	err = tls_audit_latest(db, only_mac, add_row, &c);
	return err ? err : c.err;
}

void report_tls_audit_free(struct report_tls_audit *a)
{
	free(a->rows);
	memset(a, 0, sizeof(*a));
}

/* The device's rows: [*first, *first + n). */
static size_t device_rows(const struct report_tls_audit *a, const char *mac, size_t *first)
{
	size_t i = 0, n = 0;

	while (i < a->len && strcmp(a->rows[i].mac, mac))
		i++;
	*first = i;
	while (i + n < a->len && !strcmp(a->rows[i + n].mac, mac))
		n++;
	return n;
}

static void tested_at(const struct tls_audit_row *row, char out[TIME_STRLEN])
{
	format_wall_time((uint64_t)row->ended_ms * 1000000ULL, out);
}

void security_tls_text(FILE *out, const struct report_tls_audit *a, const char *mac,
		       const char *item, void (*md_esc)(FILE *out, const char *s))
{
	size_t first, n = device_rows(a, mac, &first);

	fprintf(out, "%ssecurity, TLS certificate validation (audit tls):%s\n", item,
		n ? "" : " not tested");
	for (size_t i = first; i < first + n; i++) {
		const struct tls_audit_row *row = &a->rows[i];
		char t[TIME_STRLEN];

		tested_at(row, t);
		fprintf(out, "%s  ", md_esc ? "   -" : item);
		if (md_esc)
			md_esc(out, row->dest.name);
		else
			term_puts(out, row->dest.name);
		fprintf(out, ":%u %s", row->dest.port, tls_verdict_name(row->dest.verdict));
		if (row->dest.verdict == TLS_VERDICT_ACCEPTS_FORGED)
			fprintf(out, " (%llu application bytes exposed)",
				(unsigned long long)row->dest.app_bytes);
		fprintf(out, ", tested %s\n", t);
	}
}

void security_tls_json(struct json *j, const struct report_tls_audit *a, const char *mac)
{
	size_t first, n = device_rows(a, mac, &first);

	json_array_begin(j, "tls_validation");
	for (size_t i = first; i < first + n; i++) {
		const struct tls_audit_row *row = &a->rows[i];
		char t[TIME_STRLEN];

		tested_at(row, t);
		json_object_begin(j, NULL);
		json_string(j, "name", row->dest.name);
		json_u64(j, "port", row->dest.port);
		json_string(j, "verdict", tls_verdict_name(row->dest.verdict));
		json_u64(j, "app_bytes", row->dest.app_bytes);
		json_string(j, "tested_at", t);
		json_object_end(j);
	}
	json_array_end(j);
}

void security_tls_html(FILE *out, const struct report_tls_audit *a, const char *mac,
		       void (*esc)(FILE *out, const char *s))
{
	size_t first, n = device_rows(a, mac, &first);

	if (!n)
		return;
	fputs("<h3>TLS certificate validation</h3><div class=\"wrap\"><table><thead><tr>"
	      "<th>destination</th><th>port</th><th>verdict</th><th class=\"n\">application bytes"
	      "</th><th>tested</th></tr></thead><tbody>\n", out);
	for (size_t i = first; i < first + n; i++) {
		const struct tls_audit_row *row = &a->rows[i];
		char t[TIME_STRLEN];

		tested_at(row, t);
		fputs("<tr><td>", out);
		esc(out, row->dest.name);
		fprintf(out, "</td><td>%u</td><td class=\"verdict-%s\">%s</td><td class=\"n\">%llu</td>"
			"<td>%s</td></tr>\n", row->dest.port, tls_verdict_name(row->dest.verdict),
			tls_verdict_name(row->dest.verdict), (unsigned long long)row->dest.app_bytes, t);
	}
	fputs("</tbody></table></div>\n", out);
}
