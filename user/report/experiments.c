// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The latest experiment of each device in the report (report/experiments.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/escape.h"
#include "experiment/query.h"
#include "report/experiments.h"

/* The verdicts and the blocklist out of a replayed run; 0 or -ENOMEM. */
static int copy_run(const struct exp_run *run, struct report_experiment *e)
{
	struct exp_dest_result *res = calloc(EXP_MAX_DESTS, sizeof(*res));
	struct exp_rule *rules;
	int n;

	e->verdicts = calloc(run->ndest ? run->ndest : 1, sizeof(*e->verdicts));
	if (!res || !e->verdicts) {
		free(res);
		return -ENOMEM;
	}
	snprintf(e->outcome, sizeof(e->outcome), "%s", exp_run_outcome(run));
	e->nfuncs = run->cfg.nfuncs;
	for (unsigned f = 0; f < run->cfg.nfuncs; f++)
		snprintf(e->funcs[f], sizeof(e->funcs[f]), "%s", run->cfg.funcs[f].name);
	exp_verdicts(&run->plan, res);
	e->nverdicts = run->ndest;
	for (unsigned d = 0; d < run->ndest; d++) {
		struct report_exp_verdict *v = &e->verdicts[d];

		exp_dest_label(&run->dests[d], v->label);
		v->verdict = res[d].verdict;
		v->breaks = res[d].breaks;
		v->flaky = res[d].flaky;
		v->successes = res[d].successes;
		v->trials = res[d].trials;
		v->conflict = res[d].conflict >= 0;
		v->kept = res[d].kept;
		v->in_blocklist = res[d].in_blocklist;
	}
	free(res);
	/* The blocklist is validated (every functionality checked with all of it
	 * blocked at once) only when the run got to the end. */
	if (strcmp(e->outcome, "done"))
		return 0;
	n = exp_blocklist_rules(run, &rules);
	if (n == -E2BIG) {
		snprintf(e->error, sizeof(e->error), "its blocklist has more than %d entries",
			 EXP_MAX_RULES);
		return 0;
	}
	if (n < 0)
		return n;
	e->blocklist = calloc(n ? (size_t)n : 1, sizeof(*e->blocklist));
	if (!e->blocklist) {
		free(rules);
		return -ENOMEM;
	}
	e->nblocklist = (unsigned)n;
	for (int i = 0; i < n; i++)
		exp_blocklist_line(run, &rules[i], e->blocklist[i], sizeof(e->blocklist[i]));
	free(rules);
	return 0;
}

int report_experiment_load(sqlite3 *db, const char *mac, struct report_experiment *e)
{
	struct exp_run run;
	char err[1024];
	int rc;

	memset(e, 0, sizeof(*e));
	rc = exp_query_latest(db, mac, &e->id);
	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	rc = exp_run_load(db, e->id, &run, err, sizeof(err));
	if (!rc)
		rc = exp_run_replay(&run, err, sizeof(err));
	if (!rc)
		rc = copy_run(&run, e);
	else if (rc != -ENOMEM) {
		/* a journal this version cannot replay: said, not fatal */
		snprintf(e->error, sizeof(e->error), "%.255s", err);
		rc = 0;
	}
	exp_run_free(&run);
	return rc;
}

void report_experiment_free(struct report_experiment *e)
{
	free(e->verdicts);
	free(e->blocklist);
	memset(e, 0, sizeof(*e));
}

/* The functionalities of mask, ", " between them. */
static void funcs_out(FILE *out, const struct report_experiment *e, uint32_t mask,
		      void (*esc)(FILE *out, const char *s))
{
	bool first = true;

	for (unsigned f = 0; f < e->nfuncs; f++) {
		if (!(mask >> f & 1))
			continue;
		fputs(first ? "" : ", ", out);
		esc(out, e->funcs[f]);
		first = false;
	}
}

static const char *note(const struct report_exp_verdict *v)
{
	return v->kept ? "conflict: kept allowed" : v->conflict ? "conflict" : "";
}

void report_experiment_text(FILE *out, const struct report_experiment *e, const char *item,
			    void (*md_esc)(FILE *out, const char *s))
{
	/* names come from devices, functionalities from a file: never raw to a terminal */
	void (*esc)(FILE *out, const char *s) = md_esc ? md_esc : term_puts;
	const char *sub = md_esc ? "   - " : "      ";

	if (!e->id) {
		fprintf(out, "%sno experiment run\n", item);
		return;
	}
	if (e->error[0] && !e->nverdicts) {
		fprintf(out, "%slatest experiment %lld: cannot be read: ", item, (long long)e->id);
		esc(out, e->error);
		fputs("\n", out);
		return;
	}
	fprintf(out, "%slatest experiment %lld (%s), verdicts per destination:%s\n", item,
		(long long)e->id, e->outcome, e->nverdicts ? "" : " none (nothing discovered)");
	for (unsigned i = 0; i < e->nverdicts; i++) {
		const struct report_exp_verdict *v = &e->verdicts[i];

		fputs(sub, out);
		esc(out, v->label);
		fprintf(out, " %s", exp_verdict_name(v->verdict));
		if (v->breaks) {
			fputs(", breaks ", out);
			funcs_out(out, e, v->breaks, esc);
		}
		fprintf(out, ", %u/%u successes%s%s%s\n", v->successes, v->trials,
			v->flaky ? ", flaky" : "", note(v)[0] ? ", " : "", note(v));
	}
	if (e->error[0])
		fprintf(out, "%sblocklist: none (%s)\n", item, e->error);	/* ours: E2BIG */
	else if (!e->blocklist)
		fprintf(out, "%sblocklist: not validated (the run is %s)\n", item, e->outcome);
	else
		fprintf(out, "%sblocklist that keeps every functionality working (iotrim block "
			     "import):%s\n", item, e->nblocklist ? "" : " empty (nothing to block)");
	for (unsigned i = 0; i < e->nblocklist; i++) {
		fputs(sub, out);
		esc(out, e->blocklist[i]);
		fputs("\n", out);
	}
}

