// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Output hygiene (issue 12, item 8): what a LAN device names (DNS, SNI) or a
 * geo database says reaches CSV, Markdown, HTML and terminals neutralised;
 * files are created without following links; the experiment's kernel
 * backend keeps a name a name; a device config with a syntax error holds
 * nothing afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "attrib/party.h"
#include "common/csv.h"
#include "common/escape.h"
#include "common/safefile.h"
#include "enforce/block.h"
#include "experiment/backend.h"
#include "history/db.h"
#include "harness.h"

static char dir[] = "/tmp/iotrim-hygiene-test-XXXXXX";

/* What fn wrote to a stream, as a malloc'd string. */
#define CAPTURE(buf, expr)                                  \
	do {                                                \
		size_t len_;                                \
		FILE *f = open_memstream(&(buf), &len_);    \
		expr;                                       \
		fclose(f);                                  \
	} while (0)

TEST(csv_formula_fields_are_text)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "=hyperlink(\"http://x.example\")", "\"'=hyperlink(\"\"http://x.example\"\")\"," },
		{ "+1.example", "\"'+1.example\"," },
		{ "-x.example", "\"'-x.example\"," },
		{ "@sum(a1)", "\"'@sum(a1)\"," },
		{ "\tcmd", "\"'\tcmd\"," },
		{ "\rcmd", "\"'\rcmd\"," },
		{ "api.vendor.example", "api.vendor.example," },
		{ "a=b", "a=b," },
		{ "", "," },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *buf = NULL;

		CAPTURE(buf, csv_field(f, cases[i].in, false));
		EXPECT(!strcmp(buf, cases[i].out), "case %zu: got [%s] want [%s]", i, buf,
		       cases[i].out);
		free(buf);
	}
}

TEST(markdown_cells_cannot_break_the_table)
{
	char *buf = NULL;

	CAPTURE(buf, md_escape(f, "a|b\nc\r|d[x](javascript:e)&lt;\x1b[2J"));
	EXPECT(!strcmp(buf, "a\\|b c \\|d\\[x\\]\\(javascript\\:e\\)\\&lt; \\[2J"), "got %s", buf);
	EXPECT(!strchr(buf, '\n') && !strchr(buf, '\x1b'), "no line break or ESC");
	free(buf);
}

TEST(html_text_is_inert)
{
	char *buf = NULL;

	CAPTURE(buf, html_escape(f, "<script>x='1'&\"</script>\x1b\x01"));
	EXPECT(!strcmp(buf, "&lt;script&gt;x=&#39;1&#39;&amp;&quot;&lt;/script&gt;"), "got %s", buf);
	free(buf);
}

TEST(terminal_text_has_no_control_characters)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "evil\x1b]0;owned\x07.example", "evil\\x1b]0;owned\\x07.example" },
		{ "a\rb\nc\x7f", "a\\x0db\\x0ac\\x7f" },
		{ "csi\xc2\x9b" "2J", "csi\\xc2\\x9b2J" },	/* U+009B, the one-byte CSI */
		{ "bad\xff\xc0\xaf", "bad\\xff\\xc0\\xaf" },	/* not UTF-8, overlong '/' */
		{ "M\xc3\xbcnchen \xe6\x9d\xb1\xe4\xba\xac", "M\xc3\xbcnchen \xe6\x9d\xb1\xe4\xba\xac" },
		{ "ok\\032name", "ok\\032name" },
	};
	char out[TERM_NAME_MAX], small[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		term_safe(cases[i].in, out, sizeof(out));
		EXPECT(!strcmp(out, cases[i].out), "case %zu: got [%s] want [%s]", i, out,
		       cases[i].out);
	}
	term_safe("\x1b\x1b\x1b", small, sizeof(small));
	EXPECT(!strcmp(small, "\\x1b"), "cut at a whole escape: got [%s]", small);
}

