# The README's commands. Each one installs what is missing, configures and builds first.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
TSAN_BUILD ?= build-tsan
# How long `make fuzz` runs each fuzz target (13 targets, JOBS at a time: about
# 13 x FUZZ_SECONDS / JOBS).
FUZZ_SECONDS ?= 20
# Warm invokes of the soak in `make bench` (`make soak` runs 10M), and invokes of its SDK sample
# (each a GetSecretValue and a Momento Get; `make soak` runs 1M).
SOAK_INVOKES ?= 1000000
SOAK_SDK_INVOKES ?= 100000
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps test-deps sample-deps build demo demo-invoke test test-fast test-sanitize test-tsan fuzz-deps fuzz bench soak format clean

all: build

deps:
	@scripts/install-deps.sh

test-deps:
	@scripts/install-deps.sh --test
	@scripts/install-test-deps.sh

# What `make bench` compares thaw against (serverless-offline), never needed by `make test`.
.PHONY: bench-deps
bench-deps: sample-deps
	@scripts/install-bench-deps.sh

# Node.js and the samples' npm modules (what `make demo` runs).
sample-deps:
	@scripts/install-deps.sh --samples
	@scripts/install-test-deps.sh --samples

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The 30-second path: `thaw check` on the standard Momento + Secrets Manager pattern and on its
# per-invoke twin, side by side; prints both verdicts and the HTML report paths. Exits 0 when
# the verdicts are the expected ones (the twin's failure is the point).
# Builds only the thaw binary (not the tests), so a fresh clone gets there sooner.
demo: deps sample-deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target thaw
	@scripts/demo.sh $(BUILD)

# The sample echo function invoked three times through the real Invoke and Runtime APIs.
demo-invoke: build
	./$(BUILD)/thaw invoke echo --payload '{"hello":"thaw"}' --count 3

# Every suite: unit, component, integration and conformance (real awscli and AWS SDK for JS),
# then unit, component and integration again under AddressSanitizer + UBSan and again under
# ThreadSanitizer, then every fuzz target for FUZZ_SECONDS (a crash fails the run). Each phase
# prints when it starts, so a CI log shows where the time goes.
PHASE = @echo "[make test] $$(date -u +%T) $(1)"
test: test-deps
	$(call PHASE,release build)
	$(MAKE) build
	$(call PHASE,release suites)
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure
	$(call PHASE,AddressSanitizer + UBSan build and suites)
	$(MAKE) test-sanitize
	$(call PHASE,ThreadSanitizer build and suites)
	$(MAKE) test-tsan
	$(call PHASE,fuzzers)
	$(MAKE) fuzz
	$(call PHASE,done)

test-fast: build
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure -L 'unit|component'

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTHAW_SANITIZE=ON -DTHAW_BUILD_BENCH=OFF $(CMAKE_FLAGS)

test-sanitize: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp THAW_TEST_SLOWDOWN=3 ctest -j $(JOBS) --output-on-failure -L 'unit|component|integration'

# ThreadSanitizer (gcc): unit, component and integration suites (tests/tsan.supp says why each
# suppression is not thaw's race).
$(TSAN_BUILD)/build.ninja:
	cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DTHAW_TSAN=ON -DTHAW_BUILD_BENCH=OFF $(CMAKE_FLAGS)

test-tsan: deps $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS)
	cd $(TSAN_BUILD) && TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp halt_on_error=1" \
	  THAW_TEST_SLOWDOWN=5 ctest -j $(JOBS) --output-on-failure -L 'unit|component|integration'

# The libFuzzer targets (tests/fuzz), built by clang with ASan + UBSan, each run FUZZ_SECONDS on a
# copy of its seed corpus, JOBS at a time; a crash fails (its input in
# $(FUZZ_BUILD)/crashes/<target>/).
$(FUZZ_BUILD)/build.ninja:
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DTHAW_FUZZ=ON $(CMAKE_FLAGS)

fuzz-deps: deps
	@scripts/install-deps.sh --fuzz

fuzz: fuzz-deps $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target thaw_fuzzers
	JOBS=$(JOBS) scripts/run-fuzzers.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The benchmarks in full; scripts/install-bench-deps.sh installs serverless-offline (the Node.js
# baseline of thaw_runtime_bench) first. thaw_runtime_bench measures a second thaw with freeze off
# in the same rounds: the freeze's cost (issue 19: within 10%) as a ratio of one run.
bench: build bench-deps
	./$(BUILD)/tests/bench/thaw_bench
	./$(BUILD)/tests/bench/thaw_runtime_bench --b-no-freeze
	./$(BUILD)/tests/bench/thaw_momento_bench
	./$(BUILD)/tests/bench/thaw_sandbox_bench
	./$(BUILD)/tests/bench/thaw_soak_bench --invokes $(SOAK_INVOKES) --sdk-invokes $(SOAK_SDK_INVOKES)

# The full soak: 10M warm invokes through `thaw serve` (about 35 minutes on 2 vCPUs), then 1M
# invokes of the unchanged samples/node-secret-per-invoke (1M GetSecretValue, 1M Momento Gets);
# RSS must stay within 200 MB and every count exact.
soak: build sample-deps
	./$(BUILD)/tests/bench/thaw_soak_bench --invokes 10000000 --sdk-invokes 1000000 --max-rss-mb 200

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
