// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim device`: a device's name and category (history/device_labels.h). */
#include <stdio.h>
#include <string.h>

#include "common/escape.h"
#include "cli/commands.h"
#include "common/json.h"
#include "history/db.h"
#include "history/device_labels.h"

struct device_opts {
	const char *name;
	const char *category;
	const char *devices;
	const char *db;
	bool json;
};

static const char *device_db(const struct device_opts *o)
{
	return o->db ? o->db : db_path();
}

static void list_one(void *ctx, const struct device_label *l)
{
	struct json *j = ctx;

	if (!j) {
		char name[4 * sizeof(l->name)], category[4 * sizeof(l->category)];
		char vendor[4 * sizeof(l->vendor)];

		printf("%-17s  %-24s  %-16s  %-7s  %s\n", l->mac,
		       l->name[0] ? term_safe(l->name, name, sizeof(name)) : "-",
		       l->category[0] ? term_safe(l->category, category, sizeof(category)) : "-",
		       l->source ? l->source : "-",
		       l->vendor[0] ? term_safe(l->vendor, vendor, sizeof(vendor)) : "-");
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

static int run_device_set(const void *opts, int argc, char **argv)
{
	const struct device_opts *o = opts;
	char mac_text[MAC_STRLEN];
	uint8_t mac[6];
	sqlite3 *db;
	int err;

	(void)argc;
	if (!parse_mac(argv[0], mac))
		return fail(EXIT_USAGE, "bad device MAC address '%s'", argv[0]);
	if (!o->name && !o->category)
		return fail(EXIT_USAGE, "device set needs --name or --category");
	if ((o->name && strlen(o->name) >= 64) || (o->category && strlen(o->category) >= 64))
		return fail(EXIT_USAGE, "names and categories have at most 63 bytes");
	format_mac(mac, mac_text);
	if ((err = cli_db_open(device_db(o), &db)))
		return err;
	err = device_label_set(db, mac_text, o->name, o->category);
	db_close(db);
	return err ? EXIT_FAILURE_RUNTIME : EXIT_OK;
}

static int run_device_list(const void *opts, int argc, char **argv)
{
	const struct device_opts *o = opts;
	struct device_config conf = { 0 };
	sqlite3 *db;
	int err;

	(void)argc;
	(void)argv;
	if ((err = device_config_load(o->devices, &conf)))
		return load_exit_code(err);
	if ((err = cli_db_open(device_db(o), &db))) {
		device_config_free(&conf);
		return err;
	}
	if (o->json) {
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

#define DEVICE_DB                                                                          \
	{ .name = "db", PARAM_STRING(struct device_opts, db), .arg = "FILE",                   \
	  .help = "default $IOTRIM_DB or " IOTRIM_DEFAULT_DB }

static const struct command device_set_command = {
	.name = "set",
	.doc = "Stores MAC's name or category (an empty value clears a stored one).\n",
	.params = (const struct param[]){
		{ .name = "name", PARAM_STRING(struct device_opts, name), .arg = "NAME",
		  .help = "the device's name, e.g. 'kitchen plug'" },
		{ .name = "category", PARAM_STRING(struct device_opts, category), .arg = "CATEGORY",
		  .help = "e.g. camera, plug, light, speaker, hub" },
		DEVICE_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct device_opts),
	.args = "MAC",
	.min_args = 1,
	.max_args = 1,
	.run = run_device_set,
};

static const struct command device_list_command = {
	.name = "list",
	.doc = "Each known device with its name, category, where they come from and vendor.\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct device_opts, json),
		  .help = "an array of objects: device_mac, name, category, vendor (null when "
			  "unknown), source (set, config, history or null)" },
		{ .name = "devices", PARAM_STRING(struct device_opts, devices), .arg = "FILE",
		  .help = "device config (default " IOTRIM_DEFAULT_DEVICES_CONF ")" },
		DEVICE_DB,
		{ NULL },
	},
	.opts_size = sizeof(struct device_opts),
	.run = run_device_list,
};

const struct command device_command = {
	.name = "device",
	.hint = "set|list",
	.summary = "device names and categories",
	.doc = "Names and categories of devices, which reports group by.  What `device set`\n"
	       "stores wins over the device config file, which wins over what `iotrim run`\n"
	       "recorded; an empty value clears a stored one.\n",
	.epilogue = "iotrim device COMMAND --help shows the options of each command.\n",
	.subcommands = (const struct command *const[]){
		&device_set_command, &device_list_command, NULL,
	},
};
