// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * LAN ingress: every frame a LAN device sends arrives here first.  The
 * sender is the device; the frame is counted as upload, then the block
 * rules decide (also for a frame that did not parse).
 */
#include "count.h"
#include "events.h"
#include "reject.h"

SEC("xdp")
int iotrim_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct packet_info pi;
	int ret;

	ret = parse_packet(data, data_end, data_end - data, false, &pi);
	if (ret != PARSE_OK) {
		count_reason(ret);
		return deny_xdp(ctx, &pi);	/* rules apply to what did parse */
	}
	struct payload_src src = { .ctx = ctx };

	count_packet(&pi, DIR_UP, data_end - data, 1, &src);
	emit_event_xdp(ctx, &pi, data_end - data);
	return deny_xdp(ctx, &pi);	/* block rules: XDP_PASS, XDP_DROP or XDP_TX */
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
