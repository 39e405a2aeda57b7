//! Tests of the federated-learning pallet. Every test ends with `do_try_state` (through
//! `build_and_execute`).

use crate::{mock::*, *};
use codec::Encode;
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::InspectHold, Hooks},
	BoundedVec,
};
use frame_system::RawOrigin;
use sp_core::H256;
use sp_runtime::{DispatchError, TokenError};

fn signed(who: AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who)
}

fn create(p: TaskParamsOf<Test>) -> TaskId {
	let id = NextTaskId::<Test>::get();
	assert_ok!(FederatedLearning::create_task(signed(OWNER), p));
	id
}

fn register(clients: &[AccountId]) {
	for c in clients {
		assert_ok!(FederatedLearning::register_client(signed(*c)));
	}
}

fn commit(task: TaskId, round: RoundIndex, clients: &[AccountId]) {
	for (i, c) in clients.iter().enumerate() {
		assert_ok!(FederatedLearning::submit_update(
			signed(*c),
			task,
			round,
			update(i as u8 + 1)
		));
	}
}

fn state(task: TaskId, round: RoundIndex) -> RoundState<u64> {
	Rounds::<Test>::get(task, round)
		.expect("round exists")
		.state
}

fn held(reason: HoldReason, who: AccountId) -> Balance {
	Balances::balance_on_hold(&reason.into(), &who)
}

/// Create a task, register two clients, commit and close training at its deadline: the round is
/// then aggregating at block 11 (+5 = 16).
fn task_in_aggregation() -> TaskId {
	let task = create(params());
	register(&CLIENTS[..2]);
	commit(task, 0, &CLIENTS[..2]);
	run_to_block(11);
	assert_eq!(state(task, 0), RoundState::Aggregating { until: 16 });
	task
}

fn rejection(who: AccountId, reason: RejectReason) -> Rejection<AccountId> {
	Rejection { who, reason }
}

// ---------------------------------------------------------------------------------------------
// Genesis, constants, committee

#[test]
fn genesis_sets_the_committee_and_constants_hold() {
	build_and_execute(|| {
		assert_eq!(Committee::<Test>::get().into_inner(), AGG.to_vec());
		<FederatedLearning as Hooks<u64>>::integrity_test();
		assert!(FederatedLearning::is_member(&AGG[0]));
		assert!(!FederatedLearning::is_member(&103));
	});
}

#[test]
fn set_committee_replaces_members_by_admin_only() {
	build_and_execute(|| {
		let members: CommitteeOf<Test> = BoundedVec::truncate_from(vec![101, 103]);
		assert_noop!(
			FederatedLearning::set_committee(signed(OWNER), members.clone()),
			DispatchError::BadOrigin
		);
		assert_ok!(FederatedLearning::set_committee(
			RawOrigin::Root.into(),
			members.clone()
		));
		assert_eq!(Committee::<Test>::get(), members);
		assert_eq!(
			fl_events().last(),
			Some(&Event::CommitteeChanged { members })
		);
	});
}

