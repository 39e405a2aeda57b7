//! Aggregation rules over client updates, bit-for-bit deterministic.
//!
//! The math lives in plain functions ([`fedavg`], [`median`], [`trimmed_mean`], [`krum`],
//! [`multi_krum`], in the spirit of Flower's `aggregate.py`); the [`Aggregator`] impls and
//! [`Rule`] are thin wrappers that pick one.
//!
//! Every node that aggregates the same set of updates must produce the same bytes, whatever
//! order it received them in. So every function:
//!
//! 1. sorts the updates canonically — by `key` (the blob's content hash), then `samples`, then
//!    the delta's bit patterns — before looking at any value;
//! 2. validates in that order (so even the reported error is order-independent);
//! 3. accumulates in `f64` in an order fixed by the code, never by the platform (per coordinate
//!    in canonical update order; Krum's squared distances in 8 fixed lanes), and rounds to `f32`
//!    once per output value;
//! 4. orders values by `f32::total_cmp` / `f64::total_cmp` (a total order, no NaN surprises)
//!    and breaks Krum score ties by canonical position.
//!
//! Only IEEE-754 addition, multiplication and division are used (no transcendental functions),
//! which Rust evaluates identically on every supported platform: it never fuses multiply-adds
//! or reassociates floating-point sums on its own.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use crate::codec::decode_update;
use crate::error::{AggregateError, CodecError};
use crate::params::{content_hash, Manifest};

/// One client's contribution to a round.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
	/// Content hash of the published blob: the canonical sort key.
	pub key: [u8; 32],
	/// Training samples behind the update (the FedAvg weight).
	pub samples: u64,
	/// Dense delta (trained − global parameters).
	pub delta: Vec<f32>,
}

impl Update {
	pub fn new(key: [u8; 32], samples: u64, delta: Vec<f32>) -> Update {
		Update {
			key,
			samples,
			delta,
		}
	}

	/// Decodes a published blob into an update keyed by the blob's [`content_hash`].
	pub fn from_blob(
		blob: &[u8],
		samples: u64,
		expected: &Manifest,
		max_bytes: usize,
	) -> Result<Update, CodecError> {
		let (_, delta) = decode_update(blob, expected, max_bytes)?;
		Ok(Update {
			key: content_hash(blob),
			samples,
			delta: delta.into_values(),
		})
	}
}

/// Why a client's update was not admitted to aggregation; the `u8` codes are on-chain values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum RejectReason {
	/// The blob's hash differs from the one committed on chain.
	BadHash = 0,
	/// The blob is not a well-formed update.
	Undecodable = 1,
	/// The update does not have the global model's shape.
	WrongShape = 2,
	/// The update contains NaN or ±inf.
	NonFinite = 3,
	/// The update's L2 norm exceeds the configured bound.
	NormBound = 4,
	/// The blob could not be fetched.
	Unavailable = 5,
}

impl RejectReason {
	pub const ALL: [RejectReason; 6] = [
		RejectReason::BadHash,
		RejectReason::Undecodable,
		RejectReason::WrongShape,
		RejectReason::NonFinite,
		RejectReason::NormBound,
		RejectReason::Unavailable,
	];

	pub fn as_u8(self) -> u8 {
		self as u8
	}
}

impl TryFrom<u8> for RejectReason {
	type Error = u8;
	fn try_from(v: u8) -> Result<RejectReason, u8> {
		RejectReason::ALL.get(v as usize).copied().ok_or(v)
	}
}

impl fmt::Display for RejectReason {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(match self {
			RejectReason::BadHash => "bad-hash",
			RejectReason::Undecodable => "undecodable",
			RejectReason::WrongShape => "wrong-shape",
			RejectReason::NonFinite => "non-finite",
			RejectReason::NormBound => "norm-bound",
			RejectReason::Unavailable => "unavailable",
		})
	}
}

