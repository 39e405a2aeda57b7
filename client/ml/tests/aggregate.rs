use flare_ml::aggregate::{self, fedavg, krum, krum_scores, median, multi_krum, trimmed_mean};
use flare_ml::{check_update, content_hash, AggregateError, RejectReason, Rule, Update};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn key(i: u8) -> [u8; 32] {
	let mut k = [0u8; 32];
	k[0] = i;
	k
}

fn up(i: u8, samples: u64, delta: Vec<f32>) -> Update {
	Update::new(key(i), samples, delta)
}

const ALL_RULES: [Rule; 6] = [
	Rule::FedAvg,
	Rule::Median,
	Rule::TrimmedMean { trim: 2 },
	Rule::TrimmedMean { trim: 0 },
	Rule::Krum { f: 2 },
	Rule::MultiKrum { f: 2, m: 4 },
];

/// Updates whose naive f32 sums depend on order: magnitudes span 1e-4..1e7, some deltas are
/// exact duplicates (Krum ties), samples differ.
fn order_sensitive_updates(seed: u64) -> Vec<Update> {
	let mut rng = ChaCha8Rng::seed_from_u64(seed);
	let n = 2000;
	let mut ups: Vec<Update> = (0..9)
		.map(|i| {
			let delta = (0..n)
				.map(|j| {
					let mag = 10f32.powi(rng.gen_range(-4..8));
					let v = rng.gen_range(-1.0f32..1.0) * mag;
					if j % 7 == 0 {
						v.round()
					} else {
						v
					}
				})
				.collect();
			Update::new(
				content_hash(&[i as u8, seed as u8]),
				rng.gen_range(1..1000),
				delta,
			)
		})
		.collect();
	// Exact duplicates under other keys and sample counts: ties in Krum scores.
	for (i, src) in [(100u8, 0usize), (101, 0), (102, 3)] {
		let mut d = ups[src].clone();
		d.key = content_hash(&[i]);
		d.samples += 17;
		ups.push(d);
	}
	ups
}

#[test]
fn every_rule_is_bit_identical_under_input_permutations() {
	let ups = order_sensitive_updates(1);
	// Sanity: the data is order-sensitive, so an order-dependent implementation would fail.
	let naive = |u: &[Update]| {
		u.iter()
			.fold(0.0f32, |s, x| s + x.delta[5] * x.samples as f32)
	};
	let mut rng = ChaCha8Rng::seed_from_u64(99);
	let perms: Vec<Vec<Update>> = (0..8)
		.map(|p| {
			let mut v = ups.clone();
			if p == 1 {
				v.reverse();
			} else if p > 1 {
				v.shuffle(&mut rng);
			}
			v
		})
		.collect();
	assert!(
		perms
			.iter()
			.any(|p| naive(p).to_bits() != naive(&ups).to_bits()),
		"test data must be order-sensitive"
	);

	for rule in ALL_RULES {
		let reference = aggregate::aggregate(&rule, &ups).unwrap();
		let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
		let hash = content_hash(&bytes(&reference));
		for p in &perms {
			let out = rule.aggregator().aggregate(p).unwrap();
			assert_eq!(
				content_hash(&bytes(&out)),
				hash,
				"{rule} differs under a permutation"
			);
		}
	}
}

#[test]
fn fedavg_weights_by_samples() {
	let out = fedavg(&[up(1, 1, vec![1.0, 2.0]), up(2, 3, vec![3.0, 4.0])]).unwrap();
	assert_eq!(out, vec![2.5, 3.5]);
}

#[test]
fn fedavg_accumulates_in_f64_and_rounds_once() {
	// In f32, 2^24 + 1 rounds back to 2^24, so a naive sum would give 0.
	let big = 16_777_216.0f32;
	let out = fedavg(&[
		up(1, 1, vec![big]),
		up(2, 1, vec![1.0]),
		up(3, 1, vec![-big]),
	])
	.unwrap();
	assert_eq!(out, vec![(1.0f64 / 3.0) as f32]);
}

