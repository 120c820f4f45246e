// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The config file as a command's options: see config.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "common/ini.h"

/* Keys whose generic option name would read badly. */
static const struct {
	const char *section, *key, *option;
} aliases[] = {
	{ "iotrim", "database", "db" },
	{ "sampling", "first", "sample-first" },
	{ "sampling", "every", "sample-every" },
	{ "sampling", "bytes", "sample-bytes" },
};

/*
 * Sections named after a command hold that command's options, KEY as --KEY
 * ([report] home is `iotrim report --home`); every other section is run's.
 * The command reads its section alone; run (and so `config check`) checks
 * the keys of all of them.
 */
static const struct command *const section_commands[] = { &report_command };
#define NSECTION_COMMANDS (sizeof(section_commands) / sizeof(section_commands[0]))

static int section_command(const char *section)
{
	for (size_t i = 0; i < NSECTION_COMMANDS; i++)
		if (!strcmp(section, section_commands[i]->name))
			return (int)i;
	return -1;
}

struct reading {
	const struct command *cmd;
	struct config *cfg;
	struct ini_text text;
	void *opts;
	uint64_t skip;
	bool syntax_only;	/* the passes after the first: only syntax errors */
	uint64_t section_set[NSECTION_COMMANDS];	/* run: keys seen in command sections */
	int err;		/* -ENOMEM */
};

static void add_error(struct config *cfg, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void add_error(struct config *cfg, int line, const char *fmt, ...)
{
	struct config_error *more, *e;
	va_list ap;

	if (cfg->nerrors >= CONFIG_MAX_ERRORS)
		return;
	more = realloc(cfg->errors, (cfg->nerrors + 1) * sizeof(*more));
	if (!more)
		return;
	cfg->errors = more;
	e = &cfg->errors[cfg->nerrors++];
	e->line = line;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

static const struct param *param_of(const struct reading *r, const char *section,
				    const char *key, char *option, size_t len)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(aliases[i].section, section) && !strcmp(aliases[i].key, key))
			snprintf(option, len, "%s", aliases[i].option);
	if (!*option) {
		if (!strcmp(section, "iotrim"))
			snprintf(option, len, "%s", key);
		else
			snprintf(option, len, "%s-%s", section, key);
	}
	return params_find(r->cmd, option);
}

/* yes/no for a flag: "" when it sets the option, NULL when it leaves it. */
static bool flag_value(const char *v, bool *on)
{
	static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]) || !strcasecmp(v, no[i])) {
			*on = !strcasecmp(v, yes[i]);
			return true;
		}
	}
	return false;
}

/* Run reading another command's key: its value through the option's parser, then dropped. */
static int check_only(struct reading *r, const struct command *owner, const struct param *p,
		      uint64_t *seen, size_t idx, int line, const char *value)
{
	char msg[sizeof(r->cfg->errors->msg)];
	void *scratch = calloc(1, owner->opts_size);

	if (!scratch) {
		r->err = -ENOMEM;
		return 0;
	}
	*seen |= 1ULL << idx;
	r->cfg->nsection_keys++;
	fail_capture(msg, sizeof(msg));
	if (params_store(p, p->kind == PARAM_KIND_FLAG ? NULL : value, scratch) != EXIT_OK)
		add_error(r->cfg, line, "%s", msg);
	fail_capture(NULL, 0);
	free(scratch);
	return 1;
}

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct reading *r = user;
	struct config *cfg = r->cfg;
	int line = r->text.line;
	char option[256] = "", msg[sizeof(cfg->errors->msg)];
	const struct command *owner;
	const struct param *p;
	struct config_entry *more, *e;
	bool on = true;
	uint64_t *seen;
	size_t idx;
	int sc;

	if (r->syntax_only || r->err)
		return 1;
	if (!*section) {
		add_error(cfg, line, "'%s' before any [section] (keys of the run command go under [iotrim])",
			  key);
		return 1;
	}
	sc = section_command(section);
	owner = sc < 0 ? &run_command : section_commands[sc];
	if (owner != r->cmd && r->cmd != &run_command)
		return 1;	/* run's keys, or another command's */
	if (sc < 0) {
		p = param_of(r, section, key, option, sizeof(option));
	} else {
		snprintf(option, sizeof(option), "%s", key);
		p = params_find(owner, option);
	}
	if (!p || !p->help) {
		add_error(cfg, line, "unknown key '%s' in [%s] (no option --%s; see iotrim %s --help)",
			  key, section, option, owner->name);
		return 1;
	}
	if (!strcmp(p->name, CONFIG_OPTION)) {
		add_error(cfg, line, "'%s' cannot name another config file", key);
		return 1;
	}
	idx = p - owner->params;
	seen = owner == r->cmd ? &cfg->set : &r->section_set[sc];
	if (*seen & (1ULL << idx)) {
		add_error(cfg, line, "duplicate key '%s' in [%s] (--%s is set above; an indented line continues the one above)",
			  key, section, p->name);
		return 1;
	}
	if (!*value) {
		add_error(cfg, line, "%s is empty (leave the key out for the default)", key);
		return 1;
	}
	if (p->kind == PARAM_KIND_FLAG && !flag_value(value, &on)) {
		add_error(cfg, line, "%s is yes or no, not '%s'", key, value);
		return 1;
	}
	if (owner != r->cmd)
		return check_only(r, owner, p, seen, idx, line, value);
	more = realloc(cfg->entries, (cfg->nentries + 1) * sizeof(*more));
	if (more)
		cfg->entries = more;
	if (!more || !(value = strdup(value))) {
		r->err = -ENOMEM;
		return 0;
	}
	e = &cfg->entries[cfg->nentries++];
	*e = (struct config_entry){ .param = p, .value = (char *)value, .line = line };
	snprintf(e->key, sizeof(e->key), "[%s] %s", section, key);
	cfg->set |= 1ULL << idx;
	if ((r->skip & (1ULL << idx)) || !on)
		return 1;	/* the command line wins; "no" leaves a flag unset */
	fail_capture(msg, sizeof(msg));
	if (params_store(p, p->kind == PARAM_KIND_FLAG ? NULL : e->value, r->opts) != EXIT_OK)
		add_error(cfg, line, "%s", msg);
	fail_capture(NULL, 0);
	return 1;
}