#[test]
fn set_committee_rejects_empty_duplicate_and_too_small_committees() {
	build_and_execute(|| {
		assert_noop!(
			FederatedLearning::set_committee(RawOrigin::Root.into(), Default::default()),
			Error::<Test>::EmptyCommittee
		);
		assert_noop!(
			FederatedLearning::set_committee(
				RawOrigin::Root.into(),
				BoundedVec::truncate_from(vec![100, 101, 100])
			),
			Error::<Test>::DuplicateMember
		);
		create(params()); // quorum 2
		assert_noop!(
			FederatedLearning::set_committee(
				RawOrigin::Root.into(),
				BoundedVec::truncate_from(vec![100])
			),
			Error::<Test>::QuorumExceedsCommittee
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Tasks

#[test]
fn create_task_holds_deposit_and_starts_round_zero() {
	build_and_execute(|| {
		let task = create(params());
		assert_eq!(task, 0);
		assert_eq!(held(HoldReason::TaskDeposit, OWNER), TASK_DEPOSIT);
		let info = Tasks::<Test>::get(task).unwrap();
		assert_eq!(info.status, TaskStatus::Active);
		assert_eq!(info.round, 0);
		assert_eq!(info.global_model, model(0));
		assert_eq!(ActiveTasks::<Test>::get().into_inner(), vec![0]);
		assert_eq!(state(task, 0), RoundState::Training { until: 11 });
		assert_eq!(
			fl_events(),
			vec![
				Event::TaskCreated {
					task,
					owner: OWNER,
					model: H256::repeat_byte(0xAA),
					rule: AggregationRule::FedAvg,
					rounds: 3,
					quorum: 2,
					deposit: TASK_DEPOSIT,
				},
				Event::RoundStarted {
					task,
					round: 0,
					base_model: model(0),
					training_until: 11
				},
			]
		);
		assert_eq!(create(params()), 1);
	});
}

#[test]
fn create_task_rejects_invalid_parameters() {
	build_and_execute(|| {
		let bad = |f: fn(&mut TaskParamsOf<Test>), e: Error<Test>| {
			let mut p = params();
			f(&mut p);
			assert_noop!(FederatedLearning::create_task(signed(OWNER), p), e);
		};
		bad(|p| p.min_updates = 0, Error::<Test>::InvalidUpdateBounds);
		bad(|p| p.min_updates = 5, Error::<Test>::InvalidUpdateBounds);
		bad(
			|p| p.max_updates = MAX_UPDATES + 1,
			Error::<Test>::InvalidUpdateBounds,
		);
		bad(|p| p.training_period = 0, Error::<Test>::InvalidPeriod);
		bad(|p| p.aggregation_period = 101, Error::<Test>::InvalidPeriod);
		bad(|p| p.rounds = 0, Error::<Test>::InvalidRoundCount);
		bad(|p| p.rounds = 11, Error::<Test>::InvalidRoundCount);
		bad(|p| p.quorum = 0, Error::<Test>::InvalidQuorum);
		bad(|p| p.quorum = 4, Error::<Test>::QuorumExceedsCommittee);
		bad(
			|p| p.rule = AggregationRule::TrimmedMean { trim: 1 },
			Error::<Test>::InvalidRule,
		);
		bad(
			|p| p.rule = AggregationRule::Krum { f: 0 },
			Error::<Test>::InvalidRule,
		);
		bad(
			|p| p.rule = AggregationRule::MultiKrum { f: 0, m: 0 },
			Error::<Test>::InvalidRule,
		);
		bad(|p| p.initial_model.len = 0, Error::<Test>::EmptyModel);
		bad(
			|p| p.initial_model.len = 10_000_001,
			Error::<Test>::ModelTooLarge,
		);
		bad(|p| p.max_update_len = 0, Error::<Test>::InvalidUpdateLimit);
		bad(
			|p| p.max_update_len = 1_000_001,
			Error::<Test>::InvalidUpdateLimit,
		);
		// Rules with enough inputs are accepted.
		let mut p = params();
		p.min_updates = 3;
		p.rule = AggregationRule::TrimmedMean { trim: 1 };
		assert_ok!(FederatedLearning::create_task(signed(OWNER), p));
		p.min_updates = 4;
		p.rule = AggregationRule::MultiKrum { f: 0, m: 2 };
		assert_ok!(FederatedLearning::create_task(signed(OWNER), p));
	});
}

#[test]
fn create_task_needs_the_deposit_and_a_free_active_slot() {
	build_and_execute(|| {
		assert_noop!(
			FederatedLearning::create_task(signed(POOR), params()),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
		for _ in 0..4 {
			create(params());
		}
		assert_noop!(
			FederatedLearning::create_task(signed(OWNER), params()),
			Error::<Test>::TooManyActiveTasks
		);
	});
}

#[test]
fn close_task_fails_live_round_and_releases_deposit() {
	build_and_execute(|| {
		let task = create(params());
		register(&CLIENTS[..1]);
		commit(task, 0, &CLIENTS[..1]);
		assert_noop!(
			FederatedLearning::close_task(signed(2), task),
			Error::<Test>::NotTaskOwner
		);
		assert_noop!(
			FederatedLearning::close_task(signed(OWNER), 7),
			Error::<Test>::TaskNotFound
		);

		assert_ok!(FederatedLearning::close_task(signed(OWNER), task));
		assert_eq!(
			state(task, 0),
			RoundState::Failed {
				reason: FailureReason::TaskClosed
			}
		);
		assert_eq!(Tasks::<Test>::get(task).unwrap().status, TaskStatus::Closed);
		assert!(ActiveTasks::<Test>::get().is_empty());
		assert_eq!(held(HoldReason::TaskDeposit, OWNER), 0);
		let events = fl_events();
		assert_eq!(
			events[events.len() - 2..],
			[
				Event::RoundFailed {
					task,
					round: 0,
					reason: FailureReason::TaskClosed
				},
				Event::TaskClosed { task, owner: OWNER },
			]
		);
		assert_noop!(
			FederatedLearning::close_task(signed(OWNER), task),
			Error::<Test>::TaskNotActive
		);
		// The client's commitment is no longer live, so it can leave.
		assert_ok!(FederatedLearning::deregister_client(signed(CLIENTS[0])));
		// A closed task is not advanced by the hook any more.
		run_to_block(40);
		assert_eq!(Tasks::<Test>::get(task).unwrap().round, 0);
	});
}

// ---------------------------------------------------------------------------------------------
// Clients

#[test]
fn register_and_deregister_hold_and_release_the_deposit() {
	build_and_execute(|| {
		let c = CLIENTS[0];
		assert_ok!(FederatedLearning::register_client(signed(c)));
		assert_eq!(held(HoldReason::ClientDeposit, c), CLIENT_DEPOSIT);
		assert_eq!(Balances::free_balance(c), 1_000 - CLIENT_DEPOSIT);
		assert_noop!(
			FederatedLearning::register_client(signed(c)),
			Error::<Test>::AlreadyRegistered
		);
		assert_ok!(FederatedLearning::deregister_client(signed(c)));
		assert_eq!(held(HoldReason::ClientDeposit, c), 0);
		assert_eq!(Balances::free_balance(c), 1_000);
		assert_noop!(
			FederatedLearning::deregister_client(signed(c)),
			Error::<Test>::NotRegistered
		);
		assert_eq!(
			fl_events(),
			vec![
				Event::ClientRegistered {
					who: c,
					deposit: CLIENT_DEPOSIT
				},
				Event::ClientDeregistered {
					who: c,
					deposit: CLIENT_DEPOSIT
				},
			]
		);
		assert_noop!(
			FederatedLearning::register_client(signed(POOR)),
			DispatchError::Token(TokenError::FundsUnavailable)
		);
	});
}

#[test]
fn deregister_waits_until_no_commitment_is_live() {
	build_and_execute(|| {
		let task = create(params());
		register(&CLIENTS[..2]);
		commit(task, 0, &CLIENTS[..2]);
		assert_noop!(
			FederatedLearning::deregister_client(signed(CLIENTS[0])),
			Error::<Test>::HasLiveCommitments
		);
		run_to_block(11); // aggregating: still live
		assert_noop!(
			FederatedLearning::deregister_client(signed(CLIENTS[0])),
			Error::<Test>::HasLiveCommitments
		);
		run_to_block(16); // no quorum: failed, next round started
		assert_ok!(FederatedLearning::deregister_client(signed(CLIENTS[0])));
	});
}

// ---------------------------------------------------------------------------------------------
// Update commitments

#[test]
fn submit_update_records_commitment_once() {
	build_and_execute(|| {
		let task = create(params());
		let c = CLIENTS[0];
		register(&[c]);
		assert_ok!(FederatedLearning::submit_update(
			signed(c),
			task,
			0,
			update(7)
		));
		assert_eq!(Commitments::<Test>::get((task, 0, c)), Some(update(7)));
		assert_eq!(Rounds::<Test>::get(task, 0).unwrap().commitments, 1);
		assert_eq!(
			Clients::<Test>::get(c).unwrap().live.into_inner(),
			vec![(task, 0)]
		);
		assert_eq!(
			fl_events().last(),
			Some(&Event::UpdateCommitted {
				task,
				round: 0,
				who: c,
				hash: H256::repeat_byte(7),
				len: 500,
				samples: 100,
			})
		);
		assert_noop!(
			FederatedLearning::submit_update(signed(c), task, 0, update(8)),
			Error::<Test>::AlreadyCommitted
		);
	});
}

#[test]
fn submit_update_rejects_bad_submissions_with_distinct_errors() {
	build_and_execute(|| {
		let task = create(params());
		let c = CLIENTS[0];
		let submit = |u: UpdateCommitment| FederatedLearning::submit_update(signed(c), task, 0, u);
		assert_noop!(submit(update(1)), Error::<Test>::NotRegistered);
		register(&[c]);
		assert_noop!(
			FederatedLearning::submit_update(signed(c), 9, 0, update(1)),
			Error::<Test>::TaskNotFound
		);
		assert_noop!(
			FederatedLearning::submit_update(signed(c), task, 1, update(1)),
			Error::<Test>::WrongRound
		);
		assert_noop!(
			submit(UpdateCommitment {
				len: 0,
				..update(1)
			}),
			Error::<Test>::EmptyUpdate
		);
		assert_noop!(
			submit(UpdateCommitment {
				len: 10_001,
				..update(1)
			}),
			Error::<Test>::UpdateTooLarge
		);
		assert_noop!(
			submit(UpdateCommitment {
				samples: 0,
				..update(1)
			}),
			Error::<Test>::ZeroSamples
		);
		assert_noop!(
			submit(UpdateCommitment {
				codec: 2,
				..update(1)
			}),
			Error::<Test>::CodecMismatch
		);
		assert_ok!(submit(UpdateCommitment {
			len: 10_000,
			..update(1)
		}));
	});
}

#[test]
fn late_and_past_round_submissions_are_rejected() {
	build_and_execute(|| {
		let task = task_in_aggregation();
		register(&[CLIENTS[2]]);
		assert_noop!(
			FederatedLearning::submit_update(signed(CLIENTS[2]), task, 0, update(3)),
			Error::<Test>::RoundNotInTraining
		);
		run_to_block(16); // NoQuorum -> round 1
		assert_noop!(
			FederatedLearning::submit_update(signed(CLIENTS[2]), task, 0, update(3)),
			Error::<Test>::WrongRound
		);
		assert_ok!(FederatedLearning::submit_update(
			signed(CLIENTS[2]),
			task,
			1,
			update(3)
		));
	});
}

#[test]
fn submissions_to_a_closed_task_are_rejected() {
	build_and_execute(|| {
		let task = create(params());
		register(&[CLIENTS[0]]);
		assert_ok!(FederatedLearning::close_task(signed(OWNER), task));
		assert_noop!(
			FederatedLearning::submit_update(signed(CLIENTS[0]), task, 0, update(1)),
			Error::<Test>::TaskNotActive
		);
	});
}

#[test]
fn a_client_is_live_in_at_most_max_live_rounds() {
	build_and_execute(|| {
		let tasks: Vec<_> = (0..4).map(|_| create(params())).collect();
		let c = CLIENTS[0];
		register(&[c]);
		for t in &tasks[..3] {
			assert_ok!(FederatedLearning::submit_update(
				signed(c),
				*t,
				0,
				update(1)
			));
		}
		assert_noop!(
			FederatedLearning::submit_update(signed(c), tasks[3], 0, update(1)),
			Error::<Test>::TooManyLiveRounds
		);
		// Once those rounds end, the slots free up.
		run_to_block(11); // one commitment < min_updates: all fail, round 1 starts
		assert_ok!(FederatedLearning::submit_update(
			signed(c),
			tasks[3],
			1,
			update(1)
		));
		assert_eq!(
			Clients::<Test>::get(c).unwrap().live.into_inner(),
			vec![(tasks[3], 1)]
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Round lifecycle by block height

#[test]
fn reaching_max_updates_closes_training_early() {
	build_and_execute(|| {
		let task = create(params());
		register(&CLIENTS[..4]);
		commit(task, 0, &CLIENTS[..3]);
		assert!(matches!(state(task, 0), RoundState::Training { .. }));
		run_to_block(3);
		commit(task, 0, &CLIENTS[3..4]);
		assert_eq!(state(task, 0), RoundState::Aggregating { until: 8 });
		assert_eq!(
			Rounds::<Test>::get(task, 0).unwrap().training_closed,
			Some(3)
		);
		assert_eq!(
			fl_events().last(),
			Some(&Event::TrainingClosed {
				task,
				round: 0,
				commitments: 4,
				aggregation_until: 8,
				early: true,
			})
		);
	});
}

#[test]
fn training_deadline_moves_to_aggregation_with_enough_updates() {
	build_and_execute(|| {
		let task = create(params());
		register(&CLIENTS[..2]);
		commit(task, 0, &CLIENTS[..2]);
		run_to_block(10);
		assert_eq!(state(task, 0), RoundState::Training { until: 11 });
		run_to_block(11);
		assert_eq!(state(task, 0), RoundState::Aggregating { until: 16 });
		assert_eq!(
			fl_events().last(),
			Some(&Event::TrainingClosed {
				task,
				round: 0,
				commitments: 2,
				aggregation_until: 16,
				early: false,
			})
		);
	});
}

#[test]
fn too_few_updates_fail_the_round_and_the_next_starts() {
	build_and_execute(|| {
		let task = create(params());
		register(&CLIENTS[..1]);
		commit(task, 0, &CLIENTS[..1]);
		run_to_block(11);
		assert_eq!(
			state(task, 0),
			RoundState::Failed {
				reason: FailureReason::NotEnoughUpdates
			}
		);
		assert_eq!(Rounds::<Test>::get(task, 0).unwrap().ended, Some(11));
		assert_eq!(Tasks::<Test>::get(task).unwrap().round, 1);
		assert_eq!(state(task, 1), RoundState::Training { until: 21 });
		assert_eq!(Rounds::<Test>::get(task, 1).unwrap().base_model, model(0));
		let events = fl_events();
		assert_eq!(
			events[events.len() - 2..],
			[
				Event::RoundFailed {
					task,
					round: 0,
					reason: FailureReason::NotEnoughUpdates
				},
				Event::RoundStarted {
					task,
					round: 1,
					base_model: model(0),
					training_until: 21
				},
			]
		);
	});
}

#[test]
fn no_quorum_by_the_aggregation_deadline_fails_the_round() {
	build_and_execute(|| {
		let task = task_in_aggregation();
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[0]),
			task,
			0,
			result(1)
		));
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[1]),
			task,
			0,
			result(2)
		));
		run_to_block(15);
		assert_eq!(state(task, 0), RoundState::Aggregating { until: 16 });
		run_to_block(16);
		assert_eq!(
			state(task, 0),
			RoundState::Failed {
				reason: FailureReason::NoQuorum
			}
		);
		assert_eq!(Tasks::<Test>::get(task).unwrap().global_model, model(0));
		assert_eq!(Tasks::<Test>::get(task).unwrap().round, 1);
		assert!(fl_events().contains(&Event::RoundFailed {
			task,
			round: 0,
			reason: FailureReason::NoQuorum
		}));
	});
}

// ---------------------------------------------------------------------------------------------
// Aggregate results

#[test]
fn quorum_finalizes_the_round_and_moves_the_global_model() {
	build_and_execute(|| {
		let task = task_in_aggregation();
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[0]),
			task,
			0,
			result(9)
		));
		assert!(matches!(state(task, 0), RoundState::Aggregating { .. }));
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[1]),
			task,
			0,
			result(9)
		));
		assert_eq!(state(task, 0), RoundState::Finalized { model: model(9) });
		let info = Tasks::<Test>::get(task).unwrap();
		assert_eq!((info.global_model, info.finalized_rounds), (model(9), 1));
		let digest = H256(sp_io::hashing::blake2_256(&result(9).encode()));
		let events = fl_events();
		assert_eq!(
			events[events.len() - 2..],
			[
				Event::AggregateSubmitted {
					task,
					round: 0,
					who: AGG[1],
					digest,
					votes: 2
				},
				Event::RoundFinalized {
					task,
					round: 0,
					model: model(9),
					digest,
					rejected: 0,
					dissenters: Default::default(),
				},
			]
		);
		// The next round starts at the next block from the new model.
		run_to_block(12);
		assert_eq!(state(task, 1), RoundState::Training { until: 22 });
		assert_eq!(Rounds::<Test>::get(task, 1).unwrap().base_model, model(9));
		// A late vote is refused.
		assert_noop!(
			FederatedLearning::submit_aggregate(signed(AGG[2]), task, 0, result(9)),
			Error::<Test>::RoundNotAggregating
		);
	});
}

