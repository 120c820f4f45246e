/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The JSON API under /api/ (README "Dashboard"): the objects of the CLI's
 * --json output (report/json_views.h), and the actions.
 */
#ifndef IOTRIM_WEB_API_H
#define IOTRIM_WEB_API_H

#include "web/router.h"

web_handler api_devices, api_destinations, api_blocks, api_block_add, api_block_del,
	api_experiments, api_experiment, api_phase, api_experiment_start, api_experiment_abort;

struct web_server;
/* Collects the experiments this server started that have ended (web/experiments.c). */
void web_experiments_reap(struct web_server *s);

#endif
