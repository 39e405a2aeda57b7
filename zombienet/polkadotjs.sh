#!/usr/bin/env bash
# Runs the polkadot.js tests (zombienet/polkadotjs/*.test.mjs, node:test): each spawns its own
# `flare-node --dev --tmp` on free ports, drives FL activity with `flare simulate`, and reads the
# federated-learning pallet's storage, events and the flare_roundSummary RPC with @polkadot/api
# (types from the runtime metadata only).
#
#   zombienet/polkadotjs.sh
#
# Binaries: $FLARE_NODE_BIN and $FLARE_BIN, default <target>/debug/flare-node and .../flare, where
# <target> is $CARGO_TARGET_DIR or <repo>/target.
# FLARE_PJS_KEEP=1 keeps the test's temp dir (node.log, simulate.log).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

zn_npm_deps
zn_bins
cd "$ZN_DIR"
exec node --test --test-reporter=spec polkadotjs/
