# Dateline: the two commands are `make run` and `make test`; the rest are their parts.
SHELL := /bin/bash
JOBS ?= $(shell nproc)
# ccache hits across clones of the repository in different folders.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1
export CCACHE_MAXSIZE := 5G

RELEASE := build/release
ASAN := build/asan
FUZZ := build/fuzz
CMAKE_GEN := -G Ninja

.PHONY: run test deps build build-asan build-fuzz fuzz bench clean

## run: install what is missing, build, start Dateline with the demo corpus
run: deps build
	@scripts/run-demo

## test: install what is missing, build with ASan+UBSan, run every test and the fuzzers
test: deps
	@scripts/test-all

deps:
	@scripts/install-deps

# The release build does not stop on warnings (a newer compiler's new warning must not break
# `make run`); the test build keeps -Werror.
build:
	@cmake -S . -B $(RELEASE) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release -DDATELINE_BUILD_TESTS=OFF \
	  -DDATELINE_BUILD_BENCH=ON -DDATELINE_WERROR=OFF >/dev/null
	@cmake --build $(RELEASE) -j $(JOBS)

build-asan:
	@cmake -S . -B $(ASAN) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DDATELINE_SANITIZE=address,undefined -DDATELINE_BUILD_TESTS=ON -DDATELINE_BUILD_BENCH=ON >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)

build-fuzz:
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ) $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DDATELINE_BUILD_FUZZ=ON -DDATELINE_BUILD_TESTS=OFF >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS)

## fuzz: run every fuzzer for FUZZ_SECONDS (default 60) each
fuzz: build-fuzz
	@FUZZ_SECONDS=$${FUZZ_SECONDS:-60} scripts/run-fuzzers $(FUZZ)

## bench: build in release mode and run the benchmark scenarios
bench: deps build
	@$(RELEASE)/bench/dateline-bench all

clean:
	rm -rf build
