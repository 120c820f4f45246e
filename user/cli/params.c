// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Parsing, help and dispatch from the command table (cli/params.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/params.h"
#include "common/fmt.h"

#define HELP_WIDTH 79		/* longest line of a help text */
#define OPTION_COLUMN_MAX 24	/* option help starts at most here */
#define PATH_MAX_LEN 64		/* "experiment discover" and the like */

/* -h and --help, in every command; told apart from the table's by address. */
static const struct param help_param = { .name = "help", .short_name = 'h' };

static size_t count_params(const struct param *params)
{
	size_t n = 0;

	while (params && params[n].name)
		n++;
	return n;
}

/* "a, b or c" (sep ", ", last " or ") or "a|b|c" (both "|"). */
static void join_words(const struct param_word *words, const char *sep, const char *last,
		       char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; words[i].word && used < len; i++) {
		const char *s = i == 0 ? "" : words[i + 1].word ? sep : last;

		used += snprintf(out + used, len - used, "%s%s", s, words[i].word);
	}
}

static void join_commands(const struct command *const *subs, const char *sep, const char *last,
			  char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; subs[i] && used < len; i++) {
		const char *s = i == 0 ? "" : subs[i + 1] ? sep : last;

		used += snprintf(out + used, len - used, "%s%s", s, subs[i]->name);
	}
}

static const char *value_name(const struct param *p)
{
	if (p->arg)
		return p->arg;
	switch (p->kind) {
	case PARAM_KIND_U64: return "N";
	case PARAM_KIND_MAC: return "MAC";
	case PARAM_KIND_ENUM: return "WORD";
	default: return "VALUE";
	}
}

int param_bad_value(const struct param *p, const char *arg)
{
	char words[256];

	if (p->expect)
		return fail(EXIT_USAGE, "--%s %s, not '%s'", p->name, p->expect, arg);
	switch (p->kind) {
	case PARAM_KIND_U64:
		if (p->unit)
			return fail(EXIT_USAGE, "--%s must be a number of %s from %llu to %llu, not '%s'",
				    p->name, p->unit, p->min, p->max, arg);
		return fail(EXIT_USAGE, "--%s must be a number from %llu to %llu, not '%s'", p->name,
			    p->min, p->max, arg);
	case PARAM_KIND_MAC:
		return fail(EXIT_USAGE, "--%s takes a MAC like 02:00:00:00:00:21, not '%s'", p->name,
			    arg);
	case PARAM_KIND_ENUM:
		join_words(p->words, ", ", " or ", words, sizeof(words));
		return fail(EXIT_USAGE, "--%s must be %s, not '%s'", p->name, words, arg);
	default:
		return fail(EXIT_USAGE, "--%s does not take '%s'", p->name, arg);
	}
}

static int store(const struct param *p, const char *arg, void *opts)
{
	void *field = (char *)opts + p->offset;

	switch (p->kind) {
	case PARAM_KIND_FLAG:
		*(bool *)field = true;
		return EXIT_OK;
	case PARAM_KIND_STRING:
		*(const char **)field = arg;
		return EXIT_OK;
	case PARAM_KIND_U64: {
		struct param_u64 *v = field;

		if (!parse_u64(arg, p->min, p->max, &v->value))
			return param_bad_value(p, arg);
		v->set = true;
		return EXIT_OK;
	}
	case PARAM_KIND_MAC: {
		struct param_mac *m = field;

		if (!parse_mac(arg, m->addr))
			return param_bad_value(p, arg);
		m->set = true;
		return EXIT_OK;
	}
	case PARAM_KIND_ENUM:
		for (size_t i = 0; p->words[i].word; i++) {
			if (!strcmp(arg, p->words[i].word)) {
				*(int *)field = p->words[i].value;
				return EXIT_OK;
			}
		}
		return param_bad_value(p, arg);
	case PARAM_KIND_CUSTOM:
		return p->parse(p, arg, field);
	}
	return EXIT_USAGE;
}

int params_store(const struct param *p, const char *arg, void *opts)
{
	return store(p, arg, opts);
}

const struct param *params_find(const struct command *cmd, const char *name)
{
	for (size_t i = 0; cmd->params && cmd->params[i].name; i++)
		if (!strcmp(cmd->params[i].name, name))
			return &cmd->params[i];
	return NULL;
}

/* The option --name (len characters of it): exact, else a unique prefix. */
static const struct param *find_long(const struct command *cmd, const char *path,
				     const char *name, size_t len, int *err)
{
	size_t n = count_params(cmd->params);
	const struct param *found = NULL;
	unsigned int matches = 0;

	for (size_t i = 0; i <= n; i++) {
		const struct param *p = i < n ? &cmd->params[i] : &help_param;

		if (strncmp(p->name, name, len))
			continue;
		if (strlen(p->name) == len)
			return p;
		found = p;
		matches++;
	}
	if (matches == 1)
		return found;
	*err = fail(EXIT_USAGE, "%s option '--%.*s' (see iotrim %s --help)",
		    matches ? "ambiguous" : "unknown", (int)len, name, path);
	return NULL;
}

