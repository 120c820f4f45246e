// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What `iotrim run` changes on SIGHUP and applies periodically: see run.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attrib/party.h"
#include "cli/run.h"
#include "common/clock.h"
#include "datapath/pin.h"

const struct param_word history_rollup_words[] = {
	{ "daily", RETENTION_DAILY },
	{ "drop", RETENTION_DROP },
	{ NULL },
};

/* Options a reload applies; any other change needs a restart. */
static const char *const reloadable[] = {
	"interval", "grace", "device-idle", "devices", "sample-first", "sample-every", "sample-bytes",
	"history-retention", "history-rollup", "history-daily-retention",
};

void run_live_from(const struct run_params *p, struct run_live *l)
{
	*l = (struct run_live){
		.interval = p->interval.value,
		.grace = p->grace.value,
		.device_idle = p->device_idle.value,
		.retention = {
			.detail_days = p->history_retention.value,
			.rollup = p->history_rollup,
			.daily_days = p->history_daily_retention.value,
		},
		.sampling = {
			.first_set = p->sample_first.set, .first = p->sample_first.value,
			.every_set = p->sample_every.set, .every = p->sample_every.value,
			.bytes_set = p->sample_bytes.set, .bytes = p->sample_bytes.value,
		},
		.devices = p->devices,
	};
}

static bool any_sampling(const struct sampling_change *c)
{
	return c->first_set || c->every_set || c->bytes_set;
}

void run_apply_sampling(const struct run_live *live, const struct sampling_change *before)
{
	struct sampling_change c = live->sampling;
	struct iotrim_config now;
	int err;

	if (!any_sampling(&c) && !(before && any_sampling(before)))
		return;	/* left as `iotrim set` made it */
	/* The file says all of it: a key left out is its default. */
	c.defaults = true;
	if ((err = settings_change(&c, &now))) {
		warn("sampling: cannot write the settings map under %s: %s", pin_dir(),
		     strerror(-err));
		return;
	}
	now = settings_effective(&now);
	notice("sampling: first %u, every %u, %u bytes%s", now.sample_first, now.sample_every,
	       now.sample_bytes, any_sampling(&c) ? "" : " (defaults)");
}

static bool same_text(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool is_reloadable(const char *name)
{
	for (size_t i = 0; i < sizeof(reloadable) / sizeof(reloadable[0]); i++)
		if (!strcmp(reloadable[i], name))
			return true;
	return false;
}

/* Logs each key whose value changed between the files, and whether it applies now. */
static void log_changes(const struct config *old, const struct config *next)
{
	uint64_t given = params_given();

	for (size_t i = 0; run_command.params[i].name; i++) {
		const struct param *p = &run_command.params[i];
		const char *a = config_value(old, p), *b = config_value(next, p);

		if (same_text(a, b))
			continue;
		if (given & (1ULL << i)) {
			notice("reload: --%s is on the command line: the file's change is ignored", p->name);
			continue;
		}
		notice("reload: --%s %s -> %s%s", p->name, a ? a : "(default)", b ? b : "(default)",
		       is_reloadable(p->name) ? "" : ": needs a restart");
	}
}

int run_reload(struct run_reload *rl, struct run_live *live, struct device_config *conf)
{
	struct run_params np;
	struct device_config dc;
	struct config next;
	struct run_live nl;
	int err;

	if ((err = params_reparse(&np)))
		return err;
	if ((err = config_load(&run_command, np.config, &np, &next))) {
		config_print_errors(&next);
		warn("reload: %s has errors: nothing changed", next.path);
		config_free(&next);
		return err;
	}
	notice("reload: read %s", next.missing ? "no config file" : next.path);
	log_changes(rl->current, &next);
	run_live_from(&np, &nl);
	/* The device file may have changed even where its name did not. */
	if (device_config_load(nl.devices, &dc) == 0) {
		device_config_free(conf);
		*conf = dc;
	} else {
		warn("reload: keeping the device config in force");
	}
	run_apply_sampling(&nl, &live->sampling);
	*live = nl;
	config_free(&rl->later);
	rl->later = next;
	rl->current = &rl->later;
	return 0;
}

void run_retention(sqlite3 *db, const struct retention_policy *policy, int flows_fd)
{
	struct flow_table live = { 0 };
	struct retention_result r;
	int err;

	if (!policy->detail_days && !policy->daily_days)
		return;
	if (retention_apply(db, policy, clock_wall_ms(), &r))
		return;
	if (policy->detail_days) {
		if ((err = read_flows(flows_fd, &live)))
			warn("retention: reading the flow table failed: %s", strerror(-err));
		else
			retention_prune_states(db, &live, &r);
		flow_table_free(&live);
	}
	if (r.rolled_up || r.dropped || r.daily_dropped || r.other_dropped)
		notice("retention: %zu rows rolled up per day, %zu dropped, %zu daily rows dropped, %zu old DNS/TLS/state rows dropped (%zu transactions)",
		       r.rolled_up, r.dropped, r.daily_dropped, r.other_dropped, r.transactions);
}
