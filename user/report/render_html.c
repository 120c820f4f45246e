// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim report --format html`: one self-contained page (no fetch, no
 * external script), charts drawn here as inline SVG: per device stacked
 * bars of countries, parties and encryption, and a timeline of its phases;
 * a destinations table that a few lines of inline script sort by column.
 * Narrow screens stack everything; print drops the script's affordances.
 */
#include <math.h>
#include <string.h>

#include "attrib/tls.h"
#include "common/escape.h"
#include "common/proto.h"
#include "report/html.h"
#include "report/report.h"
#include "report/security_cert.h"
#include "report/security_plaintext.h"

#define BAR_W 600
#define BAR_H 22
#define LABEL_W 90

static const char *const palette[] = { "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
				       "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac" };
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

static const char style[] =
	"body{font:15px/1.4 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222}"
	"h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}"
	"svg{max-width:100%;height:auto;display:block}"
	".legend{font-size:.85rem;margin:.2rem 0 .8rem}.legend span{margin-right:.8rem;white-space:nowrap}"
	".phases span{display:block;white-space:normal}"
	".sw{display:inline-block;width:.8em;height:.8em;margin-right:.25em;vertical-align:middle}"
	"table{border-collapse:collapse;width:100%;font-size:.85rem}"
	"th,td{padding:.2rem .4rem;border-bottom:1px solid #eee;text-align:left}"
	"td.n,th.n{text-align:right}th{cursor:pointer;background:#f4f4f4}"
	".wrap{overflow-x:auto}.muted{color:#777}"
	"@media (max-width:40rem){body{font-size:14px;padding:.5rem}}"
	"@media print{body{max-width:none}th{cursor:auto}section{break-inside:avoid}"
	".wrap{overflow:visible}}";

/* Sorts a table by the clicked column: numbers by value, text alphabetically. */
static const char script[] =
	"document.querySelectorAll('table.sortable th').forEach(function(th,i){"
	"th.addEventListener('click',function(){var t=th.closest('table'),b=t.tBodies[0],"
	"r=Array.prototype.slice.call(b.rows),d=th.dataset.dir==='a'?-1:1;th.dataset.dir=d>0?'a':'d';"
	"r.sort(function(x,y){var p=x.cells[i].dataset.v||x.cells[i].textContent,"
	"q=y.cells[i].dataset.v||y.cells[i].textContent,a=parseFloat(p),c=parseFloat(q);"
	"return d*(isNaN(a)||isNaN(c)?p.localeCompare(q):a-c)});"
	"r.forEach(function(e){b.appendChild(e)})})});";

struct segment {
	const char *label;
	double share;
	const char *color;
};

/* One stacked bar (a row of an SVG) with its legend under the chart. */
static void bar(FILE *out, int row, const char *title, const struct segment *seg, int n)
{
	double x = LABEL_W;
	int y = row * (BAR_H + 8);

	fprintf(out, "<text x=\"0\" y=\"%d\" font-size=\"13\">%s</text>\n", y + 16, title);
	for (int i = 0; i < n; i++) {
		double w = seg[i].share * (BAR_W - LABEL_W);

		if (w <= 0)
			continue;
		fprintf(out, "<rect class=\"seg\" data-bar=\"%s\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
			"height=\"%d\" fill=\"%s\"><title>", title, x, y, w, BAR_H, seg[i].color);
		html_escape(out, seg[i].label);
		fprintf(out, " %.1f%%</title></rect>\n", seg[i].share * 100);
		x += w;
	}
	if (!n)
		fprintf(out, "<rect class=\"none\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
			"fill=\"#eee\"><title>none</title></rect>\n", LABEL_W, y,
			BAR_W - LABEL_W, BAR_H);
}

static void legend(FILE *out, const char *title, const struct segment *seg, int n)
{
	fprintf(out, "<div class=\"legend\"><b>%s:</b> ", title);
	if (!n)
		fputs("<span class=\"muted\">none</span>", out);
	for (int i = 0; i < n; i++) {
		fprintf(out, "<span><i class=\"sw\" style=\"background:%s\"></i>", seg[i].color);
		html_escape(out, seg[i].label);
		fprintf(out, " %.1f%%</span>", seg[i].share * 100);
	}
	fputs("</div>\n", out);
}

