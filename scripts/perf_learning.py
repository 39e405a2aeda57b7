#!/usr/bin/env python3
"""Collects and reports the learning-core figures of scripts/bench_learning.sh.

  perf_learning.py collect --criterion DIR --since T --out FILE GROUP...
      Snapshots criterion's point estimates (DIR/**/new/{benchmark,estimates}.json) of the given
      groups, written at or after the Unix time T (so a bench that did not run cannot leave a
      stale figure behind), to FILE. Fails if a group has no fresh result.

  perf_learning.py step --raw DIR --label LABEL -- COMMAND
      Runs the shell command line COMMAND, its output shown and logged to DIR/logs/LABEL.log, and
      appends to DIR/steps.tsv: label, wall seconds, load averages before and after, the share of
      the machine's CPU time that other processes took meanwhile (machine busy time from
      /proc/stat minus COMMAND's own user + system time, over wall time x CPUs), the command.
      Exits with COMMAND's status.

  perf_learning.py report --raw DIR --out FILE
      Builds the markdown fragment from what bench_learning.sh left in DIR: the criterion
      snapshots, the benches' own JSON (FLARE_PERF_DIR), NumPy's JSON, steps.tsv (one line per
      command: label, wall seconds, load average before, after, command) and mode.

Only the standard library is used.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path


# ---------------------------------------------------------------------------------------------
# collect


def collect(args):
    root = Path(args.criterion)
    found = {}
    for bench_json in root.glob("**/new/benchmark.json"):
        est_json = bench_json.with_name("estimates.json")
        if not est_json.exists() or est_json.stat().st_mtime < args.since:
            continue
        bench = json.loads(bench_json.read_text())
        if bench["group_id"] not in args.groups:
            continue
        est = json.loads(est_json.read_text())
        sample = {}
        sample_json = bench_json.with_name("sample.json")
        if sample_json.exists():
            sample = json.loads(sample_json.read_text())
        found[bench["full_id"]] = {
            "group": bench["group_id"],
            "function": bench["function_id"],
            "value": bench.get("value_str"),
            "throughput": bench.get("throughput"),
            "median_ns": est["median"]["point_estimate"],
            "median_ci_ns": [
                est["median"]["confidence_interval"]["lower_bound"],
                est["median"]["confidence_interval"]["upper_bound"],
            ],
            "mean_ns": est["mean"]["point_estimate"],
            "slope_ns": (est.get("slope") or {}).get("point_estimate"),
            "iterations": int(sum(sample.get("iters", []))),
            "samples": len(sample.get("iters", [])),
        }
    missing = [g for g in args.groups if not any(v["group"] == g for v in found.values())]
    if missing:
        sys.exit(f"perf_learning.py collect: no fresh criterion results for {', '.join(missing)} "
                 f"under {root} (since {time.ctime(args.since)})")
    Path(args.out).write_text(json.dumps(found, indent=1, sort_keys=True))
    print(f"collected {len(found)} criterion results ({', '.join(args.groups)}) -> {args.out}")


# ---------------------------------------------------------------------------------------------
# step


def machine_busy_seconds():
    """CPU seconds the machine has spent busy: user, nice, system, irq, softirq, steal."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def loadavg():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def step(args):
    import resource

    raw = Path(args.raw)
    (raw / "logs").mkdir(parents=True, exist_ok=True)
    cmd = " ".join(args.command)
    l0, b0 = loadavg(), machine_busy_seconds()
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    with open(raw / "logs" / f"{args.label}.log", "wb") as log:
        proc = subprocess.Popen(["bash", "-c", cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for line in proc.stdout:
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
            log.write(line)
        rc = proc.wait()
    wall = time.monotonic() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    b1, l1 = machine_busy_seconds(), loadavg()
    own = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    others = "?"
    if b0 is not None and b1 is not None and wall > 0:
        others = f"{max(0.0, 100 * (b1 - b0 - own) / (wall * os.cpu_count())):.0f}"
    with open(raw / "steps.tsv", "a") as f:
        f.write(f"{args.label}\t{wall:.1f}\t{l0}\t{l1}\t{others}\t{own:.1f}\t{cmd}\n")
    sys.exit(rc)


# ---------------------------------------------------------------------------------------------
# report helpers


def fmt_time(ns):
    if ns is None:
        return "—"
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.4g} {unit}"
    return f"{ns:.4g} ns"


def fmt_ratio(x, digits=3):
    return "—" if x is None else f"{x:.{digits}g}"


def fmt_bytes(n):
    return f"{round(n):,}".replace(",", " ")


def fmt_int(n):
    return fmt_bytes(n)


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def fmt_rate(bytes_, ns):
    gib = bytes_ / (ns / 1e9) / 2**30
    return f"{gib:.3g} GiB/s" if gib >= 1 else f"{gib * 1024:.3g} MiB/s"


def load(path):
    return json.loads(Path(path).read_text())


def one(results, group, function):
    hits = [v for v in results.values() if v["group"] == group and v["function"] == function]
    if len(hits) != 1:
        sys.exit(f"perf_learning.py report: expected one criterion result {group}/{function}, "
                 f"found {len(hits)}")
    return hits[0]


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total():
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def cmd_out(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def read_steps(raw):
    steps = []
    path = raw / "steps.tsv"
    if path.exists():
        for line in path.read_text().splitlines():
            label, secs, la0, la1, others, own, cmd = line.split("\t", 6)
            # Shown from the repository root, where bench_learning.sh runs them.
            cmd = cmd.replace(os.getcwd() + "/", "")
            steps.append({"label": label, "seconds": float(secs), "load_before": la0,
                          "load_after": la1, "others": others, "own_cpu": float(own), "cmd": cmd})
    return steps


# ---------------------------------------------------------------------------------------------
# report


def report(args):
    raw = Path(args.raw)
    out = []
    w = out.append
    mode = (raw / "mode").read_text().strip() if (raw / "mode").exists() else "?"
    steps = read_steps(raw)

    # --- machine and run -------------------------------------------------------------------
    numpy = {t: load(raw / f"numpy-{t}t.json") for t in (2, 1) if (raw / f"numpy-{t}t.json").exists()}
    np_any = next(iter(numpy.values()), {})
    git = cmd_out(["git", "rev-parse", "--short=12", "HEAD"])
    dirty = cmd_out(["git", "status", "--porcelain", "--untracked-files=no"])
    w("### Measured side by side (`scripts/bench_learning.sh`)")
    w("")
    w("Generated by `scripts/bench_learning.sh" + (" --tiny" if mode == "tiny" else "")
      + "`; every ratio divides two figures measured in this one invocation on this machine."
      + (" **Tiny mode: a smoke test of the benchmarks, not figures to quote.**" if mode == "tiny" else ""))
    w("")
    w("| | |")
    w("|---|---|")
    w(f"| date | {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} |")
    w(f"| mode | {mode} |")
    w(f"| machine | {cpu_model()}, nproc {os.cpu_count()}, {mem_total()} RAM, "
      f"{platform.system()} {platform.release()} |")
    w(f"| rustc | {cmd_out(['rustc', '-V'])} |")
    if np_any:
        w(f"| NumPy | {np_any['numpy']} ({np_any['blas']}), Python {np_any['python']} |")
    w(f"| commit | {git}{' + uncommitted changes' if dirty else ''} |")
    w("| threads | flare-ml: `MATMUL_NUM_THREADS` (matrixmultiply); NumPy: "
      "`OMP_NUM_THREADS`/`OPENBLAS_NUM_THREADS`/`MKL_NUM_THREADS` |")
    if steps:
        wall = sum(s["seconds"] for s in steps)
        w(f"| wall time | {wall:.0f} s for the steps below |")
    w("")
    if steps:
        w("Commands, in order, from the repository root (`FLARE_PERF_DIR` is where the benches "
          "write their JSON). *Others' CPU* is the share of the machine's CPU time that processes "
          "other than the step took while it ran (from `/proc/stat`): above 0 %, the step "
          "competed for the cores.")
        w("")
        w("| step | command | wall | own CPU | others' CPU | load avg before → after |")
        w("|---|---|---|---|---|---|")
        for s in steps:
            w(f"| {s['label']} | `{s['cmd']}` | {s['seconds']:.1f} s | {s['own_cpu']:.1f} s | "
              f"{s['others']} % | {s['load_before']} → {s['load_after']} |")
        w("")
        busy = [s for s in steps if s["label"] != "build" and s["others"] != "?"
                and float(s["others"]) >= 10]
        if busy:
            w("**Contention:** other processes took ≥ 10 % of the CPU during "
              + ", ".join(f"{s['label']} ({s['others']} %)" for s in busy)
              + ". Absolute times of those steps are pessimistic, and multi-threaded ones suffer "
              "most: a 2-thread matrix product waits for its second thread to be scheduled (NumPy's "
              "OpenBLAS spin-waits for it, which makes it worse)."
              + (" The 1-thread training row is the robust comparison in that case."
                 if (raw / "numpy-1t.json").exists() else ""))
            w("")

    # --- training ----------------------------------------------------------------------------
    w("#### Local training: one epoch of the MLP, flare-ml vs NumPy")
    w("")
    acc = load(raw / "train_accuracy.json")
    w(f"`{acc['model']}`, {fmt_int(acc['train_samples'])} MNIST digits, batch {acc['batch']}, SGD lr "
      f"{acc['lr']}, momentum {acc['momentum']}, no weight decay, float32, same initialisation "
      "scheme (He-uniform hidden, Glorot-uniform output, zero biases); NumPy is "
      "`scripts/numpy_mlp.py`. flare-ml: criterion's median per epoch (fresh model each "
      "iteration); NumPy: median of its timed epochs (fresh model each). With 2 threads each "
      "library decides per matrix product whether to use the second one: matrixmultiply "
      "(`MATMUL_NUM_THREADS`) splits a product only if m·k + k·n ≥ 2¹⁵, which at batch 32 is 3 "
      "of the 8 products of a step (the forward 784→200 and 200→200 layers and the 200→200 "
      "backward input gradient; the weight gradients run on one thread); OpenBLAS applies its "
      "own size thresholds.")
    w("")
    w("| threads (both sides) | flare-ml epoch | NumPy epoch | **flare-ml ÷ NumPy** | flare-ml samples/s | NumPy samples/s |")
    w("|---|---|---|---|---|---|")
    for t in (2, 1):
        path = raw / f"criterion-train-{t}t.json"
        if not path.exists() or t not in numpy:
            continue
        fl = one(load(path), "train_epoch", acc["model"])
        npj = numpy[t]
        np_ns = npj["epoch_seconds_median"] * 1e9
        lo, hi = fl["median_ci_ns"]
        n = acc["train_samples"]
        w(f"| {t} | {fmt_time(fl['median_ns'])} (95 % CI {fmt_time(lo)}–{fmt_time(hi)}; "
          f"{plural(fl['iterations'], 'epoch')}) | {fmt_time(np_ns)} "
          f"(range {fmt_time(min(npj['epoch_seconds']) * 1e9)}–"
          f"{fmt_time(max(npj['epoch_seconds']) * 1e9)}; {plural(len(npj['epoch_seconds']), 'epoch')}) | "
          f"**{fl['median_ns'] / np_ns:.2f}** | {fmt_int(n / (fl['median_ns'] / 1e9))} | "
          f"{fmt_int(n / npj['epoch_seconds_median'])} |")
    w("")
    t1, t2 = raw / "criterion-train-1t.json", raw / "criterion-train-2t.json"
    if t1.exists() and t2.exists() and 1 in numpy and 2 in numpy:
        f1 = one(load(t1), "train_epoch", acc["model"])["median_ns"]
        f2 = one(load(t2), "train_epoch", acc["model"])["median_ns"]
        n1, n2 = (numpy[t]["epoch_seconds_median"] for t in (1, 2))
        w(f"Speed-up from the second thread (1-thread epoch ÷ 2-thread epoch): flare-ml "
          f"**{f1 / f2:.2f}×**, NumPy **{n1 / n2:.2f}×**.")
        w("")
    np2 = numpy.get(2) or np_any
    if np2 and np2.get("test_accuracy") is not None:
        np_loss = np2["train_loss_per_epoch"][-1] if np2["train_loss_per_epoch"] else None
        w(f"Sanity check, the same configuration trained for {plural(acc['epochs'], 'epoch')} "
          f"(flare-ml) / {plural(np2['accuracy_epochs'], 'epoch')} (NumPy) and evaluated on the "
          f"{fmt_int(acc['test_samples'])} held-out digits: flare-ml **{100 * acc['test_accuracy']:.2f} %** "
          f"(last-epoch train loss {acc['final_train_loss']:.4f}), NumPy "
          f"**{100 * np2['test_accuracy']:.2f} %** (last-epoch train loss {np_loss:.4f}). "
          + (f"OS threads of each process after training: flare-ml {acc['process_threads']}, "
             f"NumPy {np2['process_threads']} (the thread settings took effect). "
             if acc.get("process_threads") and np2.get("process_threads") else "")
          + "The initial weights come from "
          "different generators (ChaCha8 vs PCG64), so the two runs agree in distribution, not bit for bit.")
        w("")

    # --- aggregation -------------------------------------------------------------------------
    agg = load(raw / "criterion-aggregate.json")
    memcpy = one(agg, "aggregate", "memcpy")
    nbytes = (memcpy.get("throughput") or {}).get("Bytes")
    w("#### Aggregation: each rule vs a memory copy of the same updates")
    w("")
    updates, values = memcpy["value"].split("x")
    w(f"`cargo bench --bench aggregate`: {updates} updates × {fmt_int(int(values))} f32 "
      f"(the MLP's size; {nbytes / 1e6:.2f} MB of input), random deltas with a fixed seed; the "
      "baseline copies every update into a preallocated buffer. Criterion medians.")
    w("")
    w("| rule | time | input read at | **÷ memcpy** |")
    w("|---|---|---|---|")
    rows = sorted(agg.values(), key=lambda v: (v["function"] != "memcpy", v["median_ns"]))
    for v in rows:
        name = "memcpy (baseline)" if v["function"] == "memcpy" else f"`{v['function']}`"
        w(f"| {name} | {fmt_time(v['median_ns'])} | {fmt_rate(nbytes, v['median_ns'])} | "
          f"**{v['median_ns'] / memcpy['median_ns']:.1f}** |")
    w("")

    # --- codecs --------------------------------------------------------------------------------
    sizes = load(raw / "codec_sizes.json")
    crit = load(raw / "criterion-codec.json")
    raw_b, zl_b = sizes["raw_f32_bytes"], sizes["zlib_raw_f32_bytes"]
    zenc = one(crit, "codec_encode", "zlib-raw-f32")
    zdec = one(crit, "codec_decode", "zlib-raw-f32")
    w("#### Update codecs: size and speed vs zlib on the raw f32 bytes")
    w("")
    w(f"`cargo bench --bench codec`: one real MLP update (2 local epochs on one of 10 IID "
      f"clients; {fmt_int(sizes['values'])} values = {fmt_bytes(raw_b)} raw f32 bytes, "
      f"{100 * sizes['exact_zeros'] / sizes['values']:.1f} % exact zeros). Baseline "
      f"`zlib-raw-f32`: zlib (flate2, default level) over the raw little-endian f32 bytes, no "
      f"header: {fmt_bytes(zl_b)} bytes, encode {fmt_time(zenc['median_ns'])}, decode "
      f"{fmt_time(zdec['median_ns'])}. Blob sizes include the FLUP header and manifest "
      f"(≈ 118 bytes). Encode includes a fresh error-feedback state; decode every strictness "
      f"check. Criterion medians.")
    w("")
    w("| codec | bytes | **÷ raw f32** | **÷ zlib-raw-f32** | encode | encode ÷ zlib-raw-f32 | decode | decode ÷ zlib-raw-f32 |")
    w("|---|---|---|---|---|---|---|---|")
    w(f"| zlib-raw-f32 (baseline) | {fmt_bytes(zl_b)} | {zl_b / raw_b:.3f} | 1 | "
      f"{fmt_time(zenc['median_ns'])} | 1 | {fmt_time(zdec['median_ns'])} | 1 |")
    for c in sizes["codecs"]:
        e = one(crit, "codec_encode", c["codec"])
        d = one(crit, "codec_decode", c["codec"])
        w(f"| `{c['codec']}` | {fmt_bytes(c['bytes'])} | {c['bytes'] / raw_b:.3f} | "
          f"{c['bytes'] / zl_b:.3f} | {fmt_time(e['median_ns'])} | "
          f"{e['median_ns'] / zenc['median_ns']:.3g} | {fmt_time(d['median_ns'])} | "
          f"{d['median_ns'] / zdec['median_ns']:.3g} |")
    w("")

    ca = load(raw / "codec_accuracy.json")
    base = next(c for c in ca["codecs"] if c["codec"] == "raw")
    w(f"#### Update codecs: accuracy cost after {plural(ca['rounds'], 'FedAvg round')}")
    w("")
    w(f"`cargo bench --bench codec_accuracy` (the simulation of `tests/federated.rs`): "
      f"`{ca['model']}`, {ca['clients']} IID clients, FedAvg, {plural(ca['rounds'], 'round')} × "
      f"{ca['local_epochs']} local epochs (batch {ca['batch']}, lr {ca['lr']}, momentum "
      f"{ca['momentum']}), every update sent through the codec (top-k keeps 10 % with error "
      f"feedback, int8-block uses blocks of 256); test accuracy on the 2 000 held-out digits "
      f"after the last round; bytes are the mean blob size over the "
      f"{ca['clients'] * ca['rounds']} updates. Baseline: the `raw` codec "
      f"({fmt_bytes(base['mean_blob_bytes'])} bytes, {100 * base['accuracy']:.2f} %).")
    w("")
    w("| codec | bytes/update | ÷ raw | accuracy | **cost vs raw** |")
    w("|---|---|---|---|---|")
    for c in ca["codecs"]:
        cost = 100 * (c["accuracy"] - base["accuracy"])
        if c["codec"] == "raw":
            note = "baseline"
        elif c["same_model_as_raw"]:
            note = "0 (bit-identical run)"
        else:
            note = f"{cost:+.2f} pp"
        w(f"| `{c['codec']}` | {fmt_bytes(c['mean_blob_bytes'])} | "
          f"{c['mean_blob_bytes'] / base['mean_blob_bytes']:.3f} | {100 * c['accuracy']:.2f} % | "
          f"{note} |")
    w("")
    w("Per-round accuracy (%): " + "; ".join(
        f"{c['codec']} " + ", ".join(f"{100 * a:.1f}" for a in c["accuracy_per_round"])
        for c in ca["codecs"]) + ".")
    w("")

    text = "\n".join(out)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(f"wrote {args.out}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("--criterion", required=True)
    c.add_argument("--since", type=float, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("groups", nargs="+")
    s = sub.add_parser("step")
    s.add_argument("--raw", required=True)
    s.add_argument("--label", required=True)
    s.add_argument("command", nargs="+")
    r = sub.add_parser("report")
    r.add_argument("--raw", required=True)
    r.add_argument("--out", required=True)
    args = p.parse_args()
    {"collect": collect, "step": step, "report": report}[args.cmd](args)


if __name__ == "__main__":
    main()
