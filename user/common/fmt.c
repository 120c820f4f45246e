// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/fmt.h"
#include "iotrim.h"

void format_mac(const uint8_t mac[6], char out[MAC_STRLEN])
{
	snprintf(out, MAC_STRLEN, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

bool parse_mac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	for (int i = 0; i < 6; i++) {
		char byte[3] = { s[i * 3], s[i * 3 + 1], 0 };

		mac[i] = (uint8_t)strtoul(byte, NULL, 16);
	}
	return true;
}

void format_ip(uint8_t family, const uint8_t addr[16], char out[INET6_ADDRSTRLEN])
{
	if (family == IOTRIM_FAMILY_IPV4)
		inet_ntop(AF_INET, addr, out, INET6_ADDRSTRLEN);
	else if (family == IOTRIM_FAMILY_IPV6)
		inet_ntop(AF_INET6, addr, out, INET6_ADDRSTRLEN);
	else
		snprintf(out, INET6_ADDRSTRLEN, "?");
}

void format_wall_time(uint64_t wall_ns, char out[TIME_STRLEN])
{
	time_t secs = wall_ns / 1000000000ULL;
	unsigned int ms = (wall_ns / 1000000ULL) % 1000;
	struct tm tm;

	gmtime_r(&secs, &tm);
	strftime(out, TIME_STRLEN - 6, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out + strlen(out), 6, ".%03uZ", ms);
}
