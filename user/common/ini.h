/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * INI files read by libinih with our own line reader, so that every error
 * can name its line: the experiment file (experiment/file.c) and the config
 * file (cli/config.c) read through here.  Errors are "PATH:LINE: message".
 */
#ifndef IOTRIM_COMMON_INI_H
#define IOTRIM_COMMON_INI_H

#include <ini.h>
#include <stddef.h>

/* inih's line buffer: a longer line is an error of its own. */
#define INI_LINE_CHARS (INI_MAX_LINE - 3)
/* The largest file read (experiment and config files are small). */
#define INI_FILE_MAX (1 << 20)

struct ini_text {
	const char *p;		/* the rest of the text */
	int line;		/* the line inih is at (1-based) while a handler runs */
	int section_line;	/* of the last [section] header */
	int long_line;		/* first line longer than INI_LINE_CHARS, 0 */
	/* Lines handed to inih as blank, to find the syntax errors after the
	 * first one (inih returns only the first). */
	const int *blank;
	size_t nblank;
};

/*
 * Runs inih over text with handler (inih's: section, name, value; return 1
 * to go on).  Returns 0, the line of the first syntax error (a line longer
 * than INI_LINE_CHARS included, also left in t->long_line), or -1 when
 * out of memory.
 */
int ini_read_text(struct ini_text *t, const char *text, ini_handler handler, void *user);

/* The whole file in *text (free() it); 0, or -errno with "PATH: why" in why. */
int ini_load_file(const char *path, char **text, char *why, size_t whylen);

#endif