/// Admission check for one decoded delta: length, finiteness, optional L2-norm bound.
///
/// A NaN `max_norm` rejects every update (fail closed rather than silently unbounded).
pub fn check_update(
	delta: &[f32],
	expected_len: usize,
	max_norm: Option<f64>,
) -> Result<(), RejectReason> {
	if delta.len() != expected_len {
		return Err(RejectReason::WrongShape);
	}
	if delta.iter().any(|v| !v.is_finite()) {
		return Err(RejectReason::NonFinite);
	}
	if let Some(max) = max_norm {
		let norm = crate::params::l2_norm(delta);
		if max.is_nan() || norm > max {
			return Err(RejectReason::NormBound);
		}
	}
	Ok(())
}

/// The canonical order: key, then samples, then the delta's bits (so even two updates with the
/// same key cannot be ordered differently by two nodes).
fn canonical_cmp(a: &Update, b: &Update) -> Ordering {
	a.key
		.cmp(&b.key)
		.then(a.samples.cmp(&b.samples))
		.then_with(|| {
			a.delta
				.iter()
				.map(|v| v.to_bits())
				.cmp(b.delta.iter().map(|v| v.to_bits()))
		})
}

/// Sorts canonically and validates: non-empty, equal lengths, finite values.
fn prepare(updates: &[Update]) -> Result<Vec<&Update>, AggregateError> {
	if updates.is_empty() {
		return Err(AggregateError::Empty);
	}
	let mut sorted: Vec<&Update> = updates.iter().collect();
	sorted.sort_by(|a, b| canonical_cmp(a, b));
	let expected = sorted[0].delta.len();
	for u in &sorted {
		if u.delta.len() != expected {
			return Err(AggregateError::ShapeMismatch {
				expected,
				got: u.delta.len(),
			});
		}
		if let Some(index) = u.delta.iter().position(|v| !v.is_finite()) {
			return Err(AggregateError::NonFinite { key: u.key, index });
		}
	}
	Ok(sorted)
}

/// Coordinates per block in the accumulation loops: the f64 accumulators (16 KiB) stay in L1
/// while every update streams through. Blocking changes no per-coordinate arithmetic order.
const BLOCK: usize = 2048;

/// Sample-weighted mean of already prepared (sorted, validated) updates.
fn weighted_mean(sorted: &[&Update]) -> Result<Vec<f32>, AggregateError> {
	let total: u128 = sorted.iter().map(|u| u128::from(u.samples)).sum();
	if total == 0 {
		return Err(AggregateError::ZeroSamples);
	}
	let total = total as f64;
	let n = sorted[0].delta.len();
	let mut out = Vec::with_capacity(n);
	let mut acc = [0.0f64; BLOCK];
	for start in (0..n).step_by(BLOCK) {
		let len = BLOCK.min(n - start);
		let acc = &mut acc[..len];
		acc.fill(0.0);
		for u in sorted {
			let w = u.samples as f64;
			for (a, &x) in acc.iter_mut().zip(&u.delta[start..start + len]) {
				*a += w * f64::from(x);
			}
		}
		out.extend(acc.iter().map(|&a| (a / total) as f32));
	}
	Ok(out)
}

/// FedAvg: Σ samplesᵢ·deltaᵢ / Σ samplesᵢ.
pub fn fedavg(updates: &[Update]) -> Result<Vec<f32>, AggregateError> {
	weighted_mean(&prepare(updates)?)
}

/// Maps an f32 to an i32 whose integer order is `f32::total_cmp`'s order (the same bit trick
/// `total_cmp` uses); it is its own inverse.
fn total_order_key(bits: i32) -> i32 {
	bits ^ (((bits >> 31) as u32) >> 1) as i32
}

/// Coordinates sorted together by the sorting network.
const COLUMNS: usize = 256;
/// Up to this many updates, columns are sorted with a branch-free odd-even transposition
/// network (m rounds of element-wise min/max, which vectorises); beyond it, with `sort_unstable`
/// per coordinate (O(m log m)). A sort's output is unique, so both give identical values.
const NETWORK_MAX: usize = 32;

