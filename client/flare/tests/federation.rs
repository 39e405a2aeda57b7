//! Federated learning end to end: the real `flare-node --dev --tmp` and the real client roles
//! (the same code the `flare` commands run), with malicious trainers and a dishonest aggregator.

use flare::{
	chain::{RejectReason, Signer},
	roles::{aggregator::AggregatorFault, trainer::TrainerFault},
	simulate::{self, SimConfig},
	task::TaskFile,
};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rounds_finalize_and_defences_hold_against_bad_trainers_and_a_dishonest_aggregator() {
	let out = tempfile::tempdir().unwrap();
	// Trainers 0..4 are honest; 4 publishes bytes that do not match its commitment, 5 sends NaN
	// weights. Aggregator 2 (Charlie) votes for a made-up model. `zlib` carries f32 weights, so
	// the NaNs reach the aggregators (quantizing codecs would squash them).
	let cfg = SimConfig {
		trainers: 6,
		aggregators: 3,
		task: TaskFile {
			rounds: 3,
			quorum: 2,
			min_updates: 4,
			codec: "zlib".into(),
			training_period: 15,
			aggregation_period: 15,
			..TaskFile::default()
		},
		out_dir: out.path().to_path_buf(),
		trainer_faults: vec![(4, TrainerFault::WrongBlob), (5, TrainerFault::NanWeights)],
		aggregator_faults: vec![(2, AggregatorFault::Dishonest)],
		progress: false,
		timeout: Duration::from_secs(600),
		..SimConfig::default()
	};
	let report = simulate::run(cfg)
		.await
		.expect("the federation runs to completion");

	assert_eq!(report.rows.len(), 3);
	let charlie = Signer::from_suri("//Charlie").unwrap().account();
	let (wrong_blob, nan) = (report.trainer_accounts[4], report.trainer_accounts[5]);
	let mut expected_rejections = vec![
		(wrong_blob, RejectReason::BadHash),
		(nan, RejectReason::NonFinite),
	];
	expected_rejections.sort_by_key(|(a, _)| *a);
	for row in &report.rows {
		assert_eq!(
			row.state, "Finalized",
			"round {} did not finalize: {row:?}",
			row.round
		);
		assert_eq!(row.updates, 6);
		// Every honest aggregator rejected both bad updates with the right reason (the finalized
		// result is the one both honest members submitted).
		assert_eq!(
			row.rejected_clients, expected_rejections,
			"round {}",
			row.round
		);
		// The dishonest member was out-voted and named.
		assert_eq!(row.dissenters, vec![charlie], "round {}", row.round);
		assert!(row.bytes_per_update > 0.0);
	}
	let acc: Vec<f64> = report
		.rows
		.iter()
		.map(|r| r.accuracy.expect("metrics reported"))
		.collect();
	println!("accuracy per round: {acc:?}");
	assert!(acc[2] > acc[0], "test accuracy must rise: {acc:?}");
	assert!(
		acc[2] > 0.90,
		"MLP on 4 honest IID shares should pass 90%: {acc:?}"
	);
	assert!(report.plot.exists() && report.csv.exists());
	let csv = std::fs::read_to_string(&report.csv).unwrap();
	assert_eq!(csv.lines().count(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rounds_without_enough_valid_updates_fail_with_no_quorum_instead_of_hanging() {
	// Two trainers, both needed (min_updates 2); one of them sends NaN weights every round. The
	// honest aggregators abstain (one valid update is fewer than the task's minimum), so no
	// result reaches quorum and each round fails with NoQuorum at its deadline.
	let out = tempfile::tempdir().unwrap();
	let cfg = SimConfig {
		trainers: 2,
		aggregators: 2,
		task: TaskFile {
			rounds: 2,
			quorum: 2,
			min_updates: 2,
			codec: "zlib".into(),
			training_period: 10,
			aggregation_period: 4,
			..TaskFile::default()
		},
		out_dir: out.path().to_path_buf(),
		trainer_faults: vec![(1, TrainerFault::NanWeights)],
		progress: false,
		timeout: Duration::from_secs(300),
		..SimConfig::default()
	};
	let report = simulate::run(cfg).await.expect("runs to completion");
	assert_eq!(report.rows.len(), 2);
	for row in &report.rows {
		assert_eq!(row.state, "Failed(NoQuorum)", "{row:?}");
		assert_eq!(row.accuracy, None);
	}
}
