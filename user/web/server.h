/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The dashboard's HTTP server (libmicrohttpd, one internal thread that
 * answers every request in turn): `iotrim serve` runs it alone, `iotrim
 * run --web-listen` inside the controller.  Each request opens the
 * database itself, so the server shares nothing with its host process.
 */
#ifndef IOTRIM_WEB_SERVER_H
#define IOTRIM_WEB_SERVER_H

#define WEB_DEFAULT_LISTEN "127.0.0.1:8089"

struct web_options {
	const char *listen;	/* ADDR:PORT; NULL: WEB_DEFAULT_LISTEN */
	const char *db;		/* NULL: db_path() */
	/*
	 * Accept uploaded experiment files (POST /api/experiments).  Their
	 * trigger, check and power_cycle lines are shell commands that run with
	 * iotrim's rights (root): an upload is code execution, so off by default.
	 */
	bool allow_experiment_commands;
};

struct web_server;

/*
 * Listens and serves in the background.  0, or -errno after saying why:
 * -EINVAL a bad address, -EPERM a non-loopback address while no token or
 * password is set (`iotrim web token`, `iotrim web passwd`), -EIO the
 * database or the socket.
 */
int web_server_start(const struct web_options *o, struct web_server **out);
void web_server_stop(struct web_server *s);

#endif
