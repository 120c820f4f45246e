// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Certificate findings of a device: see security_cert.h. */
#include <string.h>

#include "attrib/cert_json.h"
#include "report/html.h"
#include "report/security_cert.h"

/* The counts the section opens with. */
struct cert_counts {
	unsigned seen, weak, hidden;
};

static struct cert_counts count(const struct report *r, const struct report_device *d)
{
	struct cert_counts c = { 0 };

	for (size_t i = d->first_dest; i < d->first_dest + d->ndests; i++) {
		const struct dest *x = &r->dests.items[i];

		c.seen += !!x->cert;
		c.weak += x->cert && x->cert->weaknesses;
		c.hidden += !x->cert && x->cert_hidden;
	}
	return c;
}

static void text_name(FILE *out, const struct dest *x, bool md)
{
	if (md)
		md_escape(out, dest_host(x->first));
	else
		term_puts(out, dest_host(x->first));
	fprintf(out, ":%u", x->first->remote_port);
}

void security_cert_text(FILE *out, const struct report *r, const struct report_device *d,
			bool md, const char *item)
{
	struct cert_counts c = count(r, d);

	fprintf(out, "%scertificates: %u seen, %u with weaknesses, %u hidden by TLS 1.3\n", item,
		c.seen, c.weak, c.hidden);
	for (size_t i = d->first_dest; i < d->first_dest + d->ndests; i++) {
		const struct dest *x = &r->dests.items[i];
		char line[2 * CERT_NAME_MAX + 256];

		if (!x->cert && !x->cert_hidden)
			continue;
		fprintf(out, "%s", item);
		text_name(out, x, md);
		if (!x->cert) {
			fputs(": certificate hidden (TLS 1.3)\n", out);
			continue;
		}
		cert_summary(x->cert, line, sizeof(line));
		fputs(": ", out);
		if (md)
			md_escape(out, line);
		else
			term_puts(out, line);
		fputs("\n", out);
		for (int w = 0; w < CERT_WEAK__COUNT; w++) {
			if (!(x->cert->weaknesses & (1u << w)))
				continue;
			/* A nested item under the destination's. */
			fprintf(out, "%s%sweakness ", md ? "  " : item, md ? item : "  ");
			if (md) {
				md_escape(out, cert_weakness_kind(w));
				fputs(": ", out);
				md_escape(out, cert_weakness_rule(w));
			} else {
				fprintf(out, "%s: %s", cert_weakness_kind(w), cert_weakness_rule(w));
			}
			fputs("\n", out);
		}
	}
}

void security_cert_json(struct json *j, const struct report *r, const struct report_device *d)
{
	json_array_begin(j, "certificates");
	for (size_t i = d->first_dest; i < d->first_dest + d->ndests; i++) {
		const struct dest *x = &r->dests.items[i];

		if (!x->cert && !x->cert_hidden)
			continue;
		json_object_begin(j, NULL);
		json_string(j, "name", x->first->name[0] ? x->first->name : NULL);
		json_string(j, "ip", x->main_ip);
		json_u64(j, "port", x->first->remote_port);
		if (x->cert)
			cert_json(j, "certificate", x->cert);
		else
			json_null(j, "certificate");
		json_bool(j, "certificate_hidden", !x->cert);
		json_object_end(j);
	}
	json_array_end(j);
}

void security_cert_html(FILE *out, const struct report *r, const struct report_device *d)
{
	struct cert_counts c = count(r, d);

	fprintf(out, "<p class=\"certs\">Certificates: %u seen, %u with weaknesses, %u hidden by "
		"TLS 1.3.</p>\n", c.seen, c.weak, c.hidden);
	if (!c.seen && !c.hidden)
		return;
	fputs("<ul class=\"certs\">\n", out);
	for (size_t i = d->first_dest; i < d->first_dest + d->ndests; i++) {
		const struct dest *x = &r->dests.items[i];
		char line[2 * CERT_NAME_MAX + 256];

		if (!x->cert && !x->cert_hidden)
			continue;
		fputs("<li><b>", out);
		html_escape(out, dest_host(x->first));
		fprintf(out, ":%u</b>: ", x->first->remote_port);
		if (!x->cert) {
			fputs("certificate hidden (TLS 1.3)</li>\n", out);
			continue;
		}
		cert_summary(x->cert, line, sizeof(line));
		html_escape(out, line);
		if (x->cert->weaknesses) {
			fputs("<ul>", out);
			for (int w = 0; w < CERT_WEAK__COUNT; w++)
				if (x->cert->weaknesses & (1u << w)) {
					fputs("<li class=\"weakness\">", out);
					html_escape(out, cert_weakness_kind(w));
					fputs(": ", out);
					html_escape(out, cert_weakness_rule(w));
					fputs("</li>", out);
				}
			fputs("</ul>", out);
		}
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}
