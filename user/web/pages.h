/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dashboard's pages: rendered here with every device-supplied string
 * escaped (report/html.h) and the report's SVG charts; the assets
 * (web/assets/) poll the API to keep the numbers live and send the actions.
 */
#ifndef IOTRIM_WEB_PAGES_H
#define IOTRIM_WEB_PAGES_H

#include "web/router.h"

web_handler page_devices, page_sparkline, page_device, page_blocks, page_experiments, page_experiment, page_login,
	login,
	logout, web_asset;

#endif
