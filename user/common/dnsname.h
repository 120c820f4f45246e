/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* DNS names as rules see them. */
#ifndef IOTRIM_COMMON_DNSNAME_H
#define IOTRIM_COMMON_DNSNAME_H

#include <stdbool.h>

/*
 * Does a rule for rule_name reach name?  It covers the name itself and its
 * subdomains (ntp.org covers 0.pool.ntp.org, not myntp.org), ignoring case.
 * An empty name is covered by nothing and covers nothing.
 */
bool dns_name_covers(const char *rule_name, const char *name);

#endif
