// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/fmt.h"
#include "iotrim.h"

/*
 * The formatters below run once or more per flow, a million times for a
 * full table: by hand, as printf would write them, without its format
 * parsing.
 */
void format_mac(const uint8_t mac[6], char out[MAC_STRLEN])
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 6; i++) {
		out[i * 3] = hex[mac[i] >> 4];
		out[i * 3 + 1] = hex[mac[i] & 15];
		out[i * 3 + 2] = i < 5 ? ':' : '\0';
	}
}

/* A hex digit's value (c passed isxdigit). */
static unsigned int hex_value(char c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

bool parse_mac(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return false;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(hex_value(s[i * 3]) << 4 | hex_value(s[i * 3 + 1]));
	return true;
}

/* Dotted decimal, as inet_ntop writes it. */
static void format_ipv4(const uint8_t addr[4], char *out)
{
	for (int i = 0; i < 4; i++) {
		unsigned int b = addr[i];

		if (b >= 100)
			*out++ = '0' + b / 100;
		if (b >= 10)
			*out++ = '0' + b / 10 % 10;
		*out++ = '0' + b % 10;
		*out++ = i < 3 ? '.' : '\0';
	}
}

void format_ip(uint8_t family, const uint8_t addr[16], char out[INET6_ADDRSTRLEN])
{
	if (family == IOTRIM_FAMILY_IPV4)
		format_ipv4(addr, out);
	else if (family == IOTRIM_FAMILY_IPV6)
		inet_ntop(AF_INET6, addr, out, INET6_ADDRSTRLEN);
	else
		snprintf(out, INET6_ADDRSTRLEN, "?");
}

size_t format_u64(uint64_t v, char *out)
{
	char digits[U64_STRLEN - 1], *p = digits + sizeof(digits);
	size_t n;

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	n = digits + sizeof(digits) - p;
	memcpy(out, p, n);
	out[n] = '\0';
	return n;
}

void format_wall_time(uint64_t wall_ns, char out[TIME_STRLEN])
{
	/* The flows of a listing were mostly seen in the same few seconds: the
	 * last second's text (per thread) saves a gmtime_r and a strftime. */
	static __thread time_t cached_secs = -1;
	static __thread char cached[TIME_STRLEN];
	static __thread size_t cached_len;
	time_t secs = wall_ns / 1000000000ULL;
	unsigned int ms = (wall_ns / 1000000ULL) % 1000;

	if (secs != cached_secs) {
		struct tm tm;

		gmtime_r(&secs, &tm);
		cached_len = strftime(cached, TIME_STRLEN - 6, "%Y-%m-%dT%H:%M:%S", &tm);
		cached_secs = secs;
	}
	memcpy(out, cached, cached_len);
	out[cached_len] = '.';
	out[cached_len + 1] = '0' + ms / 100;
	out[cached_len + 2] = '0' + ms / 10 % 10;
	out[cached_len + 3] = '0' + ms % 10;
	out[cached_len + 4] = 'Z';
	out[cached_len + 5] = '\0';
}
