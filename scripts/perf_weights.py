#!/usr/bin/env python3
"""Turns generated FRAME weight files into a markdown table: each federated-learning call's
worst-case weight (components at their maximum) beside pallet_balances::transfer_keep_alive,
priced with ParityDb's database weights (the Flare runtime's DbWeight), and the hook's worst
case (every active task advancing in one block, plus one full round pruned)."""
import argparse, re, sys

READ_PS, WRITE_PS = 8_000_000, 50_000_000  # ParityDbWeight: 8 µs read, 50 µs write
# Flare runtime constants (runtime/src/configs/mod.rs).
MAX_ACTIVE_TASKS, MAX_UPDATES, MAX_COMMITTEE = 32, 1024, 16
BLOCK_NORMAL_PS = 2000 // 3 * 1_000_000_000 * 75 // 100  # 2 s blocks: a third for compute, 75 % normal

def num(s):
    return int(s.replace("_", ""))

def parse(path):
    text = open(path).read()
    impl = text.split("for SubstrateWeight<T>", 1)[1].split("impl WeightInfo for ()", 1)[0]
    fns = {}
    for m in re.finditer(r"((?:\s*///[^\n]*\n)*)\s*fn (\w+)\(([^)]*)\) -> Weight \{(.*?)\n\t\}", impl, re.S):
        docs, name, _args, body = m.groups()
        ranges = {c: (num(a), num(b)) for c, a, b in re.findall(r"component `(\w+)` is `\[(\d+), (\d+)\]`", docs)}
        base = re.search(r"Weight::from_parts\(([\d_]+), (\d+)\)", body)
        f = {"ranges": ranges, "ref": num(base.group(1)), "proof": num(base.group(2)),
             "slopes": {}, "proof_slopes": {}, "reads": 0, "writes": 0, "c_reads": {}, "c_writes": {}}
        for s, c in re.findall(r"from_parts\(([\d_]+), 0\)\.saturating_mul\((\w+)\.into", body):
            f["slopes"][c] = num(s)
        for s, c in re.findall(r"from_parts\(0, ([\d_]+)\)\.saturating_mul\((\w+)\.into", body):
            f["proof_slopes"][c] = num(s)
        r = re.search(r"\.reads\((\d+)_u64\)\)", body)
        w = re.search(r"\.writes\((\d+)_u64\)\)", body)
        f["reads"] = int(r.group(1)) if r else 0
        f["writes"] = int(w.group(1)) if w else 0
        for s, c in re.findall(r"\.reads\(\((\d+)_u64\)\.saturating_mul\((\w+)\.into", body):
            f["c_reads"][c] = int(s)
        for s, c in re.findall(r"\.writes\(\((\d+)_u64\)\.saturating_mul\((\w+)\.into", body):
            f["c_writes"][c] = int(s)
        fns[name] = f
    return fns

def weight(f, values=None):
    values = values or {c: hi for c, (lo, hi) in f["ranges"].items()}
    ref = f["ref"] + sum(f["slopes"].get(c, 0) * v for c, v in values.items())
    reads = f["reads"] + sum(f["c_reads"].get(c, 0) * v for c, v in values.items())
    writes = f["writes"] + sum(f["c_writes"].get(c, 0) * v for c, v in values.items())
    proof = f["proof"] + sum(f["proof_slopes"].get(c, 0) * v for c, v in values.items())
    return ref + reads * READ_PS + writes * WRITE_PS, proof, values

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("fl"), ap.add_argument("balances")
    ap.add_argument("--steps"), ap.add_argument("--repeat")
    a = ap.parse_args()
    fl, bal = parse(a.fl), parse(a.balances)
    tka, tka_proof, _ = weight(bal["transfer_keep_alive"])
    out = []
    out.append("### Call weights (frame-benchmarking v2)\n")
    out.append(f"`scripts/bench-weights.sh --steps {a.steps} --repeat {a.repeat}`: the pallet's v2 benchmarks "
               "run by `flare-node benchmark pallet` (built with `--features runtime-benchmarks`), "
               "`pallet_balances::transfer_keep_alive` in the same run. Weights are worst case "
               "(every component at its maximum) and include storage priced with ParityDb's "
               "database weights (8 µs per read, 50 µs per write) — the Flare runtime's `DbWeight`. "
               "The benchmarking node is the dev-profile build, whose host functions (storage, "
               "hashing, signatures) are unoptimized native code: absolute times are several times "
               "those of a release node (conservative weights); the ratios compare like with like.\n")
    out.append("| call | worst-case components | ref time | proof size | ÷ transfer_keep_alive |")
    out.append("|---|---|---|---|---|")
    out.append(f"| `balances::transfer_keep_alive` (baseline) | – | {tka/1e6:,.1f} µs | {tka_proof/1024:,.1f} KiB | 1.00 |")
    for name, f in fl.items():
        ref, proof, values = weight(f)
        comps = ", ".join(f"{c}={v}" for c, v in values.items()) or "–"
        out.append(f"| `{name}` | {comps} | {ref/1e6:,.1f} µs | {proof/1024:,.1f} KiB | {ref/tka:,.2f} |")
    idle, _, _ = weight(fl["on_initialize_idle"], {"t": MAX_ACTIVE_TASKS})
    adv, _, _ = weight(fl["advance_round"], {})
    prune, _, _ = weight(fl["prune_round"], {"c": MAX_UPDATES, "v": MAX_COMMITTEE})
    hook = idle + MAX_ACTIVE_TASKS * adv + prune
    out.append("")
    out.append(f"**Hook worst case** (`on_initialize` with all {MAX_ACTIVE_TASKS} active tasks advancing "
               f"in one block, plus one full round of {MAX_UPDATES} commitments and {MAX_COMMITTEE} votes pruned): "
               f"{hook/1e6:,.0f} µs = {hook/tka:,.1f} × transfer_keep_alive = "
               f"{100*hook/(2000//3*1e9):.1f} % of the block's compute budget.")
    sub, _, _ = weight(fl["submit_update"])
    out.append(f"A block's normal-class budget holds {BLOCK_NORMAL_PS//sub} worst-case `submit_update` calls "
               f"(weight alone, before length and pool limits); {BLOCK_NORMAL_PS//tka} transfers.\n")
    print("\n".join(out))

if __name__ == "__main__":
    sys.exit(main())
