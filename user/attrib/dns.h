/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS messages as a device sees them: the question, the CNAME chain from
 * the asked name and the A/AAAA answers at its end, with TTLs.  Parsing is
 * done by ldns on untrusted bytes: anything malformed is reported as such,
 * never trusted, never a crash.
 */
#ifndef IOTRIM_DNS_H
#define IOTRIM_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_NAME_MAX 256	/* text name incl. NUL, without trailing dot */
#define DNS_MAX_CHAIN 16	/* CNAME hops followed from the asked name */
#define DNS_MAX_ADDRS 64	/* addresses kept from one answer */

enum dns_status {
	DNS_OK = 0,
	DNS_MALFORMED,		/* ldns refused it, or no usable question */
	DNS_TRUNCATED,		/* TCP: the message is longer than the bytes we have */
};

struct dns_addr {
	uint8_t family;		/* enum iotrim_family (4 or 6) */
	uint8_t ip[16];		/* IPv4 in the first 4 bytes */
	uint32_t ttl;		/* min of the record's TTL and the chain's */
};

struct dns_message {
	bool response;		/* QR bit */
	bool tc;		/* TC bit: the server truncated it */
	uint8_t rcode;
	uint16_t id;
	uint16_t qtype;
	char qname[DNS_NAME_MAX];
	int chain_len;		/* CNAME targets from qname, in order */
	char chain[DNS_MAX_CHAIN][DNS_NAME_MAX];
	uint32_t chain_ttl;	/* min TTL of the CNAMEs followed (UINT32_MAX: none) */
	int answers;		/* records in the answer section */
	int naddrs;
	bool addrs_capped;	/* more than DNS_MAX_ADDRS addresses */
	struct dns_addr addrs[DNS_MAX_ADDRS];
};

/*
 * Parses one DNS message.  tcp: data starts with the two-byte length
 * prefix of DNS over TCP.  Returns enum dns_status; m is filled on DNS_OK.
 */
int dns_parse(const uint8_t *data, size_t len, bool tcp, struct dns_message *m);

/* The name "final" the chain ends at: m->chain[chain_len-1] or qname. */
const char *dns_final_name(const struct dns_message *m);
/* "A", "AAAA", ... or the number; rcode names likewise. */
const char *dns_type_name(uint16_t qtype, char buf[16]);
const char *dns_rcode_name(uint8_t rcode, char buf[16]);

#endif
