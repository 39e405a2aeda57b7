//! One training epoch over the 8 000-sample standard training split.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use flare_ml::{bundled_mnist, Model, ModelSpec, Network, TrainConfig, BUNDLED_TRAIN};

fn bench(c: &mut Criterion) {
	let (train, _) = bundled_mnist()
		.and_then(|d| d.split_at(BUNDLED_TRAIN))
		.expect("bundled MNIST");
	let cfg = TrainConfig {
		epochs: 1,
		batch_size: 32,
		learning_rate: 0.02,
		momentum: 0.9,
		seed: 7,
		..TrainConfig::default()
	};
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
