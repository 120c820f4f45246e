// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The experiment file: defaults, every key, and errors that name the line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment/experiment.h"
#include "harness.h"

static char err[1024];

static int parse(const char *text, struct exp_config *c)
{
	err[0] = '\0';
	return exp_config_parse_text(text, "t.ini", "/tmp", c, err, sizeof(err));
}

static const char full[] =
	"[device]\n"
	"mac = 02:00:00:00:00:21          ; the device under test\n"
	"name = bulb\n"
	"\n"
	"[run]\n"
	"repetitions = 7                  ; per trial\n"
	"strategy = single\n"
	"action = reject\n"
	"power_cycle = ./plug.sh cycle\n"
	"boot_wait = 12\n"
	"settle = 2\n"
	"timeout = 9\n"
	"max_failures = 4\n"
	"exclude = ntp.example:123, 203.0.113.5\n"
	"\n"
	"[function switch]\n"
	"trigger = ./bulb.sh on\n"
	"check = ./bulb.sh is-on\n"
	"# a comment\n"
	"[function dim]\n"
	"check = ./bulb.sh is-dim\n";

TEST(parses_every_key)
{
	struct exp_config c;

	ASSERT(parse(full, &c) == 0, "parse: %s", err);
	EXPECT(c.mac[5] == 0x21 && c.have_mac, "mac");
	EXPECT(!strcmp(c.device_name, "bulb"), "name '%s'", c.device_name);
	EXPECT(c.repetitions == 7, "repetitions %u", c.repetitions);
	EXPECT(c.strategy == EXP_SINGLE, "strategy");
	EXPECT(c.action == EXP_REJECT, "action");
	EXPECT(c.power_cycle && !strcmp(c.power_cycle, "./plug.sh cycle"), "power_cycle '%s'",
	       c.power_cycle);
	EXPECT(c.boot_wait == 12 && c.settle == 2 && c.timeout == 9 && c.max_failures == 4,
	       "numbers %u %u %u %u", c.boot_wait, c.settle, c.timeout, c.max_failures);
	EXPECT(c.nexclude == 2 && !strcmp(c.exclude[0], "ntp.example:123") &&
		       !strcmp(c.exclude[1], "203.0.113.5"), "exclude %u", c.nexclude);
	EXPECT(c.nfuncs == 2, "functions %u", c.nfuncs);
	EXPECT(!strcmp(c.funcs[0].name, "switch") && !strcmp(c.funcs[0].trigger, "./bulb.sh on") &&
		       !strcmp(c.funcs[0].check, "./bulb.sh is-on"), "switch");
	EXPECT(!strcmp(c.funcs[1].name, "dim") && !c.funcs[1].trigger, "dim has no trigger");
	EXPECT(c.funcs[1].line == 20, "dim line %d", c.funcs[1].line);
	exp_config_free(&c);
}

TEST(audit_tls_step)
{
	struct exp_config c;

	ASSERT(parse("[device]\nmac=02:00:00:00:00:22\n[function f]\ncheck=true\n"
		     "[audit-tls]\nduration = 20\ndestination = API.Vendor.example:8443\n", &c) == 0,
	       "parse: %s", err);
	EXPECT(c.audit_tls && c.audit_duration == 20, "on, 20 s");
	EXPECT(!strcmp(c.audit_destination, "api.vendor.example") && c.audit_port == 8443,
	       "destination '%s' port %u", c.audit_destination, c.audit_port);
	exp_config_free(&c);
	ASSERT(parse("[device]\nmac=02:00:00:00:00:22\n[function f]\ncheck=true\n"
		     "[audit-tls]\nduration = 5\n", &c) == 0, "parse: %s", err);
	EXPECT(c.audit_tls && !c.audit_destination[0], "every destination");
	exp_config_free(&c);
}

TEST(defaults)
{
	struct exp_config c;

	ASSERT(parse("[device]\nmac=02:00:00:00:00:22\n[function f]\ncheck=true\n", &c) == 0,
	       "parse: %s", err);
	EXPECT(c.repetitions == 5 && c.strategy == EXP_GROUP && c.action == EXP_DROP &&
		       !c.power_cycle && c.boot_wait == 10 && c.settle == 1 && c.timeout == 30 &&
		       c.max_failures == 3 && c.nexclude == 0 && !c.audit_tls,
	       "defaults");
	exp_config_free(&c);
}

struct bad {
	const char *text, *want;
};

