// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim report` as text (a terminal) and as Markdown (names escaped). */
#include <math.h>
#include <string.h>

#include "attrib/tls.h"
#include "common/escape.h"
#include "common/proto.h"
#include "report/report.h"
#include "report/security_cert.h"
#include "report/security_plaintext.h"

#define TOP_COUNTRIES 6
#define TOP_DESTS 10

static const char *party_titles[RP_COUNT] = { "first", "support", "third", "local" };

static void pct(FILE *out, double v)
{
	if (isnan(v))
		fputs("unknown", out);
	else
		fprintf(out, "%.1f%%", v * 100);
}

struct style {
	bool md;
	const char *h1, *h2, *h3, *item;
};

/* Text from devices or files (names, categories): escaped for Markdown or a terminal. */
static void user_text(FILE *out, const struct style *st, const char *s)
{
	if (st->md)
		md_escape(out, s);
	else
		term_puts(out, s);
}

static void country_list(FILE *out, const struct country_bytes *c)
{
	if (!c->n) {
		fputs("-", out);
		return;
	}
	for (int i = 0; i < c->n && i < TOP_COUNTRIES; i++) {
		fprintf(out, "%s%s ", i ? ", " : "", c->cc[i][0] ? c->cc[i] : "unknown");
		pct(out, c->share[i]);
	}
	if (c->n > TOP_COUNTRIES)
		fprintf(out, ", %d more", c->n - TOP_COUNTRIES);
}

static void device_section(FILE *out, const struct style *st, const struct report *r,
			   const struct report_device *d)
{
	const struct device_label *l = &d->label;
	const struct payload_counter none = { 0 };
	struct payload_shares shares;
	bool any = false;

	fprintf(out, "%s%s", st->h2, l->mac);
	if (l->name[0]) {
		fputs(" ", out);
		user_text(out, st, l->name);
	}
	if (l->category[0]) {
		fputs(" (", out);
		user_text(out, st, l->category);
		fputs(")", out);
	}
	fprintf(out, "\n\n%sbytes up %llu, down %llu (local %llu)\n", st->item,
		(unsigned long long)d->bytes_up, (unsigned long long)d->bytes_down,
		(unsigned long long)d->party[RP_LOCAL]);
	fprintf(out, "%scountries: ", st->item);
	country_list(out, &d->countries);
	fprintf(out, "\n%sparties:", st->item);
	for (int p = 0; p < RP_LOCAL; p++) {
		fprintf(out, " %s ", party_titles[p]);
		pct(out, d->remote ? (double)d->party[p] / (double)d->remote : 0);
	}
	fprintf(out, "\n%sencryption: ", st->item);
	shares = payload_shares(&d->payload, &none);
	if (shares.valid) {
		fputs("encrypted ", out);
		pct(out, shares.encrypted);
		fputs(" unencrypted ", out);
		pct(out, shares.unencrypted);
		fputs(" unknown ", out);
		pct(out, shares.unknown);
		fputs("\n", out);
	} else {
		fputs("no payload classified\n", out);
	}
	fprintf(out, "%sTLS:", st->item);
	for (int b = 0; b < DEST_TLS_VERSIONS; b++) {
		if (!d->tls_dests[b])
			continue;
		fprintf(out, " %s (%u destination%s)%s", tls_version_name(0x0300 + b), d->tls_dests[b],
			d->tls_dests[b] == 1 ? "" : "s",
			tls_version_deprecated(0x0300 + b) ? " DEPRECATED" : "");
		any = true;
	}
	fprintf(out, "%s\n", any ? "" : " none seen");
	for (size_t p = 0; p < d->nphases; p++) {
		char since[TIME_STRLEN], until[TIME_STRLEN];

		format_wall_time((uint64_t)d->phases[p].since_ms * 1000000ULL, since);
		if (d->phases[p].until_ms)
			format_wall_time((uint64_t)d->phases[p].until_ms * 1000000ULL, until);
		fprintf(out, "%sphase %s %s .. %s: up %llu, down %llu\n", st->item,
			d->phases[p].phase, since, d->phases[p].until_ms ? until : "now",
			(unsigned long long)d->phases[p].bytes_up,
			(unsigned long long)d->phases[p].bytes_down);
	}
	fputs("\n", out);
	if (st->md)
		fputs("| destination | port | country | party | bytes up | bytes down |\n"
		      "|---|---|---|---|---:|---:|\n", out);
	else
		fprintf(out, "    %-40s  %-9s  %-7s  %-7s  %12s  %12s\n", "DESTINATION", "PORT", "COUNTRY",
			"PARTY", "BYTES UP", "BYTES DOWN");
	for (size_t i = d->first_dest; i < d->first_dest + d->ndests && i < d->first_dest + TOP_DESTS;
	     i++) {
		const struct dest *x = &r->dests.items[i];
		const char *party = r->local[i] ? "local" : party_name(x->party);
		const char *cc = !r->local[i] && x->geo.country[0] ? x->geo.country : "-";
		char proto[PROTO_STRLEN], port[24];

		format_proto(x->first->proto, proto);
		snprintf(port, sizeof(port), "%s/%u", proto, x->first->remote_port);
		if (st->md) {
			fputs("| ", out);
			md_escape(out, dest_host(x->first));
			fprintf(out, " | %s | %s | %s | %llu | %llu |\n", port, cc, party,
				(unsigned long long)x->bytes_up, (unsigned long long)x->bytes_down);
		} else {
			char host[TERM_NAME_MAX];

			fprintf(out, "    %-40s  %-9s  %-7s  %-7s  %12llu  %12llu\n",
				term_safe(dest_host(x->first), host, sizeof(host)), port, cc, party, (unsigned long long)x->bytes_up,
				(unsigned long long)x->bytes_down);
		}
	}
	if (d->ndests > TOP_DESTS)
		fprintf(out, "%s%zu more destinations (--format json lists them all)\n",
			st->md ? "\n" : "    ", d->ndests - TOP_DESTS);
	fprintf(out, "\n%sSecurity\n\n", st->md ? st->h3 : "  ");
	security_cert_text(out, r, d, st->md, st->md ? st->item : "    ");
	fputs("\n", out);
	security_plaintext_text(out, d, st->md, st->md ? st->item : "    ");
	security_tls_text(out, &r->tls_audit, l->mac, st->md ? st->item : "    ",
			  st->md ? md_escape : NULL);
	fprintf(out, "\n%sExperiment\n\n", st->md ? st->h3 : "  ");
	report_experiment_text(out, &d->experiment, st->md ? st->item : "    ",
			       st->md ? md_escape : NULL);
	fputs("\n", out);
}

