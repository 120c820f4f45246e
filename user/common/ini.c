// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* INI text through libinih, lines counted by us: see ini.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/ini.h"

static bool blanked(const struct ini_text *t, int line)
{
	for (size_t i = 0; i < t->nblank; i++)
		if (t->blank[i] == line)
			return true;
	return false;
}

/* Hands inih one line; an overlong one becomes a line inih rejects. */
static char *read_line(char *str, int num, void *stream)
{
	struct ini_text *t = stream;
	const char *nl, *q;
	size_t len;

	if (!*t->p)
		return NULL;
	nl = strchr(t->p, '\n');
	len = nl ? (size_t)(nl - t->p + 1) : strlen(t->p);
	t->line++;
	if (blanked(t, t->line)) {
		snprintf(str, num, "\n");
	} else if (len + 1 > (size_t)num) {
		if (!t->long_line)
			t->long_line = t->line;
		snprintf(str, num, "\x01\n");	/* no '=': an error at this line */
	} else {
		memcpy(str, t->p, len);
		str[len] = '\0';
		for (q = str; *q == ' ' || *q == '\t'; q++)
			;
		if (*q == '[')
			t->section_line = t->line;
	}
	t->p += len;
	return str;
}

int ini_read_text(struct ini_text *t, const char *text, ini_handler handler, void *user)
{
	t->p = text;
	t->line = t->section_line = t->long_line = 0;
	return ini_parse_stream(read_line, t, handler, user);
}

int ini_load_file(const char *path, char **text_out, char *why, size_t whylen)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 0;
	char *text = NULL;
	int err = -EFBIG;

	*text_out = NULL;
	if (!f) {
		err = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(-err));
		return err;
	}
	for (;;) {
		size_t n;

		if (len + 4096 + 1 > cap) {
			char *more;

			cap = cap ? cap * 2 : 8192;
			if (cap > INI_FILE_MAX || !(more = realloc(text, cap))) {
				snprintf(why, whylen, "%s: too big", path);
				goto bad;
			}
			text = more;
		}
		n = fread(text + len, 1, 4096, f);
		len += n;
		if (n < 4096)
			break;
	}
	if (ferror(f)) {
		err = -EIO;
		snprintf(why, whylen, "%s: %s", path, strerror(EIO));
		goto bad;
	}
	fclose(f);
	text[len] = '\0';
	if (strlen(text) != len) {
		snprintf(why, whylen, "%s: contains a NUL byte", path);
		free(text);
		return -EINVAL;
	}
	*text_out = text;
	return 0;
bad:
	free(text);
	fclose(f);
	return err;
}
