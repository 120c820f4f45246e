// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TC (clsact) programs on the LAN interface.  Egress sees world -> device
 * after NAT, so the device's own address is in the packet.  Ingress is the
 * upload counter for --mode tc (bridges), in place of the XDP program;
 * with native XDP on a veth, ingress answers the packets XDP rejects.
 */
#include "count.h"
#include "events.h"
#include "dns_block.h"

#define TC_ACT_OK 0

/* Headers we may need in the linear part of the skb before parsing. */
#define PARSE_PULL_LEN 256

static __always_inline void count_skb(struct __sk_buff *skb, enum direction dir)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	__u32 segs = skb->gso_segs > 1 ? skb->gso_segs : 1;
	struct packet_info pi;
	int ret;

	/* Forwarded or locally built skbs may keep headers in paged frags. */
	if (data_end - data < PARSE_PULL_LEN && skb->len > data_end - data) {
		bpf_skb_pull_data(skb, skb->len < PARSE_PULL_LEN ? skb->len :
								  PARSE_PULL_LEN);
		data = (void *)(long)skb->data;
		data_end = (void *)(long)skb->data_end;
	}

	ret = parse_packet(data, data_end, skb->len, segs > 1, &pi);
	if (ret != PARSE_OK) {
		count_reason(ret);
		return;
	}
	/* Broadcast and multicast from the gateway belong to no one device. */
	if (dir == DIR_DOWN && (pi.dst_mac[0] & 1)) {
		count_reason(IOTRIM_GROUP_DEST);
		return;
	}
	struct payload_src src = {
		.ctx = skb, .skb = true, .gso_size = segs > 1 ? skb->gso_size : 0,
	};

	count_packet(&pi, dir, skb->len, segs, &src);
	emit_event_skb(skb, &pi, dir, segs > 1);
}

SEC("tc")
int iotrim_tc_egress(struct __sk_buff *skb)
{
	if (dns_block(skb) == TC_ACT_SHOT)	/* name rules: may rewrite the packet */
		return TC_ACT_SHOT;
	count_skb(skb, DIR_DOWN);
	return TC_ACT_OK;
}

SEC("tc")
int iotrim_tc_ingress(struct __sk_buff *skb)
{
	int verdict;

	count_skb(skb, DIR_UP);
	verdict = iotrim_deny_tc(skb, 1);	/* block rules: TC_ACT_OK, TC_ACT_SHOT or reject */
	return verdict == DENY_TC_REJECT ? iotrim_reject_tc(skb) : verdict;
}

/*
 * Native XDP on a veth: XDP_TX reaches the device only while the veth's
 * peer runs an XDP program, so XDP passes the packets to reject up
 * (counted there) and this program, on TC ingress, answers them the way
 * --mode tc does.
 */
SEC("tc")
int iotrim_tc_reject(struct __sk_buff *skb)
{
	int verdict = iotrim_deny_tc(skb, 0);

	return verdict == DENY_TC_REJECT ? iotrim_reject_tc(skb) : verdict;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
