// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The experiment file (README "Experiments"): INI read through common/ini.h,
 * so every error names its line, including lines inih would split.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment/experiment.h"
#include "common/fmt.h"
#include "common/ini.h"

const char *exp_strategy_name(enum exp_strategy s)
{
	return s == EXP_SINGLE ? "single" : "group";
}

const char *exp_action_name(enum exp_action a)
{
	return a == EXP_REJECT ? "reject" : "drop";
}

enum { SEEN_MAC = 1, SEEN_NAME = 2 };

struct parse {
	struct exp_config *c;
	struct ini_text rd;
	char err[512];
	int err_line;
	/* keys seen per section, to reject duplicates: bit per key */
	unsigned device_seen, run_seen;
	uint32_t func_seen[EXP_MAX_FUNCS];	/* 1 trigger, 2 check */
};

static int perr(struct parse *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parse *p, const char *fmt, ...)
{
	va_list ap;

	if (p->err_line)
		return 0;	/* keep the first */
	p->err_line = p->rd.line;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return 0;
}

static bool parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*v))
		return false;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return false;
	*out = (unsigned)n;
	return true;
}

static int run_key(struct parse *p, const char *key, const char *v)
{
	static const char *const keys[] = { "repetitions", "strategy", "action", "power_cycle",
					     "boot_wait", "settle", "timeout", "max_failures",
					     "exclude" };
	struct exp_config *c = p->c;
	unsigned k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (!strcmp(key, keys[k]))
			break;
	if (k == sizeof(keys) / sizeof(keys[0]))
		return perr(p, "unknown key '%s' in [run] (repetitions, strategy, action, power_cycle, "
			    "boot_wait, settle, timeout, max_failures, exclude)", key);
	if (p->run_seen & (1u << k))
		return perr(p, "duplicate key '%s' in [run] (an indented line continues the one above)",
			    key);
	p->run_seen |= 1u << k;
	switch (k) {
	case 0:
		if (!parse_uint(v, 1, 1000, &c->repetitions))
			return perr(p, "repetitions must be a number from 1 to 1000, not '%s'", v);
		break;
	case 1:
		if (!strcmp(v, "single"))
			c->strategy = EXP_SINGLE;
		else if (!strcmp(v, "group"))
			c->strategy = EXP_GROUP;
		else
			return perr(p, "strategy must be single or group, not '%s'", v);
		break;
	case 2:
		if (!strcmp(v, "drop"))
			c->action = EXP_DROP;
		else if (!strcmp(v, "reject"))
			c->action = EXP_REJECT;
		else
			return perr(p, "action must be drop or reject, not '%s'", v);
		break;
	case 3:
		if (!*v)
			return perr(p, "power_cycle is empty (leave the key out for none)");
		c->power_cycle = strdup(v);
		break;
	case 4:
		if (!parse_uint(v, 0, 3600, &c->boot_wait))
			return perr(p, "boot_wait must be 0 to 3600 seconds, not '%s'", v);
		break;
	case 5:
		if (!parse_uint(v, 0, 600, &c->settle))
			return perr(p, "settle must be 0 to 600 seconds, not '%s'", v);
		break;
	case 6:
		if (!parse_uint(v, 1, 3600, &c->timeout))
			return perr(p, "timeout must be 1 to 3600 seconds, not '%s'", v);
		break;
	case 7:
		if (!parse_uint(v, 1, 1000, &c->max_failures))
			return perr(p, "max_failures must be a number from 1 to 1000, not '%s'", v);
		break;
	case 8: {
		char buf[1024], *save = NULL;

		snprintf(buf, sizeof(buf), "%s", v);
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			while (isspace((unsigned char)*t))
				t++;
			for (char *e = t + strlen(t); e > t && isspace((unsigned char)e[-1]);)
				*--e = '\0';
			if (!*t)
				return perr(p, "exclude has an empty entry");
			if (strchr(t, ' '))
				return perr(p, "exclude entry '%s' has a space (separate entries with commas)", t);
			if (c->nexclude == EXP_MAX_EXCLUDES)
				return perr(p, "at most %d exclude entries", EXP_MAX_EXCLUDES);
			c->exclude[c->nexclude++] = strdup(t);
		}
		break;
	}
	}
	return 1;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
	struct parse *p = user;
	struct exp_config *c = p->c;

	if (p->err_line)
		return 1;	/* report the first error only */
	if (!strcmp(section, "device")) {
		if (!strcmp(key, "mac")) {
			if (p->device_seen & SEEN_MAC)
				return perr(p, "duplicate key 'mac' in [device]");
			p->device_seen |= SEEN_MAC;
			if (!parse_mac(value, c->mac))
				return perr(p, "mac must look like 02:00:00:00:00:21, not '%s'", value);
			c->have_mac = true;
			return 1;
		}
		if (!strcmp(key, "name")) {
			if (p->device_seen & SEEN_NAME)
				return perr(p, "duplicate key 'name' in [device]");
			p->device_seen |= SEEN_NAME;
			if (strlen(value) >= sizeof(c->device_name))
				return perr(p, "name is longer than %zu characters", sizeof(c->device_name) - 1);
			snprintf(c->device_name, sizeof(c->device_name), "%s", value);
			return 1;
		}
		return perr(p, "unknown key '%s' in [device] (mac, name)", key);
	}
	if (!strcmp(section, "run"))
		return run_key(p, key, value);
	if (!strncmp(section, "function ", 9)) {
		const char *fname = section + 9;
		unsigned i;

		while (*fname == ' ')
			fname++;
		if (!*fname)
			return perr(p, "a [function NAME] section needs a name");
		if (strlen(fname) >= EXP_FUNC_NAME_MAX)
			return perr(p, "function name '%s' is longer than %d characters", fname,
				    EXP_FUNC_NAME_MAX - 1);
		for (const char *q = fname; *q; q++)
			if (!isalnum((unsigned char)*q) && !strchr("-_. ", *q))
				return perr(p, "function name '%s': use letters, digits, '-', '_', '.' and spaces",
					    fname);
		for (i = 0; i < c->nfuncs; i++)
			if (!strcmp(c->funcs[i].name, fname))
				break;
		if (i == c->nfuncs) {
			if (c->nfuncs == EXP_MAX_FUNCS)
				return perr(p, "at most %d functionalities", EXP_MAX_FUNCS);
			snprintf(c->funcs[i].name, EXP_FUNC_NAME_MAX, "%s", fname);
			c->funcs[i].line = p->rd.section_line;
			c->nfuncs++;
		}
		if (!strcmp(key, "trigger") || !strcmp(key, "check")) {
			unsigned bit = key[0] == 't' ? 1 : 2;

			if (p->func_seen[i] & bit)
				return perr(p, "duplicate key '%s' in [function %s] (an indented line continues the one above)",
					    key, fname);
			p->func_seen[i] |= bit;
			if (!*value)
				return perr(p, "%s of [function %s] is empty", key, fname);
			if (bit == 1)
				c->funcs[i].trigger = strdup(value);
			else
				c->funcs[i].check = strdup(value);
			return 1;
		}
		return perr(p, "unknown key '%s' in [function %s] (trigger, check)", key, fname);
	}
	return perr(p, "unknown section [%s] (device, run, function NAME)", section);
}

