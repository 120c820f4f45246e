// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One active TLS validation run (audit/tls_audit.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/divert.h"
#include "audit/tls_audit.h"
#include "common/clock.h"

static const uint16_t tls_ports[] = { INTERCEPT_TLS_PORTS };

/* Long enough for a slow device's handshake, short enough to end a run on time. */
#define HANDSHAKE_MS 10000
#define IDLE_MS 1000

int tls_audit_run(const struct tls_audit_request *req, const volatile sig_atomic_t *stop,
		  struct tls_audit_result *res)
{
	struct intercept_config cfg = {
		.only_name = req->only_name,
		.only_port = req->only_port,
		.handshake_ms = HANDSHAKE_MS,
		.idle_ms = IDLE_MS,
	};
	const uint16_t *ports = tls_ports;
	size_t nports = sizeof(tls_ports) / sizeof(tls_ports[0]);
	struct intercept *ic;
	struct divert *dv;
	int err;

	memset(res, 0, sizeof(*res));
	if (req->only_name) {
		ports = &req->only_port;
		nports = 1;
	}
	if ((err = intercept_open(&ic, &cfg)))
		return err;
	if ((err = divert_open(&dv, req->mac, ports, nports, intercept_port(ic)))) {
		intercept_close(ic);
		return err;
	}
	snprintf(res->table, sizeof(res->table), "%s", divert_table(dv));
	res->started_ms = clock_wall_ms();
	err = intercept_run(ic, req->duration_ms, stop);
	divert_close(dv);	/* first: new connections reach their server again */
	intercept_stop(ic);
	res->ended_ms = clock_wall_ms();
	intercept_results(ic, &res->dests, &res->stats);
	intercept_close(ic);
	if (req->only_name && !tls_dest_get(&res->dests, req->only_name, req->only_port) && !err)
		err = -ENOMEM;
	return err;
}

void tls_audit_result_free(struct tls_audit_result *res)
{
	tls_dest_list_free(&res->dests);
}
