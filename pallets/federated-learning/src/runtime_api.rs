//! Runtime API of the federated-learning pallet, for nodes and tools that do not want to decode
//! raw storage (the node's `flare_roundSummary` RPC method calls it).

use crate::types::{RoundIndex, RoundSummary, TaskId, TaskInfo};
use alloc::vec::Vec;

sp_api::decl_runtime_apis! {
	/// Read access to tasks and rounds.
	pub trait FederatedLearningApi<AccountId, Balance, BlockNumber>
	where
		AccountId: codec::Codec,
		Balance: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// One round in one call: header, quorum, proposals, votes and metrics.
		fn round_summary(task: TaskId, round: RoundIndex) -> Option<RoundSummary<AccountId, BlockNumber>>;
		/// A task's parameters, status, current round and global model.
		fn task(task: TaskId) -> Option<TaskInfo<AccountId, Balance, BlockNumber>>;
		/// The tasks whose rounds are running.
		fn active_tasks() -> Vec<TaskId>;
	}
}
