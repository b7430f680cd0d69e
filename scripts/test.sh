#!/usr/bin/env bash
# test.sh - what CI runs: install, build with AddressSanitizer and UBSan,
# and run every test through ctest (CUnit suites, the fuzz corpus replay,
# and Kafka's own cases through the command line, which read the shared
# acceptance checker from ../shared beside the clone when it is there).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh

cmake -S . -B build-test -DKA_SANITIZE=ON -DKA_WERROR=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-test -j"$(nproc)"
ctest --test-dir build-test --output-on-failure -j"$(nproc)"
