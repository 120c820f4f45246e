// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Writes capture files for the replay tests, the fuzz seeds and the bench
 * (frames built by packet.h, DNS and TLS by attrib_msgs.h).
 *
 *	gen_pcap mixed FILE [eth|sll|sll2|raw]
 *		a gateway (02:00:00:00:00:01) and two devices (..:21 plain,
 *		..:22 behind a VLAN tag) over 25 s: DNS answers for
 *		api.vendor.example (A and AAAA) and cdn.vendor.example, a TLS
 *		ClientHello with SNI, HTTP text, IPv4 and IPv6 fragments, ICMP,
 *		ARP and a broadcast; devices on 192.168.1.0/24 and fd00:1::/64
 *	gen_pcap bench FILE N
 *		N frames of 256 UDP and TCP flows, both ways
 */
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrib_msgs.h"
#include "packet.h"

static FILE *out;
static int link_type = 1;	/* LINKTYPE_ETHERNET */
static uint64_t now_ns = 1700000000ULL * 1000000000ULL;
static const uint8_t gw[6] = { 2, 0, 0, 0, 0, 1 }, dev1[6] = { 2, 0, 0, 0, 0, 0x21 },
		     dev2[6] = { 2, 0, 0, 0, 0, 0x22 }, bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t d1_4[4] = { 192, 168, 1, 21 }, d2_4[4] = { 192, 168, 1, 22 },
		     gw_4[4] = { 192, 168, 1, 1 }, api_4[4] = { 203, 0, 113, 10 },
		     cdn_4[4] = { 203, 0, 113, 20 }, bc_4[4] = { 192, 168, 1, 255 };
static const uint8_t d1_6[16] = { 0xfd, 0, 0, 1, [15] = 0x21 },
		     api_6[16] = { 0x20, 0x01, 0x0d, 0xb8, 1, 0, [15] = 0x10 };

static void put32(uint32_t v) { fwrite(&v, 4, 1, out); }
static void put16(uint16_t v) { fwrite(&v, 2, 1, out); }

static void header(void)
{
	put32(0xa1b23c4d);	/* nanosecond timestamps */
	put16(2);
	put16(4);
	put32(0);
	put32(0);
	put32(65535);
	put32(link_type);
}

/* One frame, as the link type wants it; dir_out: sent by the gateway. */
static void frame(const struct pkt *p, uint32_t len)
{
	uint8_t hdr[20] = { 0 };
	uint32_t hlen = 0, skip = 0, type_at = 12;
	const uint8_t *src = p->data + 6;
	bool outgoing = !memcmp(src, gw, 6);

	if (!len) {
		fprintf(stderr, "gen_pcap: a frame did not build\n");
		exit(1);
	}
	/* Cooked and raw captures hold the frame without its VLAN tag. */
	if (link_type != 1 && p->data[12] == 0x81 && p->data[13] == 0x00)
		type_at = 16;
	if (link_type == 113) {		/* Linux cooked v1 */
		hlen = 16;
		hdr[1] = outgoing ? 4 : (p->data[0] & 1) ? 1 : 0;
		hdr[3] = 1;		/* ARPHRD_ETHER */
		hdr[5] = 6;
		memcpy(hdr + 6, src, 6);
		memcpy(hdr + 14, p->data + type_at, 2);
	} else if (link_type == 276) {	/* Linux cooked v2 */
		hlen = 20;
		memcpy(hdr, p->data + type_at, 2);
		hdr[7] = 2;		/* ifindex */
		hdr[9] = 1;
		hdr[10] = outgoing ? 4 : (p->data[0] & 1) ? 1 : 0;
		hdr[11] = 6;
		memcpy(hdr + 12, src, 6);
	}
	if (link_type != 1) {
		skip = type_at + 2;
		/* Only IP frames go into cooked and raw captures here. */
		if ((p->data[type_at] != 0x08 || p->data[type_at + 1] != 0x00) &&
		    (p->data[type_at] != 0x86 || p->data[type_at + 1] != 0xdd))
			return;
	}
	now_ns += 1000000;	/* 1 ms apart */
	put32(now_ns / 1000000000ULL);
	put32(now_ns % 1000000000ULL);
	put32(len - skip + hlen);
	put32(len - skip + hlen);
	fwrite(hdr, 1, hlen, out);
	fwrite(p->data + skip, 1, len - skip, out);
}

