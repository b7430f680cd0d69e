#!/usr/bin/env bash
# Runs Kafka-derived assignment cases through `kassign assign` with the team's
# acceptance checker (shared/acceptance/check.py, beside the repository).
#   run_acceptance.sh KASSIGN CASE_DIR [check.py options...]
# Exit 77 (ctest: skipped) when the checker is not there.
set -euo pipefail
kassign=$1 dir=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
check=${KA_CHECK_PY:-$here/../../shared/acceptance/check.py}
if [ ! -f "$check" ]; then
	echo "acceptance checker not found at $check: skipped"
	exit 77
fi
exec python3 "$check" --cmd "$kassign assign --strategy {strategy} {scenario}" "$@" "$dir"