#[test]
fn median_takes_the_middle_value_per_coordinate() {
	let ups = [
		up(1, 1, vec![1.0, -5.0]),
		up(2, 9, vec![100.0, 0.0]),
		up(3, 1, vec![3.0, 2.0]),
	];
	assert_eq!(median(&ups).unwrap(), vec![3.0, 0.0]);
	// Even count: mean of the two middle values; weights are ignored.
	let ups = [
		up(1, 1, vec![1.0]),
		up(2, 1, vec![2.0]),
		up(3, 1, vec![4.0]),
		up(4, 100, vec![1e9]),
	];
	assert_eq!(median(&ups).unwrap(), vec![3.0]);
}

#[test]
fn trimmed_mean_drops_the_extremes_on_each_side() {
	let ups: Vec<Update> = [-1000.0f32, 1.0, 2.0, 3.0, 1000.0]
		.iter()
		.enumerate()
		.map(|(i, &v)| up(i as u8, 1, vec![v]))
		.collect();
	assert_eq!(trimmed_mean(&ups, 1).unwrap(), vec![2.0]);
	assert_eq!(trimmed_mean(&ups, 2).unwrap(), vec![2.0]);
	assert_eq!(trimmed_mean(&ups, 0).unwrap(), vec![1.2]);
	assert_eq!(
		trimmed_mean(&ups, 3),
		Err(AggregateError::TooFewUpdates {
			rule: "trimmed-mean",
			need: 7,
			got: 5
		})
	);
}

/// Seven honest updates around (1, 1) and two attackers far away.
fn clustered() -> Vec<Update> {
	let mut ups: Vec<Update> = (0..7)
		.map(|i| up(i, 10, vec![1.0 + 0.01 * i as f32, 1.0 - 0.01 * i as f32]))
		.collect();
	ups.push(up(50, 1000, vec![-10.0, -10.0]));
	ups.push(up(51, 1000, vec![-11.0, -10.0]));
	ups
}

#[test]
fn krum_selects_the_most_central_update() {
	let ups = clustered();
	// The middle of the honest cluster (i = 3) has the smallest neighbour distances.
	assert_eq!(krum(&ups, 2).unwrap(), ups[3].delta);
	let scores = krum_scores(&ups, 2).unwrap();
	let best = scores.iter().min_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
	assert_eq!(best.0, key(3));
	assert!(scores.iter().filter(|s| s.0[0] >= 50).all(|s| s.1 > 100.0));
}

#[test]
fn multi_krum_averages_the_best_m_by_samples() {
	let ups = clustered();
	let out = multi_krum(&ups, 2, 3).unwrap();
	// Best three are the honest updates 2, 3, 4 (equal samples): their plain mean.
	let want: Vec<f32> = (0..2)
		.map(|j| {
			((f64::from(ups[2].delta[j]) + f64::from(ups[3].delta[j]) + f64::from(ups[4].delta[j]))
				* 10.0 / 30.0) as f32
		})
		.collect();
	assert_eq!(out, want);
	assert_eq!(
		multi_krum(&ups, 2, 0),
		Err(AggregateError::InvalidRule {
			rule: "multi-krum:2:0".into(),
			reason: "m must be at least 1"
		})
	);
	assert_eq!(
		multi_krum(&ups, 2, 8),
		Err(AggregateError::TooFewUpdates {
			rule: "multi-krum",
			need: 10,
			got: 9
		})
	);
}

#[test]
fn krum_needs_2f_plus_3_updates() {
	let ups = clustered();
	assert_eq!(
		krum(&ups[..6], 2),
		Err(AggregateError::TooFewUpdates {
			rule: "krum",
			need: 7,
			got: 6
		})
	);
	assert!(krum(&ups[..7], 2).is_ok());
	assert_eq!(Rule::Krum { f: 2 }.min_updates(), 7);
}

