// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* IPFIX messages of the harvest's deltas with libfixbuf: see ipfix.h. */
#include <arpa/inet.h>
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <fixbuf/public.h>

#include "common/log.h"
#include "exporter/ipfix.h"

/* iotrim's own elements (README "IPFIX"); numbers are stable. */
enum {
	IE_DNS_NAME = 1,
	IE_PAYLOAD_SAMPLED,	/* then one per payload class, in struct payload_counter order */
};

#define COUNTER_IE(name, num, doc) \
	FB_IE_INIT_FULL(name, IPFIX_PEN, num, 8, FB_IE_F_ENDIAN | FB_IE_DELTACOUNTER | FB_UNITS_OCTETS, \
			0, 0, FB_UINT_64, doc)

static fbInfoElement_t iotrim_elements[] = {
	FB_IE_INIT_FULL("iotrimDnsName", IPFIX_PEN, IE_DNS_NAME, FB_IE_VARLEN, FB_IE_F_NONE, 0, 0,
			FB_STRING, "names valid for the flow's bytes, space separated"),
	COUNTER_IE("iotrimPayloadSampledOctets", 2, "payload bytes of sampled packets"),
	COUNTER_IE("iotrimPayloadEncryptedOctets", 3, "sampled payload classed encrypted"),
	COUNTER_IE("iotrimPayloadTextOctets", 4, "sampled payload classed text"),
	COUNTER_IE("iotrimPayloadCompressedOctets", 5, "sampled payload classed compressed"),
	COUNTER_IE("iotrimPayloadMediaOctets", 6, "sampled payload classed media"),
	COUNTER_IE("iotrimPayloadUnknownOctets", 7, "sampled payload classed unknown"),
	COUNTER_IE("iotrimPayloadIgnoredOctets", 8, "sampled payload too short to class"),
	FB_IE_NULL
};

/* The internal record; the template below lists its fields in this order. */
struct record {
	uint64_t start_ms, end_ms, octets, packets;
	uint64_t payload[7];
	fbVarfield_t name;
	uint8_t src6[16], dst6[16];
	uint32_t src4, dst4;
	uint16_t sport, dport;
	uint8_t proto, direction;
	uint8_t src_mac[6], dst_mac[6];
	uint8_t pad[6];
};
static_assert(sizeof(struct record) == 168, "struct record matches record_spec");

#define V4 1	/* spec flag: in the IPv4 export template */
#define V6 2
#define INTERNAL (V4 | V6)

static fbInfoElementSpec_t record_spec[] = {
	{ "flowStartMilliseconds", 8, 0 },
	{ "flowEndMilliseconds", 8, 0 },
	{ "octetDeltaCount", 8, 0 },
	{ "packetDeltaCount", 8, 0 },
	{ "iotrimPayloadSampledOctets", 8, 0 },
	{ "iotrimPayloadEncryptedOctets", 8, 0 },
	{ "iotrimPayloadTextOctets", 8, 0 },
	{ "iotrimPayloadCompressedOctets", 8, 0 },
	{ "iotrimPayloadMediaOctets", 8, 0 },
	{ "iotrimPayloadUnknownOctets", 8, 0 },
	{ "iotrimPayloadIgnoredOctets", 8, 0 },
	{ "iotrimDnsName", FB_IE_VARLEN, 0 },
	{ "sourceIPv6Address", 16, V6 },
	{ "destinationIPv6Address", 16, V6 },
	{ "sourceIPv4Address", 4, V4 },
	{ "destinationIPv4Address", 4, V4 },
	{ "sourceTransportPort", 2, 0 },
	{ "destinationTransportPort", 2, 0 },
	{ "protocolIdentifier", 1, 0 },
	{ "flowDirection", 1, 0 },
	{ "sourceMacAddress", 6, 0 },
	{ "destinationMacAddress", 6, 0 },
	{ "paddingOctets", 6, INTERNAL },
	FB_IESPEC_NULL
};

enum { TID_INTERNAL = 256, TID_V4 = 257, TID_V6 = 258 };

