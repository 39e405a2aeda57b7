#!/usr/bin/env bash
# Regenerates docs/PERFORMANCE.md: every figure beside a baseline measured in the same run.
#   scripts/bench.sh          full run (~1 h on 2 cores, including the runtime-benchmarks build)
#   scripts/bench.sh --tiny   quick check that every benchmark still runs (CI); writes only to
#                             ${CARGO_TARGET_DIR:-target}/perf, never to docs/
#   scripts/bench.sh --assemble   only rebuild docs/PERFORMANCE.md from the fragments in .../perf
set -euo pipefail
cd "$(dirname "$0")/.."
TINY=0
ASSEMBLE=0
[ "${1:-}" = "--tiny" ] && TINY=1
[ "${1:-}" = "--assemble" ] && ASSEMBLE=1
TARGET=${CARGO_TARGET_DIR:-target}
PERF="$TARGET/perf"
mkdir -p "$PERF"
unset SKIP_WASM_BUILD

if [ $TINY = 1 ]; then
  bash scripts/bench_learning.sh --tiny
  cargo build --locked -p flare-node -p flare
  "$TARGET/debug/flare-bench" throughput --clients 20 --out "$PERF/throughput.md"
  "$TARGET/debug/flare" simulate --node-bin "$TARGET/debug/flare-node" --trainers 3 --rounds 2 \
    --quiet --out "$PERF/sim-tiny" > /dev/null
  python3 scripts/perf_rounds.py "iid:$PERF/sim-tiny/rounds.csv" > "$PERF/rounds.md"
  echo "benchmarks ran (tiny); fragments in $PERF"
  exit 0
fi

if [ $ASSEMBLE = 0 ]; then
  bash scripts/bench-weights.sh
  bash scripts/bench_learning.sh
  cargo build --locked -p flare-node -p flare
  "$TARGET/debug/flare-bench" throughput --clients 1000 --out "$PERF/throughput.md"
  for p in iid dirichlet:0.5; do
    "$TARGET/debug/flare" simulate --node-bin "$TARGET/debug/flare-node" --partition "$p" \
      --quiet --out "$PERF/sim-${p%%:*}"
  done
  python3 scripts/perf_rounds.py "IID:$PERF/sim-iid/rounds.csv" \
    "Dirichlet(0.5):$PERF/sim-dirichlet/rounds.csv" > "$PERF/rounds.md"
fi

{
  echo "# Performance"
  echo
  echo "Every figure below was measured by \`scripts/bench.sh\` on $(nproc) cores"
  echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB),"
  echo "$(date -u +%Y-%m-%d), next to a baseline run in the same invocation. Regenerate with \`scripts/bench.sh\`."
  echo
  echo "## Chain"
  echo
  cat "$PERF/weights.md"
  echo
  cat "$PERF/throughput.md"
  echo
  echo "## Rounds of a simulated federation"
  echo
  cat "$PERF/rounds.md"
  echo
  echo "## Learning core (flare-ml)"
  echo
  cat "$PERF/learning.md"
} > docs/PERFORMANCE.md
echo "wrote docs/PERFORMANCE.md"
