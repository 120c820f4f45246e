// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: first TCP payloads of a connection direction (TLS
 * ClientHello / ServerHello, or anything else).  The first byte picks the
 * direction; the rest goes through tls_parse_hello and the controller's
 * event handler (no database, no map).  An accepted SNI must be a host name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "attrib/names.h"
#include "attrib/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iotrim_event ev;
	static struct attrib a;
	static int ready;
	struct tls_hello h;

	if (size < 1)
		return 0;
	if (!ready) {
		attrib_init(&a, NULL, -1, 300);
		ready = 1;
	}
	tls_parse_hello(data + 1, size - 1, &h);
	if (h.has_sni) {
		size_t n = strnlen(h.sni, sizeof(h.sni));

		if (n == 0 || n == sizeof(h.sni))
			abort();
		for (size_t i = 0; i < n; i++)
			if (!((h.sni[i] >= 'a' && h.sni[i] <= 'z') || (h.sni[i] >= '0' && h.sni[i] <= '9') ||
			      h.sni[i] == '-' || h.sni[i] == '.' || h.sni[i] == '_'))
				abort();
	}

	memset(&ev, 0, sizeof(ev));
	ev.key.family = 4;
	ev.key.proto = 6;
	ev.key.remote_port = 443;
	ev.kind = 2;
	ev.direction = data[0] & 1;
	ev.len = size - 1 > IOTRIM_EVENT_PAYLOAD_MAX ? IOTRIM_EVENT_PAYLOAD_MAX : size - 1;
	ev.payload_len = size - 1;
	memcpy(ev.payload, data + 1, ev.len);
	attrib_handle(&a, &ev, sizeof(ev));
	return 0;
}
