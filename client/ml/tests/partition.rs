use std::collections::HashSet;

use flare_ml::partition::{dirichlet, iid, shards, Partition};
use flare_ml::PartitionError;

/// MNIST-like labels: 10 classes, shuffled.
fn labels(n: usize) -> Vec<u8> {
	(0..n).map(|i| ((i * 7 + i / 13) % 10) as u8).collect()
}

fn assert_disjoint_cover(parts: &Partition, n: usize) {
	let mut seen = HashSet::new();
	for p in parts {
		assert!(!p.is_empty(), "a client got no sample");
		assert!(
			p.windows(2).all(|w| w[0] < w[1]),
			"indices are sorted and unique"
		);
		for &i in p {
			assert!(i < n);
			assert!(seen.insert(i), "sample {i} assigned twice");
		}
	}
	assert_eq!(seen.len(), n, "every sample is assigned");
}

/// Mean over clients of the largest class share: 0.1 for perfectly mixed 10-class data, 1 for
/// single-class clients.
fn mean_max_class_share(parts: &Partition, labels: &[u8]) -> f64 {
	parts
		.iter()
		.map(|p| {
			let mut c = [0usize; 10];
			p.iter().for_each(|&i| c[labels[i] as usize] += 1);
			*c.iter().max().unwrap() as f64 / p.len() as f64
		})
		.sum::<f64>()
		/ parts.len() as f64
}

#[test]
fn iid_splits_disjointly_into_near_equal_parts() {
	let p = iid(1003, 10, 5).unwrap();
	assert_disjoint_cover(&p, 1003);
	assert!(p.iter().all(|c| c.len() == 100 || c.len() == 101));
	assert_eq!(p, iid(1003, 10, 5).unwrap());
	assert_ne!(p, iid(1003, 10, 6).unwrap());
}

#[test]
fn dirichlet_covers_all_samples_and_is_deterministic() {
	let y = labels(2000);
	for alpha in [0.05, 0.5, 5.0] {
		let p = dirichlet(&y, 10, 10, alpha, 1).unwrap();
		assert_disjoint_cover(&p, y.len());
		assert_eq!(p, dirichlet(&y, 10, 10, alpha, 1).unwrap());
	}
	assert_ne!(
		dirichlet(&y, 10, 10, 0.5, 1).unwrap(),
		dirichlet(&y, 10, 10, 0.5, 2).unwrap()
	);
}

#[test]
fn dirichlet_skew_grows_as_alpha_shrinks() {
	let y = labels(4000);
	let skew = |alpha| mean_max_class_share(&dirichlet(&y, 10, 10, alpha, 3).unwrap(), &y);
	let (low, mid, high) = (skew(0.1), skew(0.5), skew(100.0));
	assert!(
		low > mid && mid > high,
		"max-class share: α=0.1 {low:.3}, α=0.5 {mid:.3}, α=100 {high:.3}"
	);
	assert!(high < 0.2 && low > 0.5);
}

#[test]
fn dirichlet_gives_every_client_a_sample_even_for_tiny_alpha() {
	let y = labels(50);
	for seed in 0..20 {
		let p = dirichlet(&y, 10, 20, 1e-3, seed).unwrap();
		assert_disjoint_cover(&p, y.len());
	}
	// As many clients as samples: exactly one each.
	let p = dirichlet(&y, 10, 50, 0.01, 0).unwrap();
	assert!(p.iter().all(|c| c.len() == 1));
}

#[test]
fn shards_give_each_client_few_labels() {
	let y = labels(8000);
	let p = shards(&y, 10, 2, 4).unwrap();
	assert_disjoint_cover(&p, y.len());
	assert_eq!(p, shards(&y, 10, 2, 4).unwrap());
	for c in &p {
		let classes: HashSet<u8> = c.iter().map(|&i| y[i]).collect();
		assert!(
			classes.len() <= 4,
			"two shards span at most four labels, got {}",
			classes.len()
		);
		assert_eq!(c.len(), 800);
	}
}

#[test]
fn invalid_arguments_are_rejected() {
	let y = labels(30);
	assert_eq!(iid(10, 0, 0), Err(PartitionError::ZeroClients));
	assert_eq!(
		iid(3, 4, 0),
		Err(PartitionError::TooFewSamples {
			samples: 3,
			needed: 4
		})
	);
	for alpha in [0.0, -1.0, f64::NAN, f64::INFINITY] {
		assert!(matches!(
			dirichlet(&y, 10, 3, alpha, 0),
			Err(PartitionError::InvalidAlpha { .. })
		));
	}
	assert_eq!(
		dirichlet(&y, 10, 0, 1.0, 0),
		Err(PartitionError::ZeroClients)
	);
	assert_eq!(
		dirichlet(&y, 0, 3, 1.0, 0),
		Err(PartitionError::ZeroClasses)
	);
	assert_eq!(
		dirichlet(&y, 5, 3, 1.0, 0),
		Err(PartitionError::LabelOutOfRange {
			index: 1,
			label: 7,
			classes: 5
		})
	);
	assert_eq!(shards(&y, 0, 2, 0), Err(PartitionError::ZeroClients));
	assert_eq!(shards(&y, 3, 0, 0), Err(PartitionError::ZeroShards));
	assert_eq!(
		shards(&y, 8, 4, 0),
		Err(PartitionError::TooFewSamples {
			samples: 30,
			needed: 32
		})
	);
}
