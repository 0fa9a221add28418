# drawbridge: `make run` and `make test` work on a fresh Debian 12 machine as root.
BUILD     ?= build
DATA_DIR  ?= ./data
PYTHON    := /usr/bin/python3
JOBS      ?= $(shell nproc)
# libFuzzer harnesses (docs/fuzzing.md): their own clang++ build, apart from the product's.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS      := dav_xml if_header proxy_header s3_xml sftp_input webauthn
FUZZ_FLAGS   := -timeout=10 -rss_limit_mb=2048

.PHONY: all deps configure build run test unit-test cli-test fuzz-build fuzz fuzz-corpus bench format clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD) -G Ninja >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/drawbridge serve --data-dir $(DATA_DIR)

unit-test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

cli-test: build
	DRAWBRIDGE_BIN=$(abspath $(BUILD))/drawbridge $(PYTHON) -m pytest -q tests/cli tests/integration

test: unit-test fuzz-corpus cli-test

fuzz-build: deps
	@cmake -S fuzz -B $(FUZZ_BUILD) -G Ninja -DCMAKE_CXX_COMPILER=clang++ >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS)

# Each harness for FUZZ_SECONDS in turn. New inputs go to $(FUZZ_BUILD)/corpus/<name> (the
# first directory); the committed seeds in fuzz/corpus/<name> are only read. Crashes land in
# $(FUZZ_BUILD)/<name>-crash-*.
fuzz: fuzz-build
	@for f in $(FUZZERS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$f && \
	  echo "fuzz: $$f for $(FUZZ_SECONDS)s" && \
	  $(FUZZ_BUILD)/$${f}_fuzz $(FUZZ_BUILD)/corpus/$$f fuzz/corpus/$$f -dict=fuzz/$$f.dict \
	    $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_BUILD)/$$f- || exit 1; \
	done

# Every committed corpus file through its harness once (seconds): the seeds and every past
# finding stay fixed. Files are passed one by one, so nothing is written anywhere.
fuzz-corpus: fuzz-build
	@for f in $(FUZZERS); do \
	  $(FUZZ_BUILD)/$${f}_fuzz $(FUZZ_FLAGS) fuzz/corpus/$$f/* >$(FUZZ_BUILD)/$$f-corpus.log 2>&1 \
	    || { tail -n 40 $(FUZZ_BUILD)/$$f-corpus.log; exit 1; }; \
	  echo "fuzz-corpus: $$f: $$(ls fuzz/corpus/$$f | wc -l) inputs pass"; \
	done

bench: build
	bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp' 'fuzz/*.cpp')

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
