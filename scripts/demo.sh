#!/usr/bin/env bash
# The main job: a federated-learning run on a local dev chain, on the bundled MNIST digits.
# Builds flare-node and flare (installing prerequisites first), starts `flare-node --dev --tmp`,
# creates a task, runs 10 trainers and a 3-member aggregator committee (quorum 2) for 10 rounds,
# prints a per-round table and writes flare-out/accuracy.svg. Extra arguments go to
# `flare simulate` (see `target/debug/flare simulate --help`), e.g. --partition dirichlet:0.5.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
unset SKIP_WASM_BUILD
echo "==> building flare-node and flare (the first build takes a while)"
cargo build --locked -p flare-node -p flare
TARGET=${CARGO_TARGET_DIR:-target}
exec "$TARGET/debug/flare" simulate --node-bin "$TARGET/debug/flare-node" "$@"
