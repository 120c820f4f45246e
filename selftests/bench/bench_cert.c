// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The controller's cost of a server certificate (make bench): a ClientHello
 * and a TLS 1.2 flight of two RSA-2048 certificates (made by the openssl
 * CLI) through attrib_handle, per connection, for servers seen before (the
 * parse cache hits) and for new ones (every flight a different certificate
 * message), beside bare d2i_X509 + X509_free of one certificate, the floor.
 */
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "attrib_msgs.h"
#include "attrib/names.h"

#define ROUNDS 2000

static struct msg fl, ch;
static struct iotrim_event ev;
static uint8_t der[4096];
static size_t der_len;

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void send_event(struct attrib *a, uint8_t kind, uint8_t dir, uint16_t port, uint32_t seq,
		       const uint8_t *p, size_t len)
{
	memset(&ev, 0, sizeof(ev));
	ev.key.family = IOTRIM_FAMILY_IPV4;
	ev.key.proto = IPPROTO_TCP;
	ev.key.remote_port = 443;
	ev.device_port = port;
	ev.kind = kind;
	ev.direction = dir;
	ev.len = len;
	ev.payload_len = len;
	ev.tcp_seq = seq;
	memcpy(ev.payload, p, len);
	attrib_handle(a, &ev, sizeof(ev));
}

/* Microseconds per connection; unique: each flight's message differs (a cache miss). */
static double connections(bool unique)
{
	static struct attrib a;
	const uint8_t *ders[] = { der, der };
	const size_t lens[] = { der_len, der_len };
	struct hello_opts sh = { 0 }, c = { .sni = "bench.example" };
	size_t len = tls_server_flight(&fl, &sh, ders, lens, 2, 16384);
	size_t cl = tls_client_hello(&ch, &c), cert2;
	double t0;

	/* Two bytes of the second certificate's signature: another message, the same leaf. */
	cert2 = len - 4 - 5 - 1;
	attrib_init(&a, NULL, -1, 0);
	t0 = now_us();
	for (int i = 0; i < ROUNDS; i++) {
		uint16_t port = 10000 + i;

		if (unique)
			fl.b[cert2] = (uint8_t)i, fl.b[cert2 - 1] = (uint8_t)(i >> 8);
		send_event(&a, IOTRIM_EV_TLS, 0, port, 1, ch.b, cl);
		for (size_t o = 0; o < len; o += IOTRIM_EVENT_PAYLOAD_MAX)
			send_event(&a, o ? IOTRIM_EV_TLS_CERT : IOTRIM_EV_TLS, 1, port, 5000 + o,
				   fl.b + o, len - o < IOTRIM_EVENT_PAYLOAD_MAX ? len - o :
									   IOTRIM_EVENT_PAYLOAD_MAX);
	}
	t0 = (now_us() - t0) / ROUNDS;
	if (a.st.cert_certificates != ROUNDS)
		printf("  (only %llu of %d certificates parsed)\n",
		       (unsigned long long)a.st.cert_certificates, ROUNDS);
	attrib_close(&a);
	return t0;
}

int main(void)
{
	char dir[] = "/tmp/iotrim-bench-cert-XXXXXX", cmd[512], path[300];
	double floor_us, t0;
	FILE *f;

	if (!mkdtemp(dir))
		return 1;
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -sha256 -nodes -days 365 -subj /CN=bench.example"
		 " -addext subjectAltName=DNS:bench.example -keyout %s/k.pem -outform DER"
		 " -out %s/c.der >/dev/null 2>&1", dir, dir);
	snprintf(path, sizeof(path), "%s/c.der", dir);
	if (system(cmd) != 0 || !(f = fopen(path, "rb"))) {
		printf("openssl could not make a certificate\n");
		return 1;
	}
	der_len = fread(der, 1, sizeof(der), f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		printf("could not remove %s\n", dir);

	t0 = now_us();
	for (int i = 0; i < ROUNDS; i++) {
		const unsigned char *p = der;

		X509_free(d2i_X509(NULL, &p, (long)der_len));
	}
	floor_us = (now_us() - t0) / ROUNDS;
	printf("server certificates, %d connections of a 2-certificate TLS 1.2 flight each:\n",
	       ROUNDS);
	printf("  new server (parsed): %8.1f us/connection | d2i_X509 alone %6.1f us/certificate\n",
	       connections(true), floor_us);
	printf("  known server (cache): %7.1f us/connection\n", connections(false));
	return 0;
}
