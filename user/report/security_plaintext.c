// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The plaintext part of each device's "Security" section in `iotrim report`:
 * what `iotrim audit plaintext` found, per destination, redacted (values
 * come from the device's payload: escaped like any other untrusted text).
 * A device never audited says so, rather than showing "no findings".
 */
#include "common/json.h"
#include "report/html.h"
#include "report/json_views.h"
#include "report/report.h"
#include "report/security_plaintext.h"

static void audited_line(FILE *out, const struct report_device *d)
{
	if (!d->plaintext_audits) {
		fputs("plaintext: not audited (iotrim audit plaintext)\n", out);
		return;
	}
	fprintf(out, "plaintext: %zu finding%s in %u audit%s\n", d->plaintext.n,
		d->plaintext.n == 1 ? "" : "s", d->plaintext_audits,
		d->plaintext_audits == 1 ? "" : "s");
}

void security_plaintext_text(FILE *out, const struct report_device *d, bool md,
			     const char *item)
{
	char first[TIME_STRLEN], last[TIME_STRLEN];

	fputs(item, out);
	audited_line(out, d);
	if (d->plaintext.n)
		fputs(md ? "\n| destination | port | kind | count | first seen | last seen | redacted |\n"
			   "|---|---:|---|---:|---|---|---|\n"
			 : "    DESTINATION                               PORT  KIND           COUNT  FIRST_SEEN                LAST_SEEN                 REDACTED\n",
		      out);
	for (size_t i = 0; i < d->plaintext.n; i++) {
		const struct plain_finding *f = &d->plaintext.v[i];

		format_wall_time((uint64_t)f->first_seen_ms * 1000000ULL, first);
		format_wall_time((uint64_t)f->last_seen_ms * 1000000ULL, last);
		if (md) {
			fputs("| ", out);
			md_escape(out, f->name);
			fprintf(out, " | %u | %s | %llu | %s | %s | ", f->port, f->kind,
				(unsigned long long)f->count, first, last);
			md_escape(out, f->redacted);
			fputs(" |\n", out);
		} else {
			char name[TERM_NAME_MAX], redacted[4 * sizeof(f->redacted)];

			fprintf(out, "    %-40s  %5u  %-13s  %5llu  %-24s  %-24s  %s\n",
				term_safe(f->name, name, sizeof(name)), f->port, f->kind,
				(unsigned long long)f->count, first, last,
				term_safe(f->redacted, redacted, sizeof(redacted)));
		}
	}
	fputs("\n", out);
}

void security_plaintext_json(struct json *j, const struct report_device *d)
{
	json_u64(j, "plaintext_audits", d->plaintext_audits);
	json_array_begin(j, "plaintext");
	for (size_t i = 0; i < d->plaintext.n; i++)
		json_plain_finding(j, &d->plaintext.v[i]);
	json_array_end(j);
}

void security_plaintext_html(FILE *out, const struct report_device *d)
{
	char first[TIME_STRLEN], last[TIME_STRLEN];

	fputs("<p class=\"plaintext\">", out);
	audited_line(out, d);
	fputs("</p>\n", out);
	if (!d->plaintext.n)
		return;
	fputs("<div class=\"wrap\"><table class=\"sortable plaintext\"><thead><tr>"
	      "<th>destination</th><th class=\"n\">port</th><th>kind</th><th class=\"n\">count</th>"
	      "<th>first seen</th><th>last seen</th><th>redacted</th></tr></thead><tbody>\n", out);
	for (size_t i = 0; i < d->plaintext.n; i++) {
		const struct plain_finding *f = &d->plaintext.v[i];

		format_wall_time((uint64_t)f->first_seen_ms * 1000000ULL, first);
		format_wall_time((uint64_t)f->last_seen_ms * 1000000ULL, last);
		fputs("<tr><td>", out);
		html_escape(out, f->name);
		fprintf(out, "</td><td class=\"n\">%u</td><td>%s</td><td class=\"n\">%llu</td>"
			"<td>%s</td><td>%s</td><td>", f->port, f->kind, (unsigned long long)f->count,
			first, last);
		html_escape(out, f->redacted);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
}
