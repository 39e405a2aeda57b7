//! Benchmarks of the federated-learning pallet (frame-benchmarking v2): every call at its worst
//! case, and the hook's parts (walking the active tasks, advancing a round, pruning a round).

use super::*;
use crate::Pallet as FederatedLearning;
use alloc::vec::Vec;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{
		fungible::{Inspect, Mutate},
		EnsureOrigin, Get, Hooks,
	},
	BoundedVec,
};
use frame_system::{pallet_prelude::BlockNumberFor, Pallet as System, RawOrigin};
use sp_core::H256;
use sp_io::hashing::blake2_256;
use sp_runtime::traits::{Bounded, Saturating};

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId {
	let who: T::AccountId = account(name, index, 0);
	// Enough for a deposit per active task and a client deposit, without overflowing issuance.
	let deposits = T::TaskDeposit::get()
		.saturating_add(T::ClientDeposit::get())
		.saturating_mul((T::MaxActiveTasks::get() + 2).into());
	let amount =
		deposits.saturating_add(T::Currency::minimum_balance().saturating_mul(10u32.into()));
	T::Currency::set_balance(&who, amount);
	who
}

/// Install a committee of `n` members and return them, sorted.
fn committee<T: Config>(n: u32) -> Vec<T::AccountId> {
	let mut members: Vec<T::AccountId> = (0..n).map(|i| funded::<T>("member", i)).collect();
	members.sort();
	Committee::<T>::put(BoundedVec::truncate_from(members.clone()));
	members
}

fn model(tag: u8) -> ModelCommitment {
	ModelCommitment {
		hash: H256::repeat_byte(tag),
		len: 800_000,
	}
}

fn update(tag: u8) -> UpdateCommitment {
	UpdateCommitment {
		hash: H256::repeat_byte(tag),
		len: 100_000,
		samples: 600,
		codec: 1,
	}
}

fn params<T: Config>(quorum: u32) -> TaskParamsOf<T> {
	TaskParams {
		model: H256::repeat_byte(0xAA),
		initial_model: model(0),
		rule: AggregationRule::FedAvg,
		codec: 1,
		min_updates: 1,
		max_updates: T::MaxUpdatesPerRound::get(),
		max_update_len: T::MaxUpdateLen::get(),
		training_period: 10u32.into(),
		aggregation_period: 10u32.into(),
		rounds: T::MaxRounds::get(),
		quorum,
	}
}

/// Create `n` tasks through the call (their first rounds in training) and return their ids.
fn tasks<T: Config>(n: u32, quorum: u32) -> Vec<TaskId> {
	let owner = funded::<T>("owner", 0);
	(0..n)
		.map(|_| {
			let id = NextTaskId::<T>::get();
			FederatedLearning::<T>::create_task(
				RawOrigin::Signed(owner.clone()).into(),
				params::<T>(quorum),
			)
			.expect("valid task; qed");
			id
		})
		.collect()
}

/// Register `n` clients (sorted by account) and commit an update from each to `task`'s round.
fn commit_all<T: Config>(task: TaskId, round: RoundIndex, n: u32) -> Vec<T::AccountId> {
	let mut clients: Vec<T::AccountId> = (0..n).map(|i| funded::<T>("client", i)).collect();
	clients.sort();
	for (i, c) in clients.iter().enumerate() {
		FederatedLearning::<T>::register_client(RawOrigin::Signed(c.clone()).into())
			.expect("funded; qed");
		FederatedLearning::<T>::submit_update(
			RawOrigin::Signed(c.clone()).into(),
			task,
			round,
			update(i as u8),
		)
		.expect("round in training; qed");
	}
	clients
}

fn set_state<T: Config>(task: TaskId, round: RoundIndex, state: RoundState<BlockNumberFor<T>>) {
	Rounds::<T>::mutate(task, round, |h| {
		if let Some(h) = h {
			h.state = state;
		}
	});
}

/// Fake, live rounds for a client's record: `n` tasks' round 0 headers in training.
fn live_rounds<T: Config>(n: u32, first_task: TaskId, live: bool) -> Vec<(TaskId, RoundIndex)> {
	(0..n)
		.map(|i| {
			let task = first_task + i;
			let state = if live {
				RoundState::Training {
					until: BlockNumberFor::<T>::max_value(),
				}
			} else {
				RoundState::Failed {
					reason: FailureReason::NotEnoughUpdates,
				}
			};
			Rounds::<T>::insert(
				task,
				0,
				RoundInfo {
					state,
					base_model: model(0),
					started: 0u32.into(),
					training_closed: None,
					ended: None,
					commitments: 1,
					votes: 0,
				},
			);
			(task, 0)
		})
		.collect()
}