/// Sorts every coordinate's values across updates, block by block: for each block of up to
/// [`COLUMNS`] coordinates, `f(keys, len)` receives `m` rows of `COLUMNS` [`total_order_key`]s,
/// row `i` holding the `i`-th smallest value of each of the `len` coordinates.
fn sorted_blocks(sorted: &[&Update], mut f: impl FnMut(&[i32], usize)) {
	let (m, n) = (sorted.len(), sorted[0].delta.len());
	let mut keys = vec![0i32; m * COLUMNS];
	let mut column = vec![0i32; m];
	for start in (0..n).step_by(COLUMNS) {
		let len = COLUMNS.min(n - start);
		for (row, u) in keys.chunks_exact_mut(COLUMNS).zip(sorted) {
			for (k, &v) in row.iter_mut().zip(&u.delta[start..start + len]) {
				*k = total_order_key(v.to_bits() as i32);
			}
		}
		if m <= NETWORK_MAX {
			for round in 0..m {
				for i in (round % 2..m.saturating_sub(1)).step_by(2) {
					let (upper, lower) = keys.split_at_mut((i + 1) * COLUMNS);
					let a = &mut upper[i * COLUMNS..i * COLUMNS + len];
					for (x, y) in a.iter_mut().zip(&mut lower[..len]) {
						let (lo, hi) = ((*x).min(*y), (*x).max(*y));
						*x = lo;
						*y = hi;
					}
				}
			}
		} else {
			for c in 0..len {
				for (i, k) in column.iter_mut().enumerate() {
					*k = keys[i * COLUMNS + c];
				}
				column.sort_unstable();
				for (i, &k) in column.iter().enumerate() {
					keys[i * COLUMNS + c] = k;
				}
			}
		}
		f(&keys, len);
	}
}

fn key_value(key: i32) -> f32 {
	f32::from_bits(total_order_key(key) as u32)
}

/// Coordinate-wise median (unweighted); for an even count, the mean of the two middle values.
pub fn median(updates: &[Update]) -> Result<Vec<f32>, AggregateError> {
	let sorted = prepare(updates)?;
	let m = sorted.len();
	let mut out = Vec::with_capacity(sorted[0].delta.len());
	sorted_blocks(&sorted, |keys, len| {
		let upper = &keys[(m / 2) * COLUMNS..][..len];
		if m % 2 == 1 {
			out.extend(upper.iter().map(|&k| key_value(k)));
		} else {
			let lower = &keys[(m / 2 - 1) * COLUMNS..][..len];
			out.extend(lower.iter().zip(upper).map(|(&a, &b)| {
				((f64::from(key_value(a)) + f64::from(key_value(b))) / 2.0) as f32
			}));
		}
	});
	Ok(out)
}

/// Coordinate-wise trimmed mean (unweighted): drops the `trim` smallest and `trim` largest
/// values of each coordinate and averages the rest. Needs more than `2·trim` updates.
pub fn trimmed_mean(updates: &[Update], trim: u32) -> Result<Vec<f32>, AggregateError> {
	let sorted = prepare(updates)?;
	let (m, t) = (sorted.len(), trim as usize);
	let need = 2 * t + 1;
	if m < need {
		return Err(AggregateError::TooFewUpdates {
			rule: "trimmed-mean",
			need,
			got: m,
		});
	}
	let kept = (m - 2 * t) as f64;
	let mut out = Vec::with_capacity(sorted[0].delta.len());
	let mut acc = [0.0f64; COLUMNS];
	sorted_blocks(&sorted, |keys, len| {
		// Ascending order per coordinate, as in the sorted column.
		acc[..len].fill(0.0);
		for row in keys.chunks_exact(COLUMNS).take(m - t).skip(t) {
			for (a, &k) in acc.iter_mut().zip(&row[..len]) {
				*a += f64::from(key_value(k));
			}
		}
		out.extend(acc[..len].iter().map(|&a| (a / kept) as f32));
	});
	Ok(out)
}

fn krum_need(f: u32) -> usize {
	2 * f as usize + 3
}

/// Lanes of the squared-distance sum. Eight independent f64 accumulators let the CPU overlap
/// additions; the order is fixed by this constant, not by the platform, so results stay
/// bit-for-bit reproducible.
const LANES: usize = 8;

