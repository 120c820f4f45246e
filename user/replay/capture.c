// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Capture files as Ethernet frames: see capture.h.
 *
 * Made-up Ethernet headers: a Linux cooked frame keeps the sender's address
 * the capture holds (SLL address), the other side is CAPTURE_HOST_MAC; a
 * raw IP frame gets CAPTURE_HOST_MAC on both sides, and the replay derives
 * the device's MAC from its address (replay.c).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "replay/capture.h"

#define ETH_HLEN_ 14
#define SLL_HLEN 16
#define SLL2_HLEN 20
/* Biggest frame handed out: IP's 64 KiB and an Ethernet header with two tags. */
#define FRAME_MAX (65535 + 22)
/* The stdio buffer of a capture file. */
#define FILE_BUF_SIZE (1 << 20)

/* The capturing host's side of made-up Ethernet headers. */
const uint8_t capture_host_mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };

static const char *const problem_names[CAPTURE_PROBLEM__COUNT] = {
	[CAPTURE_UNREADABLE] = "unreadable file",
	[CAPTURE_LINK_TYPE] = "unknown link type",
	[CAPTURE_TRUNCATED_FILE] = "truncated file",
	[CAPTURE_CORRUPT] = "corrupt record",
	[CAPTURE_CUT_FRAME] = "frame cut by the snap length (payload ignored)",
	[CAPTURE_SHORT_FRAME] = "frame shorter than its link-layer header",
	[CAPTURE_BAD_LENGTH] = "wire length over 256 KiB (skipped)",
};

const char *capture_problem_name(enum capture_problem p)
{
	return p < CAPTURE_PROBLEM__COUNT ? problem_names[p] : "?";
}

static bool link_type_known(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

static int opened(struct capture *c, pcap_t *p, const char *errbuf)
{
	if (!p) {
		warn("%s: cannot read it as a capture: %s", c->path, errbuf);
		c->problems[CAPTURE_UNREADABLE]++;
		capture_close(c);
		return -EINVAL;
	}
	c->pcap = p;
	c->link_type = pcap_datalink(p);
	c->snaplen = pcap_snapshot(p);
	if (!link_type_known(c->link_type)) {
		const char *n = pcap_datalink_val_to_name(c->link_type);

		warn("%s: link type %d (%s) is not one iotrim reads (Ethernet, Linux cooked v1/v2, raw IP): skipped",
		     c->path, c->link_type, n ? n : "unknown");
		c->problems[CAPTURE_LINK_TYPE]++;
		capture_close(c);
		return -EPROTONOSUPPORT;
	}
	c->buf = calloc(1, FRAME_MAX);
	if (!c->buf) {
		capture_close(c);
		return -ENOMEM;
	}
	return 0;
}

static void capture_init(struct capture *c, const char *path)
{
	memset(c, 0, sizeof(*c));
	c->path = path;
}

int capture_open(struct capture *c, const char *path)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	FILE *f;
	pcap_t *p;

	capture_init(c, path);
	f = strcmp(path, "-") ? fopen(path, "rb") : stdin;	/* "-" as libpcap reads it */
	if (!f) {
		snprintf(errbuf, sizeof(errbuf), "%s: %s", path, strerror(errno));
		return opened(c, NULL, errbuf);
	}
	/* stdio's 4 KiB would cost a read() per ~15 frames: a replay's
	 * biggest cost after BPF_PROG_TEST_RUN and the harvests. */
	c->file_buf = malloc(FILE_BUF_SIZE);
	if (c->file_buf)
		setvbuf(f, c->file_buf, _IOFBF, FILE_BUF_SIZE);
	/* pcap_close closes f (not stdin) once libpcap took it. */
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p && f != stdin)
		fclose(f);
	return opened(c, p, errbuf);
}

int capture_open_mem(struct capture *c, const char *name, const void *data, size_t len)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	FILE *f = fmemopen((void *)data, len, "r");
	pcap_t *p;

	capture_init(c, name);
	if (!f) {
		c->problems[CAPTURE_UNREADABLE]++;
		return -errno;
	}
	/* pcap_close closes f once libpcap took it. */
	p = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p)
		fclose(f);
	return opened(c, p, errbuf);
}

void capture_close(struct capture *c)
{
	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
	free(c->buf);
	c->buf = NULL;
	free(c->file_buf);
	c->file_buf = NULL;
}

static void put_eth(uint8_t *h, const uint8_t *dst, const uint8_t *src, uint16_t ethertype)
{
	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	h[12] = ethertype >> 8;
	h[13] = ethertype & 0xff;
}

/*
 * The link-layer header of a cooked or raw frame as Ethernet: fills the
 * first 14 bytes of c->buf and f->way; returns the bytes of the original
 * header, or -1 when the frame is too short for it.
 */
