// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "common/proto.h"

static const struct {
	const char *name;
	uint8_t proto;
} names[] = {
	{ "tcp", IPPROTO_TCP },
	{ "udp", IPPROTO_UDP },
	{ "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 },
};

bool proto_parse(const char *text, uint8_t *proto)
{
	if (!strcmp(text, "any")) {
		*proto = 0;
		return true;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(text, names[i].name)) {
			*proto = names[i].proto;
			return true;
		}
	}
	return false;
}

void format_proto(uint8_t proto, char out[PROTO_STRLEN])
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].proto == proto) {
			snprintf(out, PROTO_STRLEN, "%s", names[i].name);
			return;
		}
	}
	snprintf(out, PROTO_STRLEN, "%u", proto);
}