fn result<T: Config>(tag: u8, rejected: Vec<T::AccountId>) -> AggregateResultOf<T> {
	AggregateResult {
		model: model(tag),
		rejected: BoundedVec::truncate_from(
			rejected
				.into_iter()
				.map(|who| Rejection {
					who,
					reason: RejectReason::NonFinite,
				})
				.collect::<Vec<_>>(),
		),
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// Worst case: a full committee to check the quorum against, one free active slot.
	#[benchmark]
	fn create_task() {
		committee::<T>(T::MaxCommittee::get());
		tasks::<T>(T::MaxActiveTasks::get() - 1, 1);
		let owner = funded::<T>("owner", 1);
		let p = params::<T>(T::MaxCommittee::get());

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), p);

		assert_eq!(
			ActiveTasks::<T>::get().len() as u32,
			T::MaxActiveTasks::get()
		);
	}

	/// Worst case: the live round fails and the task leaves a full active list.
	#[benchmark]
	fn close_task() {
		committee::<T>(1);
		let ids = tasks::<T>(T::MaxActiveTasks::get(), 1);
		let task = ids[ids.len() - 1];
		let owner: T::AccountId = account("owner", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(owner), task);

		assert_eq!(
			Tasks::<T>::get(task).map(|t| t.status),
			Some(TaskStatus::Closed)
		);
	}

	#[benchmark]
	fn register_client() {
		let who = funded::<T>("client", 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(Clients::<T>::contains_key(&who));
	}

	/// `l` rounds in the client's record, all ended, each checked.
	#[benchmark]
	fn deregister_client(l: Linear<0, { T::MaxLiveRounds::get() }>) {
		let who = funded::<T>("client", 0);
		FederatedLearning::<T>::register_client(RawOrigin::Signed(who.clone()).into())
			.expect("funded; qed");
		let live = live_rounds::<T>(l, 1_000, false);
		Clients::<T>::mutate(&who, |c| {
			if let Some(c) = c {
				c.live = BoundedVec::truncate_from(live);
			}
		});

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Clients::<T>::contains_key(&who));
	}

	/// `l` live rounds in the client's record (each checked), and this commitment reaches
	/// `max_updates`, closing training early.
	#[benchmark]
	fn submit_update(l: Linear<0, { T::MaxLiveRounds::get() - 1 }>) {
		committee::<T>(1);
		let task = tasks::<T>(1, 1)[0];
		Tasks::<T>::mutate(task, |t| {
			if let Some(t) = t {
				t.params.max_updates = 2;
			}
		});
		commit_all::<T>(task, 0, 1);
		let who = funded::<T>("late", 0);
		FederatedLearning::<T>::register_client(RawOrigin::Signed(who.clone()).into())
			.expect("funded; qed");
		let live = live_rounds::<T>(l, 1_000, true);
		Clients::<T>::mutate(&who, |c| {
			if let Some(c) = c {
				c.live = BoundedVec::truncate_from(live);
			}
		});

		#[extrinsic_call]
		_(RawOrigin::Signed(who), task, 0, update(0xFF));

		assert!(matches!(
			Rounds::<T>::get(task, 0).map(|h| h.state),
			Some(RoundState::Aggregating { .. })
		));
	}

	/// `r` rejections in the result; a committee of `m` where this vote reaches the quorum and
	/// every other member dissented or agreed, so all `m` votes are scanned for dissenters.
	#[benchmark]
	fn submit_aggregate(
		r: Linear<0, { T::MaxUpdatesPerRound::get() }>,
		m: Linear<1, { T::MaxCommittee::get() }>,
	) {
		let members = committee::<T>(m);
		let quorum = m / 2 + 1;
		let task = tasks::<T>(1, quorum)[0];
		let clients = commit_all::<T>(task, 0, r.max(1));
		set_state::<T>(
			task,
			0,
			RoundState::Aggregating {
				until: BlockNumberFor::<T>::max_value(),
			},
		);
		let rejected: Vec<_> = clients.into_iter().take(r as usize).collect();
		let winning = result::<T>(1, rejected);
		// quorum - 1 members agree, the others dissent with distinct results.
		for (i, member) in members.iter().take(m as usize - 1).enumerate() {
			let res = if (i as u32) < quorum - 1 {
				winning.clone()
			} else {
				result::<T>(100 + i as u8, Vec::new())
			};
			FederatedLearning::<T>::submit_aggregate(
				RawOrigin::Signed(member.clone()).into(),
				task,
				0,
				res,
			)
			.expect("member in aggregation; qed");
		}
		let caller = members[m as usize - 1].clone();

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), task, 0, winning);

		assert_eq!(
			Rounds::<T>::get(task, 0).map(|h| h.state),
			Some(RoundState::Finalized { model: model(1) })
		);
	}

	#[benchmark]
	fn report_metrics() {
		let members = committee::<T>(T::MaxCommittee::get());
		let task = tasks::<T>(1, 1)[0];
		set_state::<T>(task, 0, RoundState::Finalized { model: model(1) });
		let metrics = RoundMetrics {
			accuracy_ppm: 912_000,
			loss_micro: 310_000,
			samples: 2_000,
		};

		#[extrinsic_call]
		_(RawOrigin::Signed(members[0].clone()), task, 0, metrics);

		assert!(Metrics::<T>::contains_key((task, 0, &members[0])));
	}

	/// `m` new members checked for duplicates, `t` active tasks' quorums checked.
	#[benchmark]
	fn set_committee(
		m: Linear<1, { T::MaxCommittee::get() }>,
		t: Linear<0, { T::MaxActiveTasks::get() }>,
	) -> Result<(), BenchmarkError> {
		committee::<T>(1);
		tasks::<T>(t, 1);
		let members: Vec<T::AccountId> = (0..m).map(|i| account("new", i, 0)).collect();
		let members = BoundedVec::truncate_from(members);
		let origin =
			T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, members);

		assert_eq!(Committee::<T>::get().len() as u32, m);
		Ok(())
	}

	/// `t` active tasks, none due: the hook only walks them.
	#[benchmark]
	fn on_initialize_idle(t: Linear<0, { T::MaxActiveTasks::get() }>) {
		committee::<T>(1);
		tasks::<T>(t, 1);
		let now = System::<T>::block_number().saturating_add(1u32.into());

		#[block]
		{
			FederatedLearning::<T>::on_initialize(now);
		}

		assert_eq!(ActiveTasks::<T>::get().len() as u32, t);
	}

	/// One task's last round misses its aggregation deadline: the round fails, the task
	/// completes and its deposit is released (the heaviest transition).
	#[benchmark]
	fn advance_round() {
		committee::<T>(1);
		let task = tasks::<T>(T::MaxActiveTasks::get(), 1)[0];
		let rounds = T::MaxRounds::get();
		Tasks::<T>::mutate(task, |t| {
			if let Some(t) = t {
				t.round = rounds - 1;
			}
		});
		let header = Rounds::<T>::get(task, 0).expect("created; qed");
		Rounds::<T>::insert(task, rounds - 1, header);
		for r in 0..rounds - 1 {
			set_state::<T>(
				task,
				r,
				RoundState::Failed {
					reason: FailureReason::NoQuorum,
				},
			);
		}
		set_state::<T>(
			task,
			rounds - 1,
			RoundState::Aggregating { until: 0u32.into() },
		);
		let now = System::<T>::block_number();

		#[block]
		{
			FederatedLearning::<T>::advance(task, now);
		}

		assert_eq!(
			Tasks::<T>::get(task).map(|t| t.status),
			Some(TaskStatus::Completed)
		);
	}

	/// Prune one round holding `c` commitments and `v` votes (with `v` proposals).
	#[benchmark]
	fn prune_round(
		c: Linear<0, { T::MaxUpdatesPerRound::get() }>,
		v: Linear<0, { T::MaxCommittee::get() }>,
	) {
		committee::<T>(1);
		let task = tasks::<T>(1, 1)[0];
		commit_all::<T>(task, 0, c);
		for i in 0..v {
			let member: T::AccountId = account("voter", i, 0);
			let res = result::<T>(i as u8, Vec::new());
			let digest = H256(blake2_256(&res.encode()));
			Votes::<T>::insert((task, 0, &member), digest);
			Proposals::<T>::insert(
				(task, 0, digest),
				Proposal {
					result: res,
					votes: 1,
				},
			);
		}
		Rounds::<T>::mutate(task, 0, |h| {
			if let Some(h) = h {
				h.votes = v;
				h.state = RoundState::Failed {
					reason: FailureReason::NoQuorum,
				};
			}
		});
		let depth = T::HistoryDepth::get();
		Tasks::<T>::mutate(task, |t| {
			if let Some(t) = t {
				t.round = depth;
			}
		});

		#[block]
		{
			FederatedLearning::<T>::prune(&[task]);
		}

		assert_eq!(Tasks::<T>::get(task).map(|t| t.pruned_until), Some(1));
		assert_eq!(Commitments::<T>::iter_prefix((task, 0)).count(), 0);
	}

	impl_benchmark_test_suite!(
		FederatedLearning,
		crate::mock::new_test_ext(),
		crate::mock::Test
	);
}
