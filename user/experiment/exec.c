// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "experiment/exec.h"

bool exp_sleep(unsigned ms, const volatile sig_atomic_t *stop)
{
	double end = clock_mono_s() + ms / 1000.0;

	for (;;) {
		double left = end - clock_mono_s();
		struct timespec ts;

		if (stop && *stop)
			return false;
		if (left <= 0)
			return true;
		if (left > 0.1)
			left = 0.1;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
}

static void child(const char *cmd, const char *dir, int out_fd, char *const *env)
{
	int null = open("/dev/null", O_RDONLY);

	setpgid(0, 0);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	if (null >= 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	close(out_fd);
	if (dir && *dir && chdir(dir) != 0) {
		dprintf(2, "iotrim: cannot enter %s: %s\n", dir, strerror(errno));
		_exit(126);
	}
	for (; env && *env; env++)
		putenv(*env);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	dprintf(2, "iotrim: cannot run /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

static void append(struct exp_cmd_result *r, const char *buf, size_t n)
{
	size_t room = EXP_OUTPUT_MAX - r->len;

	if (n > room) {
		r->truncated = true;
		n = room;
	}
	memcpy(r->output + r->len, buf, n);
	r->len += n;
	r->output[r->len] = '\0';
}

int exp_run_command(const char *cmd, const char *dir, unsigned timeout_s,
		    const volatile sig_atomic_t *stop, char *const *env,
		    struct exp_cmd_result *r)
{
	double start = clock_mono_s(), deadline = start + timeout_s, kill_at = 0;
	int fds[2], status = 0;
	bool exited = false, eof = false, killed = false;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	r->output = calloc(1, EXP_OUTPUT_MAX + 1);
	if (!r->output)
		return -ENOMEM;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		close(fds[0]);
		child(cmd, dir, fds[1], env);
	}
	setpgid(pid, pid);	/* also here: no race with an early kill */
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);

	while (!exited || !eof) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		double now = clock_mono_s();
		int wait_ms = 100;

		if (!killed && ((stop && *stop) || now >= deadline)) {
			if (stop && *stop)
				r->interrupted = true;
			else
				r->timed_out = true;
			kill(-pid, SIGTERM);
			killed = true;
			kill_at = now + EXP_KILL_GRACE_MS / 1000.0;
		}
		if (killed && kill_at && now >= kill_at) {
			kill(-pid, SIGKILL);
			kill_at = 0;
		}
		if (!eof && poll(&pfd, 1, wait_ms) > 0) {
			char buf[4096];
			ssize_t n = read(fds[0], buf, sizeof(buf));

			if (n > 0)
				append(r, buf, (size_t)n);
			else if (n == 0 || (errno != EAGAIN && errno != EINTR))
				eof = true;
		} else if (eof) {
			exp_sleep(20, NULL);
		}
		if (!exited) {
			pid_t w = waitpid(pid, &status, WNOHANG);

			if (w == pid)
				exited = true;
		}
		/* The shell is gone: do not wait for its background children. */
		if (exited && !eof) {
			char buf[4096];
			ssize_t n;

			while ((n = read(fds[0], buf, sizeof(buf))) > 0)
				append(r, buf, (size_t)n);
			eof = true;
		}
	}
	close(fds[0]);
	if (killed)
		kill(-pid, SIGKILL);	/* leftovers of a command that was cut */
	if (WIFEXITED(status))
		r->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		r->exit_code = 128 + WTERMSIG(status);
	r->seconds = clock_mono_s() - start;
	return 0;
}

void exp_cmd_result_free(struct exp_cmd_result *r)
{
	free(r->output);
	r->output = NULL;
}
