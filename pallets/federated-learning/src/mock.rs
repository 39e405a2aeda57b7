//! Mock runtime for the pallet's tests and benchmark tests.

use crate as pallet_federated_learning;
use crate::*;
use frame_support::{
	self, derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, Hooks},
	weights::Weight,
};
use frame_system::{self, limits::BlockWeights, EnsureRoot};
use sp_core::H256;
use sp_runtime::BuildStorage;

pub type AccountId = u64;
pub type Balance = u64;
type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		FederatedLearning: pallet_federated_learning,
	}
);

parameter_types! {
	pub MockBlockWeights: BlockWeights =
		BlockWeights::simple_max(Weight::from_parts(2_000_000_000_000, u64::MAX));
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<Balance>;
	type BlockWeights = MockBlockWeights;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

pub const TASK_DEPOSIT: Balance = 100;
pub const CLIENT_DEPOSIT: Balance = 10;
pub const MAX_COMMITTEE: u32 = 5;
pub const MAX_UPDATES: u32 = 8;

impl Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = EnsureRoot<AccountId>;
	type TaskDeposit = ConstU64<TASK_DEPOSIT>;
	type ClientDeposit = ConstU64<CLIENT_DEPOSIT>;
	type MaxCommittee = ConstU32<MAX_COMMITTEE>;
	type MaxActiveTasks = ConstU32<4>;
	type MaxUpdatesPerRound = ConstU32<MAX_UPDATES>;
	type MaxRounds = ConstU32<10>;
	type MaxPeriod = ConstU64<100>;
	type MaxUpdateLen = ConstU64<1_000_000>;
	type MaxModelLen = ConstU64<10_000_000>;
	type MaxLiveRounds = ConstU32<3>;
	type HistoryDepth = ConstU32<2>;
	// Exactly one whole round (MaxUpdatesPerRound + 2 * MaxCommittee), so tests can see pruning
	// spill over to the next block.
	type PruneBudget = ConstU32<{ MAX_UPDATES + 2 * MAX_COMMITTEE }>;
	type WeightInfo = ();
}

/// Committee members in genesis.
pub const AGG: [AccountId; 3] = [100, 101, 102];
/// A task owner.
pub const OWNER: AccountId = 1;
/// Funded accounts that act as clients.
pub const CLIENTS: [AccountId; 8] = [10, 11, 12, 13, 14, 15, 16, 17];
/// An account too poor for any deposit.
pub const POOR: AccountId = 99;

pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut balances: Vec<(AccountId, Balance)> = vec![(OWNER, 10_000), (2, 10_000), (POOR, 5)];
	balances.extend(CLIENTS.iter().map(|c| (*c, 1_000)));
	balances.extend(AGG.iter().map(|a| (*a, 1_000)));
	balances.push((103, 1_000));
	let storage = RuntimeGenesisConfig {
		system: Default::default(),
		balances: pallet_balances::GenesisConfig {
			balances,
			..Default::default()
		},
		federated_learning: pallet_federated_learning::GenesisConfig {
			committee: AGG.to_vec(),
		},
	}
	.build_storage()
	.expect("mock genesis builds; qed");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Run `test` on a fresh chain, then check the pallet's invariants.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		FederatedLearning::do_try_state().expect("invariants hold after the test");
	});
}

/// Advance to block `n`, running the pallet's `on_initialize` at each block.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		FederatedLearning::on_initialize(next);
	}
}

pub fn model(tag: u8) -> ModelCommitment {
	ModelCommitment {
		hash: H256::repeat_byte(tag),
		len: 1_000,
	}
}

pub fn update(tag: u8) -> UpdateCommitment {
	UpdateCommitment {
		hash: H256::repeat_byte(tag),
		len: 500,
		samples: 100,
		codec: 1,
	}
}

/// Valid parameters: FedAvg, codec 1, 2..=4 updates, 10 + 5 blocks, 3 rounds, quorum 2.
pub fn params() -> TaskParamsOf<Test> {
	TaskParams {
		model: H256::repeat_byte(0xAA),
		initial_model: model(0),
		rule: AggregationRule::FedAvg,
		codec: 1,
		min_updates: 2,
		max_updates: 4,
		max_update_len: 10_000,
		training_period: 10,
		aggregation_period: 5,
		rounds: 3,
		quorum: 2,
	}
}

pub fn result(tag: u8) -> AggregateResultOf<Test> {
	AggregateResult {
		model: model(tag),
		rejected: Default::default(),
	}
}

/// Events of this pallet emitted so far.
pub fn fl_events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| match r.event {
			RuntimeEvent::FederatedLearning(e) => Some(e),
			_ => None,
		})
		.collect()
}