static const struct param *find_short(const struct command *cmd, const char *path, char c,
				      int *err)
{
	for (size_t i = 0; cmd->params && cmd->params[i].name; i++)
		if (cmd->params[i].short_name == c)
			return &cmd->params[i];
	if (c == help_param.short_name)
		return &help_param;
	*err = fail(EXIT_USAGE, "unknown option '-%c' (see iotrim %s --help)", c, path);
	return NULL;
}

/* Fills opts from argv, moving the positional arguments to args.  Returns
 * EXIT_OK, -1 when it printed the help, or the exit code of an error. */
static int parse(const struct command *cmd, const char *path, int argc, char **argv, void *opts,
		 char **args, int *nargs, uint64_t *given)
{
	bool only_args = false;
	int err = EXIT_OK;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *value = NULL;
		const struct param *p;

		if (only_args || a[0] != '-' || !a[1]) {
			args[(*nargs)++] = argv[i];
			continue;
		}
		if (!strcmp(a, "--")) {
			only_args = true;
			continue;
		}
		if (a[1] == '-') {
			const char *eq = strchr(a + 2, '=');

			p = find_long(cmd, path, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2), &err);
			if (!p)
				return err;
			if (p != &help_param && p->kind != PARAM_KIND_FLAG)
				value = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
			else if (eq)
				return fail(EXIT_USAGE, "option '--%s' takes no value (see iotrim %s --help)",
					    p->name, path);
		} else {
			/* -abc is -a -b -c; -xVALUE and -x VALUE give x a value. */
			for (int j = 1; a[j]; j++) {
				p = find_short(cmd, path, a[j], &err);
				if (!p)
					return err;
				if (p == &help_param)
					break;
				if (p->kind != PARAM_KIND_FLAG) {
					value = a[j + 1] ? &a[j + 1] : i + 1 < argc ? argv[++i] : NULL;
					break;
				}
				if (!a[j + 1])
					break;
				store(p, NULL, opts);
				*given |= 1ULL << (p - cmd->params);
			}
		}
		if (p == &help_param) {
			params_help(cmd, path, stdout);
			return -1;
		}
		if (p->kind != PARAM_KIND_FLAG && !value)
			return fail(EXIT_USAGE, "option '--%s' needs a value (see iotrim %s --help)",
				    p->name, path);
		if ((err = store(p, value, opts)))
			return err;
		*given |= 1ULL << (p - cmd->params);
	}
	return EXIT_OK;
}

/* The leaf command running now, for params_given() and params_reparse(). */
static struct {
	const struct command *cmd;
	const char *path;
	int argc;
	char **argv;
	uint64_t given;
} running;

uint64_t params_given(void)
{
	return running.given;
}

int params_reparse(void *opts)
{
	const struct command *cmd = running.cmd;
	char **args = calloc(running.argc, sizeof(*args));
	uint64_t given = 0;
	int nargs = 0;

	if (!cmd || !args) {
		free(args);
		return -ENOMEM;
	}
	if (cmd->defaults)
		memcpy(opts, cmd->defaults, cmd->opts_size);
	else
		memset(opts, 0, cmd->opts_size);
	/* The command line was good at the start: it cannot fail now. */
	parse(cmd, running.path, running.argc, running.argv, opts, args, &nargs, &given);
	free(args);
	return 0;
}

static int run_leaf(const struct command *cmd, const char *path, int argc, char **argv)
{
	size_t n = count_params(cmd->params);
	char **args = calloc(argc, sizeof(*args));
	void *opts = calloc(1, cmd->opts_size ? cmd->opts_size : 1);
	uint64_t given = 0;	/* bit i: params[i] was on the command line */
	int nargs = 0, rc;

	if (n > 64) {	/* a bug in the table: `given` has 64 bits */
		rc = fail(EXIT_FAILURE_RUNTIME, "%s has more than 64 options", path);
		goto out;
	}
	if (!args || !opts) {
		rc = fail(EXIT_FAILURE_RUNTIME, "out of memory");
		goto out;
	}
	if (cmd->defaults)
		memcpy(opts, cmd->defaults, cmd->opts_size);
	rc = parse(cmd, path, argc, argv, opts, args, &nargs, &given);
	if (rc) {
		rc = rc < 0 ? EXIT_OK : rc;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct param *p = &cmd->params[i];

		if (p->required && !(given & (1ULL << i))) {
			rc = fail(EXIT_USAGE, "%s needs --%s %s (see iotrim %s --help)", path, p->name,
				  value_name(p), path);
			goto out;
		}
	}
	if (nargs < cmd->min_args) {
		if (cmd->args_missing) {
			rc = fail(EXIT_USAGE, "%s", cmd->args_missing);
		} else {
			params_help(cmd, path, stderr);
			rc = EXIT_USAGE;
		}
		goto out;
	}
	if (cmd->max_args >= 0 && nargs > cmd->max_args) {
		if (cmd->args_extra)
			rc = fail(EXIT_USAGE, "%s", cmd->args_extra);
		else
			rc = fail(EXIT_USAGE, "unexpected argument '%s' (see iotrim %s --help)",
				  args[cmd->max_args], path);
		goto out;
	}
	running.cmd = cmd;
	running.path = path;
	running.argc = argc;
	running.argv = argv;
	running.given = given;
	rc = cmd->run(opts, nargs, args);
	running.cmd = NULL;
out:
	free(opts);
	free(args);
	return rc;
}

