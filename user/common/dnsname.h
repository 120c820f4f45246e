/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* DNS names as rules see them. */
#ifndef IOTRIM_COMMON_DNSNAME_H
#define IOTRIM_COMMON_DNSNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Does a rule for rule_name reach name?  It covers the name itself and its
 * subdomains (ntp.org covers 0.pool.ntp.org, not myntp.org), ignoring case.
 * An empty name is covered by nothing and covers nothing.
 */
bool dns_name_covers(const char *rule_name, const char *name);

/*
 * An uncompressed wire-format name (length-prefixed labels up to the root
 * byte, at most size bytes) to lower-case text without the trailing dot;
 * bytes other than printable ASCII, '.' and '\' inside a label are escaped
 * as \DDD.  False if it is not a well-formed name or does not fit in
 * out_len bytes (out is "" then).
 */
bool dns_wire_to_text(const uint8_t *wire, size_t size, char *out, size_t out_len);

#endif
