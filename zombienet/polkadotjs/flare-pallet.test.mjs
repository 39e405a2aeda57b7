// polkadot.js can inspect Flare's federated-learning rounds with no custom type definitions:
// the node serves metadata V16, from which @polkadot/api decodes the pallet's storage and events
// by name (the same way polkadot.js Apps does in Developer > Chain state and Network > Explorer).
//
// Spawns a real `flare-node --dev --tmp` on free ports, runs `flare simulate` against it
// (task 0: 3 trainers, aggregators Alice/Bob/Charlie, 2 rounds), then reads everything back with
// @polkadot/api and calls the node's custom JSON-RPC `flare_roundSummary`.
//
//   zombienet/polkadotjs.sh          (or: cd zombienet && node --test polkadotjs/)
// Binaries: $FLARE_NODE_BIN, $FLARE_BIN (default <target>/debug/flare-node and .../flare, where
// <target> is $CARGO_TARGET_DIR or <repo>/target).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ApiPromise, WsProvider } from "@polkadot/api";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const target = path.resolve(process.env.CARGO_TARGET_DIR || path.join(repo, "target"));
const NODE_BIN = path.resolve(process.env.FLARE_NODE_BIN || path.join(target, "debug/flare-node"));
const FLARE_BIN = path.resolve(process.env.FLARE_BIN || path.join(target, "debug/flare"));
const TASK = 0;
const ROUNDS = 2;
const TRAINERS = 3;

const ALICE = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
const BOB = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty";
const CHARLIE = "5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y";

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A sleep that does not keep the process alive (for races against a child's exit).
const idle = (ms) => new Promise((r) => setTimeout(r, ms).unref());

function fieldNames(event) {
  return event.meta.fields.map((f) => f.name.toString());
}

let tmp;
let node;
let nodeLog;
let api;
let provider; // the api's WsProvider: custom JSON-RPC methods go through provider.send
let url;
const children = new Set();

function killChildren() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  }
}
process.on("exit", killChildren);
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    killChildren();
    process.exit(130);
  });
}

function run(bin, args, { timeoutMs, logFile }) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, "a");
    const child = spawn(bin, args, { stdio: ["ignore", out, out] });
    fs.closeSync(out);
    children.add(child);
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${path.basename(bin)} ${args[0]} timed out after ${timeoutMs} ms; see ${logFile}`));
    }, timeoutMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(bin)} ${args.join(" ")} exited with ${code ?? signal}:\n${tail(logFile)}`));
    });
  });
}

function tail(file, n = 30) {
  try {
    return fs.readFileSync(file, "utf8").trimEnd().split("\n").slice(-n).join("\n");
  } catch {
    return "";
  }
}

// Waits for the node's RPC (HTTP on the same port) to answer, then connects @polkadot/api over ws.
async function connect(wsUrl, timeoutMs) {
  const httpUrl = wsUrl.replace(/^ws/, "http");
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (node.exitCode !== null) throw new Error(`flare-node exited early:\n${tail(nodeLog)}`);
    try {
      const res = await fetch(httpUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "system_health", params: [] }),
        signal: AbortSignal.timeout(2000),
      });
      if ((await res.json()).result) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`no RPC at ${httpUrl} after ${timeoutMs} ms:\n${tail(nodeLog)}`);
    await sleep(500);
  }
  provider = new WsProvider(wsUrl);
  return ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true });
}

