//! Accuracy cost of each update codec after R FedAvg rounds, with the simulation of
//! `tests/federated.rs` (`codec_sizes_and_accuracy_cost_after_fedavg_rounds`): the MLP, 10 IID
//! clients, 2 local epochs per round (batch 32, lr 0.05, momentum 0.9), every update sent
//! through the codec (top-k with error feedback). The baseline is the `raw` codec.
//!
//! Not a criterion benchmark (harness = false): it runs once and prints a table; `R` is
//! `FLARE_PERF_ROUNDS` (default 5, as in the test; 1 when run by `cargo test --benches`), and
//! with `FLARE_PERF_DIR` set the figures go to `$FLARE_PERF_DIR/codec_accuracy.json` too.
//! Criterion's command-line flags, passed by `cargo bench -p flare-ml -- <flags>`, are ignored.

mod common;

#[path = "../tests/common/mod.rs"]
mod sim;

use std::time::Instant;

use flare_ml::{partition, CodecId, CodecSpec, ModelSpec, Rule, TrainConfig};
use sim::{mnist_split, split, Sim};

const CLIENTS: usize = 10;

fn main() {
	let args: Vec<String> = std::env::args().skip(1).collect();
	if args.iter().any(|a| a == "--list") {
		println!("codec_accuracy: bench");
		return;
	}
	// `cargo bench` passes `--bench`; without it (`cargo test --benches`) just check it runs.
	let bench_mode = args.iter().any(|a| a == "--bench");
	let rounds = common::env_count("FLARE_PERF_ROUNDS", if bench_mode { 5 } else { 1 });

	let start = Instant::now();
	let (train, test) = mnist_split();
	let clients = split(&train, &partition::iid(train.len(), CLIENTS, 1).unwrap());
	let spec = ModelSpec::mnist_2nn();
	let local = TrainConfig {
		epochs: 2,
		batch_size: 32,
		learning_rate: 0.05,
		momentum: 0.9,
		weight_decay: 0.0,
		prox_mu: 0.0,
		seed: 0,
	};
	let results: Vec<(CodecId, f64, Vec<f64>, [u8; 32])> = CodecId::ALL
		.iter()
		.map(|&id| {
			let r = Sim {
				spec: spec.clone(),
				clients: clients.clone(),
				test: &test,
				rounds,
				local: local.clone(),
				rule: Rule::FedAvg,
				codec: Some(CodecSpec::new(id)),
				attackers: vec![],
				seed: 3,
			}
			.run();
			(id, r.mean_blob_bytes, r.accuracy, r.global.hash())
		})
		.collect();
	let seconds = start.elapsed().as_secs_f64();

	let (raw_bytes, raw_acc, raw_hash) =
		(results[0].1, *results[0].2.last().unwrap(), results[0].3);
	println!(
		"\n{spec}, {CLIENTS} IID clients, FedAvg {rounds} round{} x 2 local epochs; top-k keeps \
		 10 %, int8-block uses blocks of 256 ({seconds:.1} s)",
		if rounds == 1 { "" } else { "s" }
	);
	println!(
		"| {:<15} | {:>12} | {:>8} | {:>9} | {:>9} |",
		"codec", "bytes/update", "vs raw", "accuracy", "vs raw"
	);
	println!(
		"|{:-<17}|{:-<14}|{:-<10}|{:-<11}|{:-<11}|",
		"", "", "", "", ""
	);
	let mut rows = Vec::new();
	for (id, bytes, acc, hash) in &results {
		let last = *acc.last().unwrap();
		println!(
			"| {:<15} | {:>12.0} | {:>7.1}x | {:>8.2}% | {:>+6.2} pp |",
			id.name(),
			bytes,
			raw_bytes / bytes,
			100.0 * last,
			100.0 * (last - raw_acc)
		);
		if id.is_lossless() {
			assert_eq!(
				*hash, raw_hash,
				"{id} is lossless: the whole run must be bit-identical to raw"
			);
		}
		let per_round: Vec<String> = acc.iter().map(|a| a.to_string()).collect();
		rows.push(format!(
			"{{\"codec\": \"{}\", \"mean_blob_bytes\": {bytes}, \"accuracy\": {last}, \
			 \"accuracy_per_round\": [{}], \"same_model_as_raw\": {}, \"global_hash\": \"{}\"}}",
			id.name(),
			per_round.join(", "),
			*hash == raw_hash,
			hex::encode(hash)
		));
	}
	common::write_json(
		"codec_accuracy",
		&format!(
			"{{\"model\": \"{spec}\", \"clients\": {CLIENTS}, \"rounds\": {rounds}, \
			 \"local_epochs\": {}, \"batch\": {}, \"lr\": {}, \"momentum\": {}, \
			 \"seconds\": {seconds}, \"matmul_threads\": \"{}\", \"codecs\": [{}]}}",
			local.epochs,
			local.batch_size,
			local.learning_rate,
			local.momentum,
			common::matmul_threads(),
			rows.join(", ")
		),
	);
}
