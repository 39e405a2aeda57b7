//! Types of the federated-learning pallet: tasks, rounds, commitments, results and metrics.
//!
//! Every type stored on chain has a bounded encoding (`MaxEncodedLen`); every type that travels in
//! a call decodes with memory tracking (`DecodeWithMemTracking`), so garbage input cannot make the
//! runtime allocate without bound.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	traits::fungible, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;
use sp_core::{Get, H256};

extern crate alloc;
use alloc::vec::Vec;

/// Identifier of a task; allocated sequentially from zero.
pub type TaskId = u32;
/// Index of a round within its task; rounds are numbered from zero.
pub type RoundIndex = u32;

/// The balance type of the configured currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A task as stored for runtime `T`.
pub type TaskInfoOf<T> =
	TaskInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// Task parameters for runtime `T`.
pub type TaskParamsOf<T> = TaskParams<BlockNumberFor<T>>;
/// A round header for runtime `T`.
pub type RoundInfoOf<T> = RoundInfo<BlockNumberFor<T>>;
/// An aggregate result for runtime `T`.
pub type AggregateResultOf<T> =
	AggregateResult<<T as frame_system::Config>::AccountId, <T as Config>::MaxUpdatesPerRound>;
/// A registered client for runtime `T`.
pub type ClientInfoOf<T> =
	ClientInfo<BalanceOf<T>, BlockNumberFor<T>, <T as Config>::MaxLiveRounds>;
/// The committee as stored for runtime `T`.
pub type CommitteeOf<T> =
	BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxCommittee>;
/// A summary of one round, as returned by the runtime API.
pub type RoundSummaryOf<T> =
	RoundSummary<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

/// A content-addressed blob: BLAKE2-256 of its bytes and its length.
///
/// Model bytes never go on chain; this is all the chain knows of a model or an update.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct ModelCommitment {
	/// BLAKE2-256 of the encoded model bytes.
	pub hash: H256,
	/// Length of the encoded model in bytes.
	pub len: u64,
}

/// How the committee combines the accepted updates of a round.
///
/// Every rule is computed off chain, deterministically; the chain only fixes which one a task
/// uses and checks that its `min_updates` gives the rule enough inputs.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum AggregationRule {
	/// Average weighted by each update's number of training samples (McMahan et al.).
	FedAvg,
	/// Coordinate-wise median.
	Median,
	/// Coordinate-wise mean after dropping the `trim` largest and `trim` smallest values.
	TrimmedMean {
		/// Values dropped from each side, per coordinate.
		trim: u32,
	},
	/// The single update closest to its `n - f - 2` nearest neighbours (Blanchard et al.).
	Krum {
		/// Number of Byzantine updates tolerated.
		f: u32,
	},
	/// The average of the `m` best updates by Krum score.
	MultiKrum {
		/// Number of Byzantine updates tolerated.
		f: u32,
		/// Number of updates averaged.
		m: u32,
	},
}

impl AggregationRule {
	/// The smallest number of accepted updates the rule is defined for.
	pub fn min_inputs(&self) -> u32 {
		match *self {
			Self::FedAvg | Self::Median => 1,
			Self::TrimmedMean { trim } => trim.saturating_mul(2).saturating_add(1),
			Self::Krum { f } => f.saturating_mul(2).saturating_add(3),
			Self::MultiKrum { f, m } => f
				.saturating_mul(2)
				.saturating_add(3)
				.max(m.saturating_add(f)),
		}
	}

	/// Whether the rule's own parameters are consistent (e.g. Multi-Krum averages at least one).
	pub fn is_well_formed(&self) -> bool {
		match *self {
			Self::MultiKrum { m, .. } => m > 0,
			_ => true,
		}
	}
}

/// Everything that defines a federated-learning task; fixed when the task is created.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct TaskParams<BlockNumber> {
	/// Hash of the model descriptor (architecture), e.g. BLAKE2-256 of `mlp:784-200-200-10`.
	pub model: H256,
	/// The initial global model, from which round 0 trains.
	pub initial_model: ModelCommitment,
	/// How updates are combined.
	pub rule: AggregationRule,
	/// Identifier of the update codec every commitment must use.
	pub codec: u8,
	/// Fewest commitments for a round to go to aggregation; fewer fail the round.
	pub min_updates: u32,
	/// Most commitments per round; reaching it closes training early.
	pub max_updates: u32,
	/// Largest accepted update blob, in bytes.
	pub max_update_len: u64,
	/// Length of the training phase, in blocks.
	pub training_period: BlockNumber,
	/// Length of the aggregation phase, in blocks.
	pub aggregation_period: BlockNumber,
	/// Number of rounds the task runs (finalized or failed); then it is completed.
	pub rounds: u32,
	/// Number of identical committee results that finalize a round.
	pub quorum: u32,
}

/// Where a task is in its life.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum TaskStatus {
	/// Rounds are running.
	Active,
	/// All rounds ran.
	Completed,
	/// The owner closed the task.
	Closed,
}

/// A task as stored.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct TaskInfo<AccountId, Balance, BlockNumber> {
	/// Who created the task and holds its deposit.
	pub owner: AccountId,
	/// The deposit held from the owner while the task is active.
	pub deposit: Balance,
	/// The task's fixed parameters.
	pub params: TaskParams<BlockNumber>,
	/// Where the task is in its life.
	pub status: TaskStatus,
	/// The current (or, once the task ended, the last) round.
	pub round: RoundIndex,
	/// The latest finalized global model (the initial model until a round finalizes).
	pub global_model: ModelCommitment,
	/// Number of rounds that finalized.
	pub finalized_rounds: u32,
	/// Rounds below this index had their commitments and votes pruned.
	pub pruned_until: RoundIndex,
	/// Block at which the task was created.
	pub created: BlockNumber,
}