#[test]
fn invalid_inputs_are_rejected_by_every_rule() {
	for rule in ALL_RULES {
		assert_eq!(
			aggregate::aggregate(&rule, &[]),
			Err(AggregateError::Empty),
			"{rule}"
		);
		let mut ups = order_sensitive_updates(2);
		ups[4].delta.pop();
		assert!(
			matches!(
				aggregate::aggregate(&rule, &ups),
				Err(AggregateError::ShapeMismatch { .. })
			),
			"{rule}"
		);
		let mut ups = order_sensitive_updates(3);
		ups[6].delta[11] = f32::NAN;
		assert_eq!(
			aggregate::aggregate(&rule, &ups),
			Err(AggregateError::NonFinite {
				key: ups[6].key,
				index: 11
			}),
			"{rule}"
		);
	}
	let zero = [up(1, 0, vec![1.0]), up(2, 0, vec![2.0])];
	assert_eq!(fedavg(&zero), Err(AggregateError::ZeroSamples));
	assert_eq!(median(&zero).unwrap(), vec![1.5], "median is unweighted");
}

#[test]
fn shape_mismatch_reports_sizes_independently_of_order() {
	let a = up(1, 1, vec![0.0; 3]);
	let b = up(2, 1, vec![0.0; 5]);
	let want = Err(AggregateError::ShapeMismatch {
		expected: 3,
		got: 5,
	});
	assert_eq!(fedavg(&[a.clone(), b.clone()]), want);
	assert_eq!(fedavg(&[b, a]), want);
}

#[test]
fn check_update_reports_each_reason() {
	assert_eq!(check_update(&[3.0, 4.0], 2, Some(5.0)), Ok(()));
	assert_eq!(check_update(&[3.0, 4.0], 2, None), Ok(()));
	assert_eq!(
		check_update(&[3.0, 4.0], 3, None),
		Err(RejectReason::WrongShape)
	);
	assert_eq!(
		check_update(&[3.0, f32::INFINITY], 2, None),
		Err(RejectReason::NonFinite)
	);
	assert_eq!(
		check_update(&[3.0, 4.0], 2, Some(4.99)),
		Err(RejectReason::NormBound)
	);
	assert_eq!(
		check_update(&[0.0], 1, Some(f64::NAN)),
		Err(RejectReason::NormBound),
		"fails closed"
	);
	assert_eq!(check_update(&[1e30], 1, Some(f64::INFINITY)), Ok(()));
}

#[test]
fn reject_reason_codes_are_stable() {
	let codes: Vec<(u8, String)> = RejectReason::ALL
		.iter()
		.map(|r| (r.as_u8(), r.to_string()))
		.collect();
	let want = [
		"bad-hash",
		"undecodable",
		"wrong-shape",
		"non-finite",
		"norm-bound",
		"unavailable",
	];
	for (i, (code, name)) in codes.iter().enumerate() {
		assert_eq!(*code as usize, i);
		assert_eq!(name, want[i]);
		assert_eq!(RejectReason::try_from(*code), Ok(RejectReason::ALL[i]));
	}
	assert_eq!(RejectReason::try_from(6), Err(6));
	assert_eq!(RejectReason::Unavailable.as_u8(), 5);
}

#[test]
fn rules_parse_from_their_canonical_text() {
	for rule in ALL_RULES {
		assert_eq!(rule.to_string().parse::<Rule>().unwrap(), rule);
	}
	assert_eq!(
		"multi-krum:1:3".parse::<Rule>().unwrap(),
		Rule::MultiKrum { f: 1, m: 3 }
	);
	for bad in [
		"",
		"FedAvg",
		"krum",
		"krum:",
		"krum:01",
		"krum:-1",
		"median:1",
		"multi-krum:1:0",
		"trimmed-mean:1:2",
	] {
		assert!(
			matches!(bad.parse::<Rule>(), Err(AggregateError::InvalidRule { .. })),
			"{bad:?} accepted"
		);
	}
}
