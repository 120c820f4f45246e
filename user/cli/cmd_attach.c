// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `iotrim attach` and `iotrim detach`: their options and what they report. */
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>

#include "datapath/attach.h"
#include "datapath/pin.h"
#include "cli/commands.h"

const struct param_word attach_mode_words[] = {
	{ "native", IOTRIM_MODE_NATIVE },
	{ "generic", IOTRIM_MODE_GENERIC },
	{ "tc", IOTRIM_MODE_TC },
	{ NULL },
};

struct attach_opts {
	const char *lan;
	struct attach_params attach;
	bool force;
};

static int run_attach(const void *opts, int argc, char **argv)
{
	const struct attach_opts *o = opts;
	struct attach_request req = { .ifname = o->lan, .force = o->force };

	(void)argc, (void)argv;
	attach_params_apply(&o->attach, &req);
	return attach_and_report(&req);
}

const struct command attach_command = {
	.name = "attach",
	.hint = "--lan IFACE",
	.summary = "load and attach the programs",
	.doc = "Loads the counting programs and hooks them to the LAN interface: XDP on\n"
	       "ingress (device -> world), TC on egress (world -> device).  Counting goes\n"
	       "on after iotrim exits; re-attaching keeps the pinned counts.\n",
	.params = (const struct param[]){
		{ .name = "lan", PARAM_STRING(struct attach_opts, lan), .arg = "IFACE", .required = true,
		  .help = "the gateway's LAN interface" },
		ATTACH_PARAMS(struct attach_opts, attach),
		{ .name = "force", PARAM_FLAG(struct attach_opts, force),
		  .help = "replace programs iotrim did not load, or a live attachment" },
		{ NULL },
	},
	.opts_size = sizeof(struct attach_opts),
	.run = run_attach,
};

void attach_params_apply(const struct attach_params *p, struct attach_request *req)
{
	req->mode = p->mode;
	req->max_flows = p->max_flows.value;
}

int attach_and_report(const struct attach_request *req)
{
	struct attach_info info;
	int err = lan_attach(req, &info);

	if (err)
		return datapath_exit(err);
	printf("attached to %s (%s mode, up to %u flows); maps pinned under %s\n",
	       info.ifname, attach_mode_name(info.mode), info.max_flows, pin_dir());
	reapply_block_rules();
	return EXIT_OK;
}

struct detach_opts {
	const char *lan;
	bool purge;
};

static int run_detach(const void *opts, int argc, char **argv)
{
	const struct detach_opts *o = opts;
	char detached[IF_NAMESIZE];
	int err;

	(void)argc, (void)argv;
	if ((err = lan_detach(o->lan, detached)))
		return datapath_exit(err);
	if (detached[0])
		printf("detached from %s\n", detached);
	else
		notice("iotrim is not attached: nothing to detach");
	if (o->purge) {
		if ((err = pin_purge()))
			return datapath_exit(err);
		printf("removed pinned maps under %s\n", pin_dir());
	}
	return EXIT_OK;
}

const struct command detach_command = {
	.name = "detach",
	.hint = "[--purge]",
	.summary = "remove them (and with --purge the pinned counts)",
	.doc = "Removes iotrim's programs from the LAN interface.  The counts stay pinned\n"
	       "(and are reused by the next attach) unless --purge removes them too.\n",
	.params = (const struct param[]){
		{ .name = "lan", PARAM_STRING(struct detach_opts, lan), .arg = "IFACE",
		  .help = "detach from IFACE even if no attachment is recorded" },
		{ .name = "purge", PARAM_FLAG(struct detach_opts, purge),
		  .help = "also remove the pinned maps (all counts are lost)" },
		{ NULL },
	},
	.opts_size = sizeof(struct detach_opts),
	.run = run_detach,
};
