//! One training epoch over the 8 000-sample standard training split.
//!
//! The MLP's configuration (batch 32, lr 0.05, momentum 0.9, no weight decay) is the one
//! `scripts/numpy_mlp.py` reproduces in NumPy for the side-by-side figure of
//! `scripts/bench_learning.sh`; the learning rate does not change the cost of an epoch.
//! Before timing, the MLP is trained for `FLARE_PERF_ACCURACY_EPOCHS` (default 3) epochs with the
//! same configuration and its test accuracy printed, as a sanity check of the timed code (and
//! written to `$FLARE_PERF_DIR/train_accuracy.json` if that is set).

mod common;

use std::time::Instant;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use flare_ml::{bundled_mnist, Model, ModelSpec, Network, TrainConfig, BUNDLED_TRAIN};

fn cfg(epochs: u32) -> TrainConfig {
	TrainConfig {
		epochs,
		batch_size: 32,
		learning_rate: 0.05,
		momentum: 0.9,
		seed: 7,
		..TrainConfig::default()
	}
}

fn bench(c: &mut Criterion) {
	let (train, test) = bundled_mnist()
		.and_then(|d| d.split_at(BUNDLED_TRAIN))
		.expect("bundled MNIST");

	let epochs = common::env_count("FLARE_PERF_ACCURACY_EPOCHS", 3);
	let spec = ModelSpec::mnist_2nn();
	let mut net = Network::new(spec.clone(), 1).expect("valid spec");
	let c0 = cfg(epochs);
	let start = Instant::now();
	let report = net.train(&train, &c0).expect("training");
	let seconds = start.elapsed().as_secs_f64();
	let accuracy = net.evaluate(&test).expect("evaluate").accuracy;
	let threads = common::process_threads()
		.map(|n| n.to_string())
		.unwrap_or_else(|| "null".into());
	eprintln!(
		"\n{spec}: test accuracy {:.2} % after {epochs} epoch{} (batch {}, lr {}, momentum {}; \
		 final train loss {:.4}; {seconds:.2} s; MATMUL_NUM_THREADS={}, {threads} OS threads)",
		100.0 * accuracy,
		if epochs == 1 { "" } else { "s" },
		c0.batch_size,
		c0.learning_rate,
		c0.momentum,
		report.final_loss,
		common::matmul_threads()
	);
	common::write_json(
		"train_accuracy",
		&format!(
			"{{\"model\": \"{spec}\", \"train_samples\": {}, \"test_samples\": {}, \
			 \"epochs\": {epochs}, \"batch\": {}, \"lr\": {}, \"momentum\": {}, \
			 \"test_accuracy\": {accuracy}, \"final_train_loss\": {}, \"seconds\": {seconds}, \
			 \"matmul_threads\": \"{}\", \"process_threads\": {threads}}}",
			train.len(),
			test.len(),
			c0.batch_size,
			c0.learning_rate,
			c0.momentum,
			report.final_loss,
			common::matmul_threads()
		),
	);

	let cfg = cfg(1);
	let mut g = c.benchmark_group("train_epoch");
	g.sample_size(10);
	g.throughput(Throughput::Elements(train.len() as u64));
	for spec in [ModelSpec::mnist_2nn(), ModelSpec::mnist_logreg()] {
		let fresh = Network::new(spec.clone(), 1).expect("valid spec");
		g.bench_with_input(
			BenchmarkId::new(spec.descriptor(), format!("{} samples", train.len())),
			&train,
			|b, data| {
				b.iter_batched(
					|| fresh.clone(),
					|mut m| m.train(data, &cfg).expect("training"),
					BatchSize::LargeInput,
				)
			},
		);
	}
	g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
