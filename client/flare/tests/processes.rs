//! The `flare` commands as separate processes against a real node: a trainer killed and
//! restarted mid-round does not commit twice; an aggregator that was down for a round catches
//! up (reports the missed round's metrics and votes identically in the next round); and the
//! commands fail with clear messages on user mistakes.

use flare::{
	chain::{Chain, Phase, Signer, SubxtChain},
	node::{find_node_binary, DevNode},
};
use std::{
	path::Path,
	process::{Child, Command, Output, Stdio},
	time::{Duration, Instant},
};

const FLARE: &str = env!("CARGO_BIN_EXE_flare");

fn flare(url: &str, store: &Path, suri: &str, args: &[&str]) -> Command {
	let mut c = Command::new(FLARE);
	c.args(["--url", url, "--suri", suri, "--store"])
		.arg(store)
		.args(args);
	c.env_remove("RUST_BACKTRACE").env("RUST_LOG", "warn");
	c
}

fn spawn(mut c: Command) -> Child {
	c.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.spawn()
		.expect("flare starts")
}

fn finish(child: Child, what: &str) -> String {
	let out: Output = child.wait_with_output().expect("wait");
	let text = format!(
		"{}{}",
		String::from_utf8_lossy(&out.stdout),
		String::from_utf8_lossy(&out.stderr)
	);
	assert!(
		out.status.success(),
		"{what} failed ({}):\n{text}",
		out.status
	);
	text
}

async fn wait_until<T>(
	what: &str,
	timeout: Duration,
	mut check: impl AsyncFnMut() -> Option<T>,
) -> T {
	let start = Instant::now();
	loop {
		if let Some(v) = check().await {
			return v;
		}
		assert!(start.elapsed() < timeout, "timed out waiting for {what}");
		tokio::time::sleep(Duration::from_millis(300)).await;
	}
}

