// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* DNS message parsing with ldns: see dns.h. */
#include <stdio.h>
#include <string.h>
#include <ldns/ldns.h>

#include "attrib/dns.h"
#include "common/dnsname.h"
#include "iotrim.h"

/* A DNAME rdf (ldns keeps it as uncompressed wire format) to text: common/dnsname.h. */
static bool dname_to_text(const ldns_rdf *rdf, char out[DNS_NAME_MAX])
{
	out[0] = '\0';
	if (!rdf || ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME)
		return false;
	return dns_wire_to_text(ldns_rdf_data(rdf), ldns_rdf_size(rdf), out, DNS_NAME_MAX);
}

static int find_name(const struct dns_message *m, const char *name)
{
	if (!strcmp(m->qname, name))
		return 0;
	for (int i = 0; i < m->chain_len; i++)
		if (!strcmp(m->chain[i], name))
			return i + 1;
	return -1;
}

/* Follows CNAMEs from qname through the answer section. */
static void follow_chain(struct dns_message *m, const ldns_rr_list *answer)
{
	size_t n = ldns_rr_list_rr_count(answer);
	char owner[DNS_NAME_MAX], target[DNS_NAME_MAX];
	const char *current = m->qname;

	m->chain_ttl = UINT32_MAX;
	while (m->chain_len < DNS_MAX_CHAIN) {
		bool moved = false;

		for (size_t i = 0; i < n && !moved; i++) {
			const ldns_rr *rr = ldns_rr_list_rr(answer, i);

			if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_CNAME ||
			    ldns_rr_rd_count(rr) < 1 ||
			    !dname_to_text(ldns_rr_owner(rr), owner) || strcmp(owner, current) ||
			    !dname_to_text(ldns_rr_rdf(rr, 0), target))
				continue;
			if (find_name(m, target) >= 0)
				return;	/* a loop of CNAMEs */
			snprintf(m->chain[m->chain_len], DNS_NAME_MAX, "%s", target);
			current = m->chain[m->chain_len++];
			if (ldns_rr_ttl(rr) < m->chain_ttl)
				m->chain_ttl = ldns_rr_ttl(rr);
			moved = true;
		}
		if (!moved)
			return;
	}
}

static void collect_addrs(struct dns_message *m, const ldns_rr_list *answer)
{
	size_t n = ldns_rr_list_rr_count(answer);
	char owner[DNS_NAME_MAX];

	for (size_t i = 0; i < n; i++) {
		const ldns_rr *rr = ldns_rr_list_rr(answer, i);
		ldns_rr_type type = ldns_rr_get_type(rr);
		const ldns_rdf *rd;
		struct dns_addr *a;
		size_t want;

		if (type != LDNS_RR_TYPE_A && type != LDNS_RR_TYPE_AAAA)
			continue;
		want = type == LDNS_RR_TYPE_A ? 4 : 16;
		rd = ldns_rr_rd_count(rr) ? ldns_rr_rdf(rr, 0) : NULL;
		if (!rd || ldns_rdf_size(rd) != want)
			continue;
		/* Only addresses of the asked name or of its chain. */
		if (!dname_to_text(ldns_rr_owner(rr), owner) || find_name(m, owner) < 0)
			continue;
		if (m->naddrs == DNS_MAX_ADDRS) {
			m->addrs_capped = true;
			return;
		}
		a = &m->addrs[m->naddrs++];
		memset(a, 0, sizeof(*a));
		a->family = want == 4 ? IOTRIM_FAMILY_IPV4 : IOTRIM_FAMILY_IPV6;
		memcpy(a->ip, ldns_rdf_data(rd), want);
		a->ttl = ldns_rr_ttl(rr);
		if (m->chain_ttl < a->ttl)
			a->ttl = m->chain_ttl;
	}
}

int dns_parse(const uint8_t *data, size_t len, bool tcp, struct dns_message *m)
{
	ldns_pkt *pkt = NULL;
	ldns_rr_list *question, *answer;
	const ldns_rr *q;

	memset(m, 0, sizeof(*m));
	if (tcp) {
		size_t msg_len;

		if (len < 2)
			return DNS_TRUNCATED;
		msg_len = (size_t)data[0] << 8 | data[1];
		data += 2;
		len -= 2;
		if (msg_len > len)
			return DNS_TRUNCATED;
		len = msg_len;
	}
	/* 12-byte header and one question at least. */
	if (len < 17 || ldns_wire2pkt(&pkt, data, len) != LDNS_STATUS_OK || !pkt)
		return DNS_MALFORMED;
	question = ldns_pkt_question(pkt);
	answer = ldns_pkt_answer(pkt);
	if (!question || ldns_rr_list_rr_count(question) < 1) {
		ldns_pkt_free(pkt);
		return DNS_MALFORMED;
	}
	q = ldns_rr_list_rr(question, 0);
	if (!dname_to_text(ldns_rr_owner(q), m->qname)) {
		ldns_pkt_free(pkt);
		return DNS_MALFORMED;
	}
	m->response = ldns_pkt_qr(pkt);
	m->tc = ldns_pkt_tc(pkt);
	m->rcode = ldns_pkt_get_rcode(pkt);
	m->id = ldns_pkt_id(pkt);
	m->qtype = ldns_rr_get_type(q);
	m->chain_ttl = UINT32_MAX;
	if (m->response && answer) {
		m->answers = ldns_rr_list_rr_count(answer);
		follow_chain(m, answer);
		collect_addrs(m, answer);
	}
	ldns_pkt_free(pkt);
	return DNS_OK;
}

const char *dns_final_name(const struct dns_message *m)
{
	return m->chain_len ? m->chain[m->chain_len - 1] : m->qname;
}

const char *dns_type_name(uint16_t qtype, char buf[16])
{
	switch (qtype) {
	case LDNS_RR_TYPE_A: return "A";
	case LDNS_RR_TYPE_AAAA: return "AAAA";
	case LDNS_RR_TYPE_CNAME: return "CNAME";
	case LDNS_RR_TYPE_PTR: return "PTR";
	case LDNS_RR_TYPE_MX: return "MX";
	case LDNS_RR_TYPE_TXT: return "TXT";
	case LDNS_RR_TYPE_SRV: return "SRV";
	case LDNS_RR_TYPE_NS: return "NS";
	case LDNS_RR_TYPE_SOA: return "SOA";
	case 64: return "SVCB";
	case 65: return "HTTPS";
	case LDNS_RR_TYPE_ANY: return "ANY";
	default:
		snprintf(buf, 16, "TYPE%u", qtype);
		return buf;
	}
}

const char *dns_rcode_name(uint8_t rcode, char buf[16])
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
					     "NOTIMP", "REFUSED" };

	if (rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, 16, "RCODE%u", rcode);
	return buf;
}