static void set_defaults(struct exp_config *c)
{
	c->repetitions = 5;
	c->strategy = EXP_GROUP;
	c->action = EXP_DROP;
	c->boot_wait = 10;
	c->settle = 1;
	c->timeout = 30;
	c->max_failures = 3;
}

int exp_config_parse_text(const char *text, const char *path, const char *dir,
			  struct exp_config *c, char *err, size_t errlen)
{
	struct parse p = { .c = c };
	int rc;

	memset(c, 0, sizeof(*c));
	set_defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->dir, sizeof(c->dir), "%s", dir);
	rc = ini_read_text(&p.rd, text, handler, &p);
	if (p.rd.long_line && (!p.err_line || p.rd.long_line <= p.err_line)) {
		snprintf(err, errlen, "%s:%d: line too long (at most %d characters)", path,
			 p.rd.long_line, INI_LINE_CHARS);
		goto bad;
	}
	if (p.err_line && (rc <= 0 || p.err_line <= rc)) {
		snprintf(err, errlen, "%s:%d: %s", path, p.err_line, p.err);
		goto bad;
	}
	if (rc > 0) {
		snprintf(err, errlen, "%s:%d: syntax error (expected [section], key = value or a comment)",
			 path, rc);
		goto bad;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s: cannot parse (out of memory)", path);
		goto bad;
	}
	if (!c->have_mac) {
		snprintf(err, errlen, "%s:%d: [device] mac is missing", path, p.rd.line);
		goto bad;
	}
	if (!c->nfuncs) {
		snprintf(err, errlen, "%s:%d: no [function NAME] section: nothing to validate", path,
			 p.rd.line);
		goto bad;
	}
	for (unsigned i = 0; i < c->nfuncs; i++) {
		if (!c->funcs[i].check) {
			snprintf(err, errlen, "%s:%d: [function %s] has no check", path, c->funcs[i].line,
				 c->funcs[i].name);
			goto bad;
		}
	}
	return 0;
bad:
	exp_config_free(c);
	return -1;
}

int exp_config_load(const char *path, struct exp_config *c, char **text_out, char *err,
		    size_t errlen)
{
	char dir[PATH_MAX], *text = NULL, *slash;
	int rc;

	if (text_out)
		*text_out = NULL;
	if (ini_load_file(path, &text, err, errlen))
		return -1;
	if (!realpath(path, dir)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(text);
		return -1;
	}
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	rc = exp_config_parse_text(text, path, dir, c, err, errlen);
	if (rc == 0 && text_out)
		*text_out = text;
	else
		free(text);
	return rc;
}

void exp_config_free(struct exp_config *c)
{
	free(c->power_cycle);
	c->power_cycle = NULL;
	for (unsigned i = 0; i < c->nexclude; i++)
		free(c->exclude[i]);
	c->nexclude = 0;
	for (unsigned i = 0; i < c->nfuncs; i++) {
		free(c->funcs[i].trigger);
		free(c->funcs[i].check);
		c->funcs[i].trigger = c->funcs[i].check = NULL;
	}
	c->nfuncs = 0;
}
