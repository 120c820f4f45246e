// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
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
