// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: DNS payloads as the programs pass them up.  The first
 * byte picks UDP or TCP (length-prefixed) and the direction; the rest goes
 * through dns_parse and through the controller's event handler (no
 * database, no map), as a ring-buffer record would.
 */
#include <stdint.h>
#include <string.h>

#include "attrib/dns.h"
#include "attrib/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct iotrim_event ev;
	static struct attrib a;
	static int ready;
	struct dns_message m;
	bool tcp;

	if (size < 1)
		return 0;
	if (!ready) {
		attrib_init(&a, NULL, -1, 300);
		ready = 1;
	}
	tcp = data[0] & 1;
	dns_parse(data + 1, size - 1, tcp, &m);

	memset(&ev, 0, sizeof(ev));
	ev.key.family = (data[0] & 4) ? 6 : 4;
	ev.key.proto = tcp ? 6 : 17;
	ev.key.remote_port = 53;
	ev.kind = 1;
	ev.direction = (data[0] >> 1) & 1;
	ev.len = size - 1 > IOTRIM_EVENT_PAYLOAD_MAX ? IOTRIM_EVENT_PAYLOAD_MAX : size - 1;
	ev.payload_len = size - 1;
	memcpy(ev.payload, data + 1, ev.len);
	attrib_handle(&a, &ev, sizeof(ev));
	return 0;
}
