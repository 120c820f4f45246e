// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Controller unit tests: parsing and formatting helpers, JSON writer. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/columns.h"
#include "common/dnsname.h"
#include "common/fmt.h"
#include "common/proto.h"
#include "harness.h"
#include "iotrim.h"
#include "common/json.h"

TEST(parse_mac_accepts_canonical_forms)
{
	uint8_t mac[6];

	ASSERT(parse_mac("02:00:00:00:00:21", mac), "lower case");
	EXPECT(mac[0] == 0x02 && mac[5] == 0x21, "bytes %02x..%02x", mac[0], mac[5]);
	ASSERT(parse_mac("AA:bb:CC:dd:EE:ff", mac), "mixed case");
	EXPECT(mac[0] == 0xaa && mac[5] == 0xff, "bytes %02x..%02x", mac[0], mac[5]);
}

TEST(parse_mac_rejects_malformed)
{
	static const char *const bad[] = {
		"", "02:00:00:00:00", "02:00:00:00:00:21:", "02-00-00-00-00-21",
		"0g:00:00:00:00:21", "02:00:00:00:00:2", " 2:00:00:00:00:21",
		"+2:00:00:00:00:21", "02:00:00:00:0021 ",
	};
	uint8_t mac[6];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(!parse_mac(bad[i], mac), "'%s' accepted", bad[i]);
}

TEST(format_ip_both_families)
{
	uint8_t v4[16] = { 192, 0, 2, 21 };
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x21 };
	char out[INET6_ADDRSTRLEN];

	format_ip(IOTRIM_FAMILY_IPV4, v4, out);
	EXPECT(!strcmp(out, "192.0.2.21"), "got %s", out);
	format_ip(IOTRIM_FAMILY_IPV6, v6, out);
	EXPECT(!strcmp(out, "2001:db8::21"), "got %s", out);
	format_ip(0, v6, out);
	EXPECT(!strcmp(out, "?"), "unknown family gives %s", out);
}

/* The hand-written formatters against the libc calls they replace. */
TEST(format_mac_and_ipv4_match_libc_and_parse_back)
{
	char out[INET6_ADDRSTRLEN], want[INET6_ADDRSTRLEN];
	uint8_t back[6];

	for (unsigned int b = 0; b < 256; b++) {
		uint8_t mac[6] = { b, 255 - b, 0, 0x0a, b ^ 0x5a, b };
		uint8_t v4[16] = { b, 255 - b, b / 10, b % 100 };

		format_mac(mac, out);
		snprintf(want, sizeof(want), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1],
			 mac[2], mac[3], mac[4], mac[5]);
		EXPECT(!strcmp(out, want), "mac %s, not %s", out, want);
		for (char *c = want; *c; c++)
			*c = (char)toupper((unsigned char)*c);
		EXPECT(parse_mac(out, back) && !memcmp(back, mac, 6), "%s parsed back", out);
		EXPECT(parse_mac(want, back) && !memcmp(back, mac, 6), "%s parsed back", want);
		format_ip(IOTRIM_FAMILY_IPV4, v4, out);
		inet_ntop(AF_INET, v4, want, sizeof(want));
		EXPECT(!strcmp(out, want), "ipv4 %s, not %s", out, want);
	}
}

/* Each columns_* call writes what its printf conversion would, long rows too. */
TEST(columns_match_printf)
{
	static const char *const words[] = { "", "tcp", "02:00:00:00:00:21", "a name longer than its column" };
	static const uint64_t numbers[] = { 0, 7, 443, 18446744073709551615ULL };
	char got[8192] = "", want[8192] = "", *text = NULL;
	size_t len = 0, o = 0;
	FILE *f = open_memstream(&text, &len);
	struct columns c;

	ASSERT(f, "open_memstream");
	columns_begin(&c, f);
	for (int round = 0; round < 20; round++) {	/* more than one buffer's worth */
		for (size_t w = 0; w < 4; w++) {
			columns_str(&c, words[w], -17, -1);
			o += snprintf(want + o, sizeof(want) - o, "%-17s", words[w]);
			columns_str(&c, words[w], 9, -1);
			o += snprintf(want + o, sizeof(want) - o, "%9s", words[w]);
			columns_str(&c, words[w], -6, 6);
			o += snprintf(want + o, sizeof(want) - o, "%-6.6s", words[w]);
			columns_u64(&c, numbers[w], 12);
			o += snprintf(want + o, sizeof(want) - o, "%12llu", (unsigned long long)numbers[w]);
			columns_u64(&c, numbers[w], -5);
			o += snprintf(want + o, sizeof(want) - o, "%-5llu", (unsigned long long)numbers[w]);
			columns_text(&c, "  ");
			o += snprintf(want + o, sizeof(want) - o, "  ");
		}
	}
	columns_end(&c);
	fclose(f);
	snprintf(got, sizeof(got), "%s", text);
	EXPECT(len == o && !strcmp(got, want), "%zu bytes, not %zu", len, o);
	free(text);
}

TEST(format_u64_matches_printf)
{
	static const uint64_t numbers[] = { 0, 9, 10, 65535, 18446744073709551615ULL };
	char got[U64_STRLEN], want[U64_STRLEN];

	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		size_t n = format_u64(numbers[i], got);

		snprintf(want, sizeof(want), "%llu", (unsigned long long)numbers[i]);
		EXPECT(n == strlen(want) && !strcmp(got, want), "%s, not %s", got, want);
	}
}

