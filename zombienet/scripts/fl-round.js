// Waits until a round of the test's task is finalized on the testnet and checks it from every
// live node. Usage (zndsl):
//   alice: js-script ./scripts/fl-round.js with "0" return is at least 1 within 240 seconds
//       round 0 finalized
//   alice: js-script ./scripts/fl-round.js with "after-kill" return is at least 1 within 300 seconds
//       a round that STARTED after the kill recorded by kill-node.js finalized
// "Finalized" means: flare_roundSummary says Finalized with a model, quorum votes and >= 2
// commitments; the block that finalized it is GRANDPA-final, and the round reads Finalized (same
// model) at the finalized head of every node still alive. Returns round + 1.
"use strict";

const fs = require("fs");
const path = require("path");
const z = require("./lib");

async function run(nodeName, networkInfo, args) {
  const dir = z.workDir(networkInfo);
  const mode = (args[0] || "0").trim();
  const state = z.checkParticipants(dir);
  const { task } = state;
  const url = z.wsUri(networkInfo, nodeName);

  let killedAt = null;
  if (mode === "after-kill") {
    killedAt = z.readJson(path.join(dir, "killed.json"));
    z.log(`looking for a round of task ${task} started after ${killedAt.node} was killed at #${killedAt.best}`);
  }

  const found = await z.waitFor(
    mode === "after-kill" ? "a round started after the kill to finalize" : `round ${mode} to finalize`,
    async () => {
      z.checkParticipants(dir);
      const candidates = [];
      if (killedAt) {
        for (let r = 0; r < state.rounds; r++) candidates.push(r);
      } else {
        candidates.push(parseInt(mode, 10));
      }
      for (const r of candidates) {
        const s = await z.roundSummary(url, task, r);
        if (!s) continue;
        if (s.state === "Failed") throw z.fatal(`round ${r} failed: ${JSON.stringify(s.failure)}`);
        if (killedAt && s.started <= killedAt.best) continue;
        if (s.state === "Finalized") return s;
      }
      return null;
    },
    600_000,
  );
  const round = found.round;
  z.log(`round ${round} finalized at #${found.ended}: model ${found.model.hash}, ` +
    `${found.commitments} commitments, ${found.votes}/${found.quorum} votes, blocks ${found.started}..${found.ended}`);
  if (found.commitments < 2) throw new Error(`round ${round}: only ${found.commitments} commitments`);
  if (found.votes < found.quorum) throw new Error(`round ${round}: ${found.votes} votes < quorum ${found.quorum}`);
  if (!found.proposals.some((p) => p.votes >= found.quorum && p.model.hash === found.model.hash)) {
    throw new Error(`round ${round}: no proposal with quorum for the finalized model`);
  }
  if (killedAt && !(found.started > killedAt.best)) throw new Error("round did not start after the kill");

  // GRANDPA finality of the block that finalized the round, seen from every live node.
  const dead = new Set(fs.existsSync(path.join(dir, "killed.json")) ? [z.readJson(path.join(dir, "killed.json")).node] : []);
  const live = Object.keys(networkInfo.nodesByName).filter((n) => !dead.has(n));
  for (const n of live) {
    const nurl = z.wsUri(networkInfo, n);
    const fin = await z.waitFor(`#${found.ended} final on ${n}`, async () => {
      const f = await z.finalized(nurl);
      return f.number >= found.ended ? f : null;
    }, 120_000);
    const s = await z.roundSummary(nurl, task, round, fin.hash);
    if (!s || s.state !== "Finalized" || s.model.hash !== found.model.hash) {
      throw new Error(`${n}: round ${round} at finalized #${fin.number} reads ${JSON.stringify(s && s.state)}`);
    }
    z.log(`${n}: round ${round} Finalized in GRANDPA-finalized state (#${fin.number})`);
  }
  fs.writeFileSync(path.join(dir, `round-${round}.json`), JSON.stringify(found, null, 2));
  return round + 1;
}

module.exports = { run };
