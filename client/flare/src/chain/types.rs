//! Flare's own view of on-chain data: what the roles work with. No subxt types here.

use std::fmt;

/// A 32-byte content hash (BLAKE2-256).
pub type Hash32 = [u8; 32];
/// A task id.
pub type TaskId = u32;
/// A round index within a task.
pub type RoundIndex = u32;
/// A block number.
pub type BlockNumber = u32;

/// An account (sr25519 public key), shown in SS58 form.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(pub [u8; 32]);

impl fmt::Display for AccountId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(&super::ss58(self))
	}
}

impl fmt::Debug for AccountId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "{self}")
	}
}

impl AccountId {
	/// A short form for tables: the first and last characters of the SS58 address.
	pub fn short(&self) -> String {
		let s = self.to_string();
		if s.len() > 12 {
			format!("{}…{}", &s[..6], &s[s.len() - 4..])
		} else {
			s
		}
	}
}

/// A content-addressed blob reference: hash and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobRef {
	pub hash: Hash32,
	pub len: u64,
}

impl fmt::Display for BlobRef {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		write!(f, "0x{}… ({} B)", hex::encode(&self.hash[..6]), self.len)
	}
}

/// The aggregation rule as the chain stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainRule {
	FedAvg,
	Median,
	TrimmedMean { trim: u32 },
	Krum { f: u32 },
	MultiKrum { f: u32, m: u32 },
}

impl ChainRule {
	/// The flare-ml rule this names.
	pub fn to_ml(self) -> flare_ml::Rule {
		match self {
			Self::FedAvg => flare_ml::Rule::FedAvg,
			Self::Median => flare_ml::Rule::Median,
			Self::TrimmedMean { trim } => flare_ml::Rule::TrimmedMean { trim },
			Self::Krum { f } => flare_ml::Rule::Krum { f },
			Self::MultiKrum { f, m } => flare_ml::Rule::MultiKrum { f, m },
		}
	}

	/// The chain's form of a flare-ml rule.
	pub fn from_ml(rule: &flare_ml::Rule) -> Self {
		match *rule {
			flare_ml::Rule::FedAvg => Self::FedAvg,
			flare_ml::Rule::Median => Self::Median,
			flare_ml::Rule::TrimmedMean { trim } => Self::TrimmedMean { trim },
			flare_ml::Rule::Krum { f } => Self::Krum { f },
			flare_ml::Rule::MultiKrum { f, m } => Self::MultiKrum { f, m },
		}
	}
}

/// Parameters of a new task (what `create_task` takes).
#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
	/// Hash of the task descriptor blob.
	pub descriptor: Hash32,
	pub initial_model: BlobRef,
	pub rule: ChainRule,
	pub codec: u8,
	pub min_updates: u32,
	pub max_updates: u32,
	pub max_update_len: u64,
	pub training_period: BlockNumber,
	pub aggregation_period: BlockNumber,
	pub rounds: u32,
	pub quorum: u32,
}

/// Where a task is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskStatus {
	Active,
	Completed,
	Closed,
}

/// A task as read from the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
	pub id: TaskId,
	pub owner: AccountId,
	pub params: NewTask,
	pub status: TaskStatus,
	pub round: RoundIndex,
	pub global_model: BlobRef,
	pub finalized_rounds: u32,
}

/// The phase of a round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
	Training { until: BlockNumber },
	Aggregating { until: BlockNumber },
	Finalized { model: BlobRef },
	Failed { reason: String },
}

impl Phase {
	/// A one-word name for tables.
	pub fn name(&self) -> &'static str {
		match self {
			Self::Training { .. } => "Training",
			Self::Aggregating { .. } => "Aggregating",
			Self::Finalized { .. } => "Finalized",
			Self::Failed { .. } => "Failed",
		}
	}

	/// Whether the round ended.
	pub fn is_over(&self) -> bool {
		matches!(self, Self::Finalized { .. } | Self::Failed { .. })
	}
}

/// A round header as read from the chain.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundView {
	pub task: TaskId,
	pub round: RoundIndex,
	pub phase: Phase,
	pub base_model: BlobRef,
	pub started: BlockNumber,
	pub training_closed: Option<BlockNumber>,
	pub ended: Option<BlockNumber>,
	pub commitments: u32,
	pub votes: u32,
}

/// A client's update commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Commitment {
	pub hash: Hash32,
	pub len: u64,
	pub samples: u64,
	pub codec: u8,
}

/// Why an aggregator rejected an update (mirrors the pallet's `RejectReason`).
pub use flare_ml::RejectReason;

/// An aggregate result.
#[derive(Debug, Clone, PartialEq)]
pub struct AggregateResult {
	pub model: BlobRef,
	/// Sorted by account.
	pub rejected: Vec<(AccountId, RejectReason)>,
}

/// Evaluation of a finalized model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metrics {
	pub accuracy_ppm: u32,
	pub loss_micro: u64,
	pub samples: u32,
}

impl Metrics {
	/// Accuracy as a fraction.
	pub fn accuracy(&self) -> f64 {
		self.accuracy_ppm as f64 / 1e6
	}

	/// Loss as a float.
	pub fn loss(&self) -> f64 {
		self.loss_micro as f64 / 1e6
	}
}

/// A distinct result proposed in a round.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
	pub digest: Hash32,
	pub result: AggregateResult,
	pub votes: u32,
}

/// Everything about one round: header, proposals, votes and metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundDetail {
	pub header: RoundView,
	pub proposals: Vec<Proposal>,
	pub votes: Vec<(AccountId, Hash32)>,
	pub metrics: Vec<(AccountId, Metrics)>,
}

impl RoundDetail {
	/// The proposal the round was finalized with, if any.
	pub fn winner(&self) -> Option<&Proposal> {
		match self.header.phase {
			Phase::Finalized { model } => self
				.proposals
				.iter()
				.filter(|p| p.result.model == model)
				.max_by_key(|p| p.votes),
			_ => None,
		}
	}

	/// Committee members who voted for something other than the winning result.
	pub fn dissenters(&self) -> Vec<AccountId> {
		match self.winner() {
			Some(w) => self
				.votes
				.iter()
				.filter(|(_, d)| *d != w.digest)
				.map(|(a, _)| *a)
				.collect(),
			None => Vec::new(),
		}
	}

	/// Mean accuracy and loss over the reported metrics.
	pub fn mean_metrics(&self) -> Option<(f64, f64)> {
		if self.metrics.is_empty() {
			return None;
		}
		let n = self.metrics.len() as f64;
		let acc = self.metrics.iter().map(|(_, m)| m.accuracy()).sum::<f64>() / n;
		let loss = self.metrics.iter().map(|(_, m)| m.loss()).sum::<f64>() / n;
		Some((acc, loss))
	}
}

/// What happened to a submitted transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Included {
	/// Number of the block it was included in.
	pub block: BlockNumber,
	/// The events it emitted, as `Pallet.Event` names.
	pub events: Vec<String>,
}
