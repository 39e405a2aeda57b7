#!/usr/bin/env python3
"""NumPy reference of flare-ml's MNIST MLP, for the epoch-time comparison in bench_learning.sh.

The same model, data and optimizer as `cargo bench -p flare-ml --bench train` (mlp:784-200-200-10):

* model: dense 784-200-200-10, ReLU between layers, softmax cross-entropy (mean over the batch);
  weights stored `[inputs, outputs]` (x @ W + b), He-uniform hidden layers
  (bound sqrt(6 / fan_in)), Glorot-uniform output layer (bound sqrt(6 / (fan_in + fan_out))),
  zero biases; float32 everywhere;
* data: the bundled MNIST (client/ml/data/mnist-10k/*.gz, IDX read here), pixels / 255, the first
  8 000 samples train, the last 2 000 test;
* optimizer: mini-batch SGD, batch 32 (last batch smaller), lr 0.05, heavy-ball momentum 0.9
  (v = m v + g; w -= lr v, velocity zeroed at the start of each training call), no weight decay,
  the training set reshuffled every epoch.

Like flare-ml, parameters live in one flat float32 vector (weights and biases are views of it), the
gradient is written into one flat vector, and the SGD step is three in-place vector operations.

The BLAS thread count is fixed before NumPy is imported (OMP/OPENBLAS/MKL_NUM_THREADS, default 2,
--threads to change); flare-ml's matrixmultiply is pinned with MATMUL_NUM_THREADS by the driver.

Prints the median epoch time over --repeats timed epochs (each from a fresh model, after --warmup
untimed epochs) and, as a sanity check, the test accuracy after --accuracy-epochs epochs.
--json prints one JSON object instead; --out FILE writes it to FILE as well.
"""

import argparse
import gzip
import json
import os
import statistics
import struct
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "client" / "ml" / "data" / "mnist-10k"
TRAIN = 8000


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2, help="BLAS threads (default 2)")
    p.add_argument("--repeats", type=int, default=7, help="timed epochs (default 7)")
    p.add_argument("--warmup", type=int, default=1, help="untimed epochs first (default 1)")
    p.add_argument(
        "--accuracy-epochs",
        type=int,
        default=3,
        help="epochs before the sanity-check test accuracy (default 3, 0 = skip)",
    )
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", type=Path, default=DATA, help="directory of the IDX .gz files")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--out", type=Path, help="also write the JSON object to this file")
    return p.parse_args()


ARGS = parse_args()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(ARGS.threads)

try:
    import numpy as np
except ImportError:
    sys.exit("numpy is not installed: python3 -m pip install numpy")

SIZES = (784, 200, 200, 10)


def read_idx(path, magic, ndims):
    """Strict IDX reader (gzip or raw), like flare_ml::data."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    got, = struct.unpack(">I", raw[:4])
    if got != magic:
        raise ValueError(f"{path}: magic {got:#010x}, expected {magic:#010x}")
    dims = struct.unpack(">" + "I" * ndims, raw[4 : 4 + 4 * ndims])
    payload = raw[4 + 4 * ndims :]
    if len(payload) != int(np.prod(dims)):
        raise ValueError(f"{path}: {len(payload)} payload bytes for dims {dims}")
    return np.frombuffer(payload, dtype=np.uint8).reshape(dims)


def load_mnist(directory):
    images = read_idx(directory / "images-idx3-ubyte.gz", 0x00000803, 3)
    labels = read_idx(directory / "labels-idx1-ubyte.gz", 0x00000801, 1)
    if images.shape[0] != labels.shape[0]:
        raise ValueError("image and label counts differ")
    x = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255.0)
    return x, labels.astype(np.intp)


class Mlp:
    """Flat parameter vector with per-layer (W, b) views; same layout as flare-ml's manifest."""

    def __init__(self, sizes, rng):
        self.sizes = sizes
        n = sum(a * b + b for a, b in zip(sizes, sizes[1:]))
        self.values = np.zeros(n, dtype=np.float32)
        self.grad = np.zeros(n, dtype=np.float32)
        self.layers, self.grads = [], []
        off = 0
        last = len(sizes) - 2
        for l, (fan_in, fan_out) in enumerate(zip(sizes, sizes[1:])):
            w = self.values[off : off + fan_in * fan_out].reshape(fan_in, fan_out)
            gw = self.grad[off : off + fan_in * fan_out].reshape(fan_in, fan_out)
            off += fan_in * fan_out
            b, gb = self.values[off : off + fan_out], self.grad[off : off + fan_out]
            off += fan_out
            bound = np.sqrt(6.0 / fan_in) if l < last else np.sqrt(6.0 / (fan_in + fan_out))
            w[...] = rng.uniform(-bound, bound, size=w.shape).astype(np.float32)
            self.layers.append((w, b))
            self.grads.append((gw, gb))

    def forward(self, x):
        """Activations per layer: input, post-ReLU hidden layers, logits."""
        acts = [x]
        for l, (w, b) in enumerate(self.layers):
            z = acts[-1] @ w
            z += b
            if l + 1 < len(self.layers):
                np.maximum(z, 0.0, out=z)
            acts.append(z)
        return acts

    def train_epoch(self, x, y, batch, lr, momentum, velocity, rng):
        """One epoch of mini-batch SGD; returns the mean cross-entropy."""
        lr, momentum = np.float32(lr), np.float32(momentum)
        order = rng.permutation(x.shape[0])
        total = 0.0
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            xb, yb = x[idx], y[idx]
            b = len(idx)
            rows = np.arange(b)
            acts = self.forward(xb)
            # Softmax cross-entropy; d(mean loss)/d(logits) = (softmax - onehot) / b.
            z = acts[-1]
            z -= z.max(axis=1, keepdims=True)
            dz = np.exp(z)
            s = dz.sum(axis=1, keepdims=True)
            total += float(np.sum(np.log(s[:, 0]) - z[rows, yb], dtype=np.float64))
            dz /= s * np.float32(b)
            dz[rows, yb] -= np.float32(1.0 / b)
            for l in range(len(self.layers) - 1, -1, -1):
                gw, gb = self.grads[l]
                inp = acts[l]
                np.matmul(inp.T, dz, out=gw)
                dz.sum(axis=0, out=gb)
                if l > 0:
                    dprev = dz @ self.layers[l][0].T
                    dprev[inp <= 0.0] = 0.0  # ReLU derivative
                    dz = dprev
            velocity *= momentum
            velocity += self.grad
            self.values -= lr * velocity
            if not np.isfinite(total):
                raise FloatingPointError("training diverged")
        return total / x.shape[0]

    def accuracy(self, x, y):
        logits = self.forward(x)[-1]
        return float(np.mean(np.argmax(logits, axis=1) == y))


