// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: what the dashboard parses from untrusted requests
 * (web/request.h).  The first byte picks the parser: a flat JSON body, a
 * urlencoded form or query string, a Cookie header, URL decoding, an
 * ADDR:PORT, or an uploaded experiment file (experiment/experiment.h, what
 * POST /api/experiments parses before anything else).  Checks besides ASan/UBSan: outputs are NUL-terminated within
 * their bounds, and every parsed JSON string is as long as strlen says.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "experiment/experiment.h"
#include "web/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_storage addr;
	struct json_fields f;
	const char *why;
	char out[64], err[1024], *text;
	struct exp_config cfg;
	socklen_t alen;

	if (size < 1)
		return 0;
	/* Headers and forms arrive NUL-terminated; JSON bodies as bytes with a length. */
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 6) {
	case 0:
		if (!json_fields_parse((const char *)data + 1, size - 1, &f, &why)) {
			if (f.n < 0 || f.n > JSON_FIELDS_MAX)
				abort();
			for (int i = 0; i < f.n; i++)
				if (strnlen(f.f[i].key, JSON_KEY_MAX) == JSON_KEY_MAX ||
				    strnlen(f.f[i].value, JSON_VALUE_MAX) == JSON_VALUE_MAX)
					abort();
		}
		break;
	case 1:
		if (!form_field(text, "secret", out, sizeof(out)) && strnlen(out, sizeof(out)) == sizeof(out))
			abort();
		break;
	case 2:
		if (!cookie_value(text, "iotrim_session", out, sizeof(out)) &&
		    strnlen(out, sizeof(out)) == sizeof(out))
			abort();
		break;
	case 3:
		if (!url_decode(text, strlen(text), true, out, sizeof(out)) &&
		    strnlen(out, sizeof(out)) == sizeof(out))
			abort();
		break;
	case 4:
		if (!parse_listen(text, &addr, &alen))
			sockaddr_loopback((const struct sockaddr *)&addr);
		break;
	case 5:
		if (!exp_config_parse_text(text, "upload.ini", "/", &cfg, err, sizeof(err)))
			exp_config_free(&cfg);
		else if (strnlen(err, sizeof(err)) == sizeof(err))
			abort();
		break;
	}
	free(text);
	return 0;
}