/// Σ (a − b)² in f64: lane `l` sums indices ≡ l (mod 8) in increasing order, then lanes 0..8
/// are added in order, then the tail.
fn squared_distance(a: &[f32], b: &[f32]) -> f64 {
	let mut lanes = [0.0f64; LANES];
	let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
	let (ra, rb) = (ca.remainder(), cb.remainder());
	for (x, y) in ca.zip(cb) {
		for l in 0..LANES {
			let d = f64::from(x[l]) - f64::from(y[l]);
			lanes[l] += d * d;
		}
	}
	let mut sum = lanes.iter().sum::<f64>();
	for (&x, &y) in ra.iter().zip(rb) {
		let d = f64::from(x) - f64::from(y);
		sum += d * d;
	}
	sum
}

/// Krum scores in canonical order: for each update, the sum of squared distances to its
/// `m − f − 2` nearest other updates (f64).
fn scores(sorted: &[&Update], f: u32) -> Vec<f64> {
	let m = sorted.len();
	let mut dist = vec![0.0f64; m * m];
	for i in 0..m {
		for j in i + 1..m {
			let d = squared_distance(&sorted[i].delta, &sorted[j].delta);
			dist[i * m + j] = d;
			dist[j * m + i] = d;
		}
	}
	let closest = m - f as usize - 2;
	(0..m)
		.map(|i| {
			let mut row: Vec<f64> = (0..m)
				.filter(|&j| j != i)
				.map(|j| dist[i * m + j])
				.collect();
			row.sort_unstable_by(f64::total_cmp);
			row[..closest].iter().sum()
		})
		.collect()
}

/// Canonical positions of the `count` best (lowest) Krum scores; ties go to the earlier position.
fn krum_select(sorted: &[&Update], f: u32, count: usize) -> Vec<usize> {
	let s = scores(sorted, f);
	let mut order: Vec<usize> = (0..sorted.len()).collect();
	order.sort_by(|&a, &b| s[a].total_cmp(&s[b]).then(a.cmp(&b)));
	order.truncate(count);
	order.sort_unstable();
	order
}

/// Krum scores keyed by update key, in canonical order (for reporting which update won and why).
pub fn krum_scores(updates: &[Update], f: u32) -> Result<Vec<([u8; 32], f64)>, AggregateError> {
	let sorted = prepare(updates)?;
	let need = krum_need(f);
	if sorted.len() < need {
		return Err(AggregateError::TooFewUpdates {
			rule: "krum",
			need,
			got: sorted.len(),
		});
	}
	let s = scores(&sorted, f);
	Ok(sorted.iter().zip(s).map(|(u, s)| (u.key, s)).collect())
}

/// Krum (Blanchard et al., 2017): the single update closest to its `m − f − 2` nearest
/// neighbours, tolerating `f` Byzantine updates. Needs at least `2f + 3` updates.
pub fn krum(updates: &[Update], f: u32) -> Result<Vec<f32>, AggregateError> {
	let sorted = prepare(updates)?;
	let need = krum_need(f);
	if sorted.len() < need {
		return Err(AggregateError::TooFewUpdates {
			rule: "krum",
			need,
			got: sorted.len(),
		});
	}
	let best = krum_select(&sorted, f, 1);
	Ok(sorted[best[0]].delta.clone())
}

/// Multi-Krum: the sample-weighted mean of the `m` updates with the best Krum scores.
/// Needs `m ≥ 1` and at least `max(2f + 3, m + f)` updates.
pub fn multi_krum(updates: &[Update], f: u32, m: u32) -> Result<Vec<f32>, AggregateError> {
	if m == 0 {
		return Err(AggregateError::InvalidRule {
			rule: Rule::MultiKrum { f, m }.to_string(),
			reason: "m must be at least 1",
		});
	}
	let sorted = prepare(updates)?;
	let need = krum_need(f).max(m as usize + f as usize);
	if sorted.len() < need {
		return Err(AggregateError::TooFewUpdates {
			rule: "multi-krum",
			need,
			got: sorted.len(),
		});
	}
	let chosen: Vec<&Update> = krum_select(&sorted, f, m as usize)
		.into_iter()
		.map(|i| sorted[i])
		.collect();
	weighted_mean(&chosen)
}