struct ipfix_encoder {
	fbInfoModel_t *model;
	fbExporter_t *exporter;		/* owned by buf */
	fBuf_t *buf;
	uint8_t out[IPFIX_MSG_MAX];	/* the exporter writes each message here */
	uint8_t templates[IPFIX_MSG_MAX];	/* the templates message */
	size_t templates_len;
	ipfix_msg_fn fn;
	void *ctx;
	unsigned records;		/* in the message being built */
	int64_t window_start_ms;	/* when the last harvest read the table; 0: unknown */
	bool templates_each_harvest, harvest_started;
};

static void gerr_warn(const char *what, GError *err)
{
	warn("IPFIX: %s: %s", what, err ? err->message : "failed");
	g_clear_error(&err);
}

/* Hands the message in e->out to the sender. */
static bool emit(struct ipfix_encoder *e)
{
	GError *err = NULL;
	size_t len;

	if (!fBufEmit(e->buf, &err)) {
		gerr_warn("cannot end a message", err);
		return false;
	}
	len = fbExporterGetMsgLen(e->exporter);
	if (len)
		e->fn(e->ctx, e->out, len, e->records);
	e->records = 0;
	return true;
}

/* Before the session has its exporter: adding a template then does not export it. */
static bool add_template(struct ipfix_encoder *e, fbSession_t *session, uint32_t flags,
			 bool internal, uint16_t tid)
{
	fbTemplate_t *t = fbTemplateAlloc(e->model);
	GError *err = NULL;

	if (!fbTemplateAppendSpecArray(t, record_spec, flags, &err) ||
	    !fbSessionAddTemplate(session, internal, tid, t, &err)) {
		gerr_warn("template", err);
		fbTemplateFreeUnused(t);
		return false;
	}
	return true;
}

/*
 * The templates as a message of their own.  In manual mode libfixbuf first
 * answers FB_ERROR_EOM (once) to end the message being built: emit it if
 * it has records, and retry.  (fBufEmit on an empty buffer would leave the
 * last message's length, and that message would go twice.)
 */
static bool export_templates(struct ipfix_encoder *e)
{
	GError *err = NULL;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (fbSessionExportTemplates(fBufGetSession(e->buf), &err))
			return emit(e);
		if (!g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM))
			break;
		g_clear_error(&err);
		if (e->records && !emit(e))
			return false;
	}
	gerr_warn("cannot export the templates", err);
	return false;
}

/* The first templates message is kept: each TCP connection starts with it. */
static void keep_templates(void *ctx, const uint8_t *msg, size_t len, unsigned records)
{
	struct ipfix_encoder *e = ctx;

	(void)records;
	memcpy(e->templates, msg, len);
	e->templates_len = len;
}

struct ipfix_encoder *ipfix_encoder_new(ipfix_msg_fn fn, void *ctx, bool templates_each_harvest)
{
	struct ipfix_encoder *e = calloc(1, sizeof(*e));
	fbSession_t *session;

	if (!e)
		return NULL;
	e->templates_each_harvest = templates_each_harvest;
	e->model = fbInfoModelAlloc();
	fbInfoModelAddElementArray(e->model, iotrim_elements);
	session = fbSessionAlloc(e->model);
	if (!add_template(e, session, INTERNAL, TRUE, TID_INTERNAL) ||
	    !add_template(e, session, V4, FALSE, TID_V4) ||
	    !add_template(e, session, V6, FALSE, TID_V6)) {
		fbSessionFree(session);
		ipfix_encoder_free(e);
		return NULL;
	}
	e->exporter = fbExporterAllocBuffer(e->out, sizeof(e->out));
	e->buf = fBufAllocForExport(session, e->exporter);
	fBufSetAutomaticMode(e->buf, FALSE);
	e->fn = keep_templates;
	e->ctx = e;
	if (!export_templates(e) || !e->templates_len) {
		ipfix_encoder_free(e);
		return NULL;
	}
	e->fn = fn;
	e->ctx = ctx;
	return e;
}

const uint8_t *ipfix_encoder_templates(const struct ipfix_encoder *e, size_t *len)
{
	*len = e->templates_len;
	return e->templates;
}

