#!/usr/bin/env bash
# Regenerates pallets/federated-learning/src/weights.rs from the pallet's v2 benchmarks on this
# machine, benchmarks pallet_balances::transfer_keep_alive in the same run, and writes the
# weight table with ratios to ${CARGO_TARGET_DIR:-target}/perf/weights.md.
#
# Builds flare-node with `--features runtime-benchmarks` (an opt-in feature: a separate, slower
# build). Usage: scripts/bench-weights.sh [--steps N] [--repeat N]
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=20
REPEAT=10
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) STEPS=$2; shift 2 ;;
    --repeat) REPEAT=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
TARGET=${CARGO_TARGET_DIR:-target}
PERF="$TARGET/perf"
mkdir -p "$PERF"
unset SKIP_WASM_BUILD
# The storage-access test runtime that frame-benchmarking-cli carries (for `benchmark storage`)
# does not build outside the polkadot-sdk repository; `benchmark pallet` does not need it.
SKIP_FRAME_STORAGE_ACCESS_TEST_RUNTIME_WASM_BUILD=1 cargo build --locked -p flare-node --features runtime-benchmarks
# Keep the benchmarking build apart: the plain node is rebuilt by the next normal build.
cp "$TARGET/debug/flare-node" "$PERF/flare-node-bench"
NODE="$PERF/flare-node-bench"

header=$(mktemp)
printf '// This file is part of Flare.\n// SPDX-License-Identifier: Apache-2.0\n\n' > "$header"
"$NODE" benchmark pallet --chain dev --pallet pallet_federated_learning --extrinsic '*' \
  --steps "$STEPS" --repeat "$REPEAT" --wasm-execution compiled \
  --template scripts/weight-template.hbs --header "$header" \
  --output pallets/federated-learning/src/weights.rs
"$NODE" benchmark pallet --chain dev --pallet pallet_balances --extrinsic transfer_keep_alive \
  --steps 2 --repeat "$REPEAT" --wasm-execution compiled \
  --template scripts/weight-template.hbs --header "$header" \
  --output "$PERF/balances_weights.rs"
rm -f "$header"
python3 scripts/perf_weights.py pallets/federated-learning/src/weights.rs "$PERF/balances_weights.rs" \
  --steps "$STEPS" --repeat "$REPEAT" > "$PERF/weights.md"
cat "$PERF/weights.md"