void report_html_device_charts(FILE *out, const struct report_device *d)
{
	static const char *party_colors[] = { "#59a14f", "#4e79a7", "#e15759" };
	static const char *party_names[] = { "first", "support", "third" };
	struct payload_shares ps = payload_shares(&d->payload, &(struct payload_counter){ 0 });
	struct segment countries[REPORT_COUNTRIES], parties[3], enc[3];
	int nc = 0, np = 0, ne = 0;

	for (int i = 0; i < d->countries.n; i++)
		countries[nc++] = (struct segment){ d->countries.cc[i][0] ? d->countries.cc[i] : "unknown",
						    d->countries.share[i], palette[i % NPALETTE] };
	for (int p = 0; p < 3 && d->remote; p++)
		parties[np++] = (struct segment){ party_names[p],
						  (double)d->party[p] / (double)d->remote, party_colors[p] };
	if (ps.valid) {
		enc[ne++] = (struct segment){ "encrypted", ps.encrypted, "#59a14f" };
		enc[ne++] = (struct segment){ "unencrypted", ps.unencrypted, "#e15759" };
		enc[ne++] = (struct segment){ "unknown", ps.unknown, "#bab0ac" };
	}
	fprintf(out, "<svg class=\"bars\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"countries, parties and encryption\">\n", BAR_W, 3 * (BAR_H + 8));
	bar(out, 0, "countries", countries, nc);
	bar(out, 1, "parties", parties, np);
	bar(out, 2, "encryption", enc, ne);
	fputs("</svg>\n", out);
	legend(out, "countries", countries, nc);
	legend(out, "parties", parties, np);
	legend(out, "encryption", enc, ne);
}

static const char *phase_color(const char *phase)
{
	static const struct { const char *phase, *color; } colors[] = {
		{ "setup", "#f28e2b" }, { "interaction", "#4e79a7" }, { "idle", "#bab0ac" },
		{ "deletion", "#e15759" }, { "none", "#ffffff" },
	};

	for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if (!strcmp(colors[i].phase, phase))
			return colors[i].color;
	return "#999";
}

void report_html_timeline(FILE *out, const struct report *r, const struct report_device *d)
{
	size_t n = d->nphases;
	int64_t t0, t1;

	/* A last 'none' only ends the timeline; open intervals end now. */
	if (n && !strcmp(d->phases[n - 1].phase, "none"))
		n--;
	if (!n)
		return;
	t0 = d->phases[0].since_ms;
	t1 = d->phases[n - 1].until_ms ? d->phases[n - 1].until_ms : r->generated_ms;
	if (t1 <= t0)
		t1 = t0 + 1;
	fprintf(out, "<svg class=\"timeline\" viewBox=\"0 0 %d 40\" role=\"img\" "
		"aria-label=\"phase timeline\">\n", BAR_W);
	for (size_t p = 0; p < n; p++) {
		const struct phase_interval *iv = &d->phases[p];
		int64_t end = iv->until_ms ? iv->until_ms : r->generated_ms;
		double x = LABEL_W + (double)(iv->since_ms - t0) / (double)(t1 - t0) * (BAR_W - LABEL_W);
		double w = (double)(end - iv->since_ms) / (double)(t1 - t0) * (BAR_W - LABEL_W);

		fprintf(out, "<rect class=\"phase\" data-phase=\"%s\" x=\"%.2f\" y=\"4\" width=\"%.2f\" "
			"height=\"18\" fill=\"%s\" stroke=\"#666\"><title>%s: %llu bytes up, %llu down"
			"</title></rect>\n", iv->phase, x, w > 0.5 ? w : 0.5, phase_color(iv->phase),
			iv->phase, (unsigned long long)iv->bytes_up, (unsigned long long)iv->bytes_down);
		fprintf(out, "<text x=\"%.2f\" y=\"36\" font-size=\"11\">%s</text>\n", x, iv->phase);
	}
	fputs("<text x=\"0\" y=\"18\" font-size=\"13\">phases</text>\n</svg>\n", out);
	fputs("<div class=\"legend phases\">", out);
	for (size_t p = 0; p < d->nphases; p++) {
		char since[TIME_STRLEN];

		format_wall_time((uint64_t)d->phases[p].since_ms * 1000000ULL, since);
		fprintf(out, "<span>%s from %s: %llu&nbsp;B up, %llu&nbsp;B down</span> ",
			d->phases[p].phase, since, (unsigned long long)d->phases[p].bytes_up,
			(unsigned long long)d->phases[p].bytes_down);
	}
	fputs("</div>\n", out);
}

#define SPARK_W 120
#define SPARK_H 24