/// Combines a round's updates into one delta.
pub trait Aggregator {
	fn aggregate(&self, updates: &[Update]) -> Result<Vec<f32>, AggregateError>;
}

/// [`fedavg`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FedAvg;
/// [`median`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Median;
/// [`trimmed_mean`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrimmedMean {
	pub trim: u32,
}
/// [`krum`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Krum {
	pub f: u32,
}
/// [`multi_krum`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultiKrum {
	pub f: u32,
	pub m: u32,
}

impl Aggregator for FedAvg {
	fn aggregate(&self, updates: &[Update]) -> Result<Vec<f32>, AggregateError> {
		fedavg(updates)
	}
}
impl Aggregator for Median {
	fn aggregate(&self, updates: &[Update]) -> Result<Vec<f32>, AggregateError> {
		median(updates)
	}
}
impl Aggregator for TrimmedMean {
	fn aggregate(&self, updates: &[Update]) -> Result<Vec<f32>, AggregateError> {
		trimmed_mean(updates, self.trim)
	}
}
impl Aggregator for Krum {
	fn aggregate(&self, updates: &[Update]) -> Result<Vec<f32>, AggregateError> {
		krum(updates, self.f)
	}
}
impl Aggregator for MultiKrum {
	fn aggregate(&self, updates: &[Update]) -> Result<Vec<f32>, AggregateError> {
		multi_krum(updates, self.f, self.m)
	}
}

/// An aggregation rule as configured on chain. Text form: `fedavg`, `median`,
/// `trimmed-mean:{trim}`, `krum:{f}`, `multi-krum:{f}:{m}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
	FedAvg,
	Median,
	/// `trim` updates dropped from each side, per coordinate.
	TrimmedMean {
		trim: u32,
	},
	/// Tolerates `f` Byzantine updates.
	Krum {
		f: u32,
	},
	/// Averages the `m` best-scored updates.
	MultiKrum {
		f: u32,
		m: u32,
	},
}

impl Rule {
	pub fn aggregator(&self) -> Box<dyn Aggregator + Send + Sync> {
		match *self {
			Rule::FedAvg => Box::new(FedAvg),
			Rule::Median => Box::new(Median),
			Rule::TrimmedMean { trim } => Box::new(TrimmedMean { trim }),
			Rule::Krum { f } => Box::new(Krum { f }),
			Rule::MultiKrum { f, m } => Box::new(MultiKrum { f, m }),
		}
	}

	/// Fewest updates the rule accepts.
	pub fn min_updates(&self) -> usize {
		match *self {
			Rule::FedAvg | Rule::Median => 1,
			Rule::TrimmedMean { trim } => 2 * trim as usize + 1,
			Rule::Krum { f } => krum_need(f),
			Rule::MultiKrum { f, m } => krum_need(f).max(m as usize + f as usize),
		}
	}
}

/// Aggregates `updates` with `rule`.
pub fn aggregate(rule: &Rule, updates: &[Update]) -> Result<Vec<f32>, AggregateError> {
	match *rule {
		Rule::FedAvg => fedavg(updates),
		Rule::Median => median(updates),
		Rule::TrimmedMean { trim } => trimmed_mean(updates, trim),
		Rule::Krum { f } => krum(updates, f),
		Rule::MultiKrum { f, m } => multi_krum(updates, f, m),
	}
}

impl fmt::Display for Rule {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match *self {
			Rule::FedAvg => f.write_str("fedavg"),
			Rule::Median => f.write_str("median"),
			Rule::TrimmedMean { trim } => write!(f, "trimmed-mean:{trim}"),
			Rule::Krum { f: byz } => write!(f, "krum:{byz}"),
			Rule::MultiKrum { f: byz, m } => write!(f, "multi-krum:{byz}:{m}"),
		}
	}
}

impl FromStr for Rule {
	type Err = AggregateError;

