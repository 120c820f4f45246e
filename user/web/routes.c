// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The dashboard's routes and who may use them (web/router.h). */
#include <stddef.h>

#include "web/api.h"
#include "web/pages.h"
#include "web/router.h"

const struct web_route web_routes[] = {
	{ "GET", "/", WEB_READ, page_devices },
	{ "GET", "/device", WEB_READ, page_device },
	{ "GET", "/sparkline", WEB_READ, page_sparkline },
	{ "GET", "/blocks", WEB_READ, page_blocks },
	{ "GET", "/experiments", WEB_READ, page_experiments },
	{ "GET", "/experiment", WEB_READ, page_experiment },
	{ "GET", "/login", WEB_PUBLIC, page_login },
	{ "POST", "/login", WEB_PUBLIC, login },
	{ "POST", "/logout", WEB_ACTION, logout },
	{ "GET", "/assets/", WEB_PUBLIC, web_asset },
	{ "GET", "/api/devices", WEB_READ, api_devices },
	{ "GET", "/api/destinations", WEB_READ, api_destinations },
	{ "GET", "/api/blocks", WEB_READ, api_blocks },
	{ "POST", "/api/blocks", WEB_ACTION, api_block_add },
	{ "DELETE", "/api/blocks/", WEB_ACTION, api_block_del },
	{ "GET", "/api/experiments", WEB_READ, api_experiments },
	{ "GET", "/api/experiments/", WEB_READ, api_experiment },
	{ "POST", "/api/experiments", WEB_ACTION, api_experiment_start },
	{ "DELETE", "/api/experiments/", WEB_ACTION, api_experiment_abort },
	{ "POST", "/api/phase", WEB_ACTION, api_phase },
	{ NULL, NULL, 0, NULL },
};
