//! Codec size and speed on a real MLP update (2 local epochs on one of 10 IID MNIST clients).
//! Sizes are printed once (and written to `$FLARE_PERF_DIR/codec_sizes.json` if that is set);
//! encode/decode throughput is in raw-f32 bytes per second.
//!
//! Baseline: `zlib-raw-f32` is plain zlib (flate2, default level) over the update's raw
//! little-endian f32 bytes, with no FLUP header and no flare-ml code; every codec's size and
//! speed is compared with it by `scripts/bench_learning.sh`.

mod common;

use std::io::{Read, Write};

use criterion::{
	black_box, criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput,
};
use flare_ml::model::local_update;
use flare_ml::{
	bundled_mnist, decode_update, partition, CodecId, CodecSpec, Encoder, ModelSpec, Params,
	TrainConfig, BUNDLED_TRAIN,
};
use flate2::read::ZlibDecoder;
use flate2::write::ZlibEncoder;
use flate2::Compression;

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

/// The baseline: zlib (default level) over the raw little-endian f32 bytes.
fn zlib_raw_f32(values: &[f32]) -> Vec<u8> {
	let mut bytes = Vec::with_capacity(4 * values.len());
	for v in values {
		bytes.extend_from_slice(&v.to_le_bytes());
	}
	let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
	e.write_all(&bytes).expect("in-memory write");
	e.finish().expect("in-memory write")
}

fn unzlib_f32(blob: &[u8], n: usize) -> Vec<f32> {
	let mut bytes = Vec::with_capacity(4 * n);
	ZlibDecoder::new(blob)
		.read_to_end(&mut bytes)
		.expect("valid zlib");
	bytes
		.chunks_exact(4)
		.map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
		.collect()
}

fn bench(c: &mut Criterion) {
	let delta = real_delta();
	let n = delta.len();
	let raw = 4 * n;
	let baseline = zlib_raw_f32(delta.values());
	assert_eq!(unzlib_f32(&baseline, n), delta.values(), "zlib round trip");
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
	eprintln!(
		"  {:<15} {:>8} bytes  {:>5.1}x smaller than raw f32 (baseline: zlib, no header)",
		"zlib-raw-f32",
		baseline.len(),
		raw as f64 / baseline.len() as f64
	);
	for (id, b) in &blobs {
		eprintln!(
			"  {:<15} {:>8} bytes  {:>5.1}x smaller than raw f32",
			id.name(),
			b.len(),
			raw as f64 / b.len() as f64
		);
	}
	let sizes: Vec<String> = blobs
		.iter()
		.map(|(id, b)| format!("{{\"codec\": \"{}\", \"bytes\": {}}}", id.name(), b.len()))
		.collect();
	common::write_json(
		"codec_sizes",
		&format!(
			"{{\"values\": {n}, \"raw_f32_bytes\": {raw}, \"exact_zeros\": {zeros}, \
			 \"zlib_raw_f32_bytes\": {}, \"codecs\": [{}]}}",
			baseline.len(),
			sizes.join(", ")
		),
	);

	let size = format!("{n}");
	let mut g = c.benchmark_group("codec_encode");
	g.throughput(Throughput::Bytes(raw as u64));
	g.bench_with_input(
		BenchmarkId::new("zlib-raw-f32", &size),
		delta.values(),
		|b, v| b.iter(|| zlib_raw_f32(black_box(v))),
	);
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
	g.bench_with_input(
		BenchmarkId::new("zlib-raw-f32", &size),
		&baseline,
		|b, blob| b.iter(|| unzlib_f32(black_box(blob), n)),
	);
	for (id, blob) in &blobs {
		g.bench_with_input(BenchmarkId::new(id.name(), &size), blob, |b, blob| {
			b.iter(|| decode_update(black_box(blob), &manifest, 16 << 20).expect("decode"))
		});
	}
	g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
