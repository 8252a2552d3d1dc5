#!/usr/bin/env bash
# The whole test suite: installs what the tests need (apt-get, only what is missing), then runs
# every test project. Extra arguments go to `dotnet test` (e.g. --filter-class, see --help).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-test-deps.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test --solution GitOpsStatus.slnx "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain closing line over every test project, for CI logs.
passed=$(grep -E '^\s+succeeded: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -E '^\s+failed: [0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
# The failed tests again, with their messages (the first 25 lines of each): the test host's captured output that
# follows a failure can push them out of a CI log's tail.
awk '/^failed / {n = 25} n > 0 && (/^failed / || /^ /) {print; n--; next} {n = 0}' "$log"
echo "$passed passed, $failed failed"
exit "$status"
