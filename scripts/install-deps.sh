#!/usr/bin/env bash
# Installs what thaw needs to build and test on Debian 12, idempotently.
# Fast when everything is present: it asks dpkg first and calls apt-get only for what is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost-dev libboost-system-dev libboost-filesystem-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libabsl-dev libssl-dev libzip-dev
  libgtest-dev libgmock-dev
  # settings.egress: allow gives each sandbox a way out through slirp4netns.
  slirp4netns
  # Lambda's Python runtimes include boto3; Debian's stands in for it for python3.x functions.
  python3-boto3
)
if [[ "${1:-}" == "--test" ]]; then
  # Real third-party clients used by the conformance tests; chromium renders the HTML report
  # in its integration test (headless); docker-compose validates docker-compose.yml (no Docker
  # engine is needed for that); xmllint checks thaw check's JUnit.
  packages+=(awscli nodejs npm chromium docker-compose libxml2-utils)
  # The Momento benchmark's baseline: redis-server's GET/SET measured by redis-benchmark.
  packages+=(redis-server redis-tools)
  # curl: a real HTTPS client in the TLS component test and the sandbox tests' bash runtime.
  packages+=(curl)
  # iproute2 (`ip`): the process-fallback test brings up loopback in a network namespace of its
  # own (unshare, from util-linux), so that nothing it tries can leave the machine.
  packages+=(iproute2 util-linux)
  # `make test` ends with the fuzzers: as --fuzz.
  packages+=(clang libclang-rt-14-dev)
elif [[ "${1:-}" == "--fuzz" ]]; then
  # `make fuzz`: clang and its libFuzzer / sanitizer runtimes (libclang_rt.fuzzer-x86_64.a is in
  # libclang-rt-14-dev, which Debian 12's clang does not pull in without recommends).
  packages+=(clang libclang-rt-14-dev)
elif [[ "${1:-}" == "--samples" ]]; then
  # The Node.js samples `make demo` runs.
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node may come from outside Debian's archive (nodesource); a working node+npm is enough.
if command -v node >/dev/null && command -v npm >/dev/null; then
  keep=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || keep+=("$p"); done
  missing=("${keep[@]+"${keep[@]}"}")
fi

if (( ${#missing[@]} )); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) != 0 ]]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
