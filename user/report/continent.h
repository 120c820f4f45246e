/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The continent of a country, for the share of bytes that cross continents (Saidi et al.). */
#ifndef IOTRIM_CONTINENT_H
#define IOTRIM_CONTINENT_H

/*
 * AF, AN, AS, EU, NA, OC or SA for an ISO 3166-1 alpha-2 code (either
 * case), NULL if unknown.
 */
const char *country_continent(const char *cc);

#endif
