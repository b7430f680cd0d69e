#!/usr/bin/env bash
# run.sh - the main job: an optimized build, then the sweep over the grids.
# Arguments are passed to `kassign sweep`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
build/kassign sweep "$@"
