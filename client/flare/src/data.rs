//! Which local data a trainer or aggregator uses: the bundled MNIST (split 8,000 train / 2,000
//! test) or IDX files, and for simulations a client's share of the training split.

use flare_ml::{bundled_mnist, load_mnist, partition, Dataset, BUNDLED_TRAIN};
use std::{fmt, path::PathBuf, str::FromStr};

/// How the training split is shared among simulated clients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PartitionKind {
	/// Uniformly random, equal sizes.
	Iid,
	/// Label skew from Dirichlet(α).
	Dirichlet(f64),
	/// McMahan's shards: sorted by label, `k` shards per client.
	Shards(usize),
}

impl FromStr for PartitionKind {
	type Err = String;
	fn from_str(s: &str) -> Result<Self, String> {
		let bad = || format!("unknown partition `{s}` (expected iid, dirichlet:ALPHA or shards:K)");
		match s.split_once(':') {
			None if s == "iid" => Ok(Self::Iid),
			Some(("dirichlet", a)) => a.parse().map(Self::Dirichlet).map_err(|_| bad()),
			Some(("shards", k)) => k.parse().map(Self::Shards).map_err(|_| bad()),
			_ => Err(bad()),
		}
	}
}

impl fmt::Display for PartitionKind {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Iid => write!(f, "iid"),
			Self::Dirichlet(a) => write!(f, "dirichlet:{a}"),
			Self::Shards(k) => write!(f, "shards:{k}"),
		}
	}
}

/// Where the data comes from.
#[derive(Debug, Clone, Default)]
pub struct DataSource {
	/// IDX image and label files; the bundled MNIST when absent.
	pub files: Option<(PathBuf, PathBuf)>,
}

/// Why data could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum DataSetupError {
	#[error("cannot load data: {0}")]
	Load(#[from] flare_ml::DataError),
	#[error("cannot partition data: {0}")]
	Partition(#[from] flare_ml::PartitionError),
	#[error("client index {index} is out of range for {clients} clients")]
	BadIndex { index: usize, clients: usize },
}

impl DataSource {
	/// All samples.
	pub fn load(&self) -> Result<Dataset, DataSetupError> {
		Ok(match &self.files {
			Some((images, labels)) => load_mnist(images, labels)?,
			None => bundled_mnist()?,
		})
	}

	/// The standard split: the bundled set's first 8,000 for training and the rest for testing;
	/// other data split 80/20.
	pub fn split(&self) -> Result<(Dataset, Dataset), DataSetupError> {
		let all = self.load()?;
		let n_train = if self.files.is_none() {
			BUNDLED_TRAIN
		} else {
			all.len() * 4 / 5
		};
		Ok(all.split_at(n_train)?)
	}
}

/// Split `train` among `clients` and return each client's share.
pub fn partition_clients(
	train: &Dataset,
	kind: PartitionKind,
	clients: usize,
	seed: u64,
) -> Result<Vec<Dataset>, DataSetupError> {
	let parts = match kind {
		PartitionKind::Iid => partition::iid(train.len(), clients, seed)?,
		PartitionKind::Dirichlet(alpha) => {
			partition::dirichlet(&train.y, train.classes, clients, alpha, seed)?
		}
		PartitionKind::Shards(k) => partition::shards(&train.y, clients, k, seed)?,
	};
	parts
		.iter()
		.map(|idx| train.subset(idx).map_err(Into::into))
		.collect()
}

/// One client's share.
pub fn client_share(
	train: &Dataset,
	kind: PartitionKind,
	clients: usize,
	index: usize,
	seed: u64,
) -> Result<Dataset, DataSetupError> {
	if index >= clients {
		return Err(DataSetupError::BadIndex { index, clients });
	}
	let mut all = partition_clients(train, kind, clients, seed)?;
	Ok(all.swap_remove(index))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn partition_kinds_parse_and_print() {
		for s in ["iid", "dirichlet:0.5", "shards:2"] {
			assert_eq!(s.parse::<PartitionKind>().unwrap().to_string(), s);
		}
		for s in ["", "dirichlet", "dirichlet:x", "shards:-1", "random"] {
			assert!(s.parse::<PartitionKind>().is_err(), "{s}");
		}
	}

	#[test]
	fn client_shares_cover_the_training_split() {
		let (train, test) = DataSource::default().split().unwrap();
		assert_eq!((train.len(), test.len()), (8_000, 2_000));
		let shares = partition_clients(&train, PartitionKind::Iid, 10, 1).unwrap();
		assert_eq!(shares.iter().map(|d| d.len()).sum::<usize>(), 8_000);
		assert!(matches!(
			client_share(&train, PartitionKind::Iid, 10, 10, 1),
			Err(DataSetupError::BadIndex {
				index: 10,
				clients: 10
			})
		));
	}
}
