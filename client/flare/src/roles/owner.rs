//! Task owner: turns a validated task file into an on-chain task, uploading the initial model
//! and the task descriptor to the blob store first.

use super::RoleError;
use crate::{
	chain::{BlobRef, Chain, ChainRule, NewTask, TaskId},
	store::BlobStore,
	task::{TaskDescriptor, ValidTask},
};

/// The on-chain parameters for a task file, after storing its initial model and descriptor.
pub fn prepare(store: &dyn BlobStore, task: &ValidTask) -> Result<NewTask, RoleError> {
	let model = task
		.model
		.build(task.file.seed)
		.map_err(|e| RoleError::Learning(e.to_string()))?;
	let initial = model.params().encode();
	let initial_hash = store.put(&initial)?;
	let descriptor = store.put(&TaskDescriptor::of(task).to_bytes())?;
	Ok(NewTask {
		descriptor,
		initial_model: BlobRef {
			hash: initial_hash,
			len: initial.len() as u64,
		},
		rule: ChainRule::from_ml(&task.rule),
		codec: task.codec.id.as_u8(),
		min_updates: task.file.min_updates,
		max_updates: task.file.max_updates,
		max_update_len: task.file.max_update_bytes,
		training_period: task.file.training_period,
		aggregation_period: task.file.aggregation_period,
		rounds: task.file.rounds,
		quorum: task.file.quorum,
	})
}

/// Create the task on chain; returns its id.
pub async fn create<C: Chain>(
	chain: &C,
	store: &dyn BlobStore,
	task: &ValidTask,
) -> Result<TaskId, RoleError> {
	let params = prepare(store, task)?;
	let id = chain.create_task(params).await?;
	tracing::info!(task = id, model = %task.model.descriptor(), rule = %task.rule, codec = %task.codec.id, "created task");
	Ok(id)
}
