// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The command runner: /bin/sh -c in a directory, exit codes, output capture
 * and its bound, the timeout killing the whole process group, Ctrl-C.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiment/exec.h"
#include "harness.h"

TEST(exit_code_output_and_directory)
{
	struct exp_cmd_result r;
	char *env[] = { "IOTRIM_FUNCTION=switch", NULL };

	ASSERT(exp_run_command("pwd; echo err >&2; echo $IOTRIM_FUNCTION; exit 3", "/tmp", 5, NULL,
			       env, &r) == 0, "run");
	EXPECT(r.exit_code == 3 && !r.timed_out, "exit %d", r.exit_code);
	EXPECT(!strcmp(r.output, "/tmp\nerr\nswitch\n"), "output '%s'", r.output);
	exp_cmd_result_free(&r);
	ASSERT(exp_run_command("cat", "/", 5, NULL, NULL, &r) == 0, "run");
	EXPECT(r.exit_code == 0 && r.len == 0, "stdin is /dev/null");
	exp_cmd_result_free(&r);
	ASSERT(exp_run_command("kill -9 $$", "/", 5, NULL, NULL, &r) == 0, "run");
	EXPECT(r.exit_code == 128 + 9, "killed: %d", r.exit_code);
	exp_cmd_result_free(&r);
	ASSERT(exp_run_command("true", "/nonexistent-dir", 5, NULL, NULL, &r) == 0, "run");
	EXPECT(r.exit_code == 126 && strstr(r.output, "cannot enter"), "bad dir: %d '%s'",
	       r.exit_code, r.output);
	exp_cmd_result_free(&r);
}

TEST(output_is_bounded)
{
	struct exp_cmd_result r;

	ASSERT(exp_run_command("head -c 100000 /dev/zero | tr '\\0' x", "/", 10, NULL, NULL, &r) == 0,
	       "run");
	EXPECT(r.exit_code == 0 && r.truncated && r.len == EXP_OUTPUT_MAX, "len %zu truncated %d",
	       r.len, r.truncated);
	exp_cmd_result_free(&r);
}

/* Running (a zombie waiting for init to reap it is not). */
static bool alive(long pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[2] != 'Z';
}

TEST(timeout_kills_the_group)
{
	struct exp_cmd_result r;
	char pidfile[] = "/tmp/iotrim-exec-XXXXXX";
	int fd = mkstemp(pidfile);
	char cmd[256];
	long pid = 0;
	FILE *f;

	ASSERT(fd >= 0, "mkstemp");
	close(fd);
	/* a grandchild that ignores nothing: must die with the group */
	snprintf(cmd, sizeof(cmd), "sleep 60 & echo $! > %s; echo started; wait", pidfile);
	ASSERT(exp_run_command(cmd, "/", 1, NULL, NULL, &r) == 0, "run");
	EXPECT(r.timed_out && r.exit_code != 0, "timed out, exit %d", r.exit_code);
	EXPECT(r.seconds < 4, "took %.1f s", r.seconds);
	EXPECT(strstr(r.output, "started"), "output before the kill kept: '%s'", r.output);
	exp_cmd_result_free(&r);
	f = fopen(pidfile, "r");
	ASSERT(f && fscanf(f, "%ld", &pid) == 1, "pid");
	fclose(f);
	usleep(300000);
	EXPECT(!alive(pid), "grandchild %ld is gone", pid);
	unlink(pidfile);
}

TEST(term_ignoring_command_is_killed)
{
	struct exp_cmd_result r;

	ASSERT(exp_run_command("trap '' TERM; while :; do sleep 0.1; done", "/", 1, NULL, NULL, &r) == 0,
	       "run");
	EXPECT(r.timed_out && r.seconds < 1 + EXP_KILL_GRACE_MS / 1000.0 + 1.5, "killed after %.1f s",
	       r.seconds);
	exp_cmd_result_free(&r);
}

TEST(background_child_does_not_hold_us)
{
	struct exp_cmd_result r;

	ASSERT(exp_run_command("(sleep 3) & echo done", "/", 10, NULL, NULL, &r) == 0, "run");
	EXPECT(r.exit_code == 0 && !r.timed_out && r.seconds < 2, "%.1f s", r.seconds);
	exp_cmd_result_free(&r);
}

static volatile sig_atomic_t stop;

static void on_alarm(int sig)
{
	(void)sig;
	stop = 1;
}

TEST(stop_flag_interrupts)
{
	struct exp_cmd_result r;

	stop = 0;
	signal(SIGALRM, on_alarm);
	alarm(1);
	ASSERT(exp_run_command("sleep 30", "/", 30, &stop, NULL, &r) == 0, "run");
	EXPECT(r.interrupted && !r.timed_out && r.seconds < 4, "interrupted after %.1f s", r.seconds);
	exp_cmd_result_free(&r);
	EXPECT(!exp_sleep(1000, &stop), "sleep returns early when stopped");
}

int main(void)
{
	RUN(exit_code_output_and_directory);
	RUN(output_is_bounded);
	RUN(timeout_kills_the_group);
	RUN(term_ignoring_command_is_killed);
	RUN(background_child_does_not_hold_us);
	RUN(stop_flag_interrupts);
	return harness_done();
}