#[test]
fn a_minority_aggregator_is_named_in_the_finalization() {
	build_and_execute(|| {
		let task = task_in_aggregation();
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[2]),
			task,
			0,
			result(66)
		));
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[0]),
			task,
			0,
			result(9)
		));
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[1]),
			task,
			0,
			result(9)
		));
		assert_eq!(state(task, 0), RoundState::Finalized { model: model(9) });
		match fl_events().last() {
			Some(Event::RoundFinalized {
				dissenters,
				model: m,
				..
			}) => {
				assert_eq!(dissenters.clone().into_inner(), vec![AGG[2]]);
				assert_eq!(*m, model(9));
			}
			other => panic!("expected RoundFinalized, got {other:?}"),
		}
		let summary = FederatedLearning::round_summary(task, 0).unwrap();
		assert_eq!(summary.votes.len(), 3);
		assert_eq!(summary.proposals.len(), 2);
		assert_eq!(summary.quorum, 2);
	});
}

#[test]
fn rejections_must_be_sorted_and_name_committed_clients() {
	build_and_execute(|| {
		let task = task_in_aggregation();
		let with = |rej: Vec<Rejection<AccountId>>| AggregateResult {
			model: model(5),
			rejected: BoundedVec::truncate_from(rej),
		};
		let (a, b) = (CLIENTS[0], CLIENTS[1]);
		assert_noop!(
			FederatedLearning::submit_aggregate(
				signed(AGG[0]),
				task,
				0,
				with(vec![
					rejection(b, RejectReason::BadHash),
					rejection(a, RejectReason::NonFinite)
				])
			),
			Error::<Test>::RejectionsNotSorted
		);
		assert_noop!(
			FederatedLearning::submit_aggregate(
				signed(AGG[0]),
				task,
				0,
				with(vec![
					rejection(a, RejectReason::BadHash),
					rejection(a, RejectReason::BadHash)
				])
			),
			Error::<Test>::RejectionsNotSorted
		);
		assert_noop!(
			FederatedLearning::submit_aggregate(
				signed(AGG[0]),
				task,
				0,
				with(vec![rejection(CLIENTS[5], RejectReason::Undecodable)])
			),
			Error::<Test>::UnknownCommitment
		);
		let good = with(vec![rejection(b, RejectReason::NonFinite)]);
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[0]),
			task,
			0,
			good.clone()
		));
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[1]),
			task,
			0,
			good
		));
		assert!(matches!(
			fl_events().last(),
			Some(Event::RoundFinalized { rejected: 1, .. })
		));
	});
}

