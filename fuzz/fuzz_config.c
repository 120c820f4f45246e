// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target: the files an operator (or whoever can write them)
 * gives iotrim.  The first byte picks the parser, the rest is the file:
 *   0 device config (INI), 1 providers list, 2 geo overrides,
 *   3 ASN CSV, 4 experiment file (parsed from text).
 * Each must load or refuse, never crash, leak or read past its input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attrib/geo.h"
#include "attrib/party.h"
#include "experiment/experiment.h"

static char path[64];

static void remove_file(void)
{
	unlink(path);
}

static void write_file(const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "w");

	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!path[0]) {
		/* tmpfs: a file system that journals makes every run a disk write */
		snprintf(path, sizeof(path), "%s/iotrim-fuzz-config-%d",
			 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", getpid());
		atexit(remove_file);
		setenv("IOTRIM_GEOIP", "/nonexistent", 1);	/* no country database */
	}
	if (size < 1)
		return 0;
	write_file(data + 1, size - 1);
	switch (data[0] % 5) {
	case 0: {
		struct device_config c;

		if (device_config_load(path, &c) == 0)
			device_config_free(&c);
		break;
	}
	case 1: {
		struct providers p = { 0 };

		if (providers_load(path, &p) == 0)
			providers_free(&p);
		break;
	}
	case 2:
	case 3: {
		struct geo_options o = { .overrides = data[0] % 5 == 2 ? path : "/nonexistent",
					 .asn_files = { data[0] % 5 == 3 ? path : "/nonexistent" },
					 .n_asn_files = 1 };
		struct geo *g = NULL;

		if (geo_open(&o, false, &g) == 0)
			geo_close(g);
		break;
	}
	case 4: {
		char *text = malloc(size), err[512];
		struct exp_config c;

		if (!text)
			return 0;
		memcpy(text, data + 1, size - 1);
		text[size - 1] = '\0';
		memset(&c, 0, sizeof(c));
		exp_config_parse_text(text, "fuzz.ini", "/tmp", &c, err, sizeof(err));
		exp_config_free(&c);
		free(text);
		break;
	}
	}
	return 0;
}
