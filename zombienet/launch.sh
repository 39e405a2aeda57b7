#!/usr/bin/env bash
# Launches the local 4-validator Flare testnet (zombienet, native provider) for manual use and
# prints each node's RPC URL and polkadot.js Apps link. Runs until Ctrl-C, which stops every node.
#
#   zombienet/launch.sh
#
# Binary: $FLARE_NODE_BIN (default <target>/debug/flare-node, <target> = $CARGO_TARGET_DIR or
# <repo>/target; flare likewise). RPC ports: alice 9944, bob 9945,
# charlie 9946, dave 9947; override with FLARE_ZN_RPC_ALICE / _BOB / _CHARLIE / _DAVE.
# Node data and logs go to $FLARE_ZN_DIR (default: a new /tmp/flare-testnet.XXXXXX directory).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

zn_npm_deps
zn_bins

export FLARE_ZN_RPC_ALICE=${FLARE_ZN_RPC_ALICE:-9944}
export FLARE_ZN_RPC_BOB=${FLARE_ZN_RPC_BOB:-9945}
export FLARE_ZN_RPC_CHARLIE=${FLARE_ZN_RPC_CHARLIE:-9946}
export FLARE_ZN_RPC_DAVE=${FLARE_ZN_RPC_DAVE:-9947}
names=(alice bob charlie dave)
ports=("$FLARE_ZN_RPC_ALICE" "$FLARE_ZN_RPC_BOB" "$FLARE_ZN_RPC_CHARLIE" "$FLARE_ZN_RPC_DAVE")
for i in 0 1 2 3; do
  if ! zn_port_free "${ports[$i]}"; then
    echo "port ${ports[$i]} (${names[$i]}) is in use; stop what uses it or set FLARE_ZN_RPC_${names[$i]^^}" >&2
    exit 1
  fi
done

NET_DIR=${FLARE_ZN_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/flare-testnet.XXXXXX")}
case "$NET_DIR" in /*) ;; *) NET_DIR="$PWD/$NET_DIR" ;; esac
mkdir -p "$NET_DIR"
LOG="$NET_DIR/zombienet.log"

echo "Launching the Flare local testnet (4 validators, chain 'local') with zombienet..."
echo "  flare-node: $FLARE_NODE_BIN"
echo "  directory:  $NET_DIR   (zombienet output: $LOG)"
(cd "$ZN_DIR" && exec npx --no-install zombienet -p native -l text -d "$NET_DIR" -f spawn flare-network.toml) >"$LOG" 2>&1 &
ZN_PID=$!

stop() {
  trap - INT TERM EXIT
  if kill -0 "$ZN_PID" 2>/dev/null; then
    echo; echo "Stopping the testnet..."
    kill -INT "$ZN_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$ZN_PID" 2>/dev/null || break; sleep 1; done
  fi
  zn_cleanup_processes "" "$NET_DIR"
  echo "Stopped. Logs: $NET_DIR/logs (and $NET_DIR/*.log)"
}
trap stop EXIT
trap 'exit 130' INT TERM

deadline=$((SECONDS + 240))
for i in 0 1 2 3; do
  until zn_rpc_up "${ports[$i]}"; do
    if ! kill -0 "$ZN_PID" 2>/dev/null; then
      echo "zombienet exited before the network came up; last lines of $LOG:" >&2
      tail -30 "$LOG" >&2
      exit 1
    fi
    if [ $SECONDS -gt $deadline ]; then
      echo "timed out waiting for ${names[$i]}'s RPC on port ${ports[$i]}; see $LOG" >&2
      exit 1
    fi
    sleep 1
  done
done

echo
echo "Flare local testnet is up (Aura + GRANDPA validators alice, bob, charlie, dave; FL committee"
echo "Alice, Bob, Charlie; sudo Alice; block time 2 s)."
echo
printf '  %-8s %-24s %s\n' "node" "RPC (ws/http)" "polkadot.js Apps"
for i in 0 1 2 3; do
  printf '  %-8s %-24s %s\n' "${names[$i]}" "ws://127.0.0.1:${ports[$i]}" \
    "https://polkadot.js.org/apps/?rpc=ws://127.0.0.1:${ports[$i]}"
done
echo
echo "  node logs: $NET_DIR/<node>.log"
echo "  try:       $FLARE_BIN simulate --url ws://127.0.0.1:${ports[0]} --trainers 3 --rounds 3 --model logreg:784x10"
echo "             $FLARE_BIN rounds --task 0 --url ws://127.0.0.1:${ports[1]}"
echo
echo "Press Ctrl-C to stop the testnet."
wait "$ZN_PID" || true
echo "zombienet exited (its output: $LOG)"
