# kubectl-volsnap. `make` builds ./kubectl-volsnap; `make test` installs what is
# missing, builds and runs every suite; `make demo` shows it working.
CC ?= cc
PKGS := libcurl yaml-0.1 json-c libarchive libcrypto
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0-dev)
PREFIX ?= /usr/local

# SANITIZE=1 builds with ASan+UBSan into build-asan/ (used by `make test-asan`).
ifeq ($(SANITIZE),1)
BUILD := build-asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
else
BUILD := build
SANFLAGS :=
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS ?= -O2 -g
override CFLAGS += -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-Iplugin -I. -DVOLSNAP_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(SANFLAGS) -MMD -MP
override LDFLAGS += $(SANFLAGS)
LDLIBS += $(PKG_LIBS) -lpthread

SRC := $(sort $(wildcard plugin/*.c plugin/*/*.c checks/*.c providers/*.c))
OBJ := $(SRC:%.c=$(BUILD)/%.o)
LIB_OBJ := $(filter-out $(BUILD)/plugin/main.o,$(OBJ))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
BIN := $(if $(filter 1,$(SANITIZE)),$(BUILD)/kubectl-volsnap,kubectl-volsnap)

.PHONY: all deps fuzz fuzz-bins test test-unit test-cli test-emulator test-real test-asan test-valgrind demo \
	install uninstall clean lint format bench mutate static dist image
all: $(BIN)

$(BIN): $(OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_OBJ) $(LDLIBS) -lcmocka

unit-bins: $(UNIT_BIN)

# Installs with apt whatever is missing; quiet when everything is there.
deps:
	@tests/deps.sh

# Every suite: unit tests (plain and under valgrind), the CLI suites on the
# emulator with the ASan+UBSan build, and on a real kube-apiserver. Ends with
# "N passed, N failed".
test: deps
	@$(MAKE) -s all unit-bins
	@$(MAKE) -s SANITIZE=1 all
	@$(MAKE) -s fuzz-bins
	@tests/run.sh all

test-unit:
	@$(MAKE) -s all unit-bins
	@tests/run.sh unit
test-emulator:
	@$(MAKE) -s all
	@tests/run.sh emulator
test-real:
	@$(MAKE) -s all
	@tests/run.sh real
test-asan:
	@$(MAKE) -s SANITIZE=1 all unit-bins
	@VOLSNAP_BUILD=build-asan tests/run.sh unit emulator
test-valgrind:
	@$(MAKE) -s all unit-bins
	@VOLSNAP_VALGRIND=1 tests/run.sh unit emulator
test-lint:
	@tests/lint.sh
# The mutation check: each safety rule of tests/mutations.txt broken on purpose,
# one at a time in a scratch copy, must fail a CLI test. Slow (about a minute a
# rule), so not part of `make test`. MUTATE=REGEX picks rules.
mutate:
	@tests/mutate.sh "$(MUTATE)"

demo: deps
	@$(MAKE) -s all
	@tests/demo.sh

bench: all static
	@bench/run.sh

# Release artefacts under dist/ (docs/install.md): the static musl binary, the
# krew archives and manifest, the OCI image. VERSION=x.y.z overrides the VERSION file.
static:
	@release/static.sh $(VERSION)
dist:
	@release/dist.sh $(VERSION)
image:
	@release/image.sh $(VERSION)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 kubectl-volsnap $(DESTDIR)$(PREFIX)/bin/kubectl-volsnap

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/kubectl-volsnap

lint:
	@tests/lint.sh

format:
	clang-format -i $(SRC) $(wildcard plugin/*.h plugin/*/*.h checks/*.h providers/*.h) $(UNIT_SRC) $(FUZZ_SRC)

clean:
	rm -rf build build-asan build-static build-static-* build-fuzz dist kubectl-volsnap

# libFuzzer targets (tests/fuzz/fuzz_*.c) built with clang, ASan and UBSan
# into build-fuzz/. `make fuzz` runs each for FUZZ_SECONDS (default 300) from
# its corpus in tests/fuzz/corpus/; tests/run.sh fuzz replays the corpora.
FUZZ_CC ?= clang
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -Iplugin -I. \
	-DVOLSNAP_VERSION='"$(VERSION)"' $(PKG_CFLAGS) -g -O1 $(FUZZ_SAN) -MMD -MP
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build-fuzz/%)
FUZZ_LIB_OBJ := $(LIB_OBJ:$(BUILD)/%=build-fuzz/%)
FUZZ_SECONDS ?= 300

build-fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build-fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS) -lpthread

fuzz-bins: $(FUZZ_BIN)

fuzz: deps
	@$(MAKE) -s fuzz-bins
	@tests/fuzz/run.sh $(FUZZ_SECONDS)

-include $(OBJ:.o=.d) $(FUZZ_LIB_OBJ:.o=.d)
