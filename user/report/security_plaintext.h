/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The plaintext part of a device's "Security" section in `iotrim report`:
 * the findings of `iotrim audit plaintext`, redacted.  One function per
 * format; the renderers (render_*.c) call them inside their section.
 */
#ifndef IOTRIM_SECURITY_PLAINTEXT_H
#define IOTRIM_SECURITY_PLAINTEXT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/json.h"
#include "report/report.h"

/* Lines starting with item; md: a Markdown table, values escaped. */
void security_plaintext_text(FILE *out, const struct report_device *d, bool md,
			     const char *item);
/* "plaintext_audits": N, "plaintext": [{name, port, kind, count, first_seen, last_seen, redacted}] */
void security_plaintext_json(struct json *j, const struct report_device *d);
/* A line and a table, values escaped. */
void security_plaintext_html(FILE *out, const struct report_device *d);

#endif
