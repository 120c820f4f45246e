/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The report's experiment section: per device, the verdicts of its latest
 * `iotrim experiment` run (by id) and the blocklist that keeps every
 * functionality working, both as the experiment stage computes them
 * (exp_verdicts(), exp_blocklist_rules()): the report copies, it does not
 * judge again.
 */
#ifndef IOTRIM_REPORT_EXPERIMENTS_H
#define IOTRIM_REPORT_EXPERIMENTS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/json.h"
#include "experiment/engine.h"

struct report_exp_verdict {
	char label[EXP_LABEL_MAX];	/* "api.vendor.example:443" (exp_dest_label()) */
	enum exp_verdict verdict;
	uint32_t breaks, flaky;		/* functionalities (bits into funcs) */
	unsigned successes, trials;
	bool conflict, kept, in_blocklist;
};

struct report_experiment {
	int64_t id;			/* 0: the device had no experiment run */
	char outcome[16];		/* exp_run_outcome(): done, aborted, incomplete */
	char error[256];		/* "": read; else why the run could not be */
	char funcs[EXP_MAX_FUNCS][EXP_FUNC_NAME_MAX];
	unsigned nfuncs;
	struct report_exp_verdict *verdicts;
	unsigned nverdicts;
	char (*blocklist)[EXP_BLOCKLIST_LINE_MAX];	/* its lines; only when done */
	unsigned nblocklist;
};

/*
 * Reads the latest run of the device ("aa:bb:.."), replayed from the
 * journal.  A run that cannot be read is not fatal: e->error says why.
 * 0, or -ENOMEM / -EIO (the database failed).
 */
int report_experiment_load(sqlite3 *db, const char *mac, struct report_experiment *e);
void report_experiment_free(struct report_experiment *e);

/*
 * As lines after item ("    " or "- "); md_esc (for Markdown) escapes
 * the destinations and functionalities, NULL for a terminal (term_puts()).
 */
void report_experiment_text(FILE *out, const struct report_experiment *e, const char *item,
			    void (*md_esc)(FILE *out, const char *s));
/* "experiment": null, or {id, status, error, functionalities, verdicts, blocklist}. */
void report_experiment_json(struct json *j, const struct report_experiment *e);
/* A heading, the verdicts table and the blocklist; esc escapes HTML. */
void report_experiment_html(FILE *out, const struct report_experiment *e,
			    void (*esc)(FILE *out, const char *s));

#endif