static const struct command *find_command(const struct command *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i]->name, name))
			return list[i];
	return NULL;
}

static int unknown_subcommand(const struct command *cmd, const char *path, const char *name)
{
	char names[256];

	params_help(cmd, path, stderr);
	join_commands(cmd->subcommands, ", ", ", ", names, sizeof(names));
	return fail(EXIT_USAGE, "unknown %s command '%s' (%s)", path, name, names);
}

int params_run(const struct command *cmd, const char *path, int argc, char **argv)
{
	const struct command *sub;
	char names[256], subpath[PATH_MAX_LEN];

	if (!cmd->subcommands)
		return run_leaf(cmd, path, argc, argv);
	if (argc < 2) {
		params_help(cmd, path, stderr);
		join_commands(cmd->subcommands, ", ", " or ", names, sizeof(names));
		return fail(EXIT_USAGE, "%s needs %s", path, names);
	}
	if (!strcmp(argv[1], "help") && argc > 2) {
		if (!(sub = find_command(cmd->subcommands, argv[2])))
			return unknown_subcommand(cmd, path, argv[2]);
		snprintf(subpath, sizeof(subpath), "%s %s", path, sub->name);
		params_help(sub, subpath, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		params_help(cmd, path, stdout);
		return EXIT_OK;
	}
	if (!(sub = find_command(cmd->subcommands, argv[1])))
		return unknown_subcommand(cmd, path, argv[1]);
	snprintf(subpath, sizeof(subpath), "%s %s", path, sub->name);
	return params_run(sub, subpath, argc - 1, argv + 1);
}

/* ---- help ------------------------------------------------------------- */

/* Prints text from column col (the cursor is at column at), wrapping words
 * at HELP_WIDTH onto lines that start at col; '\n' in text breaks a line. */
static void print_wrapped(FILE *out, const char *text, int col, int at)
{
	while (*text) {
		size_t len = strcspn(text, " \n");

		if (at > col && at + 1 + (int)len > HELP_WIDTH) {
			fprintf(out, "\n%*s", col, "");
			at = col;
		} else if (at > col) {
			fputc(' ', out);
			at++;
		}
		fwrite(text, 1, len, out);
		at += len;
		text += len;
		if (*text == '\n') {
			fprintf(out, "\n%*s", text[1] ? col : 0, "");
			at = col;
		}
		if (*text)
			text++;
	}
	if (at > col)
		fputc('\n', out);
}

/* "--name VALUE" as the usage shows it: enums list their words. */
static void synopsis_word(const struct param *p, char *out, size_t len)
{
	char words[256];

	if (p->kind == PARAM_KIND_FLAG) {
		snprintf(out, len, p->required ? "--%s" : "[--%s]", p->name);
		return;
	}
	if (p->kind == PARAM_KIND_ENUM)
		join_words(p->words, "|", "|", words, sizeof(words));
	else
		snprintf(words, sizeof(words), "%s", value_name(p));
	snprintf(out, len, p->required ? "--%s %s" : "[--%s %s]", p->name, words);
}

/* Puts word on the usage line, or on a new one starting at indent. */
static int put_word(FILE *out, const char *word, int at, int indent)
{
	int len = (int)strlen(word);

	if (at > indent && at + 1 + len > HELP_WIDTH) {
		fprintf(out, "\n%*s", indent, "");
		at = indent;
	} else {
		fputc(' ', out);
		at++;
	}
	fputs(word, out);
	return at + len;
}

/* One usage line: "iotrim PATH" then the options and arguments, wrapped
 * under the first of them; col is where "iotrim" starts. */
static void print_synopsis(const struct command *cmd, const char *path, FILE *out, int col)
{
	int at = col + fprintf(out, "iotrim %s", path), indent = at + 1;
	char word[512];

	if (cmd->synopsis) {
		fprintf(out, " %s\n", cmd->synopsis);
		return;
	}
	for (size_t i = 0; cmd->params && cmd->params[i].name; i++) {
		if (!cmd->params[i].help)
			continue;
		synopsis_word(&cmd->params[i], word, sizeof(word));
		at = put_word(out, word, at, indent);
	}
	if (cmd->args)
		put_word(out, cmd->args, at, indent);
	fputc('\n', out);
}

static void print_options(const struct command *cmd, FILE *out)
{
	char label[128];
	int col = 0;

	for (size_t i = 0; cmd->params && cmd->params[i].name; i++) {
		const struct param *p = &cmd->params[i];
		int w;

		if (!p->help)
			continue;
		w = 2 + (p->short_name ? 4 : 0) + 2 + (int)strlen(p->name) +
		    (p->kind == PARAM_KIND_FLAG ? 0 : 1 + (int)strlen(value_name(p))) + 2;
		if (w > col)
			col = w;
	}
	if (col > OPTION_COLUMN_MAX)
		col = OPTION_COLUMN_MAX;
	if (!col)
		return;
	fputc('\n', out);
	for (size_t i = 0; cmd->params && cmd->params[i].name; i++) {
		const struct param *p = &cmd->params[i];
		int at;

		if (!p->help)
			continue;
		if (p->short_name)
			snprintf(label, sizeof(label), "-%c, --%s", p->short_name, p->name);
		else
			snprintf(label, sizeof(label), "--%s", p->name);
		if (p->kind != PARAM_KIND_FLAG)
			snprintf(label + strlen(label), sizeof(label) - strlen(label), " %s",
				 value_name(p));
		at = fprintf(out, "  %s", label);
		if (at + 1 > col) {
			fputc('\n', out);
			at = 0;
		}
		fprintf(out, "%*s", col - at, "");
		print_wrapped(out, p->help, col, col);
	}
}

void params_help(const struct command *cmd, const char *path, FILE *out)
{
	char subpath[PATH_MAX_LEN];

	fputs("usage: ", out);
	if (cmd->subcommands && !cmd->synopsis) {
		for (size_t i = 0; cmd->subcommands[i]; i++) {
			if (i)
				fputs("       ", out);
			snprintf(subpath, sizeof(subpath), "%s %s", path, cmd->subcommands[i]->name);
			print_synopsis(cmd->subcommands[i], subpath, out, 7);
		}
	} else {
		print_synopsis(cmd, path, out, 7);
	}
	if (cmd->doc)
		fprintf(out, "\n%s", cmd->doc);
	print_options(cmd, out);
	if (cmd->epilogue)
		fprintf(out, "\n%s", cmd->epilogue);
}

void params_list_commands(const struct command *const *commands, FILE *out)
{
	char label[128];
	int col = 0;

	for (size_t i = 0; commands[i]; i++) {
		int w = 2 + snprintf(label, sizeof(label), "%s%s%s", commands[i]->name,
				     commands[i]->hint ? " " : "",
				     commands[i]->hint ? commands[i]->hint : "") + 2;

		if (w > col)
			col = w;
	}
	if (col > OPTION_COLUMN_MAX)
		col = OPTION_COLUMN_MAX;
	for (size_t i = 0; commands[i]; i++) {
		int at = fprintf(out, "  %s%s%s", commands[i]->name, commands[i]->hint ? " " : "",
				 commands[i]->hint ? commands[i]->hint : "");

		if (at + 1 > col) {
			fputc('\n', out);
			at = 0;
		}
		fprintf(out, "%*s", col - at, "");
		print_wrapped(out, commands[i]->summary, col, col);
	}
}

int params_help_command(const struct command *const *commands, void (*top)(FILE *out),
			int argc, char **argv)
{
	const struct command *cmd, *sub;
	char subpath[PATH_MAX_LEN];

	if (argc == 0) {
		top(stdout);
		return EXIT_OK;
	}
	if (!(cmd = find_command(commands, argv[0]))) {
		top(stderr);
		return fail(EXIT_USAGE, "unknown command '%s'", argv[0]);
	}
	if (argc > 2 || (argc == 2 && !cmd->subcommands))
		return fail(EXIT_USAGE, "unexpected argument '%s' (see iotrim help)", argv[argc - 1]);
	if (argc == 1) {
		params_help(cmd, cmd->name, stdout);
		return EXIT_OK;
	}
	if (!(sub = find_command(cmd->subcommands, argv[1])))
		return unknown_subcommand(cmd, cmd->name, argv[1]);
	snprintf(subpath, sizeof(subpath), "%s %s", cmd->name, sub->name);
	params_help(sub, subpath, stdout);
	return EXIT_OK;
}
