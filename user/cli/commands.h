/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The commands of the table (cli/params.h) and the options they share. */
#ifndef IOTRIM_CLI_COMMANDS_H
#define IOTRIM_CLI_COMMANDS_H

#include "cli/cli.h"
#include "cli/params.h"

/* The commands, in cli/cmd_NAME.c. */
extern const struct command attach_command, detach_command, flows_command, devices_command,
	status_command, geo_command, set_command, run_command, block_command, experiment_command,
	destinations_command, export_command, replay_command, phase_command,
	device_command, report_command;
extern const struct command config_command;
/* `iotrim audit` and its subcommands (cmd_audit.c, cmd_audit_*.c). */
extern const struct command audit_command, audit_plaintext_command, audit_tls_command;
extern const struct command serve_command, web_command;

/* The exit code of a web_server_start() error (cmd_serve.c; run shares it). */
int web_exit_code(int err);

/* --mode and --max-flows, shared by attach and run. */
struct attach_request;
struct attach_params {
	int mode;			/* enum iotrim_attach_mode */
	struct param_u64 max_flows;
};
extern const struct param_word attach_mode_words[];
#define ATTACH_PARAMS(type, member)                                                         \
	{ .name = "mode", PARAM_ENUM(type, member.mode, attach_mode_words), .arg = "MODE",     \
	  .help = "tc (default: TC on both directions, which keeps the kernel's GRO/TSO "     \
		  "aggregates whole), native (XDP in the driver), generic (XDP in the stack)" }, \
	{ .name = "max-flows", PARAM_U64(type, member.max_flows, 1024, 1 << 24),             \
	  .help = "flow table size (default 65536; fixed while pinned)" }
void attach_params_apply(const struct attach_params *p, struct attach_request *req);

/* --geoip, --asn (repeatable) and --geo-overrides, for every command that
 * looks addresses up. */
int param_asn_file(const struct param *p, const char *arg, void *field);
#define GEO_PARAMS(type, member)                                                            \
	{ .name = "geoip", PARAM_STRING(type, member.country_db), .arg = "FILE",               \
	  .help = "country database (.mmdb; default " IOTRIM_DEFAULT_GEOIP ")" },               \
	{ .name = "asn", PARAM_CUSTOM(type, member, param_asn_file), .arg = "FILE",           \
	  .help = "ASN CSV (start,end,asn,org) or ASN .mmdb; repeatable (default "            \
		  IOTRIM_DATA_DIR "/asn-ipv4.csv and asn-ipv6.csv)" },                       \
	{ .name = "geo-overrides", PARAM_STRING(type, member.overrides), .arg = "FILE",       \
	  .help = "PREFIX COUNTRY ASN ORG lines (default " IOTRIM_DEFAULT_GEO_OVERRIDES ")" }

/* A phase timestamp file (history/phase.h) read, then stored as import:FILE;
 * exit codes.  Shared by `phase import` and `replay --phases`. */
struct phase_marks;
int phase_marks_read(const char *file, struct phase_marks *marks);
int phase_marks_store(struct sqlite3 *db, const char *file, const struct phase_marks *marks);

#endif
