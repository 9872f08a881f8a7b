# keybroker: one-command setup on a fresh Debian 12 machine.
#   make run      install missing packages, build, start the broker (development config)
#   make test     install missing packages (test tools too), build with ASan+UBSan, run every test
#   make install  install the release build (PREFIX, default /usr/local; DESTDIR as usual)
SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 20
PREFIX ?= /usr/local

.PHONY: deps deps-test build build-werror build-asan build-fuzz test fuzz bench run install clean

# What the broker needs to build and run; deps-test adds the test tools (deploy/install-deps.sh).
deps:
	@bash deploy/install-deps.sh

deps-test:
	@bash deploy/install-deps.sh --test

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKB_TESTS=OFF -DKB_BENCH=OFF \
	  -DCMAKE_INSTALL_PREFIX=$(PREFIX)
	cmake --build build -j $(JOBS) --target keybroker

# The release configuration with -Werror: GCC warns at -O2 of what the -O0 trees never show
# (GCC 12's -Wrestrict, for one). A tree of its own: `make build` stays free of -Werror for a
# newer compiler's new warnings. Not part of `make test`: without ccache it costs about 560 CPU
# seconds (some 4.7 minutes on CI's 2 cores), which CI's 25 minutes cannot spare.
build-werror: deps
	cmake -S . -B build-werror -DCMAKE_BUILD_TYPE=Release -DKB_TESTS=OFF -DKB_BENCH=OFF \
	  -DKB_WERROR=ON
	cmake --build build-werror -j $(JOBS) --target keybroker

# -g1 and -gline-tables-only: line tables only, enough for sanitizer and fuzzer reports to name
# file and line, and a good part of the compile time of full debug info off CI's budget.
build-asan: deps-test
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKB_SANITIZE=ON -DKB_BENCH=ON -DKB_WERROR=ON \
	  -DCMAKE_CXX_FLAGS_DEBUG=-g1
	cmake --build build-asan -j $(JOBS)

# libFuzzer targets, built with clang; registered as bounded CTest runs in build-asan via
# KB_FUZZ_DIR.
build-fuzz: deps-test
	CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKB_FUZZ=ON \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
	  -DKB_TESTS=OFF -DKB_BENCH=OFF -DKB_WERROR=ON
	cmake --build build-fuzz -j $(JOBS) --target fuzzers

test: build-asan build-fuzz
	cmake -S . -B build-asan -DKB_FUZZ_DIR=$(CURDIR)/build-fuzz/fuzz
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

# Longer fuzzing session: FUZZ_SECONDS per target.
fuzz: build-fuzz
	@bash fuzz/run.sh build-fuzz/fuzz $(FUZZ_SECONDS)

# Verifier throughput, the release table, the XKS row and the keystore rows (bench/release.sh,
# bench/xks.sh and bench/pkcs11.sh start and stop brokers).
bench: build deps-test
	cmake -S . -B build -DKB_BENCH=ON
	cmake --build build -j $(JOBS) --target verifier_bench release_load xks_load kms_load
	./build/bench/verifier_bench
	bash bench/release.sh build
	bash bench/xks.sh build
	bash bench/pkcs11.sh build
	bash bench/replicas.sh build

run: build
	@bash deploy/dev-setup.sh
	./build/keybroker serve --config config.example.yaml

# The binary, the systemd unit and the example configuration, where the unit expects them.
install: build
	cmake --install build

clean:
	rm -rf build build-asan build-fuzz build-werror
