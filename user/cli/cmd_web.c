// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim web token|passwd`: the dashboard's secrets (user/web/auth.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "common/json.h"
#include "history/db.h"
#include "web/auth.h"

struct web_params {
	const char *db;
	bool json;
};

static const char *web_db_path(const struct web_params *p)
{
	return p->db ? p->db : db_path();
}

static int run_web_token(const void *opts, int argc, char **argv)
{
	const struct web_params *p = opts;
	char token[WEB_SECRET_STRLEN];
	sqlite3 *db;
	int rc;

	(void)argc, (void)argv;
	if ((rc = cli_db_open(web_db_path(p), &db)))
		return rc;
	rc = web_token_create(db, token);
	db_close(db);
	if (rc)
		return EXIT_FAILURE_RUNTIME;
	if (p->json) {
		struct json j;

		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_string(&j, "token", token);
		json_object_end(&j);
		json_finish(&j);
	} else {
		printf("%s\n", token);
		if (isatty(1))
			fprintf(stderr, "iotrim: the token is shown this once; only its hash is kept\n");
	}
	explicit_bzero(token, sizeof(token));
	return EXIT_OK;
}

/* The password: one line of standard input (no echo on a terminal). */
static int read_password(char *out, size_t len)
{
	char *got;

	if (isatty(0)) {
		got = getpass("dashboard password: ");
		if (!got)
			return fail(EXIT_USAGE, "no password read");
		snprintf(out, len, "%s", got);
		explicit_bzero(got, strlen(got));
		return EXIT_OK;
	}
	if (!fgets(out, (int)len, stdin))
		return fail(EXIT_USAGE, "no password on standard input");
	out[strcspn(out, "\r\n")] = '\0';
	return EXIT_OK;
}

static int run_web_passwd(const void *opts, int argc, char **argv)
{
	const struct web_params *p = opts;
	char password[256];
	sqlite3 *db;
	int rc;

	(void)argc, (void)argv;
	if ((rc = read_password(password, sizeof(password))))
		return rc;
	if (strlen(password) < WEB_PASSWORD_MIN) {
		explicit_bzero(password, sizeof(password));
		return fail(EXIT_USAGE, "the password needs at least %d characters", WEB_PASSWORD_MIN);
	}
	if ((rc = cli_db_open(web_db_path(p), &db)) == EXIT_OK) {
		rc = web_password_set(db, password) ? EXIT_FAILURE_RUNTIME : EXIT_OK;
		db_close(db);
	}
	explicit_bzero(password, sizeof(password));
	if (rc == EXIT_OK && !p->json)
		printf("dashboard password set\n");
	return rc;
}

#define WEB_DB_PARAM                                                                        \
	{ .name = "db", PARAM_STRING(struct web_params, db), .arg = "FILE",                    \
	  .help = "SQLite database (default $IOTRIM_DB or " IOTRIM_DEFAULT_DB ")" }

static const struct command web_token_command = {
	.name = "token",
	.doc = "Creates an API token and prints it once; only its SHA-256 is stored.\n"
	       "Send it as Authorization: Bearer TOKEN, or sign in with it.\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct web_params, json), .help = "{\"token\": TOKEN}" },
		WEB_DB_PARAM,
		{ NULL },
	},
	.opts_size = sizeof(struct web_params),
	.max_args = 0,
	.run = run_web_token,
};

static const struct command web_passwd_command = {
	.name = "passwd",
	.doc = "Sets the dashboard's sign-in password, read from the terminal (or one line\n"
	       "of standard input); stored as PBKDF2-HMAC-SHA256 with a random salt.\n",
	.params = (const struct param[]){
		{ .name = "json", PARAM_FLAG(struct web_params, json),
		  .help = "print nothing on success (no output to structure)" },
		WEB_DB_PARAM,
		{ NULL },
	},
	.opts_size = sizeof(struct web_params),
	.max_args = 0,
	.run = run_web_passwd,
};

const struct command web_command = {
	.name = "web",
	.hint = "token|passwd",
	.summary = "the dashboard's API tokens and password",
	.doc = "The secrets of the dashboard (iotrim serve): `token` creates an API token,\n"
	       "`passwd` sets the sign-in password.  Both are stored hashed in the database;\n"
	       "neither is ever logged.\n",
	.epilogue = "iotrim web COMMAND --help shows the options of each command.\n",
	.subcommands = (const struct command *const[]){
		&web_token_command, &web_passwd_command, NULL,
	},
};
