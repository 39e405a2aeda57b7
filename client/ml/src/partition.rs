//! Splitting a dataset among simulated clients.
//!
//! Every function returns one sorted index list per client; the lists are disjoint, cover every
//! sample exactly once, give each client at least one sample, and depend only on the arguments
//! (ChaCha8 seeded with `seed`).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};

use crate::error::PartitionError;

/// One index list per client.
pub type Partition = Vec<Vec<usize>>;

fn check_clients(samples: usize, clients: usize) -> Result<(), PartitionError> {
	if clients == 0 {
		return Err(PartitionError::ZeroClients);
	}
	if samples < clients {
		return Err(PartitionError::TooFewSamples {
			samples,
			needed: clients,
		});
	}
	Ok(())
}

fn check_labels(labels: &[u8], classes: usize) -> Result<(), PartitionError> {
	if classes == 0 {
		return Err(PartitionError::ZeroClasses);
	}
	match labels
		.iter()
		.enumerate()
		.find(|(_, &l)| l as usize >= classes)
	{
		Some((index, &label)) => Err(PartitionError::LabelOutOfRange {
			index,
			label,
			classes,
		}),
		None => Ok(()),
	}
}

fn sorted(mut parts: Partition) -> Partition {
	for p in &mut parts {
		p.sort_unstable();
	}
	parts
}

/// Uniformly random split of `0..n_samples` into `clients` parts whose sizes differ by at most 1.
pub fn iid(n_samples: usize, clients: usize, seed: u64) -> Result<Partition, PartitionError> {
	check_clients(n_samples, clients)?;
	let mut rng = ChaCha8Rng::seed_from_u64(seed);
	let mut order: Vec<usize> = (0..n_samples).collect();
	order.shuffle(&mut rng);
	let (base, extra) = (n_samples / clients, n_samples % clients);
	let mut parts = Vec::with_capacity(clients);
	let mut start = 0;
	for c in 0..clients {
		let len = base + usize::from(c < extra);
		parts.push(order[start..start + len].to_vec());
		start += len;
	}
	Ok(sorted(parts))
}

/// Label-skewed split: for each class, client shares are drawn from Dirichlet(α, …, α) and the
/// class's samples are cut accordingly. Small α (e.g. 0.1) gives each client few classes;
/// large α approaches IID.
///
/// A client left empty receives one sample from the currently largest client, so every client
/// trains on something; this deterministic fix-up replaces the usual resample-until-valid loop,
/// which has no bound on its running time for small α.
pub fn dirichlet(
	labels: &[u8],
	classes: usize,
	clients: usize,
	alpha: f64,
	seed: u64,
) -> Result<Partition, PartitionError> {
	check_clients(labels.len(), clients)?;
	check_labels(labels, classes)?;
	if !(alpha.is_finite() && alpha > 0.0) {
		return Err(PartitionError::InvalidAlpha { alpha });
	}
	let gamma = Gamma::new(alpha, 1.0).map_err(|_| PartitionError::InvalidAlpha { alpha })?;
	let mut rng = ChaCha8Rng::seed_from_u64(seed);
	let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
	for (i, &l) in labels.iter().enumerate() {
		by_class[l as usize].push(i);
	}
	let mut parts: Partition = vec![Vec::new(); clients];
	for members in &mut by_class {
		members.shuffle(&mut rng);
		// Dirichlet via normalised Gamma(α, 1) draws; works for any number of clients.
		let draws: Vec<f64> = (0..clients).map(|_| gamma.sample(&mut rng)).collect();
		let total: f64 = draws.iter().sum();
		let n = members.len();
		let mut start = 0;
		let mut cum = 0.0;
		for (c, part) in parts.iter_mut().enumerate() {
			let end = if c + 1 == clients {
				n
			} else if total > 0.0 {
				cum += draws[c];
				((cum / total * n as f64).round() as usize).clamp(start, n)
			} else {
				// Every draw underflowed to zero (tiny α): the whole class goes to the last client.
				start
			};
			part.extend_from_slice(&members[start..end]);
			start = end;
		}
	}
	for c in 0..clients {
		if parts[c].is_empty() {
			let donor = (0..clients)
				.max_by_key(|&d| (parts[d].len(), std::cmp::Reverse(d)))
				.unwrap_or(c);
			if let Some(i) = parts[donor].pop() {
				parts[c].push(i);
			}
		}
	}
	Ok(sorted(parts))
}

/// McMahan et al.'s pathological non-IID split: sort by label, cut into
/// `clients × shards_per_client` contiguous shards (sizes differ by at most 1), shuffle the
/// shards and deal `shards_per_client` of them to each client.
pub fn shards(
	labels: &[u8],
	clients: usize,
	shards_per_client: usize,
	seed: u64,
) -> Result<Partition, PartitionError> {
	if clients == 0 {
		return Err(PartitionError::ZeroClients);
	}
	if shards_per_client == 0 {
		return Err(PartitionError::ZeroShards);
	}
	let n_shards = clients.saturating_mul(shards_per_client);
	if labels.len() < n_shards {
		return Err(PartitionError::TooFewSamples {
			samples: labels.len(),
			needed: n_shards,
		});
	}
	let mut order: Vec<usize> = (0..labels.len()).collect();
	order.sort_by_key(|&i| (labels[i], i));
	let (base, extra) = (labels.len() / n_shards, labels.len() % n_shards);
	let mut shard_list = Vec::with_capacity(n_shards);
	let mut start = 0;
	for s in 0..n_shards {
		let len = base + usize::from(s < extra);
		shard_list.push(&order[start..start + len]);
		start += len;
	}
	let mut rng = ChaCha8Rng::seed_from_u64(seed);
	shard_list.shuffle(&mut rng);
	let parts = shard_list
		.chunks(shards_per_client)
		.map(|group| group.concat())
		.collect();
	Ok(sorted(parts))
}
