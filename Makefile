# drawbridge: `make run` and `make test` work on a fresh Debian 12 machine as root.
BUILD     ?= build
DATA_DIR  ?= ./data
PYTHON    := /usr/bin/python3
JOBS      ?= $(shell nproc)

.PHONY: all deps configure build run test unit-test cli-test bench format clean

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

test: unit-test cli-test

bench: build
	bench/run.sh $(BUILD)

format:
	clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp')

clean:
	rm -rf $(BUILD)
