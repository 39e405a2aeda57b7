#!/usr/bin/env bash
# Runs the zombienet tests (*.zndsl in this directory, or the ones given as arguments) against a
# fresh 4-validator local Flare testnet (native provider).
#
#   zombienet/test.sh                          # all tests
#   zombienet/test.sh zombienet/0001-flare-testnet.zndsl
#
# Binaries: $FLARE_NODE_BIN and $FLARE_BIN, default <target>/debug/flare-node and .../flare, where
# <target> is $CARGO_TARGET_DIR or <repo>/target.
# RPC ports are picked free at random, so a testnet started with launch.sh can keep running.
# Set FLARE_ZN_KEEP=1 to keep the run directory (node logs, FL participant logs) after a pass;
# it is always kept after a failure.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

zn_npm_deps
zn_bins

tests=()
for t in "$@"; do
  case "$t" in /*) tests+=("$t") ;; *) tests+=("$PWD/$t") ;; esac
done
if [ ${#tests[@]} -eq 0 ]; then
  for t in "$ZN_DIR"/*.zndsl; do tests+=("$t"); done
fi

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/flare-zombienet-test.XXXXXX")
for n in ALICE BOB CHARLIE DAVE; do
  export "FLARE_ZN_RPC_$n=$(zn_free_port)"
done

cleanup() {
  local rc=$?
  for d in "$RUN_DIR"/fl-*; do zn_cleanup_processes "$d" ""; done
  zn_cleanup_processes "" "$RUN_DIR"
  if [ "$rc" -eq 0 ] && [ -z "${FLARE_ZN_KEEP:-}" ]; then
    rm -rf "$RUN_DIR"
  else
    echo "run directory kept: $RUN_DIR (node logs in net-N/logs, FL participant logs in fl-N/)"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "flare-node: $FLARE_NODE_BIN"
echo "flare:      $FLARE_BIN"
echo "rpc ports:  alice $FLARE_ZN_RPC_ALICE, bob $FLARE_ZN_RPC_BOB, charlie $FLARE_ZN_RPC_CHARLIE, dave $FLARE_ZN_RPC_DAVE"

status=0
i=0
for t in "${tests[@]}"; do
  i=$((i + 1))
  echo "=== zombienet test: $t"
  export FLARE_ZN_WORK="$RUN_DIR/fl-$i"
  start=$(date +%s)
  if (cd "$ZN_DIR" && npx --no-install zombienet -p native -l text -d "$RUN_DIR/net-$i" test "$t"); then
    echo "=== PASS $(basename "$t") ($(( $(date +%s) - start )) s)"
  else
    status=1
    echo "=== FAIL $(basename "$t") ($(( $(date +%s) - start )) s)"
  fi
  zn_cleanup_processes "$FLARE_ZN_WORK" "$RUN_DIR/net-$i"
done
exit "$status"
