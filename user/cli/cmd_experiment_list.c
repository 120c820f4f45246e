// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim experiment list`: the runs in the journal. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/experiment.h"
#include "history/db.h"
#include "experiment/query.h"
#include "common/fmt.h"
#include "common/json.h"
#include "report/json_views.h"

const char *experiment_db(const struct experiment_opts *o)
{
	return o->db ? o->db : db_path();
}

static int run_experiment_list(const void *opts, int argc, char **argv)
{
	const struct experiment_opts *o = opts;
	const char *db_name = experiment_db(o);
	sqlite3 *db;
	struct exp_summary *rows;
	size_t n;
	struct json j;
	int rc;

	(void)argc, (void)argv;
	if ((rc = cli_db_open(db_name, &db)))
		return rc;
	rc = exp_query_list(db, db_name, &rows, &n);
	db_close(db);
	if (rc)
		return EXIT_FAILURE_RUNTIME;
	if (o->json) {
		json_init(&j, stdout);
		json_array_begin(&j, NULL);
	} else {
		printf("%-4s  %-17s  %-12s  %-8s  %-11s  %-9s  %5s  %6s  %-20s  %s\n", "ID", "DEVICE", "NAME",
		       "STRATEGY", "STATUS", "PHASE", "DESTS", "TRIALS", "CREATED", "MESSAGE");
	}
	for (size_t i = 0; i < n; i++) {
		const struct exp_summary *r = &rows[i];
		char t[TIME_STRLEN];

		if (o->json) {
			json_exp_summary(&j, r);
		} else {
			format_wall_time((uint64_t)r->created_ms * 1000000ULL, t);
			printf("%-4lld  %-17s  %-12.12s  %-8s  %-11s  %-9s  %5lld  %6lld  %-20.19s  %s\n",
			       (long long)r->id, r->device_mac, r->device_name, r->strategy, r->status,
			       r->phase, (long long)r->destinations, (long long)r->trials_run, t,
			       r->message);
		}
	}
	free(rows);
	if (o->json) {
		json_array_end(&j);
		json_finish(&j);
	}
	return EXIT_OK;
}

const struct command experiment_list_command = {
	.name = "list",
	.doc = "The runs; one whose process died (kill -9, reboot) is \"dead\": resume it.\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct experiment_opts, json),
		  .help = "an array of objects, one per run" },
		EXPERIMENT_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct experiment_opts),
	.max_args = 0,
	.args_extra = "experiment list takes no argument",
	.run = run_experiment_list,
};
