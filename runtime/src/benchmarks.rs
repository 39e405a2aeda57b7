//! The pallets benchmarked in this runtime (`flare-node benchmark pallet`, behind the
//! `runtime-benchmarks` feature).

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_federated_learning, FederatedLearning]
);
