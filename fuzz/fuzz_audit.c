// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: a hostile client of the TLS audit's interceptor.  The
 * input (after its first byte) is all the client ever sends, over a
 * socketpair that it then half-closes; the interceptor peeks at it with
 * attrib/tls.c, forges a leaf for whatever SNI it finds, runs the OpenSSL
 * handshake against it and records a verdict, or passes it through (to a
 * closed local port).  The first byte's low bit audits one destination only
 * (api.vendor.example:443) instead of every one.  Seeds: the TLS corpus.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit/intercept.h"

static struct intercept *every, *one;

static struct intercept *open_or_die(const char *only_name)
{
	struct intercept_config cfg = {
		.only_name = only_name, .only_port = 443, .handshake_ms = 200, .idle_ms = 20,
	};
	struct intercept *ic;

	if (intercept_open(&ic, &cfg))
		abort();
	return ic;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage dst = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&dst;
	size_t off = 1;
	int sv[2];

	if (size < 1 || size > 65536)
		return 0;
	if (!every) {
		signal(SIGPIPE, SIG_IGN);
		every = open_or_die(NULL);
		one = open_or_die("api.vendor.example");
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	while (off < size) {
		ssize_t w = write(sv[0], data + off, size - off);

		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	shutdown(sv[0], SHUT_WR);
	/* The passthrough's destination: a port nothing listens on. */
	in->sin_family = AF_INET;
	in->sin_port = htons(9);
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	intercept_client(data[0] & 1 ? one : every, sv[1], &dst, sizeof(*in), "127.0.0.1", 443);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
