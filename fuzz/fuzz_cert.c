// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: a server's TLS hello flight as the programs pass it up
 * (a ServerHello event, then certificate events), through the controller's
 * event handler: reassembly by sequence number, the Certificate message,
 * X.509 with libcrypto.  Input: flags, chunk size, then the flight.  Flag
 * bit 0 sends the chunks in reverse order (out of order), bit 1 sends the
 * whole input straight to cert_parse_message too.  Malformed input must be
 * counted, never crash, and never count more certificates than flights.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/cert.h"
#include "attrib/names.h"

static struct iotrim_event ev;

static void send(struct attrib *a, uint8_t kind, uint8_t dir, uint32_t seq, const uint8_t *p,
		 size_t len)
{
	memset(&ev, 0, sizeof(ev));
	ev.key.family = 4;
	ev.key.proto = 6;
	ev.key.remote_port = 443;
	ev.device_port = 40000;
	ev.kind = kind;
	ev.direction = dir;
	ev.len = len > IOTRIM_EVENT_PAYLOAD_MAX ? IOTRIM_EVENT_PAYLOAD_MAX : len;
	ev.payload_len = len;
	ev.tcp_seq = seq;
	memcpy(ev.payload, p, ev.len);
	attrib_handle(a, &ev, sizeof(ev));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t client_hello_sni[] = "api.vendor.example";
	static struct attrib a;
	static int ready;
	struct cert_info info;
	size_t chunk, n, first;
	uint32_t base = 0xfffff000u;	/* sequence numbers wrap inside the flight */

	if (size < 2)
		return 0;
	if (!ready) {
		attrib_init(&a, NULL, -1, 300);
		ready = 1;
	}
	chunk = data[1] ? data[1] * 8u : IOTRIM_EVENT_PAYLOAD_MAX;
	if (chunk > IOTRIM_EVENT_PAYLOAD_MAX)
		chunk = IOTRIM_EVENT_PAYLOAD_MAX;
	if (data[0] & 2)
		cert_parse_message(data + 2, size - 2, (const char *)client_hello_sni, 0, &info);
	data += 2;
	size -= 2;
	first = size < chunk ? size : chunk;
	send(&a, IOTRIM_EV_TLS, 1, base, data, first);
	n = first < size ? (size - first + chunk - 1) / chunk : 0;
	for (size_t i = 0; i < n; i++) {
		size_t k = data[-2] & 1 ? n - 1 - i : i, off = first + k * chunk;
		size_t len = size - off < chunk ? size - off : chunk;

		send(&a, IOTRIM_EV_TLS_CERT, 1, base + (uint32_t)off, data + off, len);
	}
	if (a.st.cert_certificates > a.st.cert_flights)
		abort();
	return 0;
}