/// Why a round failed.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum FailureReason {
	/// Fewer than `min_updates` commitments arrived before the training deadline.
	NotEnoughUpdates,
	/// No result reached `quorum` identical votes before the aggregation deadline.
	NoQuorum,
	/// The owner closed the task during the round.
	TaskClosed,
}

/// The lifecycle of a round: `Training → Aggregating → Finalized`, or `Failed` at a deadline.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum RoundState<BlockNumber> {
	/// Registered clients commit updates until (excluding) block `until`.
	Training {
		/// First block at which commitments are no longer accepted.
		until: BlockNumber,
	},
	/// Committee members submit results until (excluding) block `until`.
	Aggregating {
		/// First block at which results are no longer accepted.
		until: BlockNumber,
	},
	/// A quorum agreed on `model`, which became the task's global model.
	Finalized {
		/// The new global model.
		model: ModelCommitment,
	},
	/// The round ended without a new model.
	Failed {
		/// Why it failed.
		reason: FailureReason,
	},
}

impl<BlockNumber> RoundState<BlockNumber> {
	/// Whether the round still accepts commitments or results.
	pub fn is_live(&self) -> bool {
		matches!(self, Self::Training { .. } | Self::Aggregating { .. })
	}
}

/// The header of a round; kept for the task's whole history (the model lineage).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct RoundInfo<BlockNumber> {
	/// Where the round is in its life.
	pub state: RoundState<BlockNumber>,
	/// The global model trainers start from in this round.
	pub base_model: ModelCommitment,
	/// Block at which the round started.
	pub started: BlockNumber,
	/// Block at which training closed (early or at the deadline), if it did.
	pub training_closed: Option<BlockNumber>,
	/// Block at which the round was finalized or failed, if it ended.
	pub ended: Option<BlockNumber>,
	/// Number of update commitments received.
	pub commitments: u32,
	/// Number of committee results received.
	pub votes: u32,
}

/// A client's commitment to one update blob in one round.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct UpdateCommitment {
	/// BLAKE2-256 of the encoded update blob.
	pub hash: H256,
	/// Length of the blob in bytes.
	pub len: u64,
	/// Number of local training samples (the FedAvg weight).
	pub samples: u64,
	/// Identifier of the codec the blob is encoded with.
	pub codec: u8,
}

/// Why an aggregator left an update out of its result.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	PartialOrd,
	Ord,
	Debug,
)]
pub enum RejectReason {
	/// The blob's hash does not match the commitment.
	BadHash,
	/// The blob does not decode with the task's codec.
	Undecodable,
	/// The decoded update does not have the model's shape.
	WrongShape,
	/// The update holds NaN or infinite values.
	NonFinite,
	/// The update's norm exceeds the aggregator's bound.
	NormBound,
	/// The blob could not be fetched.
	Unavailable,
}

/// One rejected commitment in a result.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct Rejection<AccountId> {
	/// The client whose commitment was rejected.
	pub who: AccountId,
	/// Why.
	pub reason: RejectReason,
}

/// A committee member's result for a round. Honest members produce identical results from the
/// same commitments, so results are compared by the BLAKE2-256 of their encoding.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
)]
#[scale_info(skip_type_params(MaxRejected))]
pub struct AggregateResult<
	AccountId: Clone + PartialEq + Eq + core::fmt::Debug,
	MaxRejected: Get<u32>,
> {
	/// The new global model.
	pub model: ModelCommitment,
	/// The commitments left out, sorted by account, with a reason each.
	pub rejected: BoundedVec<Rejection<AccountId>, MaxRejected>,
}

/// A distinct result proposed for a round and how many members voted for it.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(MaxRejected))]
pub struct Proposal<AccountId: Clone + PartialEq + Eq + core::fmt::Debug, MaxRejected: Get<u32>> {
	/// The proposed result.
	pub result: AggregateResult<AccountId, MaxRejected>,
	/// Number of committee members that submitted it.
	pub votes: u32,
}

/// Evaluation of a finalized model on a committee member's held-out data.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub struct RoundMetrics {
	/// Accuracy in parts per million (0..=1_000_000).
	pub accuracy_ppm: u32,
	/// Mean loss times one million.
	pub loss_micro: u64,
	/// Number of evaluation samples.
	pub samples: u32,
}

/// A registered client.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, DebugNoBound)]
#[scale_info(skip_type_params(MaxLive))]
pub struct ClientInfo<
	Balance: Clone + PartialEq + core::fmt::Debug,
	BlockNumber: Clone + PartialEq + core::fmt::Debug,
	MaxLive: Get<u32>,
> {
	/// The deposit held while registered.
	pub deposit: Balance,
	/// Block of registration.
	pub registered: BlockNumber,
	/// Rounds this client committed to that may still be live (pruned lazily).
	pub live: BoundedVec<(TaskId, RoundIndex), MaxLive>,
}

/// One round in one call: what `flare_roundSummary` returns.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct RoundSummary<AccountId, BlockNumber> {
	/// The task.
	pub task: TaskId,
	/// The round.
	pub round: RoundIndex,
	/// The round header (state, deadlines, counts).
	pub info: RoundInfo<BlockNumber>,
	/// The task's quorum.
	pub quorum: u32,
	/// Distinct results proposed so far: digest, model and vote count (empty once pruned).
	pub proposals: Vec<(H256, ModelCommitment, u32)>,
	/// Which member voted for which digest (empty once pruned).
	pub votes: Vec<(AccountId, H256)>,
	/// Metrics reported by committee members for the finalized model.
	pub metrics: Vec<(AccountId, RoundMetrics)>,
}
