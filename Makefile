# iotrim — see README.md.  `make` builds; `make check` runs every test.
BUILD     ?= build
CLANG     ?= clang
LLVM_STRIP ?= llvm-strip
BPFTOOL   ?= bpftool
CC        ?= gcc
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
PREFIX    ?= /usr/local

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Werror -std=gnu11
CPPFLAGS += -Iinclude -I$(BUILD) -Iuser -D_GNU_SOURCE
LDLIBS   += -lbpf -lelf -lz -lsqlite3 -lldns -lmaxminddb -lpsl -linih

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-I$(BUILD) -Iinclude -Ibpf

BPF_PROGS := iotrim_xdp iotrim_tc
BPF_OBJS  := $(BPF_PROGS:%=$(BUILD)/%.bpf.o)
BPF_SKELS := $(BPF_PROGS:%=$(BUILD)/%.skel.h)
BPF_HDRS  := $(wildcard bpf/*.h) $(wildcard include/*.h)

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(USER_SRCS:user/%.c=$(BUILD)/user/%.o)
# Everything but main.c, for linking into the tests.
LIB_OBJS  := $(filter-out $(BUILD)/user/main.o,$(USER_OBJS))

TEST_SRCS := $(wildcard selftests/test_*.c)
TEST_BINS := $(TEST_SRCS:selftests/%.c=$(BUILD)/selftests/%)
BENCH_BINS := $(patsubst selftests/%.c,$(BUILD)/selftests/%,$(wildcard selftests/bench_*.c))
# Helper BPF programs for tests and benchmarks (baselines, foreign programs).
TEST_BPF_OBJS := $(patsubst selftests/bpf/%.bpf.c,$(BUILD)/selftests/%.bpf.o,$(wildcard selftests/bpf/*.bpf.c))

.PHONY: all deps install check demo bench fuzz clean
# Keep generated objects and skeletons: tests and the controller share them.
.SECONDARY:
all: $(BUILD)/iotrim $(TEST_BINS) $(BENCH_BINS) $(TEST_BPF_OBJS)

deps:
	scripts/install-deps.sh

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp && mv $@.tmp $@

# c*log2(c) in fixed point for the in-kernel payload entropy (bpf/entropy.h).
$(BUILD)/entropy_table.h: scripts/gen_entropy_table.c
	@mkdir -p $(BUILD)/scripts
	$(CC) -O2 -Wall -Wextra -Werror -o $(BUILD)/scripts/gen_entropy_table $< -lm
	$(BUILD)/scripts/gen_entropy_table > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h $(BUILD)/entropy_table.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(BUILD)/selftests/%.bpf.o: selftests/bpf/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@.tmp && mv $@.tmp $@

$(BUILD)/user/%.o: user/%.c $(wildcard user/*.h) $(wildcard include/*.h) $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/iotrim: $(USER_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/selftests/%: selftests/%.c $(wildcard selftests/*.h) $(LIB_OBJS) $(BPF_OBJS) $(BPF_SKELS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Iselftests $(CFLAGS) $< $(LIB_OBJS) -o $@ $(LDLIBS) -lm

install: $(BUILD)/iotrim
	install -D -m 0755 $(BUILD)/iotrim $(DESTDIR)$(PREFIX)/sbin/iotrim
	install -D -m 0644 data/providers.conf $(DESTDIR)$(PREFIX)/share/iotrim/providers.conf
	install -D -m 0644 data/devices.conf.example $(DESTDIR)$(PREFIX)/share/iotrim/devices.conf.example

# libFuzzer targets for the DNS and TLS handlers (fuzz/), with seed corpora.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Iinclude -Iuser -Iselftests -D_GNU_SOURCE
FUZZ_SRCS  := user/dns.c user/tls.c user/names.c user/fmt.c user/cli.c
FUZZ_BINS  := $(BUILD)/fuzz/fuzz_dns $(BUILD)/fuzz/fuzz_tls

fuzz: $(FUZZ_BINS) $(BUILD)/fuzz/corpus/.seeded

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c $(FUZZ_SRCS) $(wildcard user/*.h) $(wildcard include/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $< $(FUZZ_SRCS) -o $@ -lldns -lbpf -lsqlite3

$(BUILD)/fuzz/corpus/.seeded: fuzz/make_seeds.c selftests/attrib_msgs.h
	@mkdir -p $(BUILD)/fuzz/corpus/dns $(BUILD)/fuzz/corpus/tls
	$(CC) -O1 -Iselftests -o $(BUILD)/fuzz/make_seeds $<
	$(BUILD)/fuzz/make_seeds $(BUILD)/fuzz/corpus/dns $(BUILD)/fuzz/corpus/tls
	touch $@

# The README's test command: installs what is missing, builds, runs it all.
check: deps
	$(MAKE) all
	selftests/run.sh

demo: deps
	$(MAKE) all
	scripts/demo.sh

bench: deps
	$(MAKE) all
	scripts/bench.sh

clean:
	rm -rf $(BUILD)