void report_html_sparkline(FILE *out, const char *title, const uint64_t *values, size_t n)
{
	uint64_t max = 1;

	for (size_t i = 0; i < n; i++)
		if (values[i] > max)
			max = values[i];
	fprintf(out, "<svg class=\"spark\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"", SPARK_W, SPARK_H, SPARK_W, SPARK_H);
	html_escape(out, title);
	fputs("\"><title>", out);
	html_escape(out, title);
	fputc(':', out);
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %llu", (unsigned long long)values[i]);
	fputs("</title>", out);
	if (n) {
		fputs("<polyline fill=\"none\" stroke=\"#4e79a7\" stroke-width=\"1.5\" points=\"", out);
		/* One value is a level line; the top and bottom pixel stay free for the stroke. */
		for (size_t i = 0; i < (n > 1 ? n : 2); i++) {
			double x = n > 1 ? (double)i * SPARK_W / (double)(n - 1) : (double)i * SPARK_W;
			double y = SPARK_H - 1 - (double)values[n > 1 ? i : 0] / (double)max * (SPARK_H - 2);

			fprintf(out, "%s%.1f,%.1f", i ? " " : "", x, y);
		}
		fputs("\"/>", out);
	}
	fputs("</svg>", out);
}

static void dest_table(FILE *out, const struct report *r, const struct report_device *d)
{
	fputs("<div class=\"wrap\"><table class=\"sortable\"><thead><tr><th>destination</th>"
	      "<th>port</th><th>country</th><th>party</th><th>org</th><th>TLS</th>"
	      "<th class=\"n\">bytes up</th><th class=\"n\">bytes down</th></tr></thead><tbody>\n", out);
	for (size_t i = d->first_dest; i < d->first_dest + d->ndests; i++) {
		const struct dest *x = &r->dests.items[i];
		char proto[PROTO_STRLEN];

		format_proto(x->first->proto, proto);
		fputs("<tr><td>", out);
		html_escape(out, dest_host(x->first));
		fprintf(out, "</td><td>%s/%u</td><td>%s</td><td>%s</td><td>", proto,
			x->first->remote_port, !r->local[i] && x->geo.country[0] ? x->geo.country : "-",
			r->local[i] ? "local" : party_name(x->party));
		html_escape(out, !r->local[i] && x->geo.org[0] ? x->geo.org : "-");
		fputs("</td><td>", out);
		for (int b = 0; b < DEST_TLS_VERSIONS; b++)
			if (x->tls_mask & (1u << b))
				fprintf(out, "%s%s ", tls_version_name(0x0300 + b),
					tls_version_deprecated(0x0300 + b) ? " (deprecated)" : "");
		fprintf(out, "</td><td class=\"n\">%llu</td><td class=\"n\">%llu</td></tr>\n",
			(unsigned long long)x->bytes_up, (unsigned long long)x->bytes_down);
	}
	fputs("</tbody></table></div>\n", out);
}

static void share_text(FILE *out, double v)
{
	if (isnan(v))
		fputs("unknown (no home country given)", out);
	else
		fprintf(out, "%.1f%%", v * 100);
}

void report_html(const struct report *r, FILE *out)
{
	char t[TIME_STRLEN];

	format_wall_time((uint64_t)r->generated_ms * 1000000ULL, t);
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		"<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		"<title>iotrim report</title><style>%s</style></head><body>\n", style);
	fprintf(out, "<h1>iotrim report</h1>\n<p>Generated %s; %zu device%s; home country %s.</p>\n",
		t, r->ndevices, r->ndevices == 1 ? "" : "s", r->opts.home[0] ? r->opts.home : "unknown");
	fprintf(out, "<section id=\"overall\"><h2>Overall</h2><p>%llu bytes up, %llu bytes down. "
		"Leaving the home country: <b class=\"abroad\">", (unsigned long long)r->bytes_up,
		(unsigned long long)r->bytes_down);
	share_text(out, r->abroad_share);
	fputs("</b>; leaving the home continent: <b class=\"continent\">", out);
	share_text(out, r->other_continent_share);
	fputs("</b>.</p></section>\n", out);
	for (size_t i = 0; i < r->ndevices; i++) {
		const struct report_device *d = &r->devices[i];

		fprintf(out, "<section class=\"device\" id=\"dev-%s\"><h2>", d->label.mac);
		html_escape(out, d->label.name[0] ? d->label.name : d->label.mac);
		fputs(" <span class=\"muted\">", out);
		html_escape(out, d->label.mac);
		if (d->label.category[0]) {
			fputs(", ", out);
			html_escape(out, d->label.category);
		}
		fprintf(out, "</span></h2>\n<p>%llu bytes up, %llu bytes down (%llu local).</p>\n",
			(unsigned long long)d->bytes_up, (unsigned long long)d->bytes_down,
			(unsigned long long)d->party[RP_LOCAL]);
		report_html_device_charts(out, d);
		report_html_timeline(out, r, d);
		dest_table(out, r, d);
		fputs("<h3>Security</h3>\n", out);
		security_cert_html(out, r, d);
		security_plaintext_html(out, d);
		security_tls_html(out, &r->tls_audit, d->label.mac, html_escape);
		report_experiment_html(out, &d->experiment, html_escape);
		fputs("</section>\n", out);
	}
	fputs("<section id=\"categories\"><h2>Categories</h2><p>Country shares normalised per "
	      "device (Jin et al.).</p><ul>\n", out);
	for (size_t i = 0; i < r->ncategories; i++) {
		const struct report_category *c = &r->categories[i];

		fputs("<li>", out);
		html_escape(out, c->name[0] ? c->name : "(no category)");
		fprintf(out, " (%zu device%s):", c->ndevices, c->ndevices == 1 ? "" : "s");
		for (int k = 0; k < c->norm.n; k++)
			fprintf(out, " %s %.1f%%", c->norm.cc[k][0] ? c->norm.cc[k] : "unknown",
				c->norm.share[k] * 100);
		fputs("</li>\n", out);
	}
	fprintf(out, "</ul></section>\n<script>%s</script>\n</body></html>\n", script);
}
