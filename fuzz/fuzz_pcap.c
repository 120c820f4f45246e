// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: a capture file (pcap or pcapng) through the replay's
 * reader (libpcap, then user/replay/capture.c: link types, cooked and raw
 * headers, cut frames) and the side decisions of user/replay/side.c.  Every
 * frame handed out must hold an Ethernet header and stay within its length.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay/capture.h"
#include "replay/side.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct device_side side = { .mode = SIDE_GATEWAY, .gateway = { 2, 0, 0, 0, 0, 1 } };
	struct capture c;
	struct capture_frame f;
	unsigned sum = 0;

	if (capture_open_mem(&c, "fuzz", data, size))
		return 0;
	for (int n = 0; n < 4096 && capture_next(&c, &f) == 1; n++) {
		struct frame_ip ip;

		if (f.len < 14 || f.captured > f.len)
			abort();
		/* Touch every byte handed out (ASan checks the bounds). */
		for (uint32_t i = 0; i < f.len; i++)
			sum += f.data[i];
		side_of_ethernet(&side, f.data);
		if (frame_ip_parse(f.data, f.captured, &ip))
			side_raw(&ip);
	}
	capture_close(&c);
	return (int)(sum & 0);
}
