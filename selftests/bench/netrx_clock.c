// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * netrx_clock -o FILE CMD [ARG...]: runs CMD and writes to FILE the time all
 * CPUs spent in the NET_RX softirq while it ran, as "NS RUNS" (the sum over
 * CPUs, and how many softirq runs made it), timed by
 * selftests/bpf/progs/netrx_clock.bpf.c.  Exits with CMD's exit code (125
 * when the clock cannot start).  scripts/bench_cpu.sh runs each load of its
 * CPU-per-packet benchmark under it; not itself a benchmark (no bench_
 * prefix, so scripts/bench.sh does not run it alone).  Run from the source
 * tree's top (it loads build/selftests/bpf/progs/netrx_clock.bpf.o).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define CLOCK_OBJ "build/selftests/bpf/progs/netrx_clock.bpf.o"
#define EXIT_NO_CLOCK 125

/* Mirrors struct netrx_time of the BPF program. */
struct netrx_time {
	unsigned long long started_ns, total_ns, runs;
};

static int run_child(char **argv)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		perror("netrx_clock: fork");
		return EXIT_NO_CLOCK;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "netrx_clock: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("netrx_clock: waitpid");
		return EXIT_NO_CLOCK;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The sums over every CPU's slot of the per-CPU map. */
static int read_clock(struct bpf_object *obj, unsigned long long *ns, unsigned long long *runs)
{
	int ncpus = libbpf_num_possible_cpus(), fd, i;
	unsigned int zero = 0;
	struct netrx_time *per_cpu;

	if (ncpus <= 0)
		return -1;
	per_cpu = calloc(ncpus, sizeof(*per_cpu));
	fd = bpf_object__find_map_fd_by_name(obj, "netrx_time");
	if (!per_cpu || fd < 0 || bpf_map_lookup_elem(fd, &zero, per_cpu)) {
		free(per_cpu);
		return -1;
	}
	*ns = *runs = 0;
	for (i = 0; i < ncpus; i++) {
		*ns += per_cpu[i].total_ns;
		*runs += per_cpu[i].runs;
	}
	free(per_cpu);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long long ns, runs;
	struct bpf_program *prog;
	struct bpf_object *obj;
	const char *out;
	FILE *f;
	int rc;

	if (argc < 4 || strcmp(argv[1], "-o")) {
		fprintf(stderr, "usage: netrx_clock -o FILE CMD [ARG...]\n");
		return 2;
	}
	out = argv[2];
	obj = bpf_object__open_file(CLOCK_OBJ, NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "netrx_clock: cannot load %s\n", CLOCK_OBJ);
		return EXIT_NO_CLOCK;
	}
	/* The links stay attached until exit. */
	bpf_object__for_each_program(prog, obj) {
		if (!bpf_program__attach(prog)) {
			fprintf(stderr, "netrx_clock: cannot attach %s\n", bpf_program__name(prog));
			return EXIT_NO_CLOCK;
		}
	}
	rc = run_child(argv + 3);
	if (read_clock(obj, &ns, &runs)) {
		fprintf(stderr, "netrx_clock: cannot read the clock\n");
		return EXIT_NO_CLOCK;
	}
	f = fopen(out, "w");
	if (!f || fprintf(f, "%llu %llu\n", ns, runs) < 0 || fclose(f)) {
		fprintf(stderr, "netrx_clock: cannot write %s\n", out);
		return EXIT_NO_CLOCK;
	}
	bpf_object__close(obj);
	return rc;
}