void report_experiment_json(struct json *j, const struct report_experiment *e)
{
	if (!e->id) {
		json_null(j, "experiment");
		return;
	}
	json_object_begin(j, "experiment");
	json_u64(j, "id", (uint64_t)e->id);
	json_string(j, "status", e->outcome[0] ? e->outcome : NULL);
	json_string(j, "error", e->error[0] ? e->error : NULL);
	json_array_begin(j, "functionalities");
	for (unsigned f = 0; f < e->nfuncs; f++)
		json_string(j, NULL, e->funcs[f]);
	json_array_end(j);
	json_array_begin(j, "verdicts");
	for (unsigned i = 0; i < e->nverdicts; i++) {
		const struct report_exp_verdict *v = &e->verdicts[i];

		json_object_begin(j, NULL);
		json_string(j, "destination", v->label);
		json_string(j, "verdict", exp_verdict_name(v->verdict));
		json_array_begin(j, "breaks");
		for (unsigned f = 0; f < e->nfuncs; f++)
			if (v->breaks >> f & 1)
				json_string(j, NULL, e->funcs[f]);
		json_array_end(j);
		json_u64(j, "successes", v->successes);
		json_u64(j, "trials", v->trials);
		json_bool(j, "flaky", v->flaky != 0);
		json_bool(j, "conflict", v->conflict);
		json_bool(j, "kept", v->kept);
		json_bool(j, "in_blocklist", v->in_blocklist);
		json_object_end(j);
	}
	json_array_end(j);
	if (!e->blocklist) {
		json_null(j, "blocklist");
	} else {
		json_array_begin(j, "blocklist");
		for (unsigned i = 0; i < e->nblocklist; i++)
			json_string(j, NULL, e->blocklist[i]);
		json_array_end(j);
	}
	json_object_end(j);
}

void report_experiment_html(FILE *out, const struct report_experiment *e,
			    void (*esc)(FILE *out, const char *s))
{
	fputs("<h3>Latest experiment</h3>\n", out);
	if (!e->id) {
		fputs("<p class=\"experiment\">No experiment run.</p>\n", out);
		return;
	}
	fprintf(out, "<p class=\"experiment\">Experiment %lld", (long long)e->id);
	if (e->outcome[0])
		fprintf(out, ", %s", e->outcome);
	if (e->error[0]) {
		fputs(": ", out);
		esc(out, e->error);
	}
	fputs(".</p>\n", out);
	if (e->nverdicts) {
		fputs("<div class=\"wrap\"><table class=\"verdicts\"><thead><tr><th>destination</th>"
		      "<th>verdict</th><th>breaks</th><th class=\"n\">successes / trials</th>"
		      "<th>note</th></tr></thead><tbody>\n", out);
		for (unsigned i = 0; i < e->nverdicts; i++) {
			const struct report_exp_verdict *v = &e->verdicts[i];

			fputs("<tr class=\"verdict\"><td>", out);
			esc(out, v->label);
			fprintf(out, "</td><td class=\"verdict-%s\">%s</td><td>",
				exp_verdict_name(v->verdict), exp_verdict_name(v->verdict));
			funcs_out(out, e, v->breaks, esc);
			fprintf(out, "</td><td class=\"n\">%u / %u</td><td>%s%s%s</td></tr>\n",
				v->successes, v->trials, v->flaky ? "flaky" : "",
				v->flaky && note(v)[0] ? ", " : "", note(v));
		}
		fputs("</tbody></table></div>\n", out);
	}
	if (!e->blocklist) {
		if (!e->error[0])
			fprintf(out, "<p>Blocklist not validated (the run is %s).</p>\n", e->outcome);
		return;
	}
	fprintf(out, "<p>Blocklist that keeps every functionality working (<code>iotrim block "
		     "import</code>)%s</p>\n", e->nblocklist ? ":" : ": empty, nothing to block.");
	if (!e->nblocklist)
		return;
	fputs("<pre class=\"blocklist\">", out);
	for (unsigned i = 0; i < e->nblocklist; i++) {
		esc(out, e->blocklist[i]);
		fputs("\n", out);
	}
	fputs("</pre>\n", out);
}
