// Helpers shared by the zombienet js-scripts of the Flare testnet tests.
//
// Zombienet loads each js-script with `require` inside its own process and calls
// `run(nodeName, networkInfo, args)`; networkInfo.nodesByName[name].wsUri is a node's RPC endpoint.
// These helpers talk JSON-RPC over HTTP (flare-node serves HTTP and WebSocket on one port) and
// drive the `flare` CLI. Everything a test starts is recorded under the work directory
// ($FLARE_ZN_WORK, set by test.sh) so that test.sh can stop it even if zombienet dies.
"use strict";

const { spawn, execFile } = require("child_process");
const fs = require("fs");
const path = require("path");

const FLARE_BIN = process.env.FLARE_BIN || path.resolve(__dirname, "../../target/debug/flare");

function log(...args) {
  console.log(`\t[flare-zn ${new Date().toISOString().slice(11, 19)}]`, ...args);
}

function workDir(networkInfo) {
  const dir = process.env.FLARE_ZN_WORK || path.join(networkInfo.tmpDir, "flare");
  fs.mkdirSync(path.join(dir, "pids"), { recursive: true });
  return dir;
}

function httpUrl(wsUri) {
  return wsUri.replace(/^ws/, "http");
}

function wsUri(networkInfo, name) {
  const node = networkInfo.nodesByName[name];
  if (!node) throw new Error(`no node named ${name} in this network`);
  return node.wsUri;
}

let rpcId = 0;
async function rpc(url, method, params = [], timeoutMs = 10_000) {
  const res = await fetch(httpUrl(url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function bestNumber(url) {
  return parseInt((await rpc(url, "chain_getHeader", [])).number, 16);
}

async function finalized(url) {
  const hash = await rpc(url, "chain_getFinalizedHead", []);
  const header = await rpc(url, "chain_getHeader", [hash]);
  return { hash, number: parseInt(header.number, 16) };
}

function roundSummary(url, task, round, at) {
  return rpc(url, "flare_roundSummary", at ? [task, round, at] : [task, round]);
}

// Runs the flare CLI to completion; resolves with its stdout, rejects with its stderr.
function flare(args, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    execFile(FLARE_BIN, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`flare ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

// Starts a long-running flare process (trainer or aggregator) with its output in a log file.
function startParticipant(dir, name, args) {
  const logFile = path.join(dir, `${name}.log`);
  const out = fs.openSync(logFile, "a");
  const child = spawn(FLARE_BIN, args, { stdio: ["ignore", out, out] });
  fs.closeSync(out);
  fs.writeFileSync(path.join(dir, "pids", `${name}.pid`), `${child.pid}\n`);
  const status = { name, pid: child.pid, log: logFile, exit: null };
  child.on("exit", (code, signal) => {
    status.exit = { code, signal };
    fs.writeFileSync(path.join(dir, `${name}.exit`), JSON.stringify(status.exit));
  });
  child.unref();
  return status;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

// Throws (with the log tail) if a participant of the running task exited with an error.
function checkParticipants(dir) {
  const state = readJson(path.join(dir, "fl-task.json"));
  for (const p of state.participants) {
    const exitFile = path.join(dir, `${p.name}.exit`);
    if (!fs.existsSync(exitFile)) continue;
    const exit = readJson(exitFile);
    if (exit.code !== 0) {
      throw new Error(`${p.name} (${p.role} ${p.suri} via ${p.node}) exited with ${JSON.stringify(exit)}:\n${tail(p.log)}`);
    }
  }
  return state;
}

// Polls until `check()` returns a truthy value (returned) or `timeoutMs` passes (throws).
async function waitFor(what, check, timeoutMs, intervalMs = 1000) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastErr = e;
      if (e.fatal) throw e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${lastErr.message}` : ""}`);
}

function fatal(message) {
  const e = new Error(message);
  e.fatal = true;
  return e;
}

module.exports = {
  FLARE_BIN,
  log,
  workDir,
  wsUri,
  rpc,
  sleep,
  bestNumber,
  finalized,
  roundSummary,
  flare,
  startParticipant,
  readJson,
  tail,
  checkParticipants,
  waitFor,
  fatal,
};
