//! Randomized sequences of calls (any origin, any arguments, raw garbage) and block advances.
//! After every step the pallet's invariants must hold, and a failed call must leave storage as
//! it was.

use crate::{mock::*, *};
use codec::Decode;
use frame_support::traits::GetCallMetadata;
use frame_support::{dispatch::RawOrigin, traits::UnfilteredDispatchable, BoundedVec};
use rand::{seq::SliceRandom, Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sp_core::H256;
use std::collections::BTreeMap;

const SEQUENCES: u64 = 10_000;
const STEPS: usize = 24;

/// Accounts the fuzzer picks from: owners, clients, committee, an outsider, a pauper.
const ACCOUNTS: [AccountId; 8] = [
	OWNER, 2, CLIENTS[0], CLIENTS[1], CLIENTS[2], AGG[0], AGG[1], 103,
];

fn account(rng: &mut ChaCha8Rng) -> AccountId {
	match rng.gen_range(0..20) {
		0 => POOR,
		1 => rng.gen(),
		2..=4 => AGG[rng.gen_range(0..3)],
		_ => *ACCOUNTS.choose(rng).expect("non-empty; qed"),
	}
}

fn small(rng: &mut ChaCha8Rng, typical: u32) -> u32 {
	match rng.gen_range(0..10) {
		0 => rng.gen(),
		1 => 0,
		_ => rng.gen_range(0..=typical),
	}
}

fn task_params(rng: &mut ChaCha8Rng) -> TaskParamsOf<Test> {
	let mut p = params();
	p.min_updates = rng.gen_range(1..=3);
	p.max_updates = rng.gen_range(p.min_updates..=4);
	p.training_period = rng.gen_range(1..=6);
	p.aggregation_period = rng.gen_range(1..=4);
	p.rounds = rng.gen_range(1..=4);
	p.quorum = rng.gen_range(1..=3);
	p.rule = match rng.gen_range(0..5) {
		0 => AggregationRule::FedAvg,
		1 => AggregationRule::Median,
		2 => AggregationRule::TrimmedMean {
			trim: small(rng, 1),
		},
		3 => AggregationRule::Krum { f: small(rng, 1) },
		_ => AggregationRule::MultiKrum {
			f: small(rng, 1),
			m: small(rng, 3),
		},
	};
	// Now and then, garbage in one field.
	match rng.gen_range(0..12) {
		0 => p.min_updates = rng.gen(),
		1 => p.max_updates = rng.gen(),
		2 => p.training_period = rng.gen(),
		3 => p.rounds = rng.gen(),
		4 => p.quorum = rng.gen(),
		5 => p.initial_model.len = rng.gen(),
		6 => p.max_update_len = rng.gen(),
		7 => p.codec = rng.gen(),
		_ => {}
	}
	p
}

/// Mostly the current round; sometimes its neighbours, the last finalized one, or garbage.
fn round_of(rng: &mut ChaCha8Rng, task: TaskId) -> RoundIndex {
	let current = Tasks::<Test>::get(task).map_or(0, |t| t.round);
	match rng.gen_range(0..10) {
		0 => rng.gen(),
		1 => current.saturating_add(1),
		2 => current.saturating_sub(1),
		_ => current,
	}
}

fn finalized_round(rng: &mut ChaCha8Rng, task: TaskId) -> RoundIndex {
	(0..=Tasks::<Test>::get(task).map_or(0, |t| t.round))
		.rev()
		.find(|r| {
			matches!(
				Rounds::<Test>::get(task, r).map(|h| h.state),
				Some(RoundState::Finalized { .. })
			)
		})
		.unwrap_or_else(|| round_of(rng, task))
}

/// Mostly an existing task (the active ones first), sometimes an unknown id or garbage.
fn task_of(rng: &mut ChaCha8Rng) -> TaskId {
	let active = ActiveTasks::<Test>::get();
	match rng.gen_range(0..10) {
		0 => rng.gen(),
		1 => NextTaskId::<Test>::get(),
		2 | 3 => rng.gen_range(0..=NextTaskId::<Test>::get()),
		_ => active.choose(rng).copied().unwrap_or(0),
	}
}

fn aggregate_result(
	rng: &mut ChaCha8Rng,
	task: TaskId,
	round: RoundIndex,
) -> AggregateResultOf<Test> {
	// Mostly one of two candidate results, so members agree often enough to reach quorum.
	let mut rejected: Vec<_> = if rng.gen_bool(0.2) {
		Commitments::<Test>::iter_prefix((task, round))
			.map(|(who, _)| who)
			.filter(|_| rng.gen_bool(0.5))
			.map(|who| Rejection {
				who,
				reason: RejectReason::BadHash,
			})
			.collect()
	} else {
		Vec::new()
	};
	rejected.sort_by_key(|r| r.who);
	if rng.gen_bool(0.05) {
		rejected.push(Rejection {
			who: account(rng),
			reason: RejectReason::NormBound,
		});
	}
	let len = if rng.gen_bool(0.9) {
		1_000
	} else {
		small(rng, 2_000) as u64
	};
	AggregateResult {
		model: ModelCommitment {
			hash: H256::repeat_byte(if rng.gen_bool(0.8) { 1 } else { 2 }),
			len,
		},
		rejected: BoundedVec::truncate_from(rejected),
	}
}

/// A random call and the origin to send it from (biased towards the accounts that may make it,
/// with any origin now and then).
fn random_call(rng: &mut ChaCha8Rng) -> Option<(RuntimeCall, RuntimeOrigin)> {
	let task = task_of(rng);
	let (call, typical) = match rng.gen_range(0..100) {
		0..=7 => (
			Call::create_task {
				params: task_params(rng),
			},
			OWNER,
		),
		8..=9 => (Call::close_task { task }, OWNER),
		10..=17 => (Call::register_client {}, CLIENTS[rng.gen_range(0..4)]),
		18..=20 => (Call::deregister_client {}, CLIENTS[rng.gen_range(0..4)]),
		21..=50 => {
			let round = round_of(rng, task);
			let mut c = update(rng.gen());
			match rng.gen_range(0..15) {
				0 => c.len = rng.gen(),
				1 => c.samples = 0,
				2 => c.codec = rng.gen(),
				_ => {}
			}
			(
				Call::submit_update {
					task,
					round,
					commitment: c,
				},
				CLIENTS[rng.gen_range(0..4)],
			)
		}
		51..=76 => {
			let round = round_of(rng, task);
			let result = aggregate_result(rng, task, round);
			(
				Call::submit_aggregate {
					task,
					round,
					result,
				},
				AGG[rng.gen_range(0..3)],
			)
		}
		77..=84 => {
			let metrics = RoundMetrics {
				accuracy_ppm: small(rng, 1_000_000),
				loss_micro: rng.gen(),
				samples: rng.gen(),
			};
			let round = finalized_round(rng, task);
			(
				Call::report_metrics {
					task,
					round,
					metrics,
				},
				AGG[rng.gen_range(0..3)],
			)
		}
		85..=86 => {
			// Mostly a reshuffle of the known members (plus 103), sometimes anyone.
			let n = rng.gen_range(0..=MAX_COMMITTEE as usize);
			let pool = [AGG[0], AGG[1], AGG[2], 103];
			let members = (0..n)
				.map(|_| {
					if rng.gen_bool(0.9) {
						*pool.choose(rng).expect("non-empty; qed")
					} else {
						account(rng)
					}
				})
				.collect::<Vec<_>>();
			let origin = if rng.gen_bool(0.5) {
				RawOrigin::Root.into()
			} else {
				origin(rng)
			};
			return Some((
				RuntimeCall::FederatedLearning(Call::set_committee {
					members: BoundedVec::truncate_from(members),
				}),
				origin,
			));
		}
		_ => {
			// Raw garbage: random bytes behind this pallet's index, decoded as a runtime call.
			let mut bytes = vec![2u8];
			bytes.extend((0..rng.gen_range(0..80)).map(|_| rng.gen::<u8>()));
			let call = RuntimeCall::decode(&mut &bytes[..]).ok()?;
			return Some((call, origin(rng)));
		}
	};
	let origin = if rng.gen_bool(0.8) {
		RuntimeOrigin::signed(typical)
	} else {
		origin(rng)
	};
	Some((RuntimeCall::FederatedLearning(call), origin))
}

/// Most sequences start from a running task with registered clients, so that random calls reach
/// the deep states (aggregation, finalization, pruning) and not only the validation errors.
fn setup(rng: &mut ChaCha8Rng) {
	if rng.gen_bool(0.2) {
		return;
	}
	for c in &CLIENTS[..4] {
		let _ = FederatedLearning::register_client(RuntimeOrigin::signed(*c));
	}
	let mut p = params();
	p.min_updates = rng.gen_range(1..=2);
	p.training_period = rng.gen_range(1..=4);
	p.aggregation_period = rng.gen_range(2..=6);
	p.rounds = rng.gen_range(2..=5);
	p.quorum = rng.gen_range(1..=2);
	let _ = FederatedLearning::create_task(RuntimeOrigin::signed(OWNER), p);
}

/// Usually one block (so short phases are not skipped), sometimes several.
fn blocks(rng: &mut ChaCha8Rng) -> u64 {
	if rng.gen_bool(0.7) {
		1
	} else {
		rng.gen_range(2..=6)
	}
}

fn origin(rng: &mut ChaCha8Rng) -> RuntimeOrigin {
	match rng.gen_range(0..25) {
		0 => RawOrigin::Root.into(),
		1 => RawOrigin::None.into(),
		_ => RuntimeOrigin::signed(account(rng)),
	}
}

#[test]
fn random_call_sequences_keep_invariants() {
	let mut outcomes: BTreeMap<&'static str, [u64; 2]> = BTreeMap::new();
	for seed in 0..SEQUENCES {
		let mut rng = ChaCha8Rng::seed_from_u64(seed);
		new_test_ext().execute_with(|| {
			setup(&mut rng);
			for step in 0..STEPS {
				if rng.gen_bool(0.25) {
					run_to_block(System::block_number() + blocks(&mut rng));
				} else if let Some((call, origin)) = random_call(&mut rng) {
					let name = call.get_call_metadata().function_name;
					let res = call.dispatch_bypass_filter(origin);
					outcomes.entry(name).or_default()[res.is_ok() as usize] += 1;
				}
				if let Err(e) = FederatedLearning::do_try_state() {
					panic!("seed {seed} step {step}: invariant broken: {e:?}");
				}
			}
		});
	}
	// The generator must reach deep states, not just bounce off validation: every call succeeds
	// many times.
	println!("randomized: call -> [failed, succeeded]: {outcomes:?}");
	for name in [
		"create_task",
		"close_task",
		"register_client",
		"deregister_client",
		"submit_update",
		"submit_aggregate",
		"report_metrics",
		"set_committee",
	] {
		let [_, ok] = outcomes.get(name).copied().unwrap_or_default();
		assert!(ok >= 100, "{name} succeeded only {ok} times");
	}
}

#[test]
fn random_sequences_reach_every_round_state() {
	let mut seen = [false; 4];
	for seed in 0..300 {
		let mut rng = ChaCha8Rng::seed_from_u64(1_000_000 + seed);
		new_test_ext().execute_with(|| {
			setup(&mut rng);
			for _ in 0..40 {
				if rng.gen_bool(0.25) {
					run_to_block(System::block_number() + blocks(&mut rng));
				} else if let Some((call, origin)) = random_call(&mut rng) {
					let _ = call.dispatch_bypass_filter(origin);
				}
			}
			for (_, _, h) in Rounds::<Test>::iter() {
				let i = match h.state {
					RoundState::Training { .. } => 0,
					RoundState::Aggregating { .. } => 1,
					RoundState::Finalized { .. } => 2,
					RoundState::Failed { .. } => 3,
				};
				seen[i] = true;
			}
			FederatedLearning::do_try_state().expect("invariants hold");
		});
	}
	assert_eq!(seen, [true; 4], "some round state was never reached");
}
