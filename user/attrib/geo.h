/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Where a remote address is: country from a MaxMind-format database
 * (libmaxminddb; GeoLite2 `country.iso_code` or ip-location-db
 * `country_code`), autonomous system and organisation from an ASN source
 * (an ASN .mmdb, or ip-location-db's CSV `start,end,asn,org` loaded into a
 * sorted table searched by bisection), and an override file
 * (`PREFIX COUNTRY ASN ORG...`; every matching line applies, longer prefixes last; `-` keeps a field).
 */
#ifndef IOTRIM_GEO_H
#define IOTRIM_GEO_H

#include <stdbool.h>
#include <stdint.h>

#define IOTRIM_DATA_DIR "/usr/local/share/iotrim"
#define IOTRIM_DEFAULT_GEOIP IOTRIM_DATA_DIR "/geo-country.mmdb"
#define IOTRIM_DEFAULT_ASN_V4 IOTRIM_DATA_DIR "/asn-ipv4.csv"
#define IOTRIM_DEFAULT_ASN_V6 IOTRIM_DATA_DIR "/asn-ipv6.csv"
#define IOTRIM_DEFAULT_GEO_OVERRIDES "/etc/iotrim/geo-overrides.conf"
#define GEO_MAX_ASN_FILES 4
#define GEO_ORG_MAX 128

struct geo_options {
	const char *country_db;		/* NULL: IOTRIM_GEOIP or the default */
	const char *asn_files[GEO_MAX_ASN_FILES];	/* none given: IOTRIM_ASN or the defaults */
	int n_asn_files;
	const char *overrides;		/* NULL: IOTRIM_GEO_OVERRIDES or the default */
};

struct geo_info {
	char country[3];	/* ISO 3166 alpha-2, "" if unknown */
	uint32_t asn;		/* 0 if unknown */
	char org[GEO_ORG_MAX];	/* "" if unknown */
};

struct geo;

/*
 * Opens what is there.  A file named explicitly that cannot be read is an
 * error (-errno after printing why; -EINVAL for two ASN .mmdb files); a
 * default that is missing only leaves its fields unknown (with a warning
 * when warn_missing).
 */
int geo_open(const struct geo_options *opts, bool warn_missing, struct geo **out);
void geo_lookup(const struct geo *g, uint8_t family, const uint8_t ip[16],
		struct geo_info *out);
void geo_close(struct geo *g);
/* Ranges loaded from ASN CSV files (for tests and status). */
unsigned long geo_asn_ranges(const struct geo *g);

#endif