/* Appends one record, starting a new message when this one is full. */
static int append(struct ipfix_encoder *e, struct record *r, uint16_t tid)
{
	GError *err = NULL;

	if (!fBufSetInternalTemplate(e->buf, TID_INTERNAL, &err) ||
	    !fBufSetExportTemplate(e->buf, tid, &err)) {
		gerr_warn("template", err);
		return -EIO;
	}
	if (fBufAppend(e->buf, (uint8_t *)r, sizeof(*r), &err)) {
		e->records++;
		return 0;
	}
	if (!g_error_matches(err, FB_ERROR_DOMAIN, FB_ERROR_EOM)) {
		gerr_warn("cannot add a record", err);
		return -EIO;
	}
	/* Full, or a templates message just ended (then there is nothing to emit). */
	g_clear_error(&err);
	if ((e->records && !emit(e)) || !fBufSetExportTemplate(e->buf, tid, &err) ||
	    !fBufAppend(e->buf, (uint8_t *)r, sizeof(*r), &err)) {
		gerr_warn("cannot add a record", err);
		return -EIO;
	}
	e->records++;
	return 0;
}

/*
 * A new or restarted counter began with the flow's first packet; a flow
 * that went on grew after the last harvest read the table (no later than
 * its last packet: the clocks behind the two are not the same).
 */
static int64_t flow_start_ms(const struct ipfix_encoder *e, const struct harvest_delta *d)
{
	if (d->restarted || !e->window_start_ms || e->window_start_ms > d->last_ms)
		return d->first_ms;
	return e->window_start_ms;
}

int ipfix_encoder_add(struct ipfix_encoder *e, const struct harvest_delta *d)
{
	bool v6 = d->key.family == IOTRIM_FAMILY_IPV6, payload_given = false;
	struct record r;
	int err = 0;

	if (e->templates_each_harvest && !e->harvest_started && !export_templates(e))
		return -EIO;
	e->harvest_started = true;
	for (int down = 0; down < 2 && !err; down++) {
		uint64_t packets = down ? d->packets_down : d->packets_up;
		const uint8_t *src = down ? d->key.remote_ip : d->key.device_ip;
		const uint8_t *dst = down ? d->key.device_ip : d->key.remote_ip;

		if (!packets)
			continue;
		memset(&r, 0, sizeof(r));
		r.start_ms = (uint64_t)flow_start_ms(e, d);
		r.end_ms = (uint64_t)d->last_ms;
		r.packets = packets;
		r.octets = down ? d->bytes_down : d->bytes_up;
		/* The flow's payload growth, both directions, goes with its first record. */
		if (!payload_given)
			memcpy(r.payload, &d->payload, sizeof(r.payload));
		payload_given = true;
		r.name.buf = (uint8_t *)d->name;
		r.name.len = strlen(d->name);
		if (v6) {
			memcpy(r.src6, src, 16);
			memcpy(r.dst6, dst, 16);
		} else {
			uint32_t a, b;

			memcpy(&a, src, 4);
			memcpy(&b, dst, 4);
			r.src4 = ntohl(a);
			r.dst4 = ntohl(b);
		}
		/* The key has the remote port only: the device's port is 0. */
		if (down)
			r.sport = d->key.remote_port;
		else
			r.dport = d->key.remote_port;
		r.proto = d->key.proto;
		r.direction = down;
		memcpy(down ? r.dst_mac : r.src_mac, d->key.device_mac, 6);
		err = append(e, &r, v6 ? TID_V6 : TID_V4);
	}
	return err;
}

void ipfix_encoder_flush(struct ipfix_encoder *e, int64_t read_ms)
{
	if (e->records)
		emit(e);
	e->harvest_started = false;
	e->window_start_ms = read_ms;
}

void ipfix_encoder_free(struct ipfix_encoder *e)
{
	if (!e)
		return;
	if (e->buf)
		fBufFree(e->buf);	/* and its session and exporter */
	if (e->model)
		fbInfoModelFree(e->model);
	free(e);
}