	/// Parses the canonical text form (see [`Rule`]).
	fn from_str(s: &str) -> Result<Rule, AggregateError> {
		let invalid = |reason| AggregateError::InvalidRule {
			rule: s.to_owned(),
			reason,
		};
		let mut parts = s.split(':');
		let name = parts.next().unwrap_or_default();
		let args = parts
			.map(|p| {
				p.parse::<u32>()
					.map_err(|_| invalid("arguments must be decimal u32"))
			})
			.collect::<Result<Vec<_>, _>>()?;
		let rule = match (name, args.as_slice()) {
			("fedavg", []) => Rule::FedAvg,
			("median", []) => Rule::Median,
			("trimmed-mean", &[trim]) => Rule::TrimmedMean { trim },
			("krum", &[f]) => Rule::Krum { f },
			("multi-krum", &[f, m]) => Rule::MultiKrum { f, m },
			_ => {
				return Err(invalid(
					"expected fedavg, median, trimmed-mean:T, krum:F or multi-krum:F:M",
				))
			}
		};
		if rule.to_string() != s {
			return Err(invalid("not in canonical form"));
		}
		if let Rule::MultiKrum { m: 0, .. } = rule {
			return Err(invalid("m must be at least 1"));
		}
		Ok(rule)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn integer_keys_sort_like_total_cmp() {
		let mut vals = vec![
			f32::NAN,
			-f32::NAN,
			f32::INFINITY,
			f32::NEG_INFINITY,
			0.0,
			-0.0,
			1.5,
			-1.5,
			f32::MIN_POSITIVE,
			-f32::MIN_POSITIVE,
			1e-45,
			-1e-45,
			f32::MAX,
			f32::MIN,
		];
		let mut by_key = vals.clone();
		by_key.sort_by_key(|v| total_order_key(v.to_bits() as i32));
		vals.sort_by(f32::total_cmp);
		let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
		assert_eq!(bits(&by_key), bits(&vals));
		for v in &vals {
			let k = total_order_key(v.to_bits() as i32);
			assert_eq!(
				total_order_key(k) as u32,
				v.to_bits(),
				"the key map is an involution"
			);
		}
	}

	#[test]
	fn sorting_network_and_fallback_sort_every_column() {
		let mut seed = 7u32;
		let mut next = move || {
			seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
			// Mix of signs, zeros and duplicates.
			[((seed >> 8) as f32 / 65_536.0) - 128.0, 0.0, -0.0, 3.0][(seed & 3) as usize]
		};
		for m in [1, 2, 3, 10, 31, 32, 33, 40] {
			let n = 300;
			let ups: Vec<Update> = (0..m)
				.map(|i| Update::new([i as u8; 32], 1, (0..n).map(|_| next()).collect()))
				.collect();
			let refs: Vec<&Update> = ups.iter().collect();
			let mut j = 0;
			sorted_blocks(&refs, |keys, len| {
				for c in 0..len {
					let mut want: Vec<u32> = ups
						.iter()
						.map(|u| u.delta[j])
						.collect::<Vec<f32>>()
						.iter()
						.map(|v| v.to_bits())
						.collect();
					want.sort_by(|a, b| f32::from_bits(*a).total_cmp(&f32::from_bits(*b)));
					let got: Vec<u32> = (0..m)
						.map(|i| key_value(keys[i * COLUMNS + c]).to_bits())
						.collect();
					assert_eq!(got, want, "m={m} j={j}");
					j += 1;
				}
			});
			assert_eq!(j, n);
		}
	}

	#[test]
	fn lane_distance_matches_the_plain_sum_closely() {
		let a: Vec<f32> = (0..1003).map(|i| (i as f32 * 0.37).sin()).collect();
		let b: Vec<f32> = (0..1003).map(|i| (i as f32 * 0.11).cos()).collect();
		let plain: f64 = a
			.iter()
			.zip(&b)
			.map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2))
			.sum();
		let lanes = squared_distance(&a, &b);
		assert!((plain - lanes).abs() <= 1e-12 * plain);
		assert_eq!(squared_distance(&a[..5], &a[..5]), 0.0);
	}
}
