// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One active TLS validation run (audit/tls_audit.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/divert.h"
#include "audit/tls_audit.h"
#include "common/clock.h"

static const uint16_t tls_ports[] = { INTERCEPT_TLS_PORTS };

/* Long enough for a slow device's handshake, short enough to end a run on time. */
#define HANDSHAKE_MS 10000
#define IDLE_MS 1000
#define WAIT_STEP_NS 100000000L

struct tls_audit {
	struct tls_audit_request req;
	char only_name[TLS_DEST_NAME_MAX];
	struct intercept *ic;
	struct divert *dv;
	pthread_t server;
	volatile sig_atomic_t stop;	/* ends the server thread */
	int serve_err;
	int64_t started_ms;
	char table[48];
};

static void *serve(void *arg)
{
	struct tls_audit *a = arg;

	a->serve_err = intercept_run(a->ic, UINT64_MAX / 2, &a->stop);
	return NULL;
}

int tls_audit_begin(const struct tls_audit_request *req, struct tls_audit **out)
{
	struct tls_audit *a = calloc(1, sizeof(*a));
	struct intercept_config cfg = { .handshake_ms = HANDSHAKE_MS, .idle_ms = IDLE_MS };
	const uint16_t *ports = tls_ports;
	size_t nports = sizeof(tls_ports) / sizeof(tls_ports[0]);
	int err;

	if (!a)
		return -ENOMEM;
	a->req = *req;
	if (req->only_name) {
		snprintf(a->only_name, sizeof(a->only_name), "%s", req->only_name);
		a->req.only_name = a->only_name;
		cfg.only_name = a->only_name;
		cfg.only_port = req->only_port;
		ports = &a->req.only_port;
		nports = 1;
	}
	if ((err = intercept_open(&a->ic, &cfg)))
		goto fail;
	if ((err = divert_open(&a->dv, req->mac, ports, nports, intercept_port(a->ic))))
		goto fail;
	snprintf(a->table, sizeof(a->table), "%s", divert_table(a->dv));
	a->started_ms = clock_wall_ms();
	if ((err = -pthread_create(&a->server, NULL, serve, a)))
		goto fail;
	*out = a;
	return 0;
fail:
	divert_close(a->dv);
	intercept_close(a->ic);
	free(a);
	return err;
}

int tls_audit_end(struct tls_audit *a, struct tls_audit_result *res)
{
	int err;

	memset(res, 0, sizeof(*res));
	a->stop = 1;
	pthread_join(a->server, NULL);
	divert_close(a->dv);	/* first: new connections reach their server again */
	intercept_stop(a->ic);
	res->started_ms = a->started_ms;
	res->ended_ms = clock_wall_ms();
	snprintf(res->table, sizeof(res->table), "%s", a->table);
	intercept_results(a->ic, &res->dests, &res->stats);
	intercept_close(a->ic);
	err = a->serve_err;
	if (a->req.only_name && !tls_dest_get(&res->dests, a->req.only_name, a->req.only_port) &&
	    !err)
		err = -ENOMEM;
	free(a);
	return err;
}

int tls_audit_run(const struct tls_audit_request *req, const volatile sig_atomic_t *stop,
		  struct tls_audit_result *res)
{
	double end = clock_mono_s() + req->duration_ms / 1000.0;
	struct tls_audit *a;
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = tls_audit_begin(req, &a)))
		return err;
	while (!*stop && clock_mono_s() < end)
		nanosleep(&(struct timespec){ .tv_nsec = WAIT_STEP_NS }, NULL);
	return tls_audit_end(a, res);
}

void tls_audit_result_free(struct tls_audit_result *res)
{
	tls_dest_list_free(&res->dests);
}