TEST(format_proto_names_and_numbers)
{
	char out[PROTO_STRLEN];

	format_proto(6, out);
	EXPECT(!strcmp(out, "tcp"), "got %s", out);
	format_proto(17, out);
	EXPECT(!strcmp(out, "udp"), "got %s", out);
	format_proto(1, out);
	EXPECT(!strcmp(out, "icmp"), "got %s", out);
	format_proto(58, out);
	EXPECT(!strcmp(out, "icmpv6"), "got %s", out);
	format_proto(47, out);
	EXPECT(!strcmp(out, "47"), "got %s", out);
}

TEST(wall_time_is_rfc3339_utc)
{
	char out[TIME_STRLEN];

	format_wall_time(1764088225123456789ULL, out);
	EXPECT(!strcmp(out, "2025-11-25T16:30:25.123Z"), "got %s", out);
	format_wall_time(0, out);
	EXPECT(!strcmp(out, "1970-01-01T00:00:00.000Z"), "got %s", out);
	/* The same second again (its text kept), then another: only the kept second is reused. */
	format_wall_time(7000000ULL, out);
	EXPECT(!strcmp(out, "1970-01-01T00:00:00.007Z"), "got %s", out);
	format_wall_time(1764088225999000000ULL, out);
	EXPECT(!strcmp(out, "2025-11-25T16:30:25.999Z"), "got %s", out);
	format_wall_time(1764088226050000000ULL, out);
	EXPECT(!strcmp(out, "2025-11-25T16:30:26.050Z"), "got %s", out);
}

TEST(parse_u64_bounds)
{
	unsigned long long v;

	EXPECT(parse_u64("1024", 1024, 2048, &v) && v == 1024, "lower bound");
	EXPECT(parse_u64("2048", 1024, 2048, &v) && v == 2048, "upper bound");
	EXPECT(!parse_u64("1023", 1024, 2048, &v), "below");
	EXPECT(!parse_u64("2049", 1024, 2048, &v), "above");
	EXPECT(!parse_u64("-5", 0, 10, &v), "negative");
	EXPECT(!parse_u64("12x", 0, 100, &v), "trailing junk");
	EXPECT(!parse_u64("", 0, 100, &v), "empty");
	EXPECT(!parse_u64("99999999999999999999999", 0, ~0ULL, &v), "overflow");
}

TEST(json_writer_nests_and_escapes)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	json_array_begin(&j, NULL);
	json_object_begin(&j, NULL);
	json_string(&j, "name", "a\"b\\c\n\x01");
	json_u64(&j, "n", 18446744073709551615ULL);
	json_null(&j, "none");
	json_string(&j, "alsonone", NULL);
	json_array_begin(&j, "list");
	json_bool(&j, NULL, true);
	json_bool(&j, NULL, false);
	json_array_end(&j);
	json_object_end(&j);
	json_object_begin(&j, NULL);
	json_object_end(&j);
	json_array_end(&j);
	json_finish(&j);
	fclose(f);
	EXPECT(!strcmp(buf, "[{\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":18446744073709551615,"
			    "\"none\":null,\"alsonone\":null,\"list\":[true,false]},{}]\n"),
	       "got %s", buf);
	free(buf);
}

TEST(dns_wire_to_text_names_and_malformed)
{
	char out[32];

	EXPECT(dns_wire_to_text((const uint8_t *)"\5Cloud\6vendor\7example\0", 22, out, sizeof(out)) &&
	       !strcmp(out, "cloud.vendor.example"), "lower-case text: %s", out);
	EXPECT(dns_wire_to_text((const uint8_t *)"\3a.b\2\\\x01\0", 10, out, sizeof(out)) &&
	       !strcmp(out, "a\\046b.\\092\\001"), "dots, backslashes and controls escaped: %s", out);
	EXPECT(dns_wire_to_text((const uint8_t *)"\0", 1, out, sizeof(out)) && !out[0], "the root");
	EXPECT(!dns_wire_to_text((const uint8_t *)"\5cloud", 6, out, sizeof(out)) && !out[0],
	       "no root byte within size");
	EXPECT(!dns_wire_to_text((const uint8_t *)"\100abc\0", 5, out, sizeof(out)),
	       "a label over 63 (a compression pointer is one)");
	EXPECT(!dns_wire_to_text((const uint8_t *)"\5cloud\6vendor\7example\0", 22, out, 10) &&
	       !out[0], "does not fit: empty, false");
}

int main(void)
{
	RUN(parse_mac_accepts_canonical_forms);
	RUN(parse_mac_rejects_malformed);
	RUN(format_ip_both_families);
	RUN(format_mac_and_ipv4_match_libc_and_parse_back);
	RUN(columns_match_printf);
	RUN(format_u64_matches_printf);
	RUN(format_proto_names_and_numbers);
	RUN(wall_time_is_rfc3339_utc);
	RUN(parse_u64_bounds);
	RUN(json_writer_nests_and_escapes);
	RUN(dns_wire_to_text_names_and_malformed);
	return harness_done();
}