static int by_line(const void *a, const void *b)
{
	const struct config_error *x = a, *y = b;

	return (x->line > y->line) - (x->line < y->line);
}

/* inih stops at nothing but reports only its first syntax error: read
 * again with each one blanked to find the next. */
static void read_text(struct reading *r, const char *text)
{
	struct config *cfg = r->cfg;
	int blank[CONFIG_MAX_ERRORS];
	size_t nblank = 0;
	int rc;

	for (;;) {
		r->text.blank = blank;
		r->text.nblank = nblank;
		rc = ini_read_text(&r->text, text, on_entry, r);
		if (rc < 0 || r->err) {
			r->err = -ENOMEM;
			return;
		}
		if (rc == 0 || nblank == CONFIG_MAX_ERRORS)
			break;
		if (rc == r->text.long_line)
			add_error(cfg, rc, "line too long (at most %d characters)", INI_LINE_CHARS);
		else
			add_error(cfg, rc, "syntax error (expected [section], key = value or a comment)");
		blank[nblank++] = rc;
		r->syntax_only = true;
	}
	qsort(cfg->errors, cfg->nerrors, sizeof(*cfg->errors), by_line);
}

int config_read(const struct command *cmd, const char *path, bool must_exist, void *opts,
		uint64_t skip, struct config *cfg)
{
	struct reading r = { .cmd = cmd, .cfg = cfg, .opts = opts, .skip = skip };
	char err[sizeof(cfg->errors->msg) + 64];
	char *text;
	int e;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", path);
	if ((e = ini_load_file(path, &text, err, sizeof(err)))) {
		if (e == -ENOENT && !must_exist) {
			cfg->missing = true;
			return 0;
		}
		/* err is "PATH: why"; the error is the file's (line 0). */
		add_error(cfg, 0, "%s", err + strlen(path) + 2);
		return e;
	}
	read_text(&r, text);
	free(text);
	if (r.err) {
		add_error(cfg, 0, "out of memory");
		return r.err;
	}
	return cfg->nerrors ? -EINVAL : 0;
}

void config_free(struct config *cfg)
{
	for (size_t i = 0; i < cfg->nentries; i++)
		free(cfg->entries[i].value);
	free(cfg->entries);
	free(cfg->errors);
	memset(cfg, 0, sizeof(*cfg));
}

void config_print_errors(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->nerrors; i++) {
		if (cfg->errors[i].line)
			fail(EXIT_USAGE, "%s:%d: %s", cfg->path, cfg->errors[i].line, cfg->errors[i].msg);
		else
			fail(EXIT_USAGE, "%s: %s", cfg->path, cfg->errors[i].msg);
	}
}

const struct config_entry *config_entry_of(const struct config *cfg, const struct param *p)
{
	for (size_t i = 0; i < cfg->nentries; i++)
		if (cfg->entries[i].param == p)
			return &cfg->entries[i];
	return NULL;
}

const char *config_value(const struct config *cfg, const struct param *p)
{
	const struct config_entry *e = config_entry_of(cfg, p);

	return e ? e->value : NULL;
}

void config_key_of(const struct param *p, char *out, size_t len)
{
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		if (!strcmp(aliases[i].option, p->name)) {
			snprintf(out, len, "[%s] %s", aliases[i].section, aliases[i].key);
			return;
		}
	}
	snprintf(out, len, "[iotrim] %s", p->name);
}

int config_load(const struct command *cmd, const char *path, void *opts, struct config *cfg)
{
	return config_read(cmd, path ? path : IOTRIM_DEFAULT_CONFIG, path != NULL, opts,
			   params_given(), cfg);
}