/// `flare task create` with a task file holding `toml`; returns the id it prints.
fn create_task(url: &str, store: &Path, dir: &Path, toml: &str) -> u32 {
	let task_file = dir.join("task.toml");
	std::fs::write(&task_file, toml).unwrap();
	let out = flare(
		url,
		store,
		"//Alice",
		&["task", "create", "--file", task_file.to_str().unwrap()],
	)
	.output()
	.unwrap();
	assert!(
		out.status.success(),
		"{}",
		String::from_utf8_lossy(&out.stderr)
	);
	String::from_utf8_lossy(&out.stdout)
		.trim()
		.parse()
		.expect("task id on stdout")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_trainer_commits_once_and_late_aggregator_catches_up() {
	let node = DevNode::spawn(&find_node_binary().unwrap(), &[]).expect("node starts");
	let url = node.url();
	let dir = tempfile::tempdir().unwrap();
	let store = dir.path().join("blobs");
	// max_updates above the number of trainers: training runs its full period, so a restart
	// lands inside the same round.
	let task = create_task(
		&url,
		&store,
		dir.path(),
		"model = \"logreg:784x10\"\nrounds = 3\nmin_updates = 2\nmax_updates = 4\n\
		 training_period = 8\naggregation_period = 12\nquorum = 2\n[training]\nepochs = 1\n",
	);

	let chain = SubxtChain::connect(&url, Signer::from_suri("//Alice").unwrap())
		.await
		.unwrap();
	let ferdie = Signer::from_suri("//Ferdie").unwrap().account();
	let charlie = Signer::from_suri("//Charlie").unwrap().account();
	let t = task.to_string();
	let train = |suri: &str, index: &str| {
		spawn(flare(
			&url,
			&store,
			suri,
			&[
				"train",
				"--task",
				&t,
				"--clients",
				"3",
				"--client-index",
				index,
			],
		))
	};
	let aggregate = |suri: &str| spawn(flare(&url, &store, suri, &["aggregate", "--task", &t]));

	let alice = aggregate("//Alice");
	let mut bob = aggregate("//Bob");
	let dave = train("//Dave", "0");
	let eve = train("//Eve", "1");
	let mut ferdie_1 = train("//Ferdie", "2");

	// Kill Ferdie's trainer right after its round-0 commitment lands, restart it mid-round.
	wait_until(
		"Ferdie's commitment in round 0",
		Duration::from_secs(120),
		async || chain.commitment_of(task, 0, ferdie).await.unwrap(),
	)
	.await;
	ferdie_1.kill().unwrap();
	let _ = ferdie_1.wait();
	assert!(
		matches!(
			chain.round(task, 0).await.unwrap().unwrap().phase,
			Phase::Training { .. }
		),
		"the restart must happen while round 0 still trains"
	);
	let ferdie_2 = train("//Ferdie", "2");

	// Round 0 finalizes with Alice and Bob. Then Bob goes down and Charlie (down so far) comes
	// up: round 1 can only reach its quorum of 2 if Charlie computes exactly Alice's result.
	wait_until("round 0 finalized", Duration::from_secs(180), async || {
		matches!(
			chain.round(task, 0).await.unwrap()?.phase,
			Phase::Finalized { .. }
		)
		.then_some(())
	})
	.await;
	bob.kill().unwrap();
	let _ = bob.wait();
	let charlie_proc = aggregate("//Charlie");

	let ferdie_log = finish(ferdie_2, "restarted trainer");
	for (child, what) in [(dave, "trainer Dave"), (eve, "trainer Eve")] {
		finish(child, what);
	}
	let charlie_log = finish(charlie_proc, "late aggregator");
	finish(alice, "aggregator Alice");

	assert!(
		ferdie_log.contains("committed in rounds [1, 2] (found already committed: [0]"),
		"the restarted trainer must skip round 0 and commit in rounds 1 and 2:\n{ferdie_log}"
	);
	assert!(
		charlie_log.contains("reported metrics for [0, 1, 2]"),
		"{charlie_log}"
	);
	for round in 0..3 {
		let d = chain.round_detail(task, round).await.unwrap().unwrap();
		assert!(
			matches!(d.header.phase, Phase::Finalized { .. }),
			"round {round}: {:?}",
			d.header.phase
		);
		assert_eq!(
			d.header.commitments, 3,
			"one commitment per trainer in round {round}"
		);
		assert!(
			d.metrics.iter().any(|(who, _)| *who == charlie),
			"Charlie reported round {round}"
		);
	}
	let r1 = chain.round_detail(task, 1).await.unwrap().unwrap();
	let winner = r1.winner().expect("finalized").digest;
	assert!(
		r1.votes.contains(&(charlie, winner)),
		"Charlie voted with the quorum in round 1"
	);
	drop(node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_explain_user_mistakes() {
	let dir = tempfile::tempdir().unwrap();
	let store = dir.path().join("blobs");
	let run = |url: &str, suri: &str, args: &[&str]| {
		let out = flare(url, &store, suri, args).output().unwrap();
		assert!(!out.status.success(), "{args:?} should fail");
		String::from_utf8_lossy(&out.stderr).to_string()
	};

	// No node at the URL.
	let err = run(
		"ws://127.0.0.1:9",
		"//Alice",
		&["task", "status", "--task", "0"],
	);
	assert!(
		err.contains("cannot connect to a flare-node at ws://127.0.0.1:9"),
		"{err}"
	);

	// A bad task file names the field.
	let bad = dir.path().join("bad.toml");
	std::fs::write(&bad, "quorum = 0\n").unwrap();
	let err = run(
		"ws://127.0.0.1:9",
		"//Alice",
		&["task", "create", "--file", bad.to_str().unwrap()],
	);
	assert!(err.contains("task field `quorum` = 0"), "{err}");

	// A bad secret URI.
	let node = DevNode::spawn(&find_node_binary().unwrap(), &[]).expect("node starts");
	let url = node.url();
	let err = run(&url, "not a valid uri", &["task", "status", "--task", "0"]);
	assert!(err.contains("invalid secret URI"), "{err}");

	// An unknown task.
	let err = run(&url, "//Alice", &["task", "status", "--task", "99"]);
	assert!(err.contains("task 99 does not exist"), "{err}");
	let err = run(&url, "//Dave", &["train", "--task", "99"]);
	assert!(
		err.contains("task 99 does not exist on this chain"),
		"{err}"
	);

	// Not a committee member.
	let err = run(&url, "//Dave", &["aggregate", "--task", "0"]);
	assert!(
		err.contains("is not a member of the aggregator committee"),
		"{err}"
	);

	// A task whose blobs are not in this store, and a round with no finalized model yet.
	let good = dir.path().join("good.toml");
	std::fs::write(&good, "model = \"logreg:784x10\"\n").unwrap();
	let other_store = dir.path().join("other");
	let out = flare(
		&url,
		&other_store,
		"//Alice",
		&["task", "create", "--file", good.to_str().unwrap()],
	)
	.output()
	.unwrap();
	assert!(
		out.status.success(),
		"{}",
		String::from_utf8_lossy(&out.stderr)
	);
	let err = run(&url, "//Alice", &["model", "get", "--task", "0"]);
	assert!(err.contains("is missing from the store"), "{err}");
	let out = flare(
		&url,
		&other_store,
		"//Alice",
		&["model", "get", "--task", "0", "--round", "0"],
	)
	.output()
	.unwrap();
	let err = String::from_utf8_lossy(&out.stderr);
	assert!(
		err.contains("round 0 of task 0 has no finalized model (state: Training)"),
		"{err}"
	);
	// The latest global model (the initial one) downloads, verifies and evaluates.
	let out = flare(
		&url,
		&other_store,
		"//Alice",
		&["model", "get", "--task", "0"],
	)
	.output()
	.unwrap();
	let text = String::from_utf8_lossy(&out.stdout);
	assert!(
		out.status.success() && text.contains("hash verified"),
		"{text}"
	);
	drop(node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trainers_and_aggregators_ride_out_a_node_restart() {
	let base = tempfile::tempdir().unwrap();
	let mut node =
		DevNode::spawn_persistent(&find_node_binary().unwrap(), base.path()).expect("node starts");
	let url = node.url();
	let store = base.path().join("blobs");
	let task = create_task(
		&url,
		&store,
		base.path(),
		"model = \"logreg:784x10\"\nrounds = 3\nmin_updates = 2\nmax_updates = 2\n\
		 training_period = 10\naggregation_period = 10\nquorum = 2\n[training]\nepochs = 1\n",
	);
	let t = task.to_string();
	let procs = vec![
		spawn(flare(&url, &store, "//Alice", &["aggregate", "--task", &t])),
		spawn(flare(&url, &store, "//Bob", &["aggregate", "--task", &t])),
		spawn(flare(
			&url,
			&store,
			"//Dave",
			&[
				"train",
				"--task",
				&t,
				"--clients",
				"2",
				"--client-index",
				"0",
			],
		)),
		spawn(flare(
			&url,
			&store,
			"//Eve",
			&[
				"train",
				"--task",
				&t,
				"--clients",
				"2",
				"--client-index",
				"1",
			],
		)),
	];

	let chain = SubxtChain::connect(&url, Signer::from_suri("//Alice").unwrap())
		.await
		.unwrap();
	wait_until("round 0 finalized", Duration::from_secs(180), async || {
		matches!(
			chain.round(task, 0).await.ok()??.phase,
			Phase::Finalized { .. }
		)
		.then_some(())
	})
	.await;
	// The node goes down and comes back on the same ports and database; every participant
	// reconnects and the task runs to completion.
	node.restart().expect("node restarts");
	for (child, what) in procs.into_iter().zip(["Alice", "Bob", "Dave", "Eve"]) {
		finish(child, what);
	}
	for round in 0..3 {
		let h = chain.round(task, round).await.unwrap().unwrap();
		assert!(
			matches!(h.phase, Phase::Finalized { .. }),
			"round {round}: {:?}",
			h.phase
		);
	}
}
