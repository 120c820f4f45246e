// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The experiments, and one run's verdicts. */
#include <stdlib.h>
#include <string.h>

#include "common/parse.h"
#include "experiment/engine.h"
#include "experiment/query.h"
#include "history/db.h"
#include "report/html.h"
#include "web/layout.h"
#include "web/pages.h"

/* ---- experiments ---------------------------------------------------------------- */

void page_experiments(struct web_server *s, const struct web_request *req,
		      struct web_response *resp)
{
	struct exp_summary *rows;
	FILE *out = resp->out;
	sqlite3 *db;
	size_t n;

	if (!(db = web_db(s, resp)))
		return;
	page_html(resp);
	page_head(out, req, "Experiments");
	if (exp_query_list(db, s->db, &rows, &n)) {
		fputs("<p>Cannot read the experiments.</p>", out);
		db_close(db);
		page_foot(out);
		return;
	}
	db_close(db);
	fputs("<form id=\"phase\" class=\"controls\"><label>device <input name=\"device\" "
	      "placeholder=\"aa:bb:cc:dd:ee:ff\" required></label> <label>phase <select name=\"phase\">"
	      "<option>setup</option><option>interaction</option><option>idle</option>"
	      "<option>deletion</option><option>none</option></select></label> "
	      "<button>mark phase</button></form>\n", out);
	/* Uploads run shell commands: offered only where serve allows them (README). */
	if (s->allow_experiment_commands)
		fputs("<form id=\"start\" class=\"controls\"><label>experiment file <input "
		      "type=\"file\" name=\"file\" required></label> <button>start experiment"
		      "</button></form>\n", out);
	fputs("<div class=\"wrap\"><table class=\"live\" id=\"experiments\" "
	      "data-api=\"/api/experiments\" data-key=\"id\"><thead><tr><th>id</th><th>device</th>"
	      "<th>strategy</th><th>status</th><th>phase</th><th class=\"n\">trials</th>"
	      "<th class=\"n\">destinations</th><th>created</th><th>message</th><th></th></tr></thead>"
	      "<tbody>\n", out);
	for (size_t i = 0; i < n; i++) {
		const struct exp_summary *r = &rows[i];
		char t[TIME_STRLEN];

		format_wall_time((uint64_t)r->created_ms * 1000000ULL, t);
		fprintf(out, "<tr data-key=\"%lld\"><td><a href=\"/experiment?id=%lld\">%lld</a></td>",
			(long long)r->id, (long long)r->id, (long long)r->id);
		fputs("<td>", out);
		html_escape(out, r->device_name[0] ? r->device_name : r->device_mac);
		fputs("</td>", out);
		cell_text(out, r->strategy);
		fputs("<td data-field=\"status\">", out);
		html_escape(out, r->status);
		fputs("</td><td data-field=\"phase\">", out);
		html_escape(out, r->phase);
		fputs("</td>", out);
		cell_live_u64(out, "trials_run", (uint64_t)r->trials_run);
		cell_live_u64(out, "destinations", (uint64_t)r->destinations);
		cell_text(out, t);
		fputs("<td data-field=\"message\">", out);
		html_escape(out, r->message);
		fputs("</td><td>", out);
		if (!strcmp(r->status, "running"))
			fprintf(out, "<button type=\"button\" class=\"abort\" data-run=\"%lld\">abort"
				"</button>", (long long)r->id);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	free(rows);
	page_foot(out);
}

/* One run: each destination's verdict and the evidence behind it. */
void page_experiment(struct web_server *s, const struct web_request *req,
		     struct web_response *resp)
{
	static struct exp_dest_result res[EXP_MAX_DESTS];	/* the server's one thread */
	const char *arg = web_query(req, "id");
	unsigned long long id;
	struct exp_run run;
	char err[1024], title[64];
	FILE *out = resp->out;
	sqlite3 *db;

	if (!arg || !parse_u64(arg, 1, INT64_MAX, &id)) {
		web_error(resp, 400, "id must be an experiment ID");
		return;
	}
	if (!(db = web_db(s, resp)))
		return;
	if (exp_run_load(db, (int64_t)id, &run, err, sizeof(err)) ||
	    exp_run_replay(&run, err, sizeof(err))) {
		web_error(resp, 404, err);
		exp_run_free(&run);
		db_close(db);
		return;
	}
	page_html(resp);
	snprintf(title, sizeof(title), "Experiment %llu", id);
	page_head(out, req, title);
	exp_verdicts(&run.plan, res);
	fprintf(out, "<p>%u trials after %u baseline runs.</p>", run.plan.trials,
		run.plan.baseline_runs);
	fputs("<div class=\"wrap\"><table id=\"verdicts\"><thead><tr><th>destination</th>"
	      "<th>verdict</th><th class=\"n\">successes / trials</th><th class=\"n\">bytes</th>"
	      "</tr></thead><tbody>\n", out);
	for (unsigned d = 0; d < run.ndest; d++) {
		char label[EXP_LABEL_MAX];

		exp_dest_label(&run.dests[d], label);
		fputs("<tr><td class=\"dest\">", out);
		html_escape(out, label);
		fprintf(out, "</td><td>%s</td><td class=\"n\">%u / %u</td><td class=\"n\">%llu</td>"
			"</tr>\n", exp_verdict_name(res[d].verdict), res[d].successes, res[d].trials,
			(unsigned long long)run.dests[d].bytes);
	}
	fputs("</tbody></table></div>\n", out);
	exp_run_free(&run);
	db_close(db);
	page_foot(out);
}
