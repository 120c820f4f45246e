// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * raw_send IFACE GATEWAY-MAC KIND SRC-IP DST-IP PORT: sends, as a device
 * would, a TCP SYN to DST-IP:PORT crafted to hide what block rules look at
 * (the bypasses of issue 11), as whole Ethernet frames on IFACE:
 *   dstopts9   IPv6, the TCP header behind 9 destination-options headers
 *   tinyfrag4  IPv4 in two fragments, the first holding 8 bytes of the TCP
 *              header (no flags, no data offset), the second the rest
 *   tinyfrag6  the same over IPv6 with a fragment header
 * TCP checksums are right, so an unblocked packet is a real connection
 * attempt.  Exit 0 when every frame was sent, 1 otherwise, 2: bad usage.
 * Used by selftests/e2e/test_e2e_reject.sh inside a testbed device.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <netpacket/packet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "packet.h"

#define TCP_SYN 0x02
#define FRAG_ID 0x4242

static __u32 sum16(__u32 sum, const __u8 *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sum += i % 2 ? p[i] : (__u32)p[i] << 8;
	return sum;
}

/* A SYN's 20-byte TCP header with its checksum (RFC 793 pseudo header). */
static void syn_header(__u8 th[20], int family, const __u8 *src, const __u8 *dst, __u16 port)
{
	__u8 tail[4] = { 0, IPPROTO_TCP, 0, 20 };
	__u32 sum;

	memset(th, 0, 20);
	pkt_put16(th, 40000 + (getpid() % 20000));
	pkt_put16(th + 2, port);
	pkt_put16(th + 4, 0x1234);		/* sequence number */
	th[12] = 5 << 4;
	th[13] = TCP_SYN;
	pkt_put16(th + 14, 65535);
	sum = sum16(sum16(0, src, family == 4 ? 4 : 16), dst, family == 4 ? 4 : 16);
	sum = sum16(sum16(sum, tail, 4), th, 20);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	pkt_put16(th + 16, ~sum & 0xffff);
}

/* One fragment: the TCP header bytes [from, to), at offset from / 8. */
static __u32 fragment(struct pkt *p, const __u8 *dmac, const __u8 *smac, int family,
		      const __u8 *src, const __u8 *dst, const __u8 *th, __u32 from, __u32 to)
{
	bool more = to < 20;

	pkt_init(p);
	pkt_eth(p, dmac, smac);
	if (family == 4) {
		struct pkt_ipv4 ip = { .saddr = src, .daddr = dst,
				       .frag_off = (more ? PKT_IP_MF : 0) | from / 8 };

		pkt_ipv4(p, &ip);
		pkt_put16(p->data + p->l3_off + 4, FRAG_ID);
	} else {
		pkt_ipv6(p, src, dst);
		pkt_ipv6_frag(p, from / 8, more);
	}
	pkt_proto(p, IPPROTO_TCP);
	pkt_payload(p, th + from, to - from);
	return pkt_finish(p);
}

int main(int argc, char **argv)
{
	__u8 dmac[6], smac[6], src[16], dst[16], th[20];
	struct pkt frames[2];
	int family, fd, n = 0, sent = 0, port;
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_halen = 6 };
	struct ifreq ifr = { 0 };
	const char *kind;

	if (argc != 7 || sscanf(argv[2], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1],
				&dmac[2], &dmac[3], &dmac[4], &dmac[5]) != 6 ||
	    (port = atoi(argv[6])) <= 0 || port > 65535) {
		fprintf(stderr, "usage: %s IFACE GATEWAY-MAC dstopts9|tinyfrag4|tinyfrag6 SRC DST PORT\n",
			argv[0]);
		return 2;
	}
	kind = argv[3];
	family = strcmp(kind, "tinyfrag4") ? 6 : 4;
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, argv[4], src) != 1 ||
	    inet_pton(family == 4 ? AF_INET : AF_INET6, argv[5], dst) != 1) {
		fprintf(stderr, "%s: %s needs IPv%d addresses\n", argv[0], kind, family);
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", argv[1]);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) || !(sll.sll_ifindex = if_nametoindex(argv[1]))) {
		perror(argv[1]);
		return 1;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	memcpy(sll.sll_addr, dmac, 6);
	syn_header(th, family, src, dst, port);

	if (!strcmp(kind, "dstopts9")) {
		struct pkt *p = &frames[n++];

		pkt_init(p);
		pkt_eth(p, dmac, smac);
		pkt_ipv6(p, src, dst);
		for (int i = 0; i < 9; i++)
			pkt_ipv6_ext(p, IPPROTO_DSTOPTS, 8);
		pkt_proto(p, IPPROTO_TCP);
		pkt_payload(p, th, 20);
		pkt_finish(p);
	} else if (!strcmp(kind, "tinyfrag4") || !strcmp(kind, "tinyfrag6")) {
		fragment(&frames[n++], dmac, smac, family, src, dst, th, 0, 8);
		fragment(&frames[n++], dmac, smac, family, src, dst, th, 8, 20);
	} else {
		fprintf(stderr, "%s: unknown kind %s\n", argv[0], kind);
		return 2;
	}
	for (int i = 0; i < n; i++) {
		if (frames[i].error || !frames[i].len) {
			fprintf(stderr, "%s: frame %d did not build\n", argv[0], i);
			continue;
		}
		pkt_pad(&frames[i], 60);
		if (sendto(fd, frames[i].data, frames[i].len, 0, (struct sockaddr *)&sll,
			   sizeof(sll)) == (ssize_t)frames[i].len)
			sent++;
		else
			perror("sendto");
	}
	close(fd);
	return sent == n ? 0 : 1;
}
