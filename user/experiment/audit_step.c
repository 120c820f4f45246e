// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * An experiment's [audit-tls] step (experiment/engine.h), after the trials:
 * the device's TLS is diverted to the interceptor (audit/tls_audit.h) while
 * each functionality is triggered and checked once more, so that the
 * device opens its TLS connections during the test.  Its checks are
 * expected to fail where the device validates certificates: they are not
 * journaled and judge nothing.  The verdicts go to the tls_audit table
 * (`iotrim report`) and to the progress lines.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/tls_audit.h"
#include "audit/tls_store.h"
#include "common/clock.h"
#include "common/fmt.h"
#include "common/log.h"
#include "experiment/engine.h"
#include "experiment/exec.h"

static void run_quietly(struct exp_run *run, const char *cmd, const char *func, const char *mac)
{
	char macv[64], funcv[128];
	char *env[] = { macv, funcv, NULL };
	struct exp_cmd_result r;
	int err;

	snprintf(macv, sizeof(macv), "IOTRIM_DEVICE_MAC=%s", mac);
	snprintf(funcv, sizeof(funcv), "IOTRIM_FUNCTION=%s", func);
	if ((err = exp_run_command(cmd, run->cfg.dir, run->cfg.timeout, run->stop, env, &r)))
		warn("[audit-tls] cannot run '%s': %s", cmd, strerror(-err));
	else if (verbose)
		notice("  [audit-tls] %s: exit %d", func, r.exit_code);
	exp_cmd_result_free(&r);
}

int exp_run_audit_tls(struct exp_run *run)
{
	const struct exp_config *c = &run->cfg;
	struct tls_audit_request req = {
		.only_name = c->audit_destination[0] ? c->audit_destination : NULL,
		.only_port = c->audit_port,
	};
	struct tls_audit_result res;
	struct tls_audit *a;
	char mac[MAC_STRLEN];
	double end = clock_mono_s() + c->audit_duration;
	int err;

	if (strcmp(run->be->name, "kernel")) {
		snprintf(run->message, sizeof(run->message),
			 "[audit-tls] needs the kernel backend: it diverts the device's real traffic");
		return -ENOTSUP;
	}
	memcpy(req.mac, c->mac, sizeof(req.mac));
	format_mac(c->mac, mac);
	if ((err = tls_audit_begin(&req, &a))) {
		snprintf(run->message, sizeof(run->message), "[audit-tls] could not divert: %s",
			 strerror(-err));
		return err;
	}
	if (run->progress)
		fprintf(run->progress, "[audit-tls] intercepting %s's TLS for at least %u s while "
			"each functionality runs once more\n", mac, c->audit_duration);
	for (unsigned f = 0; f < c->nfuncs && !*run->stop; f++) {
		if (c->funcs[f].trigger)
			run_quietly(run, c->funcs[f].trigger, c->funcs[f].name, mac);
		if (!*run->stop)
			run_quietly(run, c->funcs[f].check, c->funcs[f].name, mac);
	}
	if (clock_mono_s() < end)
		exp_sleep((unsigned)((end - clock_mono_s()) * 1000), run->stop);
	err = tls_audit_end(a, &res);
	if (!err && !*run->stop && (err = tls_audit_store(run->db, mac, res.started_ms,
							  res.ended_ms, &res.dests)))
		snprintf(run->message, sizeof(run->message), "[audit-tls] cannot store the verdicts");
	for (size_t i = 0; run->progress && i < res.dests.len; i++)
		fprintf(run->progress, "[audit-tls] %s:%u %s (%llu application bytes)\n",
			res.dests.items[i].name, res.dests.items[i].port,
			tls_verdict_name(res.dests.items[i].verdict),
			(unsigned long long)res.dests.items[i].app_bytes);
	tls_audit_result_free(&res);
	return *run->stop ? -EINTR : err;
}