#[test]
fn submit_aggregate_checks_membership_round_phase_and_model() {
	build_and_execute(|| {
		let task = create(params());
		register(&CLIENTS[..2]);
		commit(task, 0, &CLIENTS[..2]);
		assert_noop!(
			FederatedLearning::submit_aggregate(signed(103), task, 0, result(1)),
			Error::<Test>::NotAggregator
		);
		assert_noop!(
			FederatedLearning::submit_aggregate(signed(AGG[0]), 5, 0, result(1)),
			Error::<Test>::TaskNotFound
		);
		assert_noop!(
			FederatedLearning::submit_aggregate(signed(AGG[0]), task, 3, result(1)),
			Error::<Test>::RoundNotFound
		);
		assert_noop!(
			FederatedLearning::submit_aggregate(signed(AGG[0]), task, 0, result(1)),
			Error::<Test>::RoundNotAggregating
		);
		run_to_block(11);
		let empty = AggregateResult {
			model: ModelCommitment { len: 0, ..model(1) },
			..result(1)
		};
		assert_noop!(
			FederatedLearning::submit_aggregate(signed(AGG[0]), task, 0, empty),
			Error::<Test>::EmptyModel
		);
		let huge = AggregateResult {
			model: ModelCommitment {
				len: u64::MAX,
				..model(1)
			},
			..result(1)
		};
		assert_noop!(
			FederatedLearning::submit_aggregate(signed(AGG[0]), task, 0, huge),
			Error::<Test>::ModelTooLarge
		);
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[0]),
			task,
			0,
			result(1)
		));
		assert_noop!(
			FederatedLearning::submit_aggregate(signed(AGG[0]), task, 0, result(1)),
			Error::<Test>::AlreadyVoted
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Metrics

#[test]
fn committee_reports_metrics_of_finalized_rounds() {
	build_and_execute(|| {
		let task = task_in_aggregation();
		let m = RoundMetrics {
			accuracy_ppm: 912_345,
			loss_micro: 301_000,
			samples: 2_000,
		};
		assert_noop!(
			FederatedLearning::report_metrics(signed(AGG[0]), task, 0, m),
			Error::<Test>::RoundNotFinalized
		);
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[0]),
			task,
			0,
			result(9)
		));
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[1]),
			task,
			0,
			result(9)
		));
		assert_noop!(
			FederatedLearning::report_metrics(signed(103), task, 0, m),
			Error::<Test>::NotAggregator
		);
		assert_noop!(
			FederatedLearning::report_metrics(signed(AGG[0]), 8, 0, m),
			Error::<Test>::TaskNotFound
		);
		assert_noop!(
			FederatedLearning::report_metrics(signed(AGG[0]), task, 8, m),
			Error::<Test>::RoundNotFound
		);
		assert_noop!(
			FederatedLearning::report_metrics(
				signed(AGG[0]),
				task,
				0,
				RoundMetrics {
					accuracy_ppm: 1_000_001,
					..m
				}
			),
			Error::<Test>::InvalidMetrics
		);
		assert_ok!(FederatedLearning::report_metrics(
			signed(AGG[0]),
			task,
			0,
			m
		));
		assert_eq!(Metrics::<Test>::get((task, 0, AGG[0])), Some(m));
		assert_eq!(
			fl_events().last(),
			Some(&Event::MetricsReported {
				task,
				round: 0,
				who: AGG[0],
				accuracy_ppm: 912_345,
				loss_micro: 301_000,
			})
		);
		assert_noop!(
			FederatedLearning::report_metrics(signed(AGG[0]), task, 0, m),
			Error::<Test>::MetricsAlreadyReported
		);
	});
}

