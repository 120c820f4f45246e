// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim device`: a device's name and category (history/device_labels.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/json.h"
#include "history/db.h"
#include "history/device_labels.h"

static const char device_usage[] =
	"usage: iotrim device set MAC [--name NAME] [--category CATEGORY] [--db FILE]\n"
	"       iotrim device list [--json] [--devices FILE] [--db FILE]\n"
	"\n"
	"Names and categories of devices, which reports group by.  What `device set`\n"
	"stores wins over the device config file, which wins over what `iotrim run`\n"
	"recorded; an empty value clears a stored one.\n"
	"\n"
	"  --name NAME          the device's name, e.g. 'kitchen plug'\n"
	"  --category CATEGORY  e.g. camera, plug, light, speaker, hub\n"
	"  --json               an array of objects: device_mac, name, category,\n"
	"                       vendor (null when unknown), source (set, config,\n"
	"                       history or null)\n"
	"  --devices FILE       device config (default " IOTRIM_DEFAULT_DEVICES_CONF ")\n"
	"  --db FILE            default $IOTRIM_DB or " IOTRIM_DEFAULT_DB "\n";

static void list_one(void *ctx, const struct device_label *l)
{
	struct json *j = ctx;

	if (!j) {
		printf("%-17s  %-24s  %-16s  %-7s  %s\n", l->mac, l->name[0] ? l->name : "-",
		       l->category[0] ? l->category : "-", l->source ? l->source : "-",
		       l->vendor[0] ? l->vendor : "-");
		return;
	}
	json_object_begin(j, NULL);
	json_string(j, "device_mac", l->mac);
	json_string(j, "name", l->name[0] ? l->name : NULL);
	json_string(j, "category", l->category[0] ? l->category : NULL);
	json_string(j, "vendor", l->vendor[0] ? l->vendor : NULL);
	json_string(j, "source", l->source);
	json_object_end(j);
}

int cmd_device(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "category", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "devices", required_argument, NULL, 'C' },
		{ "db", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *name = NULL, *category = NULL, *devices = NULL, *dbpath = NULL, *pos[2];
	struct device_config conf = { 0 };
	bool json = false;
	int c, npos = 0, err;
	uint8_t mac[6];
	char mac_text[MAC_STRLEN];
	sqlite3 *db;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': name = optarg; break;
		case 'c': category = optarg; break;
		case 'j': json = true; break;
		case 'C': devices = optarg; break;
		case 'D': dbpath = optarg; break;
		case 'h': fputs(device_usage, stdout); return EXIT_OK;
		default: fputs(device_usage, stderr); return EXIT_USAGE;
		}
	}
	while (optind < argc && npos < 2)
		pos[npos++] = argv[optind++];
	if (optind < argc)
		return fail(EXIT_USAGE, "unexpected argument '%s' (see iotrim device --help)",
			    argv[optind]);
	dbpath = env_or(dbpath, "IOTRIM_DB", IOTRIM_DEFAULT_DB);
	if (npos == 2 && !strcmp(pos[0], "set")) {
		if (!parse_mac(pos[1], mac))
			return fail(EXIT_USAGE, "bad device MAC address '%s'", pos[1]);
		if (!name && !category)
			return fail(EXIT_USAGE, "device set needs --name or --category");
		if ((name && strlen(name) >= 64) || (category && strlen(category) >= 64))
			return fail(EXIT_USAGE, "names and categories have at most 63 bytes");
		format_mac(mac, mac_text);
		if ((err = cli_db_open(dbpath, &db)))
			return err;
		err = device_label_set(db, mac_text, name, category);
		db_close(db);
		return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
	}
	if (npos != 1 || strcmp(pos[0], "list")) {
		fputs(device_usage, stderr);
		return EXIT_USAGE;
	}
	if ((err = device_config_load(devices, &conf)))
		return load_exit_code(err);
	if ((err = cli_db_open(dbpath, &db))) {
		device_config_free(&conf);
		return err;
	}
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_array_begin(&j, NULL);
		err = device_labels_each(db, &conf, list_one, &j);
		json_array_end(&j);
		json_finish(&j);
	} else {
		printf("%-17s  %-24s  %-16s  %-7s  %s\n", "DEVICE", "NAME", "CATEGORY", "SOURCE",
		       "VENDOR");
		err = device_labels_each(db, &conf, list_one, NULL);
	}
	db_close(db);
	device_config_free(&conf);
	return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}