static int make_eth(struct capture *c, const uint8_t *d, uint32_t caplen,
		    struct capture_frame *f)
{
	static const enum capture_way ways[] = {
		[0] = CAPTURE_WAY_IN, [1] = CAPTURE_WAY_IN, [2] = CAPTURE_WAY_IN,
		[3] = CAPTURE_WAY_OTHER, [4] = CAPTURE_WAY_OUT,
	};
	const uint8_t *addr;
	unsigned pkttype, addrlen;
	uint16_t proto;
	int hlen;

	switch (c->link_type) {
	case DLT_LINUX_SLL:
		if (caplen < SLL_HLEN)
			return -1;
		pkttype = d[0] << 8 | d[1];
		addrlen = d[4] << 8 | d[5];
		addr = d + 6;
		proto = d[14] << 8 | d[15];
		hlen = SLL_HLEN;
		break;
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			return -1;
		proto = d[0] << 8 | d[1];
		pkttype = d[10];
		addrlen = d[11];
		addr = d + 12;
		hlen = SLL2_HLEN;
		break;
	default:	/* raw IP: the version nibble says which */
		if (caplen < 1)
			return -1;
		put_eth(c->buf, capture_host_mac, capture_host_mac,
			(d[0] >> 4) == 6 ? 0x86dd : 0x0800);
		f->way = CAPTURE_WAY_UNKNOWN;
		return 0;
	}
	f->way = pkttype < sizeof(ways) / sizeof(ways[0]) ? ways[pkttype] : CAPTURE_WAY_OTHER;
	if (addrlen != 6)
		addr = capture_host_mac;
	/* The SLL address is the sender's; the receiver is filled in by the replay. */
	put_eth(c->buf, capture_host_mac, addr, proto);
	return hlen;
}

int capture_next(struct capture *c, struct capture_frame *f)
{
	struct pcap_pkthdr *h;
	const uint8_t *d;
	uint32_t off, wire;
	uint64_t len;
	int hlen, rc;

	if (!c->pcap)
		return 0;
	for (;;) {
		rc = pcap_next_ex(c->pcap, &h, &d);
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		if (rc != 1) {
			const char *e = pcap_geterr(c->pcap);

			/* libpcap says "truncated" for a record cut by the end of the file. */
			if (strstr(e, "truncated")) {
				warn("%s: the file is truncated after %llu frames: %s", c->path,
				     (unsigned long long)c->frames, e);
				c->problems[CAPTURE_TRUNCATED_FILE]++;
			} else {
				warn("%s: corrupt record after %llu frames, the rest is skipped: %s",
				     c->path, (unsigned long long)c->frames, e);
				c->problems[CAPTURE_CORRUPT]++;
			}
			return 0;
		}
		/* A record may claim any wire length (up to 4 GiB): it is not a frame. */
		if (h->len > CAPTURE_WIRE_MAX) {
			if (!c->problems[CAPTURE_BAD_LENGTH]++)
				warn("%s: frame %llu claims %u bytes on the wire: skipped, counted in the summary",
				     c->path, (unsigned long long)c->frames + 1, h->len);
			continue;
		}
		memset(f, 0, sizeof(*f));
		f->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ULL + (uint64_t)h->ts.tv_usec;
		if (c->link_type == DLT_EN10MB) {
			if (h->caplen < ETH_HLEN_) {
				c->problems[CAPTURE_SHORT_FRAME]++;
				continue;
			}
			hlen = 0;
			off = 0;
		} else {
			hlen = make_eth(c, d, h->caplen, f);
			if (hlen < 0) {
				c->problems[CAPTURE_SHORT_FRAME]++;
				continue;
			}
			off = ETH_HLEN_;
			f->synthetic_eth = true;
		}
		wire = h->len < h->caplen ? h->caplen : h->len;
		f->captured = h->caplen - hlen + off;
		/* 64-bit: a record may claim a wire length near 4 GiB (fuzz_pcap) */
		len = (uint64_t)wire - hlen + off;
		f->len = len > FRAME_MAX ? FRAME_MAX : (uint32_t)len;
		if (f->captured > f->len)
			f->captured = f->len;
		memcpy(c->buf + off, d + hlen, f->captured - off);
		if (f->len > f->captured) {
			/* Cut by the snap length: zeros stand for the payload nobody saw. */
			memset(c->buf + f->captured, 0, f->len - f->captured);
			if (!c->problems[CAPTURE_CUT_FRAME]++)
				warn("%s: frame %llu is cut by the snap length (%u of %u bytes): the payload of cut frames is ignored, counted in the summary",
				     c->path, (unsigned long long)c->frames + 1, h->caplen, wire);
		}
		f->data = c->buf;
		c->frames++;
		c->bytes += wire;
		return 1;
	}
}
