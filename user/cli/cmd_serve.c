// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim serve`: the dashboard (user/web/) on its own, until SIGINT/SIGTERM. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "cli/commands.h"
#include "history/db.h"
#include "web/server.h"

int web_exit_code(int err)
{
	switch (err) {
	case 0: return EXIT_OK;
	case -EINVAL: return EXIT_USAGE;
	case -EPERM: return EXIT_PERMISSION;
	default: return EXIT_FAILURE_RUNTIME;
	}
}

struct serve_params {
	const char *listen, *db;
	bool allow_experiment_commands;
};

static int run_serve(const void *opts, int argc, char **argv)
{
	const struct serve_params *p = opts;
	struct web_options o = { .listen = p->listen, .db = p->db,
				 .allow_experiment_commands = p->allow_experiment_commands };
	struct web_server *s;
	sigset_t stop;
	int err, sig;

	(void)argc, (void)argv;
	/* Blocked before the server's thread starts (it inherits the mask), so that
	 * SIGINT and SIGTERM reach sigwait() here whichever thread they hit. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	if ((err = web_server_start(&o, &s)))
		return web_exit_code(err);
	printf("serving the dashboard on http://%s/; stop with Ctrl-C\n",
	       p->listen ? p->listen : WEB_DEFAULT_LISTEN);
	fflush(stdout);
	sigwait(&stop, &sig);
	web_server_stop(s);
	return EXIT_OK;
}

const struct command serve_command = {
	.name = "serve",
	.summary = "the local web dashboard",
	.doc = "Serves the dashboard (devices, one device's destinations, block rules,\n"
	       "experiments; live numbers) and its JSON API under /api/ (README, Dashboard).\n"
	       "Pages and GET requests are open on a loopback address; every action needs\n"
	       "a token (`iotrim web token`, sent as Authorization: Bearer TOKEN) or a\n"
	       "browser session signed in with a token or the password (`iotrim web\n"
	       "passwd`) and its CSRF token.  A non-loopback address is refused until a\n"
	       "token or password is set.  `iotrim run --web-listen` serves it from the\n"
	       "controller instead.  Experiment files uploaded to start a run hold shell\n"
	       "commands that run as root: they are refused unless\n"
	       "--allow-experiment-commands is given.\n",
	.params = (const struct param[]){
		{ .name = "listen", PARAM_STRING(struct serve_params, listen), .arg = "ADDR:PORT",
		  .help = "where to listen (default " WEB_DEFAULT_LISTEN "; [::1]:8089 for IPv6)" },
		{ .name = "db", PARAM_STRING(struct serve_params, db), .arg = "FILE",
		  .help = "SQLite database (default $IOTRIM_DB or " IOTRIM_DEFAULT_DB ")" },
		{ .name = "allow-experiment-commands",
		  PARAM_FLAG(struct serve_params, allow_experiment_commands),
		  .help = "accept uploaded experiment files, whose commands run as root" },
		{ NULL },
	},
	.opts_size = sizeof(struct serve_params),
	.max_args = 0,
	.run = run_serve,
};