static void eth(struct pkt *p, const uint8_t *dst, const uint8_t *src)
{
	pkt_init(p);
	pkt_eth(p, dst, src);
	if (!memcmp(src, dev2, 6) || !memcmp(dst, dev2, 6))
		pkt_vlan(p, ETH_P_8021Q, 7);
}

static void udp4(const uint8_t *dst, const uint8_t *src, const uint8_t *sip, const uint8_t *dip,
		 uint16_t sport, uint16_t dport, const void *data, uint32_t len)
{
	struct pkt p;

	eth(&p, dst, src);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .saddr = sip, .daddr = dip });
	pkt_udp(&p, sport, dport);
	pkt_payload(&p, data, len);
	frame(&p, pkt_finish(&p));
}

static void tcp4(const uint8_t *dst, const uint8_t *src, const uint8_t *sip, const uint8_t *dip,
		 uint16_t sport, uint16_t dport, const void *data, uint32_t len)
{
	struct pkt p;

	eth(&p, dst, src);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .saddr = sip, .daddr = dip });
	pkt_tcp(&p, sport, dport, 0);
	pkt_payload(&p, data, len);
	frame(&p, pkt_finish(&p) ? pkt_pad(&p, 60) : 0);
}

static void tcp6(const uint8_t *dst, const uint8_t *src, const uint8_t *sip, const uint8_t *dip,
		 uint16_t sport, uint16_t dport, const void *data, uint32_t len)
{
	struct pkt p;

	eth(&p, dst, src);
	pkt_ipv6(&p, sip, dip);
	pkt_tcp(&p, sport, dport, 0);
	pkt_payload(&p, data, len);
	frame(&p, pkt_finish(&p));
}

static void dns_answer(const uint8_t *dev, const uint8_t *dip, const char *name,
		       const uint8_t *a4, const uint8_t *a6)
{
	static struct msg m;

	memset(&m, 0, sizeof(m));
	dns_begin(&m, 7, false, 0);
	dns_question(&m, name, a6 ? DNS_AAAA : DNS_A);
	udp4(gw, dev, dip, gw_4, 40000, 53, m.b, dns_end(&m));
	memset(&m, 0, sizeof(m));
	dns_begin(&m, 7, true, 0);
	dns_question(&m, name, a6 ? DNS_AAAA : DNS_A);
	if (a4)
		dns_a(&m, name, a4, 300);
	if (a6)
		dns_aaaa(&m, name, a6, 300);
	udp4(dev, gw, gw_4, dip, 53, 40000, m.b, dns_end(&m));
}

static void fragments(void)
{
	uint8_t body[64];
	struct pkt p;

	memset(body, 'f', sizeof(body));
	/* IPv4: a UDP datagram in two fragments, the second without ports. */
	eth(&p, gw, dev1);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .saddr = d1_4, .daddr = cdn_4, .frag_off = PKT_IP_MF });
	pkt_udp(&p, 5000, 6000);
	pkt_payload(&p, body, 24);
	frame(&p, pkt_finish(&p));
	eth(&p, gw, dev1);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .saddr = d1_4, .daddr = cdn_4, .frag_off = 4 });
	pkt_proto(&p, IPPROTO_UDP);
	pkt_payload(&p, body, 40);
	frame(&p, pkt_finish(&p));
	/* IPv6: the same. */
	eth(&p, gw, dev1);
	pkt_ipv6(&p, d1_6, api_6);
	pkt_ipv6_frag(&p, 0, true);
	pkt_udp(&p, 5000, 6000);
	pkt_payload(&p, body, 24);
	frame(&p, pkt_finish(&p));
	eth(&p, gw, dev1);
	pkt_ipv6(&p, d1_6, api_6);
	pkt_ipv6_frag(&p, 4, false);
	pkt_proto(&p, IPPROTO_UDP);
	pkt_payload(&p, body, 40);
	frame(&p, pkt_finish(&p));
}

