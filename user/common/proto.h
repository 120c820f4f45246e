/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IP protocol names, one meaning everywhere: each name is its IANA number
 * ("icmpv6" is 58, never ICMP of another family), and parsing is the
 * inverse of formatting.
 */
#ifndef IOTRIM_COMMON_PROTO_H
#define IOTRIM_COMMON_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#define PROTO_STRLEN 8

/* "tcp", "udp", "icmp", "icmpv6" -> IPPROTO_*, "any" -> 0; false for anything else. */
bool proto_parse(const char *text, uint8_t *proto);
/* "tcp", "udp", "icmp", "icmpv6", else the number. */
void format_proto(uint8_t proto, char out[PROTO_STRLEN]);

#endif
