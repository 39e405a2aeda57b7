// Checks that a node's best AND GRANDPA-finalized heights both advance by at least N blocks
// (relative to when the step starts; useful after a validator was killed). Usage:
//   alice: js-script ./scripts/chain-progress.js with "5" return is at least 5 within 120 seconds
// Returns the smaller of the two advances.
"use strict";

const z = require("./lib");

async function run(nodeName, networkInfo, args) {
  const n = parseInt(args[0] || "5", 10);
  const url = z.wsUri(networkInfo, nodeName);
  const best0 = await z.bestNumber(url);
  const fin0 = (await z.finalized(url)).number;
  const result = await z.waitFor(`${nodeName}: best and finalized +${n}`, async () => {
    const best = await z.bestNumber(url);
    const fin = (await z.finalized(url)).number;
    return best - best0 >= n && fin - fin0 >= n ? { best, fin } : null;
  }, 600_000);
  z.log(`${nodeName}: best #${best0} -> #${result.best}, finalized #${fin0} -> #${result.fin}`);
  return Math.min(result.best - best0, result.fin - fin0);
}

module.exports = { run };
