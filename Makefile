# keybroker: one-command setup on a fresh Debian 12 machine.
#   make run    install missing packages, build, start the broker (development config)
#   make test   install missing packages, build with ASan+UBSan, run every test
SHELL := /bin/bash
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 20

.PHONY: deps build build-asan build-fuzz test fuzz bench run clean

deps:
	@bash deploy/install-deps.sh

build: deps
	cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DKB_TESTS=OFF -DKB_BENCH=ON
	cmake --build build -j $(JOBS) --target keybroker

build-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DKB_SANITIZE=ON -DKB_BENCH=ON -DKB_WERROR=ON
	cmake --build build-asan -j $(JOBS)

# libFuzzer targets, built with clang; registered as bounded CTest runs in build-asan via
# KB_FUZZ_DIR.
build-fuzz: deps
	CXX=clang++-14 cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKB_FUZZ=ON \
	  -DKB_TESTS=OFF -DKB_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS)

test: build-asan build-fuzz
	cmake -S . -B build-asan -DKB_FUZZ_DIR=$(CURDIR)/build-fuzz/fuzz
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS)

# Longer fuzzing session: FUZZ_SECONDS per target.
fuzz: build-fuzz
	@bash fuzz/run.sh build-fuzz/fuzz $(FUZZ_SECONDS)

# Verifier throughput, then the release table (bench/release.sh starts and stops a broker).
bench: build
	cmake --build build -j $(JOBS) --target verifier_bench release_load
	./build/bench/verifier_bench
	bash bench/release.sh build

run: build
	@bash deploy/dev-setup.sh
	./build/keybroker serve --config config.example.yaml

clean:
	rm -rf build build-asan build-fuzz