static void mixed(void)
{
	static const uint16_t v13[] = { TLS_V13, TLS_V12 };
	struct hello_opts o = { .sni = "api.vendor.example", .versions = v13, .nversions = 2 };
	static const char get[] = "GET /status.json HTTP/1.1\r\nHost: cdn.vendor.example\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
				   "Content-Length: 40\r\n\r\nhello hello hello hello hello hello ....";
	static struct msg m;
	uint8_t noise[600];
	struct pkt p;

	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)(i * 2654435761u >> 13);
	/* ARP and a broadcast: not IP, and a group destination. */
	eth(&p, bcast, dev1);
	pkt_ethertype(&p, ETH_P_ARP);
	pkt_payload(&p, noise, 28);
	frame(&p, pkt_finish(&p));
	udp4(bcast, dev1, d1_4, bc_4, 68, 67, noise, 100);

	dns_answer(dev1, d1_4, "api.vendor.example", api_4, NULL);
	dns_answer(dev1, d1_4, "api.vendor.example", NULL, api_6);
	dns_answer(dev2, d2_4, "cdn.vendor.example", cdn_4, NULL);
	/* TLS over IPv4: a ClientHello with SNI, then encrypted-looking data. */
	memset(&m, 0, sizeof(m));
	tcp4(gw, dev1, d1_4, api_4, 50000, 443, m.b, tls_client_hello(&m, &o));
	for (int i = 0; i < 20; i++) {
		now_ns += 500000000;	/* 10 s of capture in all */
		tcp4(dev1, gw, api_4, d1_4, 443, 50000, noise, 200 + i * 10);
		tcp4(gw, dev1, d1_4, api_4, 50000, 443, noise, i < 3 ? 0 : 40);
	}
	/* The same name over IPv6. */
	tcp6(gw, dev1, d1_6, api_6, 50001, 443, noise, 300);
	tcp6(dev1, gw, api_6, d1_6, 443, 50001, noise, 500);
	/* Plain HTTP from the VLAN device. */
	now_ns += 12000000000ULL;	/* past the harvest period */
	tcp4(gw, dev2, d2_4, cdn_4, 50100, 80, get, sizeof(get) - 1);
	tcp4(dev2, gw, cdn_4, d2_4, 80, 50100, resp, sizeof(resp) - 1);
	fragments();
	/* ICMP echo. */
	eth(&p, gw, dev2);
	pkt_ipv4(&p, &(struct pkt_ipv4){ .saddr = d2_4, .daddr = api_4 });
	pkt_icmp(&p, 8, 0);
	pkt_payload(&p, noise, 56);
	frame(&p, pkt_finish(&p));
}

static void bench(long n)
{
	uint8_t payload[200], dip[4] = { 203, 0, 113, 0 };

	memset(payload, 'x', sizeof(payload));
	for (long i = 0; i < n; i++) {
		dip[3] = i % 256;
		if (i % 2)
			udp4(gw, dev1, d1_4, dip, 40000 + i % 7, 443, payload, 100);
		else
			tcp4(dev1, gw, dip, d1_4, 443, 40000 + i % 7, payload, 150);
	}
}

int main(int argc, char **argv)
{
	if (argc < 3)
		goto usage;
	out = fopen(argv[2], "wb");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	if (!strcmp(argv[1], "mixed")) {
		const char *lt = argc > 3 ? argv[3] : "eth";

		link_type = !strcmp(lt, "sll") ? 113 : !strcmp(lt, "sll2") ? 276 :
			    !strcmp(lt, "raw") ? 101 : 1;
		header();
		mixed();
	} else if (!strcmp(argv[1], "bench") && argc > 3) {
		header();
		bench(atol(argv[3]));
	} else {
		goto usage;
	}
	return fclose(out) ? 1 : 0;
usage:
	fprintf(stderr, "usage: gen_pcap mixed FILE [eth|sll|sll2|raw] | gen_pcap bench FILE N\n");
	return 2;
}
