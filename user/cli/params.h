/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The command line as a table: every command (and subcommand) lists its
 * options, where each one is stored in the command's option struct, and its
 * positional arguments.  Parsing, the bad-value messages, --help,
 * `iotrim help COMMAND [SUBCOMMAND]` and dispatch all come from the table,
 * so every command behaves the same way:
 *
 *   - options may come before or after the positional arguments, `--` ends
 *     them; long options take `--name VALUE` or `--name=VALUE` and may be
 *     shortened to a unique prefix; `-h` and `--help` print the help;
 *   - an unknown option, a missing value or a bad value exits with
 *     EXIT_USAGE and one "iotrim: ..." line.
 */
#ifndef IOTRIM_CLI_PARAMS_H
#define IOTRIM_CLI_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum param_kind {
	PARAM_KIND_FLAG,	/* bool, set to true */
	PARAM_KIND_STRING,	/* const char *, the argument itself */
	PARAM_KIND_U64,		/* struct param_u64, a number from min to max */
	PARAM_KIND_MAC,		/* struct param_mac */
	PARAM_KIND_ENUM,	/* int, the value of one of the words */
	PARAM_KIND_CUSTOM,	/* anything: parse() stores it */
};

struct param_u64 {
	unsigned long long value;
	bool set;
};

struct param_mac {
	uint8_t addr[6];
	bool set;
};

struct param_word {
	const char *word;
	int value;
};

struct param {
	const char *name;		/* long name without "--"; NULL ends a table */
	char short_name;		/* 0: none */
	enum param_kind kind;
	size_t offset;			/* of the field in the command's option struct */
	const char *arg;		/* the value's name in the help ("IFACE"); enums: the words */
	const char *help;		/* wrapped to the terminal width in --help */
	bool required;			/* "COMMAND needs --NAME ARG" when absent */
	unsigned long long min, max;	/* PARAM_KIND_U64 */
	const char *unit;		/* PARAM_KIND_U64: "must be a number of UNIT from ..." */
	const struct param_word *words;	/* PARAM_KIND_ENUM; ends with { NULL } */
	/* The bad-value message is "--NAME EXPECT, not 'VALUE'"; this replaces
	 * the EXPECT the kind would say ("must be a number from 1 to 9"). */
	const char *expect;
	/* PARAM_KIND_CUSTOM: stores arg in field, or returns the exit code after
	 * saying why (param_bad_value() for the usual message). */
	int (*parse)(const struct param *p, const char *arg, void *field);
};

/* The field of each kind, type-checked at compile time. */
#define PARAM_FIELD(type, field, ctype)                                                     \
	.offset = offsetof(type, field) +                                                   \
		  0 * sizeof(char[__builtin_types_compatible_p(                             \
					  __typeof__(((type *)0)->field), ctype) ? 1 : -1])
#define PARAM_FLAG(type, field) .kind = PARAM_KIND_FLAG, PARAM_FIELD(type, field, bool)
#define PARAM_STRING(type, field)                                                           \
	.kind = PARAM_KIND_STRING, PARAM_FIELD(type, field, const char *)
#define PARAM_U64(type, field, lo, hi)                                                      \
	.kind = PARAM_KIND_U64, PARAM_FIELD(type, field, struct param_u64), .min = (lo),     \
	.max = (hi)
#define PARAM_MAC(type, field) .kind = PARAM_KIND_MAC, PARAM_FIELD(type, field, struct param_mac)
#define PARAM_ENUM(type, field, list)                                                       \
	.kind = PARAM_KIND_ENUM, PARAM_FIELD(type, field, int), .words = (list)
#define PARAM_CUSTOM(type, field, fn)                                                       \
	.kind = PARAM_KIND_CUSTOM, .offset = offsetof(type, field), .parse = (fn)

struct command {
	const char *name;		/* NULL ends a table */
	const char *hint;		/* arguments shown in the list of commands */
	const char *summary;		/* one line in the list of commands */
	/* Usage line(s) after "usage: iotrim NAME "; NULL: built from the
	 * options and args.  More lines start with "       iotrim ". */
	const char *synopsis;
	const char *doc;		/* paragraphs between the usage and the options */
	const char *epilogue;		/* paragraphs after the options */

	const struct param *params;	/* ends with { NULL } */
	size_t opts_size;		/* the option struct, filled from defaults */
	const void *defaults;		/* NULL: all zero */

	const char *args;		/* positional arguments in the usage ("IP...") */
	int min_args, max_args;		/* max_args -1: no limit */
	const char *args_missing;	/* fewer than min_args; NULL: the usage */
	const char *args_extra;		/* more than max_args; NULL: "unexpected argument" */

	/* opts: the filled option struct; argv: the positional arguments only. */
	int (*run)(const void *opts, int argc, char **argv);
	/* Or a command made of subcommands: "iotrim NAME SUB ...". */
	const struct command *const *subcommands;	/* ends with NULL */
};

/* Runs cmd with argv[0] its name; path names it in messages ("block add"). */
int params_run(const struct command *cmd, const char *path, int argc, char **argv);

/* Prints cmd's help; path as for params_run(). */
void params_help(const struct command *cmd, const char *path, FILE *out);

/* `iotrim help [COMMAND [SUBCOMMAND]]` below the top-level table, argv the
 * names (none to two); top is printed when no command is named. */
int params_help_command(const struct command *const *commands, void (*top)(FILE *out),
			int argc, char **argv);

/* Prints "  NAME HINT   SUMMARY" for each command, for a usage text. */
void params_list_commands(const struct command *const *commands, FILE *out);

/* The option of cmd named exactly name (no prefix), or NULL. */
const struct param *params_find(const struct command *cmd, const char *name);
/* Parses arg (NULL for a flag) into p's field of opts; EXIT_OK or the exit code after fail(). */
int params_store(const struct param *p, const char *arg, void *opts);

/* While a command's run() runs: bit i is set when params[i] was on its
 * command line (a config file fills the others, cli/config.h). */
uint64_t params_given(void);
/* While a command's run() runs: its options again, from the defaults and
 * the same command line (a reload); opts has the command's opts_size.
 * 0 or -ENOMEM. */
int params_reparse(void *opts);

/* The usual "--NAME EXPECT, not 'VALUE'" message; returns EXIT_USAGE. */
int param_bad_value(const struct param *p, const char *arg);

#endif
