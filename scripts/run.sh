#!/usr/bin/env bash
# run.sh - the main job: install, an optimized build, the sweep over the
# default grids (every strategy, every grid but G-1M, both subscription
# modes, every variant), then the plots of its result file.
#
# Arguments go to `kassign sweep`, e.g. `--all-grids` (G-1M too),
# `--grid jmh-client` (Kafka's JMH grid), `--threads 2`, `-n 15`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" >/dev/null

# The sweep prints the result file's path on stdout; its progress goes to stderr.
result=$(build/kassign sweep "$@")
plots="${result%.json}"
scripts/plot -o "$plots" "$result" >/dev/null

echo "result: $result"
echo "plots:  $plots/"
echo "compare with the kept baseline: scripts/compare results/baseline-2core.json $result"
echo "  (its quality columns must match; its times were taken at another moment and can"
echo "   drift past the 10 % threshold, so a speed REGRESSION there may mean nothing:"
echo "   for speed, compare two runs made one after the other)"
