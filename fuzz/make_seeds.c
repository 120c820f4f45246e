// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Writes seed inputs for the fuzz targets: DNS messages (queries, answers
 * with CNAME chains, A and AAAA, TCP framing) and TLS hellos (1.2, 1.3,
 * with and without SNI, GREASE, SSL 3.0), and server flights with a
 * certificate (DER_FILE, made by the openssl CLI) in big and small records.
 * First byte: the target's flags.
 *	make_seeds DNS_DIR TLS_DIR CERT_DIR DER_FILE
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

/* A fuzz_cert seed: a two-byte header, then the flight. */
static void save_two(const char *dir, const char *name, const uint8_t hdr[2], const uint8_t *b,
		     size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return;
	}
	fwrite(hdr, 1, 2, f);
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

	static uint8_t der[8192];
	const uint8_t *ders[2] = { der, der };
	size_t lens[2];
	FILE *f;

	if (argc != 5 || !(f = fopen(argv[4], "rb")))
		return 2;
	lens[0] = lens[1] = fread(der, 1, sizeof(der), f);
	fclose(f);
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

	/* fuzz_cert: flags, chunk size, then the flight. */
	o = (struct hello_opts){ 0 };
	{
		uint8_t hdr[2] = { 0x00, 200 };
		char name[32];

		for (int i = 0; i < 3; i++) {
			/* one certificate in one record; two; two in records of 100 bytes */
			hdr[0] = (uint8_t)i;
			n = tls_server_flight(&m, &o, ders, lens, i ? 2 : 1, i == 2 ? 100 : 16384);
			snprintf(name, sizeof(name), "flight-%d", i);
			save_two(argv[3], name, hdr, m.b, n);
		}
	}
	return 0;
}
