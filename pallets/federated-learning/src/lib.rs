//! # Federated Learning Pallet
//!
//! Coordinates federated learning (FL) on chain for Flare: tasks, rounds, client registrations,
//! update commitments and committee results agreed by quorum.
//!
//! ## Overview
//!
//! A task owner creates a *task*: which model (a descriptor hash), its initial global model, the
//! aggregation rule, the update codec, how many updates a round needs and accepts, how long the
//! training and aggregation phases last, how many rounds run and how many committee members must
//! agree on a result. Registered *clients* train locally, store their update blobs off chain
//! (content-addressed) and commit each blob's BLAKE2-256 hash, length and sample count here. A
//! permissioned *committee* of aggregators (proof of authority, changed by [`Config::AdminOrigin`])
//! fetches the committed blobs, verifies them, aggregates them deterministically and submits the
//! new global model's hash. When `quorum` members submitted the identical result the round is
//! finalized and the next round starts from the new model. Members that voted otherwise are named
//! in [`Event::RoundFinalized`] as evidence.
//!
//! Model bytes never go on chain: only 32-byte hashes and small metadata.
//!
//! ## Design
//!
//! - One state enum per round ([`RoundState`]): `Training{until} → Aggregating{until} →
//!   Finalized{model}`, or `Failed{reason}`. [`Hooks::on_initialize`] moves rounds by block
//!   height, so no round can hang: too few commitments at the training deadline fail the round
//!   with [`FailureReason::NotEnoughUpdates`], no quorum at the aggregation deadline with
//!   [`FailureReason::NoQuorum`]; reaching `max_updates` closes training early. After a round
//!   ends the next one starts (from the latest finalized model) at the following block, until the
//!   task ran `rounds` rounds and is completed.
//! - Hook work is bounded: at most [`Config::MaxActiveTasks`] tasks are advanced per block, and
//!   pruning of old rounds' commitments and votes stays within [`Config::PruneBudget`] keys.
//! - Deposits are held with the fungible hold traits ([`HoldReason`]) and released when a client
//!   deregisters or a task is closed or completed.
//! - Every check comes first, then the writes, then the event: a failed call changes nothing.
//!
//! The protocol (who may call what, when, and what aggregators must agree on) is written down in
//! `docs/PROTOCOL.md`.
//!
//! ## Terms
//!
//! - *Task*: one federated training job, identified by a [`TaskId`].
//! - *Round*: one training + aggregation cycle of a task, identified by a [`RoundIndex`].
//! - *Commitment*: a client's [`UpdateCommitment`] to an update blob in a round.
//! - *Committee*: the accounts allowed to submit aggregate results and metrics.
//! - *Result*: an [`AggregateResult`]: the new model's commitment and the commitments rejected,
//!   compared between members by the BLAKE2-256 of its SCALE encoding (its *digest*).
//! - *Lineage*: the chain of finalized models kept in the round headers ([`Rounds`]).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod runtime_api;
pub mod types;
pub mod weights;

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::federated-learning";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_support::{
		pallet_prelude::*,
		traits::{
			fungible::{Inspect, Mutate, MutateHold},
			tokens::Precision,
			BuildGenesisConfig,
		},
	};
	use frame_system::{self, pallet_prelude::*};
	use sp_core::H256;
	use sp_io::hashing::blake2_256;
	use sp_runtime::traits::{Saturating, Zero};

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency deposits are held in.
		type Currency: Inspect<Self::AccountId>
			+ Mutate<Self::AccountId>
			+ MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;

		/// Origin that may change the aggregator committee (root in the Flare runtime).
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// Deposit held from a task's owner while the task is active; bounds the number of tasks
		/// an account can keep on chain.
		#[pallet::constant]
		type TaskDeposit: Get<BalanceOf<Self>>;

		/// Deposit held from a client while registered; bounds the number of client records.
		#[pallet::constant]
		type ClientDeposit: Get<BalanceOf<Self>>;

		/// Largest aggregator committee; bounds the votes and metrics stored per round.
		#[pallet::constant]
		type MaxCommittee: Get<u32>;

		/// Most tasks active at once; bounds the work of `on_initialize`.
		#[pallet::constant]
		type MaxActiveTasks: Get<u32>;

		/// Most update commitments per round (a task's `max_updates` may not exceed it); also
		/// bounds the rejections listed in one result.
		#[pallet::constant]
		type MaxUpdatesPerRound: Get<u32>;

		/// Most rounds per task; bounds the round headers and metrics a task keeps.
		#[pallet::constant]
		type MaxRounds: Get<u32>;

		/// Longest training or aggregation phase, in blocks.
		#[pallet::constant]
		type MaxPeriod: Get<BlockNumberFor<Self>>;

		/// Largest update blob a task may accept, in bytes.
		#[pallet::constant]
		type MaxUpdateLen: Get<u64>;

		/// Largest global model, in bytes.
		#[pallet::constant]
		type MaxModelLen: Get<u64>;

		/// Most rounds (across tasks) a client may have live commitments in at once; bounds the
		/// client record.
		#[pallet::constant]
		type MaxLiveRounds: Get<u32>;

		/// Number of most recent rounds per task whose commitments and votes are kept; older ones
		/// are pruned. Round headers (the model lineage) and metrics are kept for good.
		#[pallet::constant]
		type HistoryDepth: Get<u32>;

		/// Most storage keys removed by pruning in one block. Must cover one whole round.
		#[pallet::constant]
		type PruneBudget: Get<u32>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// Reasons for which this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// Held from a task owner while the task is active.
		TaskDeposit,
		/// Held from a client while it is registered.
		ClientDeposit,
	}

	/// The aggregator committee (proof of authority).
	#[pallet::storage]
	pub type Committee<T: Config> = StorageValue<_, CommitteeOf<T>, ValueQuery>;

	/// The identifier the next task gets.
	#[pallet::storage]
	pub type NextTaskId<T: Config> = StorageValue<_, TaskId, ValueQuery>;

	/// Every task ever created, by id.
	#[pallet::storage]
	pub type Tasks<T: Config> = StorageMap<_, Blake2_128Concat, TaskId, TaskInfoOf<T>>;

	/// The tasks whose rounds are running, in creation order; `on_initialize` walks this list.
	#[pallet::storage]
	pub type ActiveTasks<T: Config> =
		StorageValue<_, BoundedVec<TaskId, T::MaxActiveTasks>, ValueQuery>;

	/// Round headers of every task: state, base model, deadlines and counts (the lineage).
	#[pallet::storage]
	pub type Rounds<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, TaskId, Twox64Concat, RoundIndex, RoundInfoOf<T>>;

	/// Update commitments of the last `HistoryDepth` rounds of each task, one per client.
	#[pallet::storage]
	pub type Commitments<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Blake2_128Concat, TaskId>,
			NMapKey<Twox64Concat, RoundIndex>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		UpdateCommitment,
	>;

	/// Each committee member's vote (the digest of its result) in recent rounds.
	#[pallet::storage]
	pub type Votes<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Blake2_128Concat, TaskId>,
			NMapKey<Twox64Concat, RoundIndex>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		H256,
	>;

	/// The distinct results proposed in recent rounds, by digest, with their vote counts.
	#[pallet::storage]
	pub type Proposals<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Blake2_128Concat, TaskId>,
			NMapKey<Twox64Concat, RoundIndex>,
			NMapKey<Identity, H256>,
		),
		Proposal<T::AccountId, T::MaxUpdatesPerRound>,
	>;

	/// Evaluation metrics of finalized models, per round and reporting member (kept for good).
	#[pallet::storage]
	pub type Metrics<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Blake2_128Concat, TaskId>,
			NMapKey<Twox64Concat, RoundIndex>,
			NMapKey<Blake2_128Concat, T::AccountId>,
		),
		RoundMetrics,
	>;

	/// Registered clients.
	#[pallet::storage]
	pub type Clients<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ClientInfoOf<T>>;

	/// Genesis: the initial aggregator committee.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The initial committee members.
		pub committee: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let members: CommitteeOf<T> = self
				.committee
				.clone()
				.try_into()
				.expect("genesis committee must not exceed MaxCommittee; qed");
			assert!(
				!has_duplicates(&members),
				"genesis committee has a duplicate member"
			);
			Committee::<T>::put(members);
		}
	}

	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The aggregator committee was replaced.
		CommitteeChanged { members: CommitteeOf<T> },
		/// A task was created and its deposit held.
		TaskCreated {
			task: TaskId,
			owner: T::AccountId,
			model: H256,
			rule: AggregationRule,
			rounds: u32,
			quorum: u32,
			deposit: BalanceOf<T>,
		},
		/// The owner closed a task; its deposit was released.
		TaskClosed { task: TaskId, owner: T::AccountId },
		/// A task ran all its rounds; its deposit was released.
		TaskCompleted {
			task: TaskId,
			global_model: ModelCommitment,
			finalized_rounds: u32,
		},
		/// A client registered and its deposit was held.
		ClientRegistered {
			who: T::AccountId,
			deposit: BalanceOf<T>,
		},
		/// A client deregistered and its deposit was released.
		ClientDeregistered {
			who: T::AccountId,
			deposit: BalanceOf<T>,
		},
		/// A round started training from `base_model`.
		RoundStarted {
			task: TaskId,
			round: RoundIndex,
			base_model: ModelCommitment,
			training_until: BlockNumberFor<T>,
		},
		/// A client committed an update.
		UpdateCommitted {
			task: TaskId,
			round: RoundIndex,
			who: T::AccountId,
			hash: H256,
			len: u64,
			samples: u64,
		},
		/// Training closed (early when `max_updates` was reached) and aggregation began.
		TrainingClosed {
			task: TaskId,
			round: RoundIndex,
			commitments: u32,
			aggregation_until: BlockNumberFor<T>,
			early: bool,
		},
		/// A committee member submitted a result; `votes` members have submitted this digest.
		AggregateSubmitted {
			task: TaskId,
			round: RoundIndex,
			who: T::AccountId,
			digest: H256,
			votes: u32,
		},
		/// A quorum agreed: `model` is the task's new global model. `dissenters` voted otherwise.
		RoundFinalized {
			task: TaskId,
			round: RoundIndex,
			model: ModelCommitment,
			digest: H256,
			rejected: u32,
			dissenters: CommitteeOf<T>,
		},
		/// A round ended without a new model.
		RoundFailed {
			task: TaskId,
			round: RoundIndex,
			reason: FailureReason,
		},
		/// A committee member reported the evaluation of a finalized model.
		MetricsReported {
			task: TaskId,
			round: RoundIndex,
			who: T::AccountId,
			accuracy_ppm: u32,
			loss_micro: u64,
		},
		/// An old round's commitments and votes were pruned.
		RoundPruned {
			task: TaskId,
			round: RoundIndex,
			keys: u32,
		},
	}

	#[pallet::error]
	pub enum Error<T> {
		/// The account is not a registered client.
		NotRegistered,
		/// The account is already a registered client.
		AlreadyRegistered,
		/// The client has a commitment in a round that is still live.
		HasLiveCommitments,
		/// No task has this id.
		TaskNotFound,
		/// Only the task's owner may do this.
		NotTaskOwner,
		/// The task is completed or closed.
		TaskNotActive,
		/// `MaxActiveTasks` tasks are already active.
		TooManyActiveTasks,
		/// `min_updates` is zero or above `max_updates`, or `max_updates` exceeds
		/// `MaxUpdatesPerRound`.
		InvalidUpdateBounds,
		/// A training or aggregation period is zero or longer than `MaxPeriod`.
		InvalidPeriod,
		/// The number of rounds is zero or above `MaxRounds`.
		InvalidRoundCount,
		/// The quorum is zero.
		InvalidQuorum,
		/// The quorum exceeds the committee size.
		QuorumExceedsCommittee,
		/// The aggregation rule is malformed or needs more updates than `min_updates`.
		InvalidRule,
		/// A model commitment has length zero.
		EmptyModel,
		/// A model commitment is longer than `MaxModelLen`.
		ModelTooLarge,
		/// `max_update_len` is zero or above `MaxUpdateLen`.
		InvalidUpdateLimit,
		/// The task has no such round.
		RoundNotFound,
		/// The round is not the task's current round.
		WrongRound,
		/// The round is not (or no longer) accepting commitments.
		RoundNotInTraining,
		/// The client already committed an update in this round.
		AlreadyCommitted,
		/// The update has length zero.
		EmptyUpdate,
		/// The update is longer than the task's `max_update_len`.
		UpdateTooLarge,
		/// The update claims zero training samples.
		ZeroSamples,
		/// The update's codec is not the task's codec.
		CodecMismatch,
		/// The client has live commitments in `MaxLiveRounds` rounds already.
		TooManyLiveRounds,
		/// The account is not a member of the aggregator committee.
		NotAggregator,
		/// The round is not in its aggregation phase.
		RoundNotAggregating,
		/// This member already submitted a result for the round.
		AlreadyVoted,
		/// The rejections are not sorted by account without duplicates.
		RejectionsNotSorted,
		/// A rejection names an account that made no commitment in the round.
		UnknownCommitment,
		/// The round has not been finalized.
		RoundNotFinalized,
		/// This member already reported metrics for the round.
		MetricsAlreadyReported,
		/// Accuracy above one million parts per million.
		InvalidMetrics,
		/// The committee lists a member twice.
		DuplicateMember,
		/// The committee would be empty.
		EmptyCommittee,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Advances every active task's round whose deadline passed (or that ended in the
		/// previous block), then prunes old rounds within `PruneBudget`.
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let active = ActiveTasks::<T>::get();
			let mut weight = T::WeightInfo::on_initialize_idle(active.len() as u32);
			for task in active.iter().copied() {
				if Self::advance(task, now) {
					weight.saturating_accrue(T::WeightInfo::advance_round());
				}
			}
			weight.saturating_add(Self::prune(&active))
		}

		fn integrity_test() {
			assert!(T::MaxCommittee::get() > 0, "MaxCommittee must be positive");
			assert!(
				T::MaxActiveTasks::get() > 0,
				"MaxActiveTasks must be positive"
			);
			assert!(
				T::MaxUpdatesPerRound::get() > 0,
				"MaxUpdatesPerRound must be positive"
			);
			assert!(T::MaxRounds::get() > 0, "MaxRounds must be positive");
			assert!(
				T::MaxPeriod::get() > Zero::zero(),
				"MaxPeriod must be positive"
			);
			assert!(T::MaxUpdateLen::get() > 0, "MaxUpdateLen must be positive");
			assert!(T::MaxModelLen::get() > 0, "MaxModelLen must be positive");
			assert!(
				T::MaxLiveRounds::get() > 0,
				"MaxLiveRounds must be positive"
			);
			assert!(
				T::HistoryDepth::get() > 0,
				"HistoryDepth must keep at least one round"
			);
			assert!(
				T::PruneBudget::get() >= Self::max_round_keys(),
				"PruneBudget must cover one whole round: MaxUpdatesPerRound + 2 * MaxCommittee"
			);
			let worst_hook = T::WeightInfo::on_initialize_idle(T::MaxActiveTasks::get())
				.saturating_add(
					T::WeightInfo::advance_round().saturating_mul(T::MaxActiveTasks::get().into()),
				)
				.saturating_add(T::WeightInfo::prune_round(
					T::MaxUpdatesPerRound::get(),
					T::MaxCommittee::get(),
				));
			assert!(
				worst_hook.all_lte(T::BlockWeights::get().max_block),
				"the worst-case on_initialize must fit in a block"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Create a federated-learning task and start its first round.
		///
		/// Origin: any signed account, which becomes the owner; `TaskDeposit` is held from it.
		///
		/// Checks that the update bounds, periods, round count, quorum (against the committee),
		/// rule (against `min_updates`), model and update limits are valid and that fewer than
		/// `MaxActiveTasks` tasks are active. Emits `TaskCreated` and `RoundStarted`.
		///
		/// Complexity: O(1).
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::create_task())]
		pub fn create_task(origin: OriginFor<T>, params: TaskParamsOf<T>) -> DispatchResult {
			let owner = ensure_signed(origin)?;
			Self::validate_params(&params)?;
			let mut active = ActiveTasks::<T>::get();
			ensure!(!active.is_full(), Error::<T>::TooManyActiveTasks);

			let deposit = T::TaskDeposit::get();
			T::Currency::hold(&HoldReason::TaskDeposit.into(), &owner, deposit)?;

			let task = NextTaskId::<T>::get();
			let now = frame_system::Pallet::<T>::block_number();
			NextTaskId::<T>::put(task.saturating_add(1));
			active.force_push(task);
			ActiveTasks::<T>::put(active);
			Tasks::<T>::insert(
				task,
				TaskInfo {
					owner: owner.clone(),
					deposit,
					params,
					status: TaskStatus::Active,
					round: 0,
					global_model: params.initial_model,
					finalized_rounds: 0,
					pruned_until: 0,
					created: now,
				},
			);
			Self::deposit_event(Event::TaskCreated {
				task,
				owner,
				model: params.model,
				rule: params.rule,
				rounds: params.rounds,
				quorum: params.quorum,
				deposit,
			});
			Self::open_round(task, 0, params.initial_model, &params, now);
			Ok(())
		}

		/// Close a task: its live round fails with `TaskClosed` and the deposit is released.
		///
		/// Origin: the task's owner. Emits `RoundFailed` (if a round was live) and `TaskClosed`.
		///
		/// Complexity: O(MaxActiveTasks) to remove the task from the active list.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::close_task())]
		pub fn close_task(origin: OriginFor<T>, task: TaskId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut info = Tasks::<T>::get(task).ok_or(Error::<T>::TaskNotFound)?;
			ensure!(info.owner == who, Error::<T>::NotTaskOwner);
			ensure!(info.status == TaskStatus::Active, Error::<T>::TaskNotActive);

			let now = frame_system::Pallet::<T>::block_number();
			if let Some(mut round) = Rounds::<T>::get(task, info.round) {
				if round.state.is_live() {
					round.state = RoundState::Failed {
						reason: FailureReason::TaskClosed,
					};
					round.ended = Some(now);
					Rounds::<T>::insert(task, info.round, round);
					Self::deposit_event(Event::RoundFailed {
						task,
						round: info.round,
						reason: FailureReason::TaskClosed,
					});
				}
			}
			info.status = TaskStatus::Closed;
			Self::end_task(task, &info);
			Tasks::<T>::insert(task, &info);
			Self::deposit_event(Event::TaskClosed { task, owner: who });
			Ok(())
		}

		/// Register the caller as a client; `ClientDeposit` is held from it.
		///
		/// Emits `ClientRegistered`. Complexity: O(1).
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::register_client())]
		pub fn register_client(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(
				!Clients::<T>::contains_key(&who),
				Error::<T>::AlreadyRegistered
			);

			let deposit = T::ClientDeposit::get();
			T::Currency::hold(&HoldReason::ClientDeposit.into(), &who, deposit)?;
			Clients::<T>::insert(
				&who,
				ClientInfo {
					deposit,
					registered: frame_system::Pallet::<T>::block_number(),
					live: BoundedVec::new(),
				},
			);
			Self::deposit_event(Event::ClientRegistered { who, deposit });
			Ok(())
		}

		/// Deregister the caller and release its deposit.
		///
		/// Fails while the client has a commitment in a round that is still training or
		/// aggregating. Emits `ClientDeregistered`. Complexity: O(MaxLiveRounds).
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::deregister_client(T::MaxLiveRounds::get()))]
		pub fn deregister_client(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let info = Clients::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			ensure!(
				info.live
					.iter()
					.all(|(task, round)| !Self::is_live(*task, *round)),
				Error::<T>::HasLiveCommitments
			);

			T::Currency::release(
				&HoldReason::ClientDeposit.into(),
				&who,
				info.deposit,
				Precision::BestEffort,
			)?;
			Clients::<T>::remove(&who);
			Self::deposit_event(Event::ClientDeregistered {
				who,
				deposit: info.deposit,
			});
			Ok(())
		}

		/// Commit an update blob for the current round of a task.
		///
		/// Origin: a registered client. The round must be the task's current round and in
		/// training; the commitment must use the task's codec, be non-empty and within the task's
		/// `max_update_len`, and claim at least one sample. One commitment per client per round.
		/// Reaching `max_updates` closes training early. Emits `UpdateCommitted` (and
		/// `TrainingClosed` on early close).
		///
		/// Complexity: O(MaxLiveRounds).
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::submit_update(T::MaxLiveRounds::get()))]
		pub fn submit_update(
			origin: OriginFor<T>,
			task: TaskId,
			round: RoundIndex,
			commitment: UpdateCommitment,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut client = Clients::<T>::get(&who).ok_or(Error::<T>::NotRegistered)?;
			let info = Tasks::<T>::get(task).ok_or(Error::<T>::TaskNotFound)?;
			ensure!(info.status == TaskStatus::Active, Error::<T>::TaskNotActive);
			ensure!(round == info.round, Error::<T>::WrongRound);
			let mut header = Rounds::<T>::get(task, round).ok_or(Error::<T>::RoundNotFound)?;
			ensure!(
				matches!(header.state, RoundState::Training { .. }),
				Error::<T>::RoundNotInTraining
			);
			ensure!(
				!Commitments::<T>::contains_key((task, round, &who)),
				Error::<T>::AlreadyCommitted
			);
			ensure!(commitment.len > 0, Error::<T>::EmptyUpdate);
			ensure!(
				commitment.len <= info.params.max_update_len,
				Error::<T>::UpdateTooLarge
			);
			ensure!(commitment.samples > 0, Error::<T>::ZeroSamples);
			ensure!(
				commitment.codec == info.params.codec,
				Error::<T>::CodecMismatch
			);
			// Forget rounds that ended; the record then holds only live ones.
			client.live.retain(|(t, r)| Self::is_live(*t, *r));
			client
				.live
				.try_push((task, round))
				.map_err(|_| Error::<T>::TooManyLiveRounds)?;

			let now = frame_system::Pallet::<T>::block_number();
			Commitments::<T>::insert((task, round, &who), commitment);
			Clients::<T>::insert(&who, client);
			header.commitments.saturating_inc();
			let close_early = header.commitments >= info.params.max_updates;
			let aggregation_until = now.saturating_add(info.params.aggregation_period);
			if close_early {
				header.state = RoundState::Aggregating {
					until: aggregation_until,
				};
				header.training_closed = Some(now);
			}
			Rounds::<T>::insert(task, round, header);

			Self::deposit_event(Event::UpdateCommitted {
				task,
				round,
				who,
				hash: commitment.hash,
				len: commitment.len,
				samples: commitment.samples,
			});
			if close_early {
				Self::deposit_event(Event::TrainingClosed {
					task,
					round,
					commitments: header.commitments,
					aggregation_until,
					early: true,
				});
			}
			Ok(())
		}

		/// Submit the caller's aggregate result for a round in its aggregation phase.
		///
		/// Origin: a committee member, once per round. Rejections must be sorted by account,
		/// without duplicates, and name clients that committed in the round. When `quorum`
		/// members submitted the identical result the round is finalized and the task's global
		/// model moves to the result's model. Emits `AggregateSubmitted` (and `RoundFinalized`).
		///
		/// Complexity: O(R) in the rejections, plus O(MaxCommittee) to name dissenters.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::submit_aggregate(
			result.rejected.len() as u32,
			T::MaxCommittee::get(),
		))]
		pub fn submit_aggregate(
			origin: OriginFor<T>,
			task: TaskId,
			round: RoundIndex,
			result: AggregateResultOf<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Self::is_member(&who), Error::<T>::NotAggregator);
			let mut info = Tasks::<T>::get(task).ok_or(Error::<T>::TaskNotFound)?;
			let mut header = Rounds::<T>::get(task, round).ok_or(Error::<T>::RoundNotFound)?;
			ensure!(
				matches!(header.state, RoundState::Aggregating { .. }),
				Error::<T>::RoundNotAggregating
			);
			ensure!(
				!Votes::<T>::contains_key((task, round, &who)),
				Error::<T>::AlreadyVoted
			);
			Self::validate_model(&result.model)?;
			ensure!(
				result.rejected.windows(2).all(|w| w[0].who < w[1].who),
				Error::<T>::RejectionsNotSorted
			);
			ensure!(
				result
					.rejected
					.iter()
					.all(|r| Commitments::<T>::contains_key((task, round, &r.who))),
				Error::<T>::UnknownCommitment
			);

			let digest = H256(blake2_256(&result.encode()));
			let model = result.model;
			let rejected = result.rejected.len() as u32;
			let votes = Proposals::<T>::mutate((task, round, digest), |p| {
				let p = p.get_or_insert_with(|| Proposal { result, votes: 0 });
				p.votes.saturating_inc();
				p.votes
			});
			Votes::<T>::insert((task, round, &who), digest);
			header.votes.saturating_inc();
			let finalized = votes >= info.params.quorum;
			if finalized {
				let now = frame_system::Pallet::<T>::block_number();
				header.state = RoundState::Finalized { model };
				header.ended = Some(now);
				info.global_model = model;
				info.finalized_rounds.saturating_inc();
				Tasks::<T>::insert(task, &info);
			}
			Rounds::<T>::insert(task, round, header);

			Self::deposit_event(Event::AggregateSubmitted {
				task,
				round,
				who,
				digest,
				votes,
			});
			if finalized {
				let dissenters = Votes::<T>::iter_prefix((task, round))
					.filter(|(_, d)| *d != digest)
					.map(|(member, _)| member)
					.take(T::MaxCommittee::get() as usize)
					.collect::<Vec<_>>();
				Self::deposit_event(Event::RoundFinalized {
					task,
					round,
					model,
					digest,
					rejected,
					dissenters: BoundedVec::truncate_from(dissenters),
				});
			}
			Ok(())
		}

		/// Report the evaluation of a finalized round's model on the caller's held-out data.
		///
		/// Origin: a committee member, once per round. Emits `MetricsReported`. Complexity: O(1).
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::report_metrics())]
		pub fn report_metrics(
			origin: OriginFor<T>,
			task: TaskId,
			round: RoundIndex,
			metrics: RoundMetrics,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(Self::is_member(&who), Error::<T>::NotAggregator);
			ensure!(Tasks::<T>::contains_key(task), Error::<T>::TaskNotFound);
			let header = Rounds::<T>::get(task, round).ok_or(Error::<T>::RoundNotFound)?;
			ensure!(
				matches!(header.state, RoundState::Finalized { .. }),
				Error::<T>::RoundNotFinalized
			);
			ensure!(
				!Metrics::<T>::contains_key((task, round, &who)),
				Error::<T>::MetricsAlreadyReported
			);
			ensure!(
				metrics.accuracy_ppm <= 1_000_000,
				Error::<T>::InvalidMetrics
			);

			Metrics::<T>::insert((task, round, &who), metrics);
			Self::deposit_event(Event::MetricsReported {
				task,
				round,
				who,
				accuracy_ppm: metrics.accuracy_ppm,
				loss_micro: metrics.loss_micro,
			});
			Ok(())
		}

		/// Replace the aggregator committee.
		///
		/// Origin: `AdminOrigin`. The new committee must be non-empty, without duplicates, and
		/// at least as large as every active task's quorum. Emits `CommitteeChanged`.
		///
		/// Complexity: O(M log M) in the members plus O(MaxActiveTasks).
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::set_committee(
			members.len() as u32,
			T::MaxActiveTasks::get(),
		))]
		pub fn set_committee(origin: OriginFor<T>, members: CommitteeOf<T>) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(!members.is_empty(), Error::<T>::EmptyCommittee);
			ensure!(!has_duplicates(&members), Error::<T>::DuplicateMember);
			let size = members.len() as u32;
			ensure!(
				ActiveTasks::<T>::get().iter().all(|t| {
					Tasks::<T>::get(t).map_or(true, |info| info.params.quorum <= size)
				}),
				Error::<T>::QuorumExceedsCommittee
			);

			Committee::<T>::put(&members);
			Self::deposit_event(Event::CommitteeChanged { members });
			Ok(())
		}
	}

	impl<T: Config> Pallet<T> {
		/// Whether `who` is on the aggregator committee.
		pub fn is_member(who: &T::AccountId) -> bool {
			Committee::<T>::get().contains(who)
		}

		/// Whether round `round` of `task` still accepts commitments or results.
		pub fn is_live(task: TaskId, round: RoundIndex) -> bool {
			Rounds::<T>::get(task, round).is_some_and(|r| r.state.is_live())
		}

		/// Storage keys one round can hold in pruned maps: commitments, votes and proposals.
		pub fn max_round_keys() -> u32 {
			T::MaxUpdatesPerRound::get().saturating_add(T::MaxCommittee::get().saturating_mul(2))
		}

		fn validate_model(model: &ModelCommitment) -> DispatchResult {
			ensure!(model.len > 0, Error::<T>::EmptyModel);
			ensure!(
				model.len <= T::MaxModelLen::get(),
				Error::<T>::ModelTooLarge
			);
			Ok(())
		}

		fn validate_params(p: &TaskParamsOf<T>) -> DispatchResult {
			ensure!(
				p.min_updates > 0
					&& p.min_updates <= p.max_updates
					&& p.max_updates <= T::MaxUpdatesPerRound::get(),
				Error::<T>::InvalidUpdateBounds
			);
			let period_ok = |b: BlockNumberFor<T>| !b.is_zero() && b <= T::MaxPeriod::get();
			ensure!(
				period_ok(p.training_period) && period_ok(p.aggregation_period),
				Error::<T>::InvalidPeriod
			);
			ensure!(
				p.rounds > 0 && p.rounds <= T::MaxRounds::get(),
				Error::<T>::InvalidRoundCount
			);
			ensure!(p.quorum > 0, Error::<T>::InvalidQuorum);
			ensure!(
				p.quorum as usize <= Committee::<T>::decode_len().unwrap_or(0),
				Error::<T>::QuorumExceedsCommittee
			);
			ensure!(
				p.rule.is_well_formed() && p.rule.min_inputs() <= p.min_updates,
				Error::<T>::InvalidRule
			);
			Self::validate_model(&p.initial_model)?;
			ensure!(
				p.max_update_len > 0 && p.max_update_len <= T::MaxUpdateLen::get(),
				Error::<T>::InvalidUpdateLimit
			);
			Ok(())
		}

		/// Write the header of a new round in training and announce it.
		fn open_round(
			task: TaskId,
			round: RoundIndex,
			base_model: ModelCommitment,
			params: &TaskParamsOf<T>,
			now: BlockNumberFor<T>,
		) {
			let training_until = now.saturating_add(params.training_period);
			Rounds::<T>::insert(
				task,
				round,
				RoundInfo {
					state: RoundState::Training {
						until: training_until,
					},
					base_model,
					started: now,
					training_closed: None,
					ended: None,
					commitments: 0,
					votes: 0,
				},
			);
			Self::deposit_event(Event::RoundStarted {
				task,
				round,
				base_model,
				training_until,
			});
		}

		/// Take an ended task off the active list and release its owner's deposit.
		fn end_task(task: TaskId, info: &TaskInfoOf<T>) {
			ActiveTasks::<T>::mutate(|active| active.retain(|t| *t != task));
			let released = T::Currency::release(
				&HoldReason::TaskDeposit.into(),
				&info.owner,
				info.deposit,
				Precision::BestEffort,
			);
			if let Err(e) = released {
				log::error!(target: LOG_TARGET, "task {task}: deposit release failed: {e:?}");
			}
		}

		/// Move one task's current round on if its deadline passed or it ended; returns whether
		/// anything changed.
		pub(crate) fn advance(task: TaskId, now: BlockNumberFor<T>) -> bool {
			let Some(mut info) = Tasks::<T>::get(task) else {
				return false;
			};
			let Some(mut header) = Rounds::<T>::get(task, info.round) else {
				return false;
			};
			let round = info.round;
			match header.state {
				RoundState::Training { until } if now >= until => {
					header.training_closed = Some(now);
					if header.commitments >= info.params.min_updates {
						let aggregation_until = now.saturating_add(info.params.aggregation_period);
						header.state = RoundState::Aggregating {
							until: aggregation_until,
						};
						Rounds::<T>::insert(task, round, header);
						Self::deposit_event(Event::TrainingClosed {
							task,
							round,
							commitments: header.commitments,
							aggregation_until,
							early: false,
						});
						return true;
					}
					Self::fail_round(
						task,
						round,
						&mut header,
						FailureReason::NotEnoughUpdates,
						now,
					);
				}
				RoundState::Aggregating { until } if now >= until => {
					Self::fail_round(task, round, &mut header, FailureReason::NoQuorum, now);
				}
				RoundState::Finalized { .. } | RoundState::Failed { .. } => {}
				RoundState::Training { .. } | RoundState::Aggregating { .. } => return false,
			}

			// The round has ended: start the next one, or complete the task.
			if round.saturating_add(1) >= info.params.rounds {
				info.status = TaskStatus::Completed;
				Self::end_task(task, &info);
				Tasks::<T>::insert(task, &info);
				Self::deposit_event(Event::TaskCompleted {
					task,
					global_model: info.global_model,
					finalized_rounds: info.finalized_rounds,
				});
			} else {
				info.round = round.saturating_add(1);
				Tasks::<T>::insert(task, &info);
				Self::open_round(task, info.round, info.global_model, &info.params, now);
			}
			true
		}

		fn fail_round(
			task: TaskId,
			round: RoundIndex,
			header: &mut RoundInfoOf<T>,
			reason: FailureReason,
			now: BlockNumberFor<T>,
		) {
			header.state = RoundState::Failed { reason };
			header.ended = Some(now);
			Rounds::<T>::insert(task, round, *header);
			Self::deposit_event(Event::RoundFailed {
				task,
				round,
				reason,
			});
		}

		/// Prune the oldest rounds beyond `HistoryDepth` of the given tasks, one whole round at a
		/// time, within `PruneBudget` keys. Returns the weight used.
		pub(crate) fn prune(tasks: &[TaskId]) -> Weight {
			let mut budget = T::PruneBudget::get();
			let mut weight = Weight::zero();
			for task in tasks.iter().copied() {
				let Some(mut info) = Tasks::<T>::get(task) else {
					continue;
				};
				if info.round < info.pruned_until.saturating_add(T::HistoryDepth::get()) {
					continue;
				}
				let round = info.pruned_until;
				let (commitments, votes) =
					Rounds::<T>::get(task, round).map_or((0, 0), |h| (h.commitments, h.votes));
				let keys = commitments.saturating_add(votes.saturating_mul(2));
				if keys > budget {
					break;
				}
				budget = budget.saturating_sub(keys);
				// Counts in the header bound each prefix, so one call removes all of it.
				let _ = Commitments::<T>::clear_prefix((task, round), commitments.max(1), None);
				let _ = Votes::<T>::clear_prefix((task, round), votes.max(1), None);
				let _ = Proposals::<T>::clear_prefix((task, round), votes.max(1), None);
				info.pruned_until = round.saturating_add(1);
				Tasks::<T>::insert(task, &info);
				weight.saturating_accrue(T::WeightInfo::prune_round(commitments, votes));
				Self::deposit_event(Event::RoundPruned { task, round, keys });
			}
			weight
		}

		/// Everything about one round in one value (for the runtime API and RPC).
		pub fn round_summary(task: TaskId, round: RoundIndex) -> Option<RoundSummaryOf<T>> {
			let info = Tasks::<T>::get(task)?;
			let header = Rounds::<T>::get(task, round)?;
			Some(RoundSummary {
				task,
				round,
				info: header,
				quorum: info.params.quorum,
				proposals: Proposals::<T>::iter_prefix((task, round))
					.map(|(digest, p)| (digest, p.result.model, p.votes))
					.collect(),
				votes: Votes::<T>::iter_prefix((task, round)).collect(),
				metrics: Metrics::<T>::iter_prefix((task, round)).collect(),
			})
		}

		/// The invariants of the pallet's storage; checked after every test and by `try-runtime`.
		///
		/// - the committee has no duplicates, and every active task's quorum fits it;
		/// - the active list has no duplicates and holds exactly the tasks whose status is Active;
		/// - every task has headers for rounds `0..=round` and none beyond; only the current
		///   round may be live, and only while the task is active;
		/// - the lineage is consistent: each round's base model is the latest model finalized
		///   before it, and the task's global model is the latest finalized one;
		/// - commitments exist only in rounds that exist and are not pruned, their number matches
		///   the header and stays within `max_updates`; votes and proposals match the header;
		///   a proposal reaching quorum means the round was finalized with its model;
		/// - deposits on hold match the client records and the active tasks.
		#[cfg(any(feature = "try-runtime", test))]
		pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
			use alloc::collections::btree_map::BTreeMap;
			use frame_support::traits::fungible::InspectHold;
			use sp_runtime::TryRuntimeError;
			let err = |msg: &'static str| -> TryRuntimeError { msg.into() };

			let committee = Committee::<T>::get();
			ensure!(
				!has_duplicates(&committee),
				err("duplicate committee member")
			);

			let active = ActiveTasks::<T>::get();
			ensure!(!has_duplicates(&active), err("duplicate active task"));
			let mut task_deposits: BTreeMap<T::AccountId, BalanceOf<T>> = BTreeMap::new();
			let mut tasks = 0u32;
			for (task, info) in Tasks::<T>::iter() {
				tasks.saturating_inc();
				ensure!(task < NextTaskId::<T>::get(), err("task id not allocated"));
				let is_active = info.status == TaskStatus::Active;
				ensure!(
					is_active == active.contains(&task),
					err("active list out of sync")
				);
				if is_active {
					ensure!(
						info.params.quorum as usize <= committee.len(),
						err("quorum exceeds committee")
					);
					let d = task_deposits.entry(info.owner.clone()).or_default();
					*d = d.saturating_add(info.deposit);
				}
				ensure!(
					info.round < info.params.rounds,
					err("round beyond the task's rounds")
				);
				ensure!(
					info.pruned_until <= info.round,
					err("pruned beyond the current round")
				);

				let mut model = info.params.initial_model;
				let mut finalized = 0u32;
				for round in 0..=info.round {
					let h = Rounds::<T>::get(task, round).ok_or(err("missing round header"))?;
					ensure!(h.base_model == model, err("base model breaks the lineage"));
					if h.state.is_live() {
						ensure!(is_active && round == info.round, err("stale live round"));
					}
					if let RoundState::Finalized { model: m } = h.state {
						model = m;
						finalized.saturating_inc();
					}
					ensure!(
						h.commitments <= info.params.max_updates,
						err("too many commitments")
					);
					let pruned = round < info.pruned_until;
					let stored = Commitments::<T>::iter_prefix((task, round)).count() as u32;
					let votes = Votes::<T>::iter_prefix((task, round)).count() as u32;
					let proposals: Vec<_> = Proposals::<T>::iter_prefix((task, round)).collect();
					if pruned {
						ensure!(
							stored == 0 && votes == 0 && proposals.is_empty(),
							err("pruned round still has entries")
						);
						continue;
					}
					ensure!(stored == h.commitments, err("commitment count mismatch"));
					ensure!(votes == h.votes, err("vote count mismatch"));
					let total: u32 = proposals.iter().map(|(_, p)| p.votes).sum();
					ensure!(total == h.votes, err("proposal votes mismatch"));
					for (_, p) in &proposals {
						if p.votes >= info.params.quorum {
							ensure!(
								h.state
									== RoundState::Finalized {
										model: p.result.model
									},
								err("quorum reached but round not finalized with its model")
							);
						}
					}
					if h.votes > 0 {
						ensure!(
							!matches!(h.state, RoundState::Training { .. }),
							err("votes in a training round")
						);
					}
				}
				ensure!(
					info.global_model == model,
					err("global model is not the latest finalized")
				);
				ensure!(
					info.finalized_rounds == finalized,
					err("finalized count mismatch")
				);
				ensure!(
					Rounds::<T>::get(task, info.round.saturating_add(1)).is_none(),
					err("round header beyond the current round")
				);
			}
			ensure!(tasks == NextTaskId::<T>::get(), err("task missing"));

			for (owner, held) in task_deposits {
				ensure!(
					T::Currency::balance_on_hold(&HoldReason::TaskDeposit.into(), &owner) == held,
					err("task deposit on hold mismatch")
				);
			}
			for (who, client) in Clients::<T>::iter() {
				ensure!(
					T::Currency::balance_on_hold(&HoldReason::ClientDeposit.into(), &who)
						== client.deposit,
					err("client deposit on hold mismatch")
				);
				for (task, round) in client.live.iter() {
					ensure!(
						Rounds::<T>::contains_key(task, round),
						err("client lists an unknown round")
					);
				}
			}
			Ok(())
		}
	}

	/// Whether a slice holds the same element twice (slices here are at most `MaxCommittee` or
	/// `MaxActiveTasks` long).
	pub(crate) fn has_duplicates<A: Ord + Clone>(items: &[A]) -> bool {
		let mut sorted = items.to_vec();
		sorted.sort();
		sorted.windows(2).any(|w| w[0] == w[1])
	}
}
