// Waits until the test's task is completed (all rounds run) and every trainer and aggregator
// exited with status 0; prints `flare rounds` (the round history) from the node. Usage:
//   alice: js-script ./scripts/fl-complete.js return is equal to 4 within 300 seconds
// Returns the number of finalized rounds.
"use strict";

const z = require("./lib");

async function run(nodeName, networkInfo) {
  const dir = z.workDir(networkInfo);
  const url = z.wsUri(networkInfo, nodeName);
  const state = z.checkParticipants(dir);
  const fs = require("fs");
  const path = require("path");
  await z.waitFor("every participant to exit", async () => {
    z.checkParticipants(dir);
    return state.participants.every((p) => fs.existsSync(path.join(dir, `${p.name}.exit`)));
  }, 600_000);
  const status = await z.flare(["task", "status", "--task", String(state.task), "--url", url]);
  z.log(`flare task status:\n${status}`);
  if (!/Completed/.test(status.split("\n")[0])) throw new Error(`task not completed: ${status}`);
  const table = await z.flare(["rounds", "--task", String(state.task), "--url", url]);
  z.log(`flare rounds --task ${state.task} --url ${url}\n${table}`);
  let finalizedRounds = 0;
  for (let r = 0; r < state.rounds; r++) {
    const s = await z.roundSummary(url, state.task, r);
    if (s && s.state === "Finalized") finalizedRounds++;
  }
  return finalizedRounds;
}

module.exports = { run };
