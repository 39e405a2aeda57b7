#!/usr/bin/env python3
"""Summarizes `flare simulate` round tables (rounds.csv) as markdown: time per round split into
local training, blob verification, aggregation and waiting for blocks; blocks per round; bytes
per update; accuracy."""
import csv, statistics, sys

def main():
    out = ["`flare simulate` (10 trainers, 3 aggregators with quorum 2, MLP 784-200-200-10, FedAvg, "
           "`topk+int8+zlib`, 2 local epochs per round, 2 s blocks) against `flare-node --dev`; "
           "each trainer holds 800 of the 8,000 training digits, accuracy on the 2,000 held-out digits.\n",
           "| partition | rounds | final accuracy | s/round | training | verify | aggregate | waiting for blocks | blocks, start → finalized | bytes/update |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for arg in sys.argv[1:]:
        label, path = arg.split(":", 1)
        rows = [r for r in csv.DictReader(open(path)) if r["state"] == "Finalized"]
        if not rows:
            out.append(f"| {label} | 0 | – | – | – | – | – | – | – | – |")
            continue
        m = lambda k: statistics.mean(float(r[k]) for r in rows)
        blocks = statistics.mean(int(r["end_block"]) - int(r["start_block"]) for r in rows)
        acc = float(rows[-1]["accuracy"]) * 100
        wall = m("wall_secs")
        share = lambda k: (f"{m(k)*1000:.1f} ms" if m(k) < 0.1 else f"{m(k):.2f} s") + f" ({100*m(k)/wall:.1f} %)"
        out.append(f"| {label} | {len(rows)} | {acc:.2f} % | {wall:.1f} | {share('train_secs')} | "
                   f"{share('verify_secs')} | {share('aggregate_secs')} | {share('wait_secs')} | "
                   f"{blocks:.1f} | {m('bytes_per_update'):,.0f} |")
    out.append("\nTraining, verify and aggregate are the slowest participant's time per round (they run in "
               "parallel); the rest is waiting for blocks. A round takes about three blocks: the "
               "commitments land in the block after the round starts (reaching `max_updates` closes "
               "training early, long before the 20-block training period), the committee's results in "
               "the next one (finalization), and the next round starts in the block after that. The "
               "learning work per round is a fraction of a second; the 2 s block time sets the pace.")
    print("\n".join(out))

if __name__ == "__main__":
    main()