def blas_info():
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f'{blas.get("name")} {blas.get("version")}'
    except Exception:  # older NumPy: no dict mode
        return "unknown"


def os_threads():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


def main():
    x, y = load_mnist(ARGS.data)
    if x.shape[0] < TRAIN:
        sys.exit(f"need at least {TRAIN} samples, found {x.shape[0]}")
    xtr, ytr, xte, yte = x[:TRAIN], y[:TRAIN], x[TRAIN:], y[TRAIN:]

    times = []
    for r in range(ARGS.warmup + ARGS.repeats):
        rng = np.random.default_rng(ARGS.seed)
        model = Mlp(SIZES, rng)
        velocity = np.zeros_like(model.values)
        t0 = time.perf_counter()
        model.train_epoch(xtr, ytr, ARGS.batch, ARGS.lr, ARGS.momentum, velocity, rng)
        dt = time.perf_counter() - t0
        if r >= ARGS.warmup:
            times.append(dt)
    median = statistics.median(times)

    accuracy = None
    losses = []
    if ARGS.accuracy_epochs > 0:
        rng = np.random.default_rng(ARGS.seed)
        model = Mlp(SIZES, rng)
        velocity = np.zeros_like(model.values)
        for _ in range(ARGS.accuracy_epochs):
            losses.append(model.train_epoch(xtr, ytr, ARGS.batch, ARGS.lr, ARGS.momentum, velocity, rng))
        accuracy = model.accuracy(xte, yte)

    result = {
        "model": "mlp:" + "-".join(map(str, SIZES)),
        "train_samples": int(xtr.shape[0]),
        "test_samples": int(xte.shape[0]),
        "batch": ARGS.batch,
        "lr": ARGS.lr,
        "momentum": ARGS.momentum,
        "threads": ARGS.threads,
        "repeats": ARGS.repeats,
        "warmup": ARGS.warmup,
        "epoch_seconds_median": median,
        "epoch_seconds": times,
        "accuracy_epochs": ARGS.accuracy_epochs,
        "test_accuracy": accuracy,
        "train_loss_per_epoch": losses,
        # OS threads of this process after training (the BLAS pool plus the main thread): shows
        # the thread setting took effect.
        "process_threads": os_threads(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "python": sys.version.split()[0],
    }
    if ARGS.out:
        ARGS.out.write_text(json.dumps(result) + "\n")
    if ARGS.json:
        print(json.dumps(result))
        return
    print(
        f"NumPy {np.__version__} ({result['blas']}, {ARGS.threads} threads; "
        f"{result['process_threads']} OS threads), {result['model']}, {xtr.shape[0]} samples, "
        f"batch {ARGS.batch}, lr {ARGS.lr}, momentum {ARGS.momentum}"
    )
    print(
        f"epoch time: median {1000 * median:.1f} ms over {len(times)} epochs "
        f"({', '.join(f'{1000 * t:.1f}' for t in times)} ms)"
    )
    if accuracy is not None:
        print(
            f"test accuracy after {ARGS.accuracy_epochs} epochs: {100 * accuracy:.2f} % "
            f"(train loss per epoch: {', '.join(f'{l:.4f}' for l in losses)})"
        )

if __name__ == "__main__":
    main()
