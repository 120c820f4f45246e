// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The --strings file: see plain_strings.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/plain_strings.h"
#include "audit/plaintext.h"

static int bad(struct plain_strings *out, unsigned line, const char *why)
{
	plain_strings_free(out);
	out->bad_line = line;
	out->why = why;
	return -EINVAL;
}

static int append(struct plain_strings *out, const char *s, size_t n)
{
	size_t have = out->joined ? strlen(out->joined) : 0;
	char *j = realloc(out->joined, have + n + 2);

	if (!j)
		return -ENOMEM;
	if (have)
		j[have++] = '\n';
	memcpy(j + have, s, n);
	j[have + n] = 0;
	out->joined = j;
	out->count++;
	return 0;
}

int plain_strings_load(const char *path, struct plain_strings *out)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned no = 0;
	ssize_t got;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (!f)
		return -errno;
	while (!err && (got = getline(&line, &cap, f)) >= 0) {
		char *s = line, *e = line + got;

		no++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e || *s == '#')
			continue;
		if (memchr(s, 0, e - s))
			err = bad(out, no, "holds a NUL byte");
		else if (e - s < PLAIN_LITERAL_MIN)
			err = bad(out, no, "is shorter than 3 bytes (it would match everywhere)");
		else if (e - s > PLAIN_LITERAL_MAX)
			err = bad(out, no, "is longer than 256 bytes");
		else if (out->count == PLAIN_STRINGS_MAX)
			err = bad(out, no, "is one string too many (at most 256)");
		else
			err = append(out, s, e - s);
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	if (err && err != -EINVAL)
		plain_strings_free(out);
	return err;
}

void plain_strings_free(struct plain_strings *s)
{
	free(s->joined);
	s->joined = NULL;
	s->count = 0;
}