TEST(errors_name_the_line)
{
	static const struct bad cases[] = {
		{ "[device]\nmac=02:00:00:00:00:21\n[run]\nrepetitons = 5\n[function f]\ncheck=x\n",
		  "t.ini:4: unknown key 'repetitons' in [run]" },
		{ "[device]\nmac=02:00:00:00:00:21\n[fnction f]\ncheck=x\n",
		  "t.ini:4: unknown section [fnction f]" },
		{ "[device]\nmac=02:00:00:00:00:2\n[function f]\ncheck=x\n", "t.ini:2: mac must look like" },
		{ "[device]\nmac=02:00:00:00:00:21\n[run]\nstrategy = random\n[function f]\ncheck=x\n",
		  "t.ini:4: strategy must be single or group" },
		{ "[device]\nmac=02:00:00:00:00:21\n[run]\nrepetitions = 0\n[function f]\ncheck=x\n",
		  "t.ini:4: repetitions must be" },
		{ "[device]\nmac=02:00:00:00:00:21\n[run]\ntimeout = 5s\n[function f]\ncheck=x\n",
		  "t.ini:4: timeout must be" },
		{ "[device]\nmac=02:00:00:00:00:21\n[run]\naction = listen\n[function f]\ncheck=x\n",
		  "t.ini:4: action must be drop or reject" },
		{ "[device]\nmac=02:00:00:00:00:21\n\njust words\n[function f]\ncheck=x\n",
		  "t.ini:4: syntax error" },
		{ "[device]\nmac=02:00:00:00:00:21\n[function f]\ncheck=x\ncheck=y\n",
		  "t.ini:5: duplicate key 'check'" },
		{ "[device]\nmac=02:00:00:00:00:21\n[function f]\ntrigger=x\n",
		  "t.ini:3: [function f] has no check" },
		{ "[device]\nmac=02:00:00:00:00:21\n[run]\nrepetitions=3\n",
		  "no [function NAME] section" },
		{ "[device]\nname=x\n[function f]\ncheck=x\n", "[device] mac is missing" },
		{ "[device]\nmac=02:00:00:00:00:21\n[function f]\ncolor=x\n",
		  "t.ini:4: unknown key 'color' in [function f]" },
		{ "[device]\nmac=02:00:00:00:00:21\n[function f]\ncheck=\n",
		  "t.ini:4: check of [function f] is empty" },
		{ "[device]\nmac=02:00:00:00:00:21\n[run]\nexclude = a b\n[function f]\ncheck=x\n",
		  "t.ini:4: exclude entry 'a b' has a space" },
		{ "[device]\nmac=02:00:00:00:00:21\n[function f]\ncheck=x\n[audit-tls]\nduration = 0\n",
		  "t.ini:6: duration must be 1 to 86400 seconds" },
		{ "[device]\nmac=02:00:00:00:00:21\n[function f]\ncheck=x\n[audit-tls]\n"
		  "duration = 5\ndestination = api.example\n",
		  "t.ini:7: destination must be NAME:PORT" },
		{ "[device]\nmac=02:00:00:00:00:21\n[function f]\ncheck=x\n[audit-tls]\n"
		  "destination = api.example:443\n",
		  "[audit-tls] has no duration" },
		{ "[device]\nmac=02:00:00:00:00:21\n[function f]\ncheck=x\n[audit-tls]\nports = 443\n",
		  "t.ini:6: unknown key 'ports' in [audit-tls]" },
		{ "[device]\nmac=02:00:00:00:00:21\n[function f]\ncheck=x\n[audit-tls]\n"
		  "duration = 5\nduration = 6\n",
		  "t.ini:7: duplicate key 'duration' in [audit-tls]" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct exp_config c;
		int rc = parse(cases[i].text, &c);

		EXPECT(rc == -1, "case %zu parsed", i);
		EXPECT(strstr(err, cases[i].want), "case %zu: got '%s', want '%s'", i, err, cases[i].want);
	}
}

TEST(long_line_is_an_error_on_its_line)
{
	char text[1024];
	struct exp_config c;

	snprintf(text, sizeof(text), "[device]\nmac=02:00:00:00:00:21\n[function f]\ncheck=%0300d\n", 7);
	EXPECT(parse(text, &c) == -1, "parsed");
	EXPECT(strstr(err, "t.ini:4: line too long"), "got '%s'", err);
}

TEST(load_reads_the_directory)
{
	char dir[] = "/tmp/iotrim-expfile-XXXXXX", path[256], *text = NULL;
	struct exp_config c;
	FILE *f;

	ASSERT(mkdtemp(dir), "mkdtemp");
	snprintf(path, sizeof(path), "%s/bulb.ini", dir);
	f = fopen(path, "w");
	ASSERT(f, "create");
	fputs(full, f);
	fclose(f);
	ASSERT(exp_config_load(path, &c, &text, err, sizeof(err)) == 0, "load: %s", err);
	EXPECT(!strcmp(c.dir, dir), "dir '%s' want '%s'", c.dir, dir);
	EXPECT(text && !strcmp(text, full), "text kept");
	exp_config_free(&c);
	free(text);
	EXPECT(exp_config_load("/nonexistent/x.ini", &c, NULL, err, sizeof(err)) == -1 &&
		       strstr(err, "No such file"), "missing file: %s", err);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	RUN(parses_every_key);
	RUN(defaults);
	RUN(audit_tls_step);
	RUN(errors_name_the_line);
	RUN(long_line_is_an_error_on_its_line);
	RUN(load_reads_the_directory);
	return harness_done();
}
