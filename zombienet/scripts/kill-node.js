// Kills a validator for good (SIGKILL; zombienet's own `pause` would only SIGSTOP it). Usage:
//   dave: js-script ./scripts/kill-node.js within 60 seconds
// The node's process id comes from zombienet's native provider (the process it spawned) and from
// /proc: the flare-node process whose --name is the node and --base-path <tmpDir>/<node>/data.
// Records the best block right after the kill in $FLARE_ZN_WORK/killed.json. Returns 1.
"use strict";

const fs = require("fs");
const path = require("path");
const z = require("./lib");

function pidFromZombienet(nodeName) {
  try {
    const { getClient } = require("@zombienet/orchestrator/dist/providers/client");
    const entry = getClient().processMap[nodeName];
    return entry && entry.pid ? entry.pid : null;
  } catch {
    return null;
  }
}

function pidFromProc(networkInfo, nodeName) {
  const basePath = path.join(networkInfo.tmpDir, nodeName, "data");
  const hits = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let argv;
    try {
      argv = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
    } catch {
      continue;
    }
    const i = argv.indexOf("--base-path");
    if (i >= 0 && argv[i + 1] === basePath && argv.includes("--name") && argv[argv.indexOf("--name") + 1] === nodeName) {
      hits.push(parseInt(entry, 10));
    }
  }
  return hits;
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function run(nodeName, networkInfo) {
  const dir = z.workDir(networkInfo);
  const url = z.wsUri(networkInfo, nodeName);
  const witness = Object.keys(networkInfo.nodesByName).find((n) => n !== nodeName);
  // zombienet's pid is flare-node itself when `bash -c` exec'd it; kill the matching node too.
  const pids = [...new Set([pidFromZombienet(nodeName), ...pidFromProc(networkInfo, nodeName)].filter(Boolean))];
  if (pids.length === 0) throw new Error(`cannot find the process of ${nodeName}`);
  if (pids.length > 2) throw new Error(`ambiguous processes for ${nodeName}: ${pids}`);
  for (const pid of pids) process.kill(pid, "SIGKILL");
  await z.waitFor(`${nodeName} (pid ${pids}) to exit`, () => !pids.some(alive), 10_000, 200);
  // Heights read after the kill: a round with `started > best` began without the killed node.
  const best = await z.bestNumber(z.wsUri(networkInfo, witness));
  const fin = await z.finalized(z.wsUri(networkInfo, witness));
  const pid = pids.join(",");
  let rpcDown = false;
  try {
    await z.rpc(url, "system_health", [], 2000);
  } catch {
    rpcDown = true;
  }
  if (!rpcDown) throw new Error(`${nodeName}'s RPC still answers after the kill`);
  fs.writeFileSync(path.join(dir, "killed.json"), JSON.stringify({ node: nodeName, pid, best, finalized: fin.number, at: Date.now() }));
  z.log(`killed ${nodeName} (pid ${pid}) at best #${best}, finalized #${fin.number}`);
  return 1;
}

module.exports = { run };
