//! Codec size and speed on a real MLP update (2 local epochs on one of 10 IID MNIST clients).
//! Sizes are printed once; encode/decode throughput is in raw-f32 bytes per second.

use criterion::{
	black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput,
};
use flare_ml::model::local_update;
use flare_ml::{
	bundled_mnist, decode_update, partition, CodecId, CodecSpec, Encoder, ModelSpec, Params,
	TrainConfig, BUNDLED_TRAIN,
};

fn real_delta() -> Params {
	let (train, _) = bundled_mnist()
		.and_then(|d| d.split_at(BUNDLED_TRAIN))
		.expect("bundled MNIST");
	let parts = partition::iid(train.len(), 10, 1).expect("partition");
	let client = train.subset(&parts[0]).expect("indices");
	let mut model = ModelSpec::mnist_2nn().build(3).expect("spec");
	let global = model.params();
	let cfg = TrainConfig {
		epochs: 2,
		batch_size: 32,
		learning_rate: 0.05,
		momentum: 0.9,
		..TrainConfig::default()
	};
	let (delta, _) = local_update(model.as_mut(), &global, &client, &cfg).expect("training");
	Params::new(global.manifest().clone(), delta).expect("shape")
}

fn bench(c: &mut Criterion) {
	let delta = real_delta();
	let n = delta.len();
	let raw = 4 * n;
	let blobs: Vec<(CodecId, Vec<u8>)> = CodecId::ALL
		.iter()
		.map(|&id| {
			(
				id,
				Encoder::new(CodecSpec::new(id))
					.and_then(|mut e| e.encode(&delta))
					.expect("encode"),
			)
		})
		.collect();
	let zeros = delta.values().iter().filter(|&&v| v == 0.0).count();
	eprintln!(
		"\ncodec sizes for one {n}-value MLP update (raw f32 = {raw} bytes, {:.1} % exact zeros):",
		100.0 * zeros as f64 / n as f64
	);
	for (id, b) in &blobs {
		eprintln!(
			"  {:<15} {:>8} bytes  {:>5.1}x smaller than raw f32",
			id.name(),
			b.len(),
			raw as f64 / b.len() as f64
		);
	}

	let size = format!("{n}");
	let mut g = c.benchmark_group("codec_encode");
	g.throughput(Throughput::Bytes(raw as u64));
	for &id in &CodecId::ALL {
		g.bench_with_input(BenchmarkId::new(id.name(), &size), &delta, |b, d| {
			// A fresh encoder per iteration: the top-k residual must not accumulate across runs.
			b.iter_batched(
				|| Encoder::new(CodecSpec::new(id)).expect("valid spec"),
				|mut enc| enc.encode(black_box(d)).expect("encode"),
				BatchSize::SmallInput,
			)
		});
	}
	g.finish();

	let manifest = delta.manifest().clone();
	let mut g = c.benchmark_group("codec_decode");
	g.throughput(Throughput::Bytes(raw as u64));
	for (id, blob) in &blobs {
		g.bench_with_input(BenchmarkId::new(id.name(), &size), blob, |b, blob| {
			b.iter(|| decode_update(black_box(blob), &manifest, 16 << 20).expect("decode"))
		});
	}
	g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