TEST(files_are_not_created_through_links)
{
	char victim[256], link[256], path[256], buf[64] = "";
	struct safe_out out;
	struct stat st;
	int fd;
	FILE *f;

	snprintf(victim, sizeof(victim), "%s/victim", dir);
	snprintf(link, sizeof(link), "%s/report.html", dir);
	f = fopen(victim, "w");
	ASSERT(f, "victim");
	fputs("precious", f);
	fclose(f);
	ASSERT(symlink(victim, link) == 0, "symlink");

	ASSERT(safe_create(&out, link) == 0, "create beside the link");
	fputs("report", out.f);
	EXPECT(safe_commit(&out) == 0, "commit");
	f = fopen(victim, "r");
	ASSERT(f, "victim still there");
	EXPECT(fgets(buf, sizeof(buf), f) && !strcmp(buf, "precious"), "victim unchanged: %s", buf);
	fclose(f);
	EXPECT(lstat(link, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0600,
	       "the link itself replaced by a private regular file (mode %o)", st.st_mode & 0777);

	snprintf(path, sizeof(path), "%s/iotrim.db.run.lock", dir);
	ASSERT(symlink(victim, path) == 0, "lock symlink");
	fd = safe_open_lock(path);
	EXPECT(fd == -ELOOP, "lock through a link refused: %d", fd);
	unlink(path);
	ASSERT(mkfifo(path, 0600) == 0, "fifo");
	fd = safe_open_lock(path);
	EXPECT(fd == -EINVAL, "lock on a FIFO refused: %d", fd);
	unlink(path);
	fd = safe_open_lock(path);
	EXPECT(fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600, "fresh lock 0600");
	if (fd >= 0)
		close(fd);
}

static bool rule_kinds(sqlite3 *db, int *names, int *others)
{
	struct block_list l;
	struct block_hits *hits;

	*names = *others = 0;
	if (block_read(db, &l, &hits))
		return false;
	for (size_t i = 0; i < l.len; i++)
		(l.items[i].kind == BLOCK_NAME ? (*names)++ : (*others)++);
	block_list_free(&l);
	free(hits);
	return true;
}

TEST(kernel_backend_keeps_names_names)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 0x21 };
	struct exp_backend *be;
	struct exp_rule prefixy = { .kind = EXP_RULE_NAME, .name = "0.0.0.0/0" };
	struct exp_rule dotted = { .kind = EXP_RULE_NAME, .name = "10.0.0.1" };
	char path[256], id[EXP_RULE_ID_MAX];
	int names, others;
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/exp.db", dir);
	ASSERT(db_open(path, &db) == 0, "db");
	ASSERT(exp_backend_open("kernel", db, &be) == 0, "backend");
	EXPECT(be->add(be, mac, &prefixy, EXP_DROP, 10, "test", id) == -EINVAL,
	       "a name with a '/' is refused, not a /0 prefix");
	EXPECT(be->add(be, mac, &dotted, EXP_DROP, 10, "test", id) == 0, "a dotted-digit name");
	ASSERT(rule_kinds(db, &names, &others), "read rules");
	EXPECT(names == 1 && others == 0, "%d name rules, %d address or prefix rules", names, others);
	exp_backend_close(be);
	db_close(db);
}

TEST(device_config_syntax_error_holds_nothing)
{
	char path[256];
	struct device_config c;
	FILE *f;

	snprintf(path, sizeof(path), "%s/devices.conf", dir);
	f = fopen(path, "w");
	ASSERT(f, "config");
	fputs("[02:00:00:00:00:21]\nname = bulb\n[02:00:00:00:00:22]\nname = plug\nthis is not ini\n", f);
	fclose(f);
	EXPECT(device_config_load(path, &c) == -EINVAL, "syntax error");
	EXPECT(!c.items && !c.cache, "entries before the bad line freed");
}

int main(void)
{
	char path[300];

	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/nopins", dir);
	setenv("IOTRIM_PIN_DIR", path, 1);	/* nothing pinned: rules go to the database */
	RUN(csv_formula_fields_are_text);
	RUN(markdown_cells_cannot_break_the_table);
	RUN(html_text_is_inert);
	RUN(terminal_text_has_no_control_characters);
	RUN(files_are_not_created_through_links);
	RUN(kernel_backend_keeps_names_names);
	RUN(device_config_syntax_error_holds_nothing);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return harness_done();
}
