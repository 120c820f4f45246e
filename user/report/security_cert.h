/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The certificate part of a device's "Security" section in `iotrim report`:
 * per destination, the server certificate and the weaknesses found with
 * the rule of each, or that TLS 1.3 hid it.  One function per format; the
 * renderers (render_*.c) call them inside their section.
 */
#ifndef IOTRIM_SECURITY_CERT_H
#define IOTRIM_SECURITY_CERT_H

#include <stdbool.h>
#include <stdio.h>

#include "common/json.h"
#include "report/report.h"

/* Lines starting with item; md: names escaped for Markdown. */
void security_cert_text(FILE *out, const struct report *r, const struct report_device *d,
			bool md, const char *item);
/* "certificates": [{name, ip, port, certificate, certificate_hidden}] */
void security_cert_json(struct json *j, const struct report *r, const struct report_device *d);
/* A list, names escaped. */
void security_cert_html(FILE *out, const struct report *r, const struct report_device *d);

#endif