// ---------------------------------------------------------------------------------------------
// Whole lifecycles

/// Run one round of `task` to finalization with `model(tag)`, starting in training.
fn finalize_round(task: TaskId, round: RoundIndex, clients: &[AccountId], tag: u8) {
	commit(task, round, clients);
	let until = match state(task, round) {
		RoundState::Training { until } => until,
		RoundState::Aggregating { .. } => System::block_number(),
		s => panic!("round not running: {s:?}"),
	};
	run_to_block(until);
	assert!(matches!(state(task, round), RoundState::Aggregating { .. }));
	assert_ok!(FederatedLearning::submit_aggregate(
		signed(AGG[0]),
		task,
		round,
		result(tag)
	));
	assert_ok!(FederatedLearning::submit_aggregate(
		signed(AGG[1]),
		task,
		round,
		result(tag)
	));
	assert_eq!(
		state(task, round),
		RoundState::Finalized { model: model(tag) }
	);
	let m = RoundMetrics {
		accuracy_ppm: 800_000 + tag as u32,
		loss_micro: 1,
		samples: 10,
	};
	assert_ok!(FederatedLearning::report_metrics(
		signed(AGG[2]),
		task,
		round,
		m
	));
	run_to_block(System::block_number() + 1);
}

#[test]
fn full_lifecycle_over_several_rounds_completes_the_task() {
	build_and_execute(|| {
		let task = create(params()); // 3 rounds
		register(&CLIENTS[..3]);
		finalize_round(task, 0, &CLIENTS[..3], 10);
		assert_eq!(Rounds::<Test>::get(task, 1).unwrap().base_model, model(10));
		// Round 1 fails for lack of updates; round 2 trains from the same model.
		run_to_block(System::block_number() + 10);
		assert_eq!(
			state(task, 1),
			RoundState::Failed {
				reason: FailureReason::NotEnoughUpdates
			}
		);
		assert_eq!(Rounds::<Test>::get(task, 2).unwrap().base_model, model(10));
		finalize_round(task, 2, &CLIENTS[..2], 12);

		let info = Tasks::<Test>::get(task).unwrap();
		assert_eq!(info.status, TaskStatus::Completed);
		assert_eq!(
			(info.round, info.finalized_rounds, info.global_model),
			(2, 2, model(12))
		);
		assert!(ActiveTasks::<Test>::get().is_empty());
		assert_eq!(held(HoldReason::TaskDeposit, OWNER), 0);
		assert!(fl_events().contains(&Event::TaskCompleted {
			task,
			global_model: model(12),
			finalized_rounds: 2
		}));
		assert!(Rounds::<Test>::get(task, 3).is_none());
		// The accuracy history stays readable.
		assert_eq!(
			Metrics::<Test>::get((task, 0, AGG[2]))
				.unwrap()
				.accuracy_ppm,
			800_010
		);
		assert_eq!(
			Metrics::<Test>::get((task, 2, AGG[2]))
				.unwrap()
				.accuracy_ppm,
			800_012
		);
		// Clients can leave once nothing is live.
		assert_ok!(FederatedLearning::deregister_client(signed(CLIENTS[0])));
	});
}

