// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `iotrim config check|show [FILE]`: the config file (cli/config.h) read
 * as `iotrim run` reads it, without touching anything else.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/config.h"
#include "common/json.h"

struct config_opts {
	bool json;
};

/* The file read into run's options from their defaults: 0, or -errno. */
static int read_file(const char *path, struct config *cfg, void **opts)
{
	*opts = calloc(1, run_command.opts_size);
	if (!*opts) {
		memset(cfg, 0, sizeof(*cfg));
		return -ENOMEM;
	}
	if (run_command.defaults)
		memcpy(*opts, run_command.defaults, run_command.opts_size);
	return config_read(&run_command, path, true, *opts, 0, cfg);
}

static int run_check(const void *opts, int argc, char **argv)
{
	bool json = ((const struct config_opts *)opts)->json;
	const char *path = argc ? argv[0] : IOTRIM_DEFAULT_CONFIG;
	struct config cfg;
	void *values;
	struct json j;
	int err = read_file(path, &cfg, &values);

	if (err == -ENOMEM) {
		free(values);
		return fail(EXIT_FAILURE_RUNTIME, "out of memory");
	}
	if (json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "file", path);
		json_bool(&j, "ok", cfg.nerrors == 0);
		json_u64(&j, "keys", cfg.nentries + cfg.nsection_keys);
		json_array_begin(&j, "errors");
		for (size_t i = 0; i < cfg.nerrors; i++) {
			json_object_begin(&j, NULL);
			if (cfg.errors[i].line)
				json_u64(&j, "line", cfg.errors[i].line);
			else
				json_null(&j, "line");
			json_string(&j, "message", cfg.errors[i].msg);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	} else if (!cfg.nerrors) {
		printf("%s: ok (%zu keys)\n", path, cfg.nentries + cfg.nsection_keys);
	} else {
		config_print_errors(&cfg);
	}
	err = cfg.nerrors ? EXIT_USAGE : EXIT_OK;
	config_free(&cfg);
	free(values);
	return err;
}

/* The value in force, as text: the file's, else the default's; NULL: none. */
static const char *value_text(const struct param *p, const void *opts, const struct config *cfg,
			      char *buf, size_t len)
{
	const char *v = config_value(cfg, p);
	const void *field = (const char *)opts + p->offset;

	if (v)
		return p->kind == PARAM_KIND_FLAG ? (*(const bool *)field ? "yes" : "no") : v;
	switch (p->kind) {
	case PARAM_KIND_FLAG:
		return *(const bool *)field ? "yes" : "no";
	case PARAM_KIND_STRING:
		return *(const char *const *)field;
	case PARAM_KIND_U64: {
		const struct param_u64 *u = field;

		if (!u->set && !u->value)
			return NULL;
		snprintf(buf, len, "%llu", u->value);
		return buf;
	}
	case PARAM_KIND_ENUM:
		for (size_t i = 0; p->words[i].word; i++)
			if (p->words[i].value == *(const int *)field)
				return p->words[i].word;
		return NULL;
	default:
		return NULL;
	}
}

static int run_show(const void *opts, int argc, char **argv)
{
	bool json = ((const struct config_opts *)opts)->json;
	const char *path = argc ? argv[0] : IOTRIM_DEFAULT_CONFIG;
	char key[128], buf[32], where[64];
	struct config cfg;
	void *values;
	struct json j;
	int err = read_file(path, &cfg, &values);

	if (err) {
		if (err == -ENOMEM)
			fail(EXIT_FAILURE_RUNTIME, "out of memory");
		else
			config_print_errors(&cfg);
		config_free(&cfg);
		free(values);
		return err == -ENOMEM ? EXIT_FAILURE_RUNTIME : EXIT_USAGE;
	}
	if (json) {
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "file", path);
		json_array_begin(&j, "settings");
	}
	for (size_t i = 0; run_command.params[i].name; i++) {
		const struct param *p = &run_command.params[i];
		const struct config_entry *e = config_entry_of(&cfg, p);
		const char *v;

		if (!p->help || !strcmp(p->name, CONFIG_OPTION))
			continue;
		v = value_text(p, values, &cfg, buf, sizeof(buf));
		if (e)
			snprintf(key, sizeof(key), "%s", e->key);
		else
			config_key_of(p, key, sizeof(key));
		if (json) {
			json_object_begin(&j, NULL);
			json_string(&j, "option", p->name);
			json_string(&j, "key", key);
			json_string(&j, "value", v);
			json_string(&j, "source", e ? "file" : "default");
			if (e)
				json_u64(&j, "line", e->line);
			json_object_end(&j);
			continue;
		}
		if (e)
			snprintf(where, sizeof(where), "line %d", e->line);
		printf("%-34s %-24s %s\n", key, v ? v : "-", e ? where : "default");
	}
	if (json) {
		json_array_end(&j);
		json_object_end(&j);
		json_finish(&j);
	}
	config_free(&cfg);
	free(values);
	return EXIT_OK;
}

#define CONFIG_JSON(what)                                                                   \
	{ .name = "json", PARAM_FLAG(struct config_opts, json), .help = what }

static const struct command config_check_command = {
	.name = "check",
	.doc = "Reads FILE (default " IOTRIM_DEFAULT_CONFIG ") as `iotrim run` would and\n"
	       "reports every error with its line; exits 2 if there is any.  Touches nothing\n"
	       "else: no pins, no database.\n",
	.params = (const struct param[]){
		CONFIG_JSON("an object: file, ok, keys (how many), errors (an array of "
			    "objects: line, null for the file as a whole, and message)"),
		{ NULL },
	},
	.opts_size = sizeof(struct config_opts),
	.args = "[FILE]",
	.max_args = 1,
	.run = run_check,
};

static const struct command config_show_command = {
	.name = "show",
	.doc = "Each setting of `iotrim run` as FILE (default " IOTRIM_DEFAULT_CONFIG ")\n"
	       "makes it: its key, its value (- : the built-in default, see iotrim run\n"
	       "--help) and where it comes from.\n",
	.params = (const struct param[]){
		CONFIG_JSON("an object: file, settings (an array of objects: option, key, value "
			    "(null: the built-in default), source (file or default), line)"),
		{ NULL },
	},
	.opts_size = sizeof(struct config_opts),
	.args = "[FILE]",
	.max_args = 1,
	.run = run_show,
};

const struct command config_command = {
	.name = "config",
	.hint = "check|show",
	.summary = "check the config file, show the settings it makes",
	.doc = "The config file of `iotrim run` (README \"Config file\"): [iotrim] KEY is\n"
	       "run's --KEY, [SECTION] KEY is --SECTION-KEY.\n",
	.epilogue = "iotrim config COMMAND --help shows the options of each command.\n",
	.subcommands = (const struct command *const[]){
		&config_check_command, &config_show_command, NULL,
	},
};
