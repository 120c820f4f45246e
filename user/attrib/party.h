/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Who a destination is (METHODS 3): the device's vendor (device config
 * file, else the MAC's OUI from Debian's ieee-data), the registrable
 * domain of a name (libpsl), and the party label with the rule that chose
 * it: first (the vendor's domain or organisation), support (a listed
 * infrastructure provider: cloud, CDN, DNS, NTP), else third; local
 * traffic is party local (attrib/local.h).
 */
#ifndef IOTRIM_PARTY_H
#define IOTRIM_PARTY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IOTRIM_DEFAULT_DEVICES_CONF "/etc/iotrim/devices.conf"
#define IOTRIM_DEFAULT_PROVIDERS "/etc/iotrim/providers.conf"
#define IOTRIM_SHARED_PROVIDERS "/usr/local/share/iotrim/providers.conf"
#define IOTRIM_DEFAULT_OUI "/usr/share/ieee-data/oui.txt"
#define PARTY_REASON_MAX 512
#define DEVICE_MAX_DOMAINS 8

struct device_info {
	uint8_t mac[6];
	char name[64];
	char vendor[128];	/* "" if unknown */
	char category[64];
	const char *vendor_source;	/* "device config", "OUI" or NULL */
	char domains[DEVICE_MAX_DOMAINS][128];	/* extra first-party domains */
	int n_domains;
};

struct device_config {
	struct device_info *items;
	size_t n;
	char oui_path[256];
	/* OUI answers already looked up: prefix -> vendor. */
	struct oui_cache { uint8_t oui[3]; bool found; char vendor[128]; } *cache;
	size_t ncache;
};

/*
 * Loads the INI file (sections are MACs; keys name, vendor, category,
 * domains).  path NULL: IOTRIM_DEVICES or the default, absent is fine.
 * Returns 0, or after printing why -EINVAL for a syntax error, else -errno;
 * on failure c holds nothing (no device_config_free() needed).
 */
int device_config_load(const char *path, struct device_config *c);
void device_config_free(struct device_config *c);
/* Config entry, else the OUI vendor (locally administered MACs have none). */
void device_info_get(struct device_config *c, const uint8_t mac[6], struct device_info *out);

enum provider_kind { PROV_DOMAIN, PROV_ASN, PROV_ORG, PROV_NET };

struct provider_rule {
	enum provider_kind kind;
	char value[128];	/* domain, or lower-case org substring */
	uint32_t asn;
	uint8_t family, plen, ip[16];
	char provider[96];
};

struct providers {
	struct provider_rule *rules;
	size_t n;
};

/*
 * Lines "domain D NAME", "asn N NAME", "org SUBSTRING NAME" (SUBSTRING
 * without spaces, matched case-insensitively), "net PREFIX NAME".  path
 * NULL: IOTRIM_PROVIDERS, /etc/iotrim/providers.conf, then the shipped one.
 * Returns 0, or -errno after printing why.
 */
int providers_load(const char *path, struct providers *p);
void providers_free(struct providers *p);

/* PARTY_LOCAL: not a remote party at all (attrib/local.h). */
enum party { PARTY_FIRST = 1, PARTY_SUPPORT, PARTY_THIRD, PARTY_LOCAL };

struct party_input {
	const struct device_info *device;	/* vendor and its source */
	const char *domain;	/* registrable domain, NULL for a bare IP */
	uint32_t asn;
	const char *org;	/* "" or NULL if unknown */
	uint8_t family;
	const uint8_t *ip;	/* the destination's main address */
};

enum party party_classify(const struct providers *p, const struct party_input *in,
			  char reason[PARTY_REASON_MAX]);
const char *party_name(enum party party);

/* eTLD+1 of a name by the public suffix list; false (out "") if none. */
bool registrable_domain(const char *name, char *out, size_t len);

#endif
