//! Aggregation throughput per rule on 10 updates of the MLP's size, beside a plain memory copy
//! of the same bytes (the floor any rule has to read them).

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use flare_ml::{aggregate, content_hash, ModelSpec, Rule, Update};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const UPDATES: usize = 10;

fn updates(n: usize) -> Vec<Update> {
	let mut rng = ChaCha8Rng::seed_from_u64(42);
	(0..UPDATES)
		.map(|i| {
			let delta: Vec<f32> = (0..n).map(|_| rng.gen_range(-0.05f32..0.05)).collect();
			Update::new(content_hash(&[i as u8]), rng.gen_range(500..1000), delta)
		})
		.collect()
}

fn bench(c: &mut Criterion) {
	let n = ModelSpec::mnist_2nn().manifest().len();
	let ups = updates(n);
	let size = format!("{UPDATES}x{n}");
	let mut g = c.benchmark_group("aggregate");
	g.throughput(Throughput::Bytes((UPDATES * n * 4) as u64));

	let mut dst = vec![0.0f32; UPDATES * n];
	g.bench_with_input(BenchmarkId::new("memcpy", &size), &ups, |b, ups| {
		b.iter(|| {
			for (chunk, u) in dst.chunks_exact_mut(n).zip(ups) {
				chunk.copy_from_slice(black_box(&u.delta));
			}
			black_box(&dst);
		})
	});
	for rule in [
		Rule::FedAvg,
		Rule::Median,
		Rule::TrimmedMean { trim: 2 },
		Rule::Krum { f: 2 },
		Rule::MultiKrum { f: 2, m: 6 },
	] {
		g.bench_with_input(BenchmarkId::new(rule.to_string(), &size), &ups, |b, ups| {
			b.iter(|| aggregate::aggregate(&rule, black_box(ups)).expect("valid updates"))
		});
	}
	g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
