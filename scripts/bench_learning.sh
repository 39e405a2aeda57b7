#!/usr/bin/env bash
# Benchmarks Flare's learning core (flare-ml) against baselines run in the same invocation, and
# writes a markdown fragment to ${CARGO_TARGET_DIR:-target}/perf/learning.md:
#
#   * one MLP training epoch (784-200-200-10, batch 32, SGD lr 0.05 momentum 0.9) against the
#     same model in NumPy (scripts/numpy_mlp.py), both with 2 threads (and, in full mode, both
#     with 1 thread);
#   * aggregation time of every rule against a memory copy of the same updates;
#   * bytes, encode and decode time of every update codec against zlib over the raw f32 bytes;
#   * the accuracy cost of every codec after R FedAvg rounds, against the raw codec.
#
# Usage: scripts/bench_learning.sh [--tiny]
#   --tiny  short criterion runs, 1 NumPy epoch, 1 round: checks that everything still runs
#           (what CI runs); the figures are not meant to be quoted.
# Raw results (criterion snapshots, JSON, logs) go to ${CARGO_TARGET_DIR:-target}/perf/learning/.
set -euo pipefail
cd "$(dirname "$0")/.."

MODE=full
case "${1:-}" in
	--tiny) MODE=tiny ;;
	"") ;;
	-h | --help)
		sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "usage: $0 [--tiny]" >&2
		exit 2
		;;
esac

TARGET=${CARGO_TARGET_DIR:-target}
PERF=$TARGET/perf
RAW=$PERF/learning
OUT=$PERF/learning.md
THREADS=2

if [[ $MODE == tiny ]]; then
	CRITERION="--warm-up-time 0.2 --measurement-time 0.5 --sample-size 10"
	CRITERION_TRAIN=$CRITERION
	NUMPY_REPEATS="--repeats 1 --warmup 0"
	ACCURACY_EPOCHS=1
	ROUNDS=1
else
	CRITERION="--warm-up-time 1 --measurement-time 3"
	# The headline ratio: ~75 timed epochs on the flare-ml side, 31 on NumPy's.
	CRITERION_TRAIN="--warm-up-time 2 --measurement-time 10"
	NUMPY_REPEATS="--repeats 31 --warmup 3"
	ACCURACY_EPOCHS=5
	ROUNDS=5
fi

rm -rf "$RAW"
mkdir -p "$RAW/logs"
RAW=$(cd "$RAW" && pwd) # absolute: cargo runs bench binaries from the package directory
echo "$MODE" >"$RAW/mode"

if ! python3 -c 'import numpy' 2>/dev/null; then
	echo "==> installing numpy"
	python3 -m pip install --quiet numpy
fi

# run LABEL COMMAND: runs COMMAND (a shell command line) from the repository root, its output
# shown and logged to $RAW/logs/LABEL.log; records the command, its wall time, the load averages
# and the CPU share other processes took meanwhile in $RAW/steps.tsv.
run() {
	printf '\n==> %s: %s\n' "$1" "$2"
	if ! python3 scripts/perf_learning.py step --raw "$RAW" --label "$1" -- "$2"; then
		echo "bench_learning.sh: step '$1' failed; log: $RAW/logs/$1.log" >&2
		exit 1
	fi
}

# bench LABEL GROUPS COMMAND: `run`, then snapshot criterion's fresh estimates of GROUPS.
bench() {
	local label=$1 groups=$2 cmd=$3 since
	since=$(date +%s.%N)
	run "$label" "$cmd"
	python3 scripts/perf_learning.py collect --criterion "$TARGET/criterion" --since "$since" \
		--out "$RAW/criterion-$label.json" $groups
}

CARGO="cargo bench --locked -p flare-ml"
ENV="FLARE_PERF_DIR=$RAW"

run build "$CARGO --no-run"

# Training: flare-ml and NumPy back to back, same thread count.
bench train-2t train_epoch \
	"$ENV FLARE_PERF_ACCURACY_EPOCHS=$ACCURACY_EPOCHS MATMUL_NUM_THREADS=$THREADS $CARGO --bench train -- $CRITERION_TRAIN"
run numpy-2t "python3 scripts/numpy_mlp.py --threads $THREADS $NUMPY_REPEATS --accuracy-epochs $ACCURACY_EPOCHS --out $RAW/numpy-2t.json"
if [[ $MODE == full ]]; then
	# One thread on both sides: no waiting for a second thread to be scheduled, so this row
	# compares the kernels even when other processes compete for the cores.
	bench train-1t train_epoch \
		"FLARE_PERF_ACCURACY_EPOCHS=1 MATMUL_NUM_THREADS=1 $CARGO --bench train -- $CRITERION_TRAIN mlp"
	run numpy-1t "python3 scripts/numpy_mlp.py --threads 1 $NUMPY_REPEATS --accuracy-epochs 0 --out $RAW/numpy-1t.json"
fi

bench aggregate aggregate "MATMUL_NUM_THREADS=$THREADS $CARGO --bench aggregate -- $CRITERION"
bench codec "codec_encode codec_decode" \
	"$ENV MATMUL_NUM_THREADS=$THREADS $CARGO --bench codec -- $CRITERION"
run codec_accuracy "$ENV FLARE_PERF_ROUNDS=$ROUNDS MATMUL_NUM_THREADS=$THREADS $CARGO --bench codec_accuracy"

python3 scripts/perf_learning.py report --raw "$RAW" --out "$OUT"
printf '\n'
cat "$OUT"