#[test]
fn two_tasks_run_side_by_side() {
	build_and_execute(|| {
		let a = create(params());
		let b = create(TaskParams {
			training_period: 4,
			aggregation_period: 3,
			codec: 3,
			rule: AggregationRule::Median,
			..params()
		});
		register(&CLIENTS[..3]);
		commit(a, 0, &CLIENTS[..2]);
		for c in &CLIENTS[..3] {
			assert_ok!(FederatedLearning::submit_update(
				signed(*c),
				b,
				0,
				UpdateCommitment {
					codec: 3,
					..update(4)
				}
			));
		}
		assert_eq!(Commitments::<Test>::iter_prefix((a, 0)).count(), 2);
		assert_eq!(Commitments::<Test>::iter_prefix((b, 0)).count(), 3);
		run_to_block(5);
		assert!(matches!(state(a, 0), RoundState::Training { until: 11 }));
		assert_eq!(state(b, 0), RoundState::Aggregating { until: 8 });
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[0]),
			b,
			0,
			result(7)
		));
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[2]),
			b,
			0,
			result(7)
		));
		run_to_block(6);
		assert_eq!(Tasks::<Test>::get(b).unwrap().global_model, model(7));
		assert_eq!(Tasks::<Test>::get(b).unwrap().round, 1);
		assert_eq!(Tasks::<Test>::get(a).unwrap().global_model, model(0));
		assert_eq!(Tasks::<Test>::get(a).unwrap().round, 0);
		run_to_block(11);
		assert!(matches!(state(a, 0), RoundState::Aggregating { .. }));
		// Meanwhile b's round 1 got no updates (failed at block 10) and round 2 started.
		assert_eq!(
			state(b, 1),
			RoundState::Failed {
				reason: FailureReason::NotEnoughUpdates
			}
		);
		assert_eq!(Tasks::<Test>::get(b).unwrap().round, 2);
	});
}

