/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One active TLS validation run (`iotrim audit tls`, and an experiment's
 * audit step): divert the device's TLS ports to the interceptor for the
 * duration, then take the divert away before closing the intercepted
 * connections, so that the device's next connection goes to its server.
 */
#ifndef IOTRIM_AUDIT_TLS_AUDIT_H
#define IOTRIM_AUDIT_TLS_AUDIT_H

#include <signal.h>
#include <stdint.h>

#include "audit/intercept.h"
#include "audit/tls_verdict.h"

struct tls_audit_request {
	uint8_t mac[6];
	const char *only_name;	/* --destination NAME in lower case, or NULL: every one */
	uint16_t only_port;	/* its port */
	uint64_t duration_ms;
};

struct tls_audit_result {
	struct tls_dest_list dests;	/* sorted; the asked destination is there, not-seen or not */
	struct intercept_stats stats;
	int64_t started_ms, ended_ms;	/* wall clock */
	char table[48];			/* the nftables table that held the divert */
};

/*
 * Runs the audit; 0, or -errno (-EPERM without CAP_NET_ADMIN; the reason
 * is logged).  *stop ends it early.  tls_audit_result_free() the result.
 */
int tls_audit_run(const struct tls_audit_request *req, const volatile sig_atomic_t *stop,
		  struct tls_audit_result *res);
void tls_audit_result_free(struct tls_audit_result *res);

#endif
