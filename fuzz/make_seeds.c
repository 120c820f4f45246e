// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Writes seed inputs for the fuzz targets: DNS messages (queries, answers
 * with CNAME chains, A and AAAA, TCP framing) and TLS hellos (1.2, 1.3,
 * with and without SNI, GREASE, SSL 3.0).  First byte: the target's flags.
 *	make_seeds DNS_DIR TLS_DIR
 */
#include <stdio.h>

#include "attrib_msgs.h"

static struct msg m, t;

static void save(const char *dir, const char *name, uint8_t flags, const uint8_t *b, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return;
	}
	fputc(flags, f);
	fwrite(b, 1, n, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	static const uint16_t v13[] = { TLS_V13, TLS_V12 }, s13[] = { TLS_V13 };
	struct hello_opts o = { .sni = "api.vendor.example", .versions = v13, .nversions = 2,
				.grease = true };
	const uint8_t a4[4] = { 203, 0, 113, 10 }, a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	size_t n;

	if (argc != 3)
		return 2;
	dns_begin(&m, 1, false, 0);
	dns_question(&m, "api.vendor.example", DNS_A);
	n = dns_end(&m);
	save(argv[1], "query", 0, m.b, n);
	dns_begin(&m, 2, true, 0);
	dns_question(&m, "log.vendor.example", DNS_A);
	dns_cname(&m, "log.vendor.example", "api.vendor.example", 30);
	dns_a(&m, "api.vendor.example", a4, 30);
	dns_aaaa(&m, "api.vendor.example", a6, 30);
	n = dns_end(&m);
	save(argv[1], "answer-cname", 2, m.b, n);
	n = dns_tcp(&m, &t);
	save(argv[1], "answer-tcp", 3, t.b, n);
	dns_begin(&m, 3, true, 3);
	dns_question(&m, "nx.vendor.example", DNS_AAAA);
	n = dns_end(&m);
	save(argv[1], "nxdomain", 2, m.b, n);

	n = tls_client_hello(&m, &o);
	save(argv[2], "ch13", 0, m.b, n);
	o.sni = NULL;
	o.grease = false;
	o.nversions = 0;
	n = tls_client_hello(&m, &o);
	save(argv[2], "ch12-nosni", 0, m.b, n);
	o = (struct hello_opts){ .versions = s13, .nversions = 1 };
	n = tls_server_hello(&m, &o);
	save(argv[2], "sh13", 1, m.b, n);
	o = (struct hello_opts){ .legacy_version = 0x0300, .no_extensions = true };
	n = tls_server_hello(&m, &o);
	save(argv[2], "sh-ssl3", 1, m.b, n);
	return 0;
}
