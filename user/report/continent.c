// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Countries by continent as in the continent column of GeoNames'
 * countryInfo.txt (https://download.geonames.org/export/dump/countryInfo.txt,
 * CC BY 4.0): the Americas split into NA and SA at Panama/Colombia; Russia in
 * EU; Turkey, Cyprus and the Caucasus in AS.  Codes only: no names, no
 * borders, so a country counts wholly on its continent.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "report/continent.h"

static const struct {
	const char *continent;
	const char *countries;	/* space separated, upper case */
} continents[] = {
	{ "AF", "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR"
		" LS LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN"
		" TZ UG YT ZA ZM ZW" },
	{ "AN", "AQ BV GS HM TF" },
	{ "AS", "AE AF AM AZ BD BH BN BT CC CN CX CY GE HK ID IL IN IO IQ IR JO JP KG KH KP KR"
		" KW KZ LA LB LK MM MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TM TR TW UZ VN"
		" YE" },
	{ "EU", "AD AL AT AX BA BE BG BY CH CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS"
		" IT JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK" },
	{ "NA", "AG AI AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF"
		" MQ MS MX NI PA PM PR SV SX TC TT US VC VG VI" },
	{ "OC", "AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TL TO TV UM VU WF"
		" WS" },
	{ "SA", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE" },
};

const char *country_continent(const char *cc)
{
	char up[3];

	if (!cc || strlen(cc) != 2)
		return NULL;
	up[0] = (char)toupper((unsigned char)cc[0]);
	up[1] = (char)toupper((unsigned char)cc[1]);
	up[2] = '\0';
	for (size_t i = 0; i < sizeof(continents) / sizeof(continents[0]); i++) {
		for (const char *p = continents[i].countries; *p; p += p[2] ? 3 : 2) {
			if (p[0] == up[0] && p[1] == up[1])
				return continents[i].continent;
			if (!p[2])
				break;
		}
	}
	return NULL;
}
