// Creates a federated-learning task on the testnet and starts its participants, each against a
// different node's RPC endpoint:
//   owner       //Alice   creates the task through dave (dave is killed later in the test)
//   aggregators //Alice -> bob, //Bob -> charlie, //Charlie -> alice   (the committee)
//   trainers    //Dave -> alice, //Eve -> bob, //Ferdie -> charlie      (IID shares of MNIST)
// No participant uses dave, so the FL run survives losing dave. Returns the number of
// participants started (6). The task id and roles go to $FLARE_ZN_WORK/fl-task.json.
"use strict";

const fs = require("fs");
const path = require("path");
const z = require("./lib");

const ROUNDS = 4;

const TASK_TOML = `# Written by zombienet/scripts/fl-start.js
model = "logreg:784x10"
rule = "fedavg"
codec = "topk+int8+zlib"
min_updates = 2
max_updates = 3          # = trainers: training closes as soon as all three committed
training_period = 30
aggregation_period = 30
rounds = ${ROUNDS}
quorum = 2
seed = 42

[training]
epochs = 1
batch_size = 32
learning_rate = 0.05
momentum = 0.9
`;

async function run(_nodeName, networkInfo) {
  const dir = z.workDir(networkInfo);
  const store = path.join(dir, "store");
  fs.mkdirSync(store, { recursive: true });
  const taskFile = path.join(dir, "task.toml");
  fs.writeFileSync(taskFile, TASK_TOML);

  const url = (name) => z.wsUri(networkInfo, name);
  z.log(`flare binary: ${z.FLARE_BIN}`);
  z.log(`work dir: ${dir}`);

  const out = await z.flare(["task", "create", "--file", taskFile, "--suri", "//Alice", "--store", store, "--url", url("dave")]);
  const task = parseInt(out.trim().split("\n").pop(), 10);
  if (!Number.isInteger(task)) throw new Error(`flare task create printed no task id: ${out}`);
  z.log(`created task ${task} through dave (${url("dave")})`);

  const participants = [
    { role: "aggregator", suri: "//Alice", node: "bob" },
    { role: "aggregator", suri: "//Bob", node: "charlie" },
    { role: "aggregator", suri: "//Charlie", node: "alice" },
    { role: "trainer", suri: "//Dave", node: "alice", index: 0 },
    { role: "trainer", suri: "//Eve", node: "bob", index: 1 },
    { role: "trainer", suri: "//Ferdie", node: "charlie", index: 2 },
  ];
  const trainers = participants.filter((p) => p.role === "trainer").length;

  // Every participant's node must have imported the task before the participant starts.
  for (const node of new Set(participants.map((p) => p.node))) {
    await z.waitFor(`task ${task} on ${node}`, () => z.roundSummary(url(node), task, 0), 60_000);
  }

  for (const p of participants) {
    p.name = `${p.role}-${p.suri.replace(/\W/g, "").toLowerCase()}`;
    const common = ["--task", String(task), "--suri", p.suri, "--store", store, "--url", url(p.node), "-v"];
    const args =
      p.role === "trainer"
        ? ["train", ...common, "--partition", "iid", "--clients", String(trainers), "--client-index", String(p.index)]
        : ["aggregate", ...common];
    const s = z.startParticipant(dir, p.name, args);
    p.pid = s.pid;
    p.log = s.log;
    z.log(`started ${p.role} ${p.suri} via ${p.node} (${url(p.node)}), pid ${p.pid}, log ${p.log}`);
  }

  fs.writeFileSync(
    path.join(dir, "fl-task.json"),
    JSON.stringify({ task, rounds: ROUNDS, store, created: Date.now(), participants }, null, 2),
  );
  return participants.length;
}

module.exports = { run };