// ---------------------------------------------------------------------------------------------
// Pruning and hooks

#[test]
fn old_rounds_are_pruned_but_headers_and_metrics_kept() {
	build_and_execute(|| {
		let task = create(TaskParams {
			rounds: 5,
			..params()
		});
		register(&CLIENTS[..2]);
		finalize_round(task, 0, &CLIENTS[..2], 20);
		finalize_round(task, 1, &CLIENTS[..2], 21);
		// Round 2 started: round 0 is HistoryDepth (2) rounds old and was pruned at that block.
		assert_eq!(Commitments::<Test>::iter_prefix((task, 0)).count(), 0);
		assert_eq!(Votes::<Test>::iter_prefix((task, 0)).count(), 0);
		assert_eq!(Proposals::<Test>::iter_prefix((task, 0)).count(), 0);
		assert_eq!(Commitments::<Test>::iter_prefix((task, 1)).count(), 2);
		assert_eq!(Tasks::<Test>::get(task).unwrap().pruned_until, 1);
		assert!(fl_events().contains(&Event::RoundPruned {
			task,
			round: 0,
			keys: 2 + 2 * 2
		}));
		assert_eq!(state(task, 0), RoundState::Finalized { model: model(20) });
		assert!(Metrics::<Test>::get((task, 0, AGG[2])).is_some());
		let summary = FederatedLearning::round_summary(task, 0).unwrap();
		assert!(summary.votes.is_empty() && summary.proposals.is_empty());
		assert_eq!(summary.metrics.len(), 1);
	});
}

