/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Turning map contents into text: addresses and times (protocols: common/proto.h). */
#ifndef IOTRIM_FMT_H
#define IOTRIM_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define MAC_STRLEN 18
#define TIME_STRLEN 32
#define U64_STRLEN 21	/* 18446744073709551615 and a NUL */

void format_mac(const uint8_t mac[6], char out[MAC_STRLEN]);
/* Parses aa:bb:cc:dd:ee:ff (case-insensitive); false if malformed. */
bool parse_mac(const char *s, uint8_t mac[6]);
/* family is enum iotrim_family; addr is the 16-byte key field. */
void format_ip(uint8_t family, const uint8_t addr[16], char out[INET6_ADDRSTRLEN]);

/* v in decimal ("%llu") and a NUL into out, which has room for them; the digits' count. */
size_t format_u64(uint64_t v, char *out);

/* RFC 3339 UTC with milliseconds, e.g. 2026-11-25T16:23:45.123Z. */
void format_wall_time(uint64_t wall_ns, char out[TIME_STRLEN]);

#endif
