#!/usr/bin/env bash
# Runs every test of Flare: pallet (mock runtime, randomized sequences, benchmark tests), runtime,
# node commands, flare-ml (accuracy, determinism, robustness, codecs), and the end-to-end tests
# that run the real flare-node and flare client; then the polkadot.js test and the zombienet
# network tests. Installs its own prerequisites first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# One SKIP_WASM_BUILD value per job: the wasm runtime is always built.
unset SKIP_WASM_BUILD
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%T)"; }

# One cargo invocation builds both binaries and every test with one feature resolution, so
# nothing is compiled twice. flare-node's own integration tests make cargo build its binary,
# which the client's end-to-end tests then start.
step "cargo test --workspace"
cargo test --locked --workspace

step "pallet benchmarks as tests (runtime-benchmarks)"
cargo test --locked -p pallet-federated-learning --features runtime-benchmarks -- benchmarking

step "polkadot.js reads rounds from a dev node"
bash zombienet/polkadotjs.sh

step "zombienet: 4-validator testnet"
bash zombienet/test.sh

step "benchmarks still run (tiny sizes)"
bash scripts/bench.sh --tiny

step "all tests passed"
