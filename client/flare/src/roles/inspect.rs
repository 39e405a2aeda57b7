//! Inspection: the round history of a task and a global model's evaluation.

use super::{aggregator, RoleError, TaskEnv};
use crate::{
	chain::{BlobRef, Chain, Metrics, Phase, RoundDetail, RoundIndex, TaskId},
	store::BlobStore,
};
use flare_ml::Dataset;
use std::{fmt::Write, sync::Arc};

/// Every round of a task, oldest first.
pub async fn history<C: Chain>(chain: &C, task: TaskId) -> Result<Vec<RoundDetail>, RoleError> {
	let view = chain
		.task(task)
		.await?
		.ok_or(crate::chain::ChainError::UnknownTask(task))?;
	let mut out = Vec::new();
	for r in 0..=view.round {
		if let Some(d) = chain.round_detail(task, r).await? {
			out.push(d);
		}
	}
	Ok(out)
}

/// The round history as a table: state, updates accepted/rejected, votes, accuracy, model hash.
pub fn history_table(rounds: &[RoundDetail]) -> String {
	let mut s = String::new();
	let _ = writeln!(
		s,
		"{:>5}  {:<11} {:>7} {:>7} {:>9} {:>6} {:>9} {:>8}  {:<18} {}",
		"round",
		"state",
		"started",
		"ended",
		"accepted",
		"rej.",
		"votes",
		"acc.%",
		"model",
		"dissenters"
	);
	for d in rounds {
		let h = &d.header;
		let rejected = d.winner().map_or(0, |w| w.result.rejected.len());
		let accepted = h.commitments as usize - rejected.min(h.commitments as usize);
		let acc = d
			.mean_metrics()
			.map_or("-".to_string(), |(a, _)| format!("{:.2}", a * 100.0));
		let model = match &h.phase {
			Phase::Finalized { model } => format!("0x{}…", hex::encode(&model.hash[..6])),
			Phase::Failed { reason } => reason.clone(),
			_ => "-".into(),
		};
		let dissenters: Vec<String> = d.dissenters().iter().map(|a| a.short()).collect();
		let _ = writeln!(
			s,
			"{:>5}  {:<11} {:>7} {:>7} {:>9} {:>6} {:>4}/{:<4} {:>8}  {:<18} {}",
			h.round,
			h.phase.name(),
			h.started,
			h.ended.map_or("-".into(), |b| b.to_string()),
			accepted,
			rejected,
			h.votes,
			d.winner().map_or(0, |w| w.votes),
			acc,
			model,
			dissenters.join(",")
		);
	}
	s
}

/// Download, verify and evaluate the global model of `round` (or the task's latest).
pub async fn model_get<C: Chain>(
	chain: &C,
	store: &dyn BlobStore,
	task: TaskId,
	round: Option<RoundIndex>,
	eval: Arc<Dataset>,
) -> Result<(BlobRef, Vec<u8>, Metrics), RoleError> {
	let env = TaskEnv::load(chain, store, task).await?;
	let blob = match round {
		None => env.view.global_model,
		Some(r) => match chain.round(task, r).await?.map(|h| h.phase) {
			Some(Phase::Finalized { model }) => model,
			other => {
				return Err(RoleError::Learning(format!(
					"round {r} of task {task} has no finalized model (state: {})",
					other.map_or("missing", |p| p.name())
				)))
			}
		},
	};
	let bytes = store.get(&blob.hash, blob.len)?;
	let metrics = aggregator::evaluate(store, &env, blob, eval).await?;
	Ok((blob, bytes, metrics))
}
