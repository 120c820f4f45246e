/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The report's security section, TLS validation part: per device, the
 * latest `iotrim audit tls` verdict of each destination (audit/tls_store.h).
 */
#ifndef IOTRIM_REPORT_SECURITY_TLS_H
#define IOTRIM_REPORT_SECURITY_TLS_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>

#include "audit/tls_store.h"
#include "common/json.h"

struct report_tls_audit {
	struct tls_audit_row *rows;	/* by device, name, port */
	size_t len;
};

/* Reads the latest verdicts (of only_mac, or every device); 0 or -ENOMEM / -EIO. */
int report_tls_audit_load(sqlite3 *db, const char *only_mac, struct report_tls_audit *out);
void report_tls_audit_free(struct report_tls_audit *a);

/*
 * A device's verdicts as lines after item ("    " or "- "); md_esc (for
 * Markdown) escapes the names, NULL for plain text.
 */
void security_tls_text(FILE *out, const struct report_tls_audit *a, const char *mac,
		       const char *item, void (*md_esc)(FILE *out, const char *s));
/* "tls_validation": [{name, port, verdict, app_bytes, tested_at}] of the device. */
void security_tls_json(struct json *j, const struct report_tls_audit *a, const char *mac);
/* A small table, nothing when the device was never audited; esc escapes HTML. */
void security_tls_html(FILE *out, const struct report_tls_audit *a, const char *mac,
		       void (*esc)(FILE *out, const char *s));

#endif
