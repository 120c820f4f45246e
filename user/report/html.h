/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * HTML output shared by the report and the dashboard (web/): the report's
 * inline-SVG device charts, and (through common/escape.h) the one escaping
 * of untrusted text (DNS names, SNI, hostnames, labels).
 */
#ifndef IOTRIM_REPORT_HTML_H
#define IOTRIM_REPORT_HTML_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/escape.h"
#include "report/report.h"

/* One device's stacked bars (countries, parties, encryption) with legends. */
void report_html_device_charts(FILE *out, const struct report_device *d);
/* One device's phase timeline (nothing without phases). */
void report_html_timeline(FILE *out, const struct report *r, const struct report_device *d);
/*
 * A sparkline: values (oldest first) as a line scaled to the largest, in an
 * inline SVG whose title lists them; title (escaped) names the series.
 */
void report_html_sparkline(FILE *out, const char *title, const uint64_t *values, size_t n);

#endif