#[test]
fn pruning_stays_within_the_per_block_budget() {
	build_and_execute(|| {
		let p = TaskParams {
			rounds: 5,
			max_updates: MAX_UPDATES,
			..params()
		};
		let (a, b) = (create(p), create(p));
		register(&CLIENTS);
		// Both tasks: round 0 with 8 commitments + 2 votes (12 keys), round 1 the same.
		for round in 0..2 {
			commit(a, round, &CLIENTS);
			commit(b, round, &CLIENTS);
			for t in [a, b] {
				assert_ok!(FederatedLearning::submit_aggregate(
					signed(AGG[0]),
					t,
					round,
					result(3)
				));
				assert_ok!(FederatedLearning::submit_aggregate(
					signed(AGG[1]),
					t,
					round,
					result(3)
				));
			}
			run_to_block(System::block_number() + 1);
		}
		// Both tasks reached round 2 in the same block, but the budget (18 keys) covers one
		// round of 12 keys: task a was pruned in that block, task b in the next.
		assert_eq!(Tasks::<Test>::get(a).unwrap().pruned_until, 1);
		assert_eq!(Tasks::<Test>::get(b).unwrap().pruned_until, 0);
		run_to_block(System::block_number() + 1);
		assert_eq!(Tasks::<Test>::get(b).unwrap().pruned_until, 1);
		assert_eq!(Commitments::<Test>::iter_prefix((b, 0)).count(), 0);
	});
}

#[test]
fn on_initialize_accounts_for_its_work() {
	build_and_execute(|| {
		let task = create(params());
		let _idle = create(TaskParams {
			training_period: 50,
			..params()
		});
		run_to_block(10);
		// Nothing due: only the idle walk over the two tasks.
		assert_eq!(
			FederatedLearning::on_initialize(10),
			<() as WeightInfo>::on_initialize_idle(2)
		);
		System::set_block_number(11);
		// Task 0's training deadline: one transition.
		assert_eq!(
			FederatedLearning::on_initialize(11),
			<() as WeightInfo>::on_initialize_idle(2)
				.saturating_add(<() as WeightInfo>::advance_round())
		);
		assert_eq!(Tasks::<Test>::get(task).unwrap().round, 1);
	});
}

#[test]
fn runtime_api_summary_reports_a_round_in_one_value() {
	build_and_execute(|| {
		let task = task_in_aggregation();
		assert_ok!(FederatedLearning::submit_aggregate(
			signed(AGG[0]),
			task,
			0,
			result(4)
		));
		let s = FederatedLearning::round_summary(task, 0).unwrap();
		assert_eq!((s.task, s.round, s.quorum), (task, 0, 2));
		assert_eq!(s.info.commitments, 2);
		assert_eq!(s.info.state, RoundState::Aggregating { until: 16 });
		assert_eq!(s.proposals.len(), 1);
		assert_eq!(s.proposals[0].1, model(4));
		assert_eq!(s.votes[0].0, AGG[0]);
		assert!(FederatedLearning::round_summary(task, 1).is_none());
		assert!(FederatedLearning::round_summary(9, 0).is_none());
	});
}

// ---------------------------------------------------------------------------------------------
// Meta: every error variant is exercised above.

#[test]
fn every_error_variant_has_a_test() {
	use scale_info::{TypeDef, TypeInfo};
	let ty = Error::<Test>::type_info();
	let TypeDef::Variant(def) = ty.type_def else {
		panic!("Error is an enum")
	};
	let source = include_str!("tests.rs");
	let missing: Vec<_> = def
		.variants
		.iter()
		.map(|v| v.name)
		.filter(|name| {
			!source.contains(&format!("Error::<Test>::{name})"))
				&& !source.contains(&format!("Error::<Test>::{name}\n"))
				&& !source.contains(&format!("Error::<Test>::{name},"))
		})
		.collect();
	assert!(
		missing.is_empty(),
		"error variants without an assert_noop test: {missing:?}"
	);
	assert!(def.variants.len() >= 30);
}

mod randomized;