static void render(const struct report *r, FILE *out, const struct style *st)
{
	char t[TIME_STRLEN];

	format_wall_time((uint64_t)r->generated_ms * 1000000ULL, t);
	fprintf(out, "%siotrim report\n\n", st->h1);
	fprintf(out, "%sgenerated %s; %zu device%s", st->item, t, r->ndevices,
		r->ndevices == 1 ? "" : "s");
	if (r->opts.phase)
		fprintf(out, "; phase %s", r->opts.phase);
	if (r->opts.category) {
		fputs("; category ", out);
		user_text(out, st, r->opts.category);
	}
	fputs("\n", out);
	fprintf(out, "%shome country: %s\n\n", st->item,
		r->opts.home[0] ? r->opts.home : "unknown (give --home CC, or home in the config file's [report])");
	for (size_t i = 0; i < r->ndevices; i++)
		device_section(out, st, r, &r->devices[i]);
	fprintf(out, "%sCategories (per-device normalised country shares)\n\n", st->h2);
	for (size_t i = 0; i < r->ncategories; i++) {
		const struct report_category *c = &r->categories[i];

		fputs(st->item, out);
		user_text(out, st, c->name[0] ? c->name : "(no category)");
		fprintf(out, ", %zu device%s: ", c->ndevices, c->ndevices == 1 ? "" : "s");
		country_list(out, &c->norm);
		fputs("\n", out);
	}
	fprintf(out, "\n%sOverall\n\n", st->h2);
	fprintf(out, "%sbytes up %llu, down %llu\n", st->item, (unsigned long long)r->bytes_up,
		(unsigned long long)r->bytes_down);
	fprintf(out, "%scountries (plain): ", st->item);
	country_list(out, &r->countries);
	fprintf(out, "\n%scountries (per-device normalised): ", st->item);
	country_list(out, &r->norm);
	fprintf(out, "\n%sleaving the home country: ", st->item);
	pct(out, r->abroad_share);
	fprintf(out, "\n%sleaving the home continent: ", st->item);
	pct(out, r->other_continent_share);
	fputs("\n", out);
}

void report_text(const struct report *r, FILE *out)
{
	static const struct style st = { false, "", "", "", "  " };

	render(r, out, &st);
}

void report_markdown(const struct report *r, FILE *out)
{
	static const struct style st = { true, "# ", "## ", "### ", "- " };

	render(r, out, &st);
}
