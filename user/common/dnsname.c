// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/dnsname.h"

bool dns_name_covers(const char *rule_name, const char *name)
{
	size_t rl = strlen(rule_name), nl = strlen(name);

	if (!rl || !nl)
		return false;
	if (nl == rl)
		return strcasecmp(name, rule_name) == 0;
	return nl > rl && name[nl - rl - 1] == '.' && strcasecmp(name + nl - rl, rule_name) == 0;
}

bool dns_wire_to_text(const uint8_t *wire, size_t size, char *out, size_t out_len)
{
	size_t pos = 0, o = 0;

	if (!out_len)
		return false;
	out[0] = '\0';
	while (pos < size) {
		size_t label = wire[pos++];

		if (label == 0) {
			out[o] = '\0';
			return true;
		}
		if (label > 63 || pos + label > size)
			break;
		if (o && o + 1 < out_len)
			out[o++] = '.';
		for (size_t i = 0; i < label; i++) {
			uint8_t c = wire[pos + i];

			if (c > 0x20 && c < 0x7f && c != '.' && c != '\\') {
				if (o + 1 >= out_len)
					goto fail;
				out[o++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
			} else {
				if (o + 5 >= out_len)
					goto fail;
				o += snprintf(out + o, out_len - o, "\\%03u", c);
			}
		}
		pos += label;
	}
fail:
	out[0] = '\0';
	return false;
}