describe("polkadot.js reads Flare's federated-learning pallet by name (metadata, no custom types)", () => {
  /** every federatedLearning event of the chain so far: { block, event } */
  const flEvents = [];

  before(async () => {
    for (const [name, bin] of [["flare-node", NODE_BIN], ["flare", FLARE_BIN]]) {
      assert.ok(fs.existsSync(bin), `${name} binary not found at ${bin} (cargo build, or set FLARE_NODE_BIN/FLARE_BIN)`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "flare-polkadotjs-"));
    nodeLog = path.join(tmp, "node.log");
    const [rpcPort, p2pPort] = [await freePort(), await freePort()];
    url = `ws://127.0.0.1:${rpcPort}`;
    const out = fs.openSync(nodeLog, "a");
    node = spawn(
      NODE_BIN,
      ["--dev", "--tmp", "--rpc-port", String(rpcPort), "--port", String(p2pPort), "--no-prometheus", "--no-telemetry", "--no-mdns", "--rpc-cors", "all"],
      { stdio: ["ignore", out, out] },
    );
    fs.closeSync(out);
    children.add(node);
    api = await connect(url, 120_000);

    // FL activity: task 0, rounds 0 and 1 with 3 trainers and the Alice/Bob/Charlie committee.
    await run(
      FLARE_BIN,
      ["simulate", "--url", url, "--trainers", String(TRAINERS), "--rounds", String(ROUNDS), "--quiet",
        "--out", path.join(tmp, "simulate"), "--store", path.join(tmp, "store")],
      { timeoutMs: 300_000, logFile: path.join(tmp, "simulate.log") },
    );

    const head = (await api.rpc.chain.getHeader()).number.toNumber();
    for (let n = 1; n <= head; n++) {
      const at = await api.at(await api.rpc.chain.getBlockHash(n));
      for (const { event } of await at.query.system.events()) {
        if (event.section === "federatedLearning") flEvents.push({ block: n, event });
      }
    }
  });

  after(async () => {
    if (api) await api.disconnect().catch(() => {});
    if (node && node.exitCode === null) {
      node.kill("SIGTERM");
      await Promise.race([once(node, "exit"), idle(10_000)]);
      if (node.exitCode === null && node.signalCode === null) node.kill("SIGKILL");
    }
    killChildren();
    if (tmp && !process.env.FLARE_PJS_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
    else if (tmp) console.log(`kept ${tmp}`);
  });

  test("the runtime serves metadata V16 (V14+ carries all types) and the pallet is known by name", () => {
    assert.ok(api.runtimeMetadata.version >= 14, `metadata V${api.runtimeMetadata.version}`);
    assert.equal(api.runtimeMetadata.version, 16);
    const pallet = api.runtimeMetadata.asLatest.pallets.find((p) => p.name.toString() === "FederatedLearning");
    assert.ok(pallet, "FederatedLearning pallet in metadata");
    assert.equal(pallet.index.toNumber(), 7);
    for (const item of ["committee", "nextTaskId", "tasks", "activeTasks", "rounds", "commitments", "votes", "proposals", "metrics", "clients"]) {
      assert.equal(typeof api.query.federatedLearning[item], "function", `api.query.federatedLearning.${item}`);
    }
  });

  test("committee(): Alice, Bob, Charlie", async () => {
    const committee = (await api.query.federatedLearning.committee()).map((a) => a.toString());
    assert.deepEqual(committee, [ALICE, BOB, CHARLIE]);
  });

  test("tasks(0): owner Alice, parameters, Completed after its rounds", async () => {
    assert.equal((await api.query.federatedLearning.nextTaskId()).toNumber(), 1);
    const opt = await api.query.federatedLearning.tasks(TASK);
    assert.ok(opt.isSome, "task 0 exists");
    const t = opt.unwrap();
    assert.equal(t.owner.toString(), ALICE);
    assert.equal(t.status.type, "Completed");
    assert.equal(t.params.rounds.toNumber(), ROUNDS);
    assert.equal(t.params.quorum.toNumber(), 2);
    assert.equal(t.params.rule.type, "FedAvg");
    assert.equal(t.finalizedRounds.toNumber(), ROUNDS);
    assert.equal(t.params.model.toHex().length, 66, "model descriptor hash is 32 bytes");
    assert.ok(t.globalModel.len.toNumber() > 0);
    assert.equal(t.globalModel.hash_.toHex().length, 66);
    assert.equal((await api.query.federatedLearning.activeTasks()).length, 0);
  });

  test("rounds(0, r): every round Finalized, with its model, phases' blocks and counts", async () => {
    let base = (await api.query.federatedLearning.tasks(TASK)).unwrap().params.initialModel;
    for (let r = 0; r < ROUNDS; r++) {
      const h = (await api.query.federatedLearning.rounds(TASK, r)).unwrap();
      assert.equal(h.state.type, "Finalized", `round ${r}`);
      assert.ok(h.state.isFinalized);
      const model = h.state.asFinalized.model;
      assert.equal(h.baseModel.hash_.toHex(), base.hash_.toHex(), `round ${r} starts from the previous model`);
      assert.equal(h.commitments.toNumber(), TRAINERS);
      assert.ok(h.votes.toNumber() >= 2);
      assert.ok(h.started.toNumber() <= h.trainingClosed.unwrap().toNumber());
      assert.ok(h.trainingClosed.unwrap().toNumber() <= h.ended.unwrap().toNumber());
      base = model;
    }
    const t = (await api.query.federatedLearning.tasks(TASK)).unwrap();
    assert.equal(t.globalModel.hash_.toHex(), base.hash_.toHex(), "the task's global model is the last round's");
  });

  test("commitments.entries(0, 1): one per trainer, keys (task, round, account)", async () => {
    const t = (await api.query.federatedLearning.tasks(TASK)).unwrap();
    const round = Math.max(1, t.prunedUntil.toNumber());
    const entries = await api.query.federatedLearning.commitments.entries(TASK, round);
    assert.equal(entries.length, TRAINERS);
    for (const [key, value] of entries) {
      const [task, r, who] = key.args;
      assert.equal(task.toNumber(), TASK);
      assert.equal(r.toNumber(), round);
      assert.ok(who.toString().startsWith("5"));
      const c = value.unwrap();
      assert.equal(c.hash_.toHex().length, 66);
      assert.ok(c.len.toNumber() > 0);
      assert.ok(c.samples.toNumber() > 0);
      assert.ok(c.codec.toNumber() >= 0);
    }
    // Round 0 is recent enough not to be pruned either (HistoryDepth is 16 rounds).
    assert.equal((await api.query.federatedLearning.commitments.entries(TASK, 0)).length, TRAINERS);
  });

  test("proposals.entries / votes.entries: the finalized result has quorum, votes name its digest", async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const h = (await api.query.federatedLearning.rounds(TASK, r)).unwrap();
      const proposals = await api.query.federatedLearning.proposals.entries(TASK, r);
      assert.ok(proposals.length >= 1);
      const winner = proposals.find(([, p]) => p.unwrap().result.model.hash_.eq(h.state.asFinalized.model.hash_));
      assert.ok(winner, `round ${r}: a proposal for the finalized model`);
      const digest = winner[0].args[2].toHex();
      assert.ok(winner[1].unwrap().votes.toNumber() >= 2);
      assert.ok(Array.isArray(winner[1].unwrap().result.rejected.toArray()));
      const votes = await api.query.federatedLearning.votes.entries(TASK, r);
      assert.equal(votes.length, h.votes.toNumber());
      for (const [key, v] of votes) {
        assert.ok([ALICE, BOB, CHARLIE].includes(key.args[2].toString()), "only committee members vote");
        assert.equal(v.unwrap().toHex(), digest);
      }
    }
  });

  test("metrics.entries(0, 0): accuracy_ppm, loss_micro, samples per committee member", async () => {
    const entries = await api.query.federatedLearning.metrics.entries(TASK, 0);
    assert.ok(entries.length >= 2);
    for (const [key, value] of entries) {
      assert.ok([ALICE, BOB, CHARLIE].includes(key.args[2].toString()));
      const m = value.unwrap();
      const acc = m.accuracyPpm.toNumber();
      assert.ok(acc > 500_000 && acc <= 1_000_000, `accuracy ${acc} ppm`);
      assert.ok(m.lossMicro.toNumber() > 0);
      assert.ok(m.samples.toNumber() > 0);
      assert.deepEqual(Object.keys(m.toJSON()).sort(), ["accuracyPpm", "lossMicro", "samples"]);
    }
  });

  test("clients: the trainers are registered", async () => {
    const clients = await api.query.federatedLearning.clients.entries();
    assert.equal(clients.length, TRAINERS);
    for (const [, c] of clients) assert.ok(c.unwrap().deposit.toBigInt() > 0n);
  });

  test("events decode by name: TaskCreated, UpdateCommitted, RoundFinalized (and the rest of a round)", () => {
    const { events } = api;
    const fl = events.federatedLearning;
    const named = (kind) => flEvents.filter(({ event }) => fl[kind].is(event));

    const created = named("TaskCreated");
    assert.equal(created.length, 1);
    assert.deepEqual(fieldNames(created[0].event), ["task", "owner", "model", "rule", "rounds", "quorum", "deposit"]);
    assert.equal(created[0].event.data.task.toNumber(), TASK);
    assert.equal(created[0].event.data.owner.toString(), ALICE);
    assert.equal(created[0].event.data.rounds.toNumber(), ROUNDS);

    const committed = named("UpdateCommitted");
    assert.equal(committed.length, TRAINERS * ROUNDS);
    assert.deepEqual(fieldNames(committed[0].event), ["task", "round", "who", "hash", "len", "samples"]);
    assert.ok(committed[0].event.data.samples.toNumber() > 0);

    const finalized = named("RoundFinalized");
    assert.equal(finalized.length, ROUNDS);
    assert.deepEqual(fieldNames(finalized[0].event), ["task", "round", "model", "digest", "rejected", "dissenters"]);
    for (const [i, { event }] of finalized.entries()) {
      assert.equal(event.data.task.toNumber(), TASK);
      assert.equal(event.data.round.toNumber(), i);
      assert.equal(event.data.digest.toHex().length, 66);
      assert.equal(event.data.rejected.toNumber(), 0);
      assert.equal(event.data.dissenters.length, 0);
    }

    for (const kind of ["RoundStarted", "TrainingClosed", "AggregateSubmitted", "MetricsReported", "ClientRegistered", "TaskCompleted"]) {
      assert.ok(named(kind).length > 0, `${kind} emitted`);
    }
    const started = named("RoundStarted")[0].event;
    assert.deepEqual(fieldNames(started), ["task", "round", "base_model", "training_until"]);
    const metrics = named("MetricsReported")[0].event;
    assert.deepEqual(fieldNames(metrics), ["task", "round", "who", "accuracy_ppm", "loss_micro"]);
    assert.ok(metrics.data.accuracyPpm.toNumber() > 0, "snake_case fields are camelCase in polkadot.js");
  });

  test("the block that finalized a round holds its RoundFinalized event (what Network > Explorer shows)", async () => {
    const h = (await api.query.federatedLearning.rounds(TASK, 0)).unwrap();
    const ended = h.ended.unwrap().toNumber();
    const at = await api.at(await api.rpc.chain.getBlockHash(ended));
    const events = (await at.query.system.events()).map(({ event }) => event);
    const fin = events.find((e) => api.events.federatedLearning.RoundFinalized.is(e) && e.data.round.toNumber() === 0);
    assert.ok(fin, `RoundFinalized for round 0 in block #${ended}`);
    assert.equal(fin.data.model.hash_.toHex(), h.state.asFinalized.model.hash_.toHex());
  });

  test("custom RPC flare_roundSummary(0, 0) via the api's provider.send", async () => {
    for (let r = 0; r < ROUNDS; r++) {
      const s = await provider.send("flare_roundSummary", [TASK, r]);
      const h = (await api.query.federatedLearning.rounds(TASK, r)).unwrap();
      assert.equal(s.task, TASK);
      assert.equal(s.round, r);
      assert.equal(s.state, "Finalized");
      assert.equal(s.model.hash, h.state.asFinalized.model.hash_.toHex());
      assert.equal(s.commitments, TRAINERS);
      assert.equal(s.quorum, 2);
      assert.ok(s.votes >= s.quorum);
      assert.equal(s.started, h.started.toNumber());
      assert.equal(s.ended, h.ended.unwrap().toNumber());
      assert.ok(s.proposals.length >= 1);
      assert.ok(s.proposals.some((p) => p.model.hash === s.model.hash && p.votes >= s.quorum && p.digest.length === 66));
      assert.equal(s.voters.length, s.votes);
      for (const v of s.voters) assert.ok([ALICE, BOB, CHARLIE].includes(v.member));
      assert.ok(s.metrics.length >= 2);
      for (const m of s.metrics) {
        assert.ok(m.accuracyPpm > 500_000);
        assert.ok(m.lossMicro > 0);
        assert.ok(m.samples > 0);
      }
    }
    assert.equal(await provider.send("flare_roundSummary", [TASK, 99]), null);
    // At a block hash: round 0 was still training when the task had just been created.
    const createdAt = await api.rpc.chain.getBlockHash((await api.query.federatedLearning.tasks(TASK)).unwrap().created.toNumber());
    const early = await provider.send("flare_roundSummary", [TASK, 0, createdAt.toHex()]);
    assert.equal(early.state, "Training");
  });
});
