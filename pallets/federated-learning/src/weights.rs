//! Weights for `pallet_federated_learning`.
//!
//! NOT YET GENERATED ON REFERENCE HARDWARE: the figures below are conservative estimates made by
//! hand from the storage each call touches (reads/writes priced by the runtime's `DbWeight`) plus
//! a compute allowance. They are replaced by the output of the v2 benchmarks in
//! `benchmarking.rs` (run `scripts/bench-weights.sh`), which also re-derives the hook weights.

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
	traits::Get,
	weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet_federated_learning`.
pub trait WeightInfo {
	fn create_task() -> Weight;
	fn close_task() -> Weight;
	fn register_client() -> Weight;
	fn deregister_client(l: u32) -> Weight;
	fn submit_update(l: u32) -> Weight;
	fn submit_aggregate(r: u32, m: u32) -> Weight;
	fn report_metrics() -> Weight;
	fn set_committee(m: u32, t: u32) -> Weight;
	fn on_initialize_idle(t: u32) -> Weight;
	fn advance_round() -> Weight;
	fn prune_round(c: u32, v: u32) -> Weight;
}

/// Estimated weights for the Flare runtime, priced with the runtime's `DbWeight`.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn create_task() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(5))
			.saturating_add(T::DbWeight::get().writes(6))
	}
	fn close_task() -> Weight {
		Weight::from_parts(50_000_000, 4_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn register_client() -> Weight {
		Weight::from_parts(45_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(3))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn deregister_client(l: u32) -> Weight {
		Weight::from_parts(45_000_000, 3_600)
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(l.into()))
			.saturating_add(T::DbWeight::get().reads(3_u64.saturating_add(l.into())))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn submit_update(l: u32) -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(l.into()))
			.saturating_add(T::DbWeight::get().reads(4_u64.saturating_add(l.into())))
			.saturating_add(T::DbWeight::get().writes(3))
	}
	fn submit_aggregate(r: u32, m: u32) -> Weight {
		Weight::from_parts(50_000_000, 5_000)
			.saturating_add(Weight::from_parts(4_000_000, 2_600).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(m.into()))
			.saturating_add(
				T::DbWeight::get().reads(6_u64.saturating_add(r.into()).saturating_add(m.into())),
			)
			.saturating_add(T::DbWeight::get().writes(4))
	}
	fn report_metrics() -> Weight {
		Weight::from_parts(30_000_000, 3_600)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn set_committee(m: u32, t: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_600)
			.saturating_add(Weight::from_parts(200_000, 32).saturating_mul(m.into()))
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(t.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64.saturating_add(t.into())))
			.saturating_add(T::DbWeight::get().writes(1))
	}
	fn on_initialize_idle(t: u32) -> Weight {
		Weight::from_parts(5_000_000, 1_600)
			.saturating_add(Weight::from_parts(8_000_000, 5_200).saturating_mul(t.into()))
			.saturating_add(T::DbWeight::get().reads(1_u64.saturating_add((3 * t).into())))
	}
	fn advance_round() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(T::DbWeight::get().reads(4))
			.saturating_add(T::DbWeight::get().writes(5))
	}
	fn prune_round(c: u32, v: u32) -> Weight {
		Weight::from_parts(10_000_000, 3_600)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(4_000_000, 0).saturating_mul(v.into()))
			.saturating_add(T::DbWeight::get().reads(2))
			.saturating_add(
				T::DbWeight::get().writes(
					1_u64
						.saturating_add(c.into())
						.saturating_add((2 * v).into()),
				),
			)
	}
}

/// For tests: the same estimates priced with `RocksDbWeight`.
impl WeightInfo for () {
	fn create_task() -> Weight {
		Weight::from_parts(60_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(5))
			.saturating_add(RocksDbWeight::get().writes(6))
	}
	fn close_task() -> Weight {
		Weight::from_parts(50_000_000, 4_000)
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn register_client() -> Weight {
		Weight::from_parts(45_000_000, 3_600)
			.saturating_add(RocksDbWeight::get().reads(3))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn deregister_client(l: u32) -> Weight {
		Weight::from_parts(45_000_000, 3_600)
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(l.into()))
			.saturating_add(RocksDbWeight::get().reads(3_u64.saturating_add(l.into())))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn submit_update(l: u32) -> Weight {
		Weight::from_parts(40_000_000, 4_000)
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(l.into()))
			.saturating_add(RocksDbWeight::get().reads(4_u64.saturating_add(l.into())))
			.saturating_add(RocksDbWeight::get().writes(3))
	}
	fn submit_aggregate(r: u32, m: u32) -> Weight {
		Weight::from_parts(50_000_000, 5_000)
			.saturating_add(Weight::from_parts(4_000_000, 2_600).saturating_mul(r.into()))
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(m.into()))
			.saturating_add(
				RocksDbWeight::get().reads(6_u64.saturating_add(r.into()).saturating_add(m.into())),
			)
			.saturating_add(RocksDbWeight::get().writes(4))
	}
	fn report_metrics() -> Weight {
		Weight::from_parts(30_000_000, 3_600)
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn set_committee(m: u32, t: u32) -> Weight {
		Weight::from_parts(20_000_000, 1_600)
			.saturating_add(Weight::from_parts(200_000, 32).saturating_mul(m.into()))
			.saturating_add(Weight::from_parts(3_000_000, 2_600).saturating_mul(t.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64.saturating_add(t.into())))
			.saturating_add(RocksDbWeight::get().writes(1))
	}
	fn on_initialize_idle(t: u32) -> Weight {
		Weight::from_parts(5_000_000, 1_600)
			.saturating_add(Weight::from_parts(8_000_000, 5_200).saturating_mul(t.into()))
			.saturating_add(RocksDbWeight::get().reads(1_u64.saturating_add((3 * t).into())))
	}
	fn advance_round() -> Weight {
		Weight::from_parts(60_000_000, 6_000)
			.saturating_add(RocksDbWeight::get().reads(4))
			.saturating_add(RocksDbWeight::get().writes(5))
	}
	fn prune_round(c: u32, v: u32) -> Weight {
		Weight::from_parts(10_000_000, 3_600)
			.saturating_add(Weight::from_parts(2_000_000, 0).saturating_mul(c.into()))
			.saturating_add(Weight::from_parts(4_000_000, 0).saturating_mul(v.into()))
			.saturating_add(RocksDbWeight::get().reads(2))
			.saturating_add(
				RocksDbWeight::get().writes(
					1_u64
						.saturating_add(c.into())
						.saturating_add((2 * v).into()),
				),
			)
	}
}
