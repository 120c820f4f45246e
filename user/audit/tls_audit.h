/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One active TLS validation run (`iotrim audit tls`, and an experiment's
 * [audit-tls] step): the device's TLS ports diverted to the interceptor
 * from tls_audit_begin() to tls_audit_end(), which takes the divert away
 * before it closes the intercepted connections, so that the device's next
 * connection goes to its server.  The interceptor serves in a thread of its
 * own meanwhile, so the caller can make the device talk (an experiment's
 * triggers).
 */
#ifndef IOTRIM_AUDIT_TLS_AUDIT_H
#define IOTRIM_AUDIT_TLS_AUDIT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit/intercept.h"
#include "audit/tls_verdict.h"

struct tls_audit_request {
	uint8_t mac[6];
	const char *only_name;	/* --destination NAME in lower case, or NULL: every one */
	uint16_t only_port;	/* its port */
	uint64_t duration_ms;	/* tls_audit_run() only */
};

struct tls_audit_result {
	struct tls_dest_list dests;	/* sorted; the asked destination is there, not-seen or not */
	struct intercept_stats stats;
	int64_t started_ms, ended_ms;	/* wall clock */
	char table[48];			/* the nftables table that held the divert */
};

struct tls_audit;

/*
 * Diverts and intercepts until tls_audit_end(); 0, or -errno (-EPERM
 * without CAP_NET_ADMIN; the reason is logged).
 */
int tls_audit_begin(const struct tls_audit_request *req, struct tls_audit **out);
/* Ends the run and frees a; the result in res (tls_audit_result_free() it). */
int tls_audit_end(struct tls_audit *a, struct tls_audit_result *res);

/* begin, wait req->duration_ms or until *stop, end. */
int tls_audit_run(const struct tls_audit_request *req, const volatile sig_atomic_t *stop,
		  struct tls_audit_result *res);
void tls_audit_result_free(struct tls_audit_result *res);


#endif
