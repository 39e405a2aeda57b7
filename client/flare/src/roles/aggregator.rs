//! Aggregator (committee member): in each round's aggregation phase it fetches every committed
//! blob, checks hash, length and strict decoding, rejects bad ones with a reason, aggregates the
//! rest deterministically with the task's rule, stores the new global model and submits the
//! result. After finalization it evaluates the new model on its held-out data and reports
//! metrics. On start it catches up: it reports metrics for finalized rounds it missed.
//!
//! Honest members compute identical bytes (flare-ml's rules are bit-for-bit deterministic and
//! the inputs are put in canonical order), so their results' digests agree.

use super::{blocking, emit, fetch_model, keep_going, Ctx, Progress, RoleError, TaskEnv, POLL};
use crate::{
	chain::{
		AccountId, AggregateResult, BlobRef, Chain, Metrics, Phase, RoundIndex, TaskId, TaskStatus,
	},
	store::StoreError,
};
use flare_ml::{aggregate::aggregate, check_update, decode_update, Dataset, RejectReason, Update};
use std::{collections::BTreeSet, sync::Arc, time::Instant};

/// Misbehaviour to inject (tests and demos of Flare's defences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum AggregatorFault {
	/// Behave honestly.
	#[default]
	None,
	/// Vote for a made-up model as soon as aggregation opens.
	Dishonest,
}

/// An aggregator's configuration.
#[derive(Clone)]
pub struct AggregatorConfig {
	pub task: TaskId,
	/// Held-out evaluation data.
	pub eval: Arc<Dataset>,
	/// Index used in progress reports.
	pub index: usize,
	pub fault: AggregatorFault,
}

/// What an aggregator did.
#[derive(Debug, Default, Clone)]
pub struct AggregatorReport {
	pub voted: Vec<RoundIndex>,
	pub reported: Vec<RoundIndex>,
	/// Rounds it could not aggregate (too few valid updates).
	pub skipped: Vec<RoundIndex>,
}

/// The outcome of verifying and aggregating one round.
#[derive(Debug, Clone)]
pub struct RoundResult {
	pub result: AggregateResult,
	pub fetch_secs: f64,
	pub aggregate_secs: f64,
}

/// Verify every commitment of `round` and aggregate the valid ones; `None` when fewer valid
/// updates remain than the rule needs.
pub async fn compute_round<C: Chain>(
	ctx: &Ctx<C>,
	env: &TaskEnv,
	round: RoundIndex,
	base_blob: BlobRef,
) -> Result<Option<RoundResult>, RoleError> {
	let started = Instant::now();
	let base = fetch_model(ctx.store.as_ref(), base_blob, &env.manifest)?;
	let commitments = ctx.chain.commitments(env.view.id, round).await?;
	let max_len = env.view.params.max_update_len;
	let codec = env.view.params.codec;
	let max_norm = env.descriptor.max_norm;
	let manifest = env.manifest.clone();
	let store = ctx.store.clone();
	// Verification is CPU work (hashing, decompression): off the async runtime.
	let (accepted, rejected) = blocking(move || {
		let mut accepted = Vec::new();
		let mut rejected: Vec<(AccountId, RejectReason)> = Vec::new();
		for (who, c) in commitments {
			match verify(
				store.as_ref(),
				&manifest,
				c.hash,
				c.len,
				max_len,
				codec,
				max_norm,
			) {
				Ok(delta) => accepted.push(Update::new(c.hash, c.samples, delta)),
				Err(reason) => rejected.push((who, reason)),
			}
		}
		(accepted, rejected)
	})
	.await?;
	let fetch_secs = started.elapsed().as_secs_f64();
	for (who, reason) in &rejected {
		tracing::warn!(task = env.view.id, round, client = %who, ?reason, "rejected update");
	}
	// The owner's `min_updates` applies to valid updates too: rejections must not let a round
	// finalize on fewer contributions than the task asked for (or than the rule needs).
	let need = env
		.rule
		.min_updates()
		.max(env.view.params.min_updates as usize)
		.max(1);
	if accepted.len() < need {
		tracing::warn!(
			task = env.view.id,
			round,
			valid = accepted.len(),
			need,
			"too few valid updates to aggregate; abstaining"
		);
		return Ok(None);
	}
	let rule = env.rule.clone();
	let started = Instant::now();
	let new_model = blocking(move || -> Result<Vec<u8>, String> {
		let delta = aggregate(&rule, &accepted).map_err(|e| e.to_string())?;
		Ok(base.add_delta(&delta).map_err(|e| e.to_string())?.encode())
	})
	.await?
	.map_err(RoleError::Learning)?;
	let aggregate_secs = started.elapsed().as_secs_f64();
	let hash = ctx.store.put(&new_model)?;
	Ok(Some(RoundResult {
		result: AggregateResult {
			model: BlobRef {
				hash,
				len: new_model.len() as u64,
			},
			rejected,
		},
		fetch_secs,
		aggregate_secs,
	}))
}

/// Check one committed blob: available, the committed hash and length, strict decoding with the
/// task's codec, the model's shape, finite values and the norm bound.
fn verify(
	store: &dyn crate::store::BlobStore,
	manifest: &flare_ml::Manifest,
	hash: [u8; 32],
	len: u64,
	max_len: u64,
	codec: u8,
	max_norm: Option<f64>,
) -> Result<Vec<f32>, RejectReason> {
	let bytes = match store.get(&hash, max_len) {
		Ok(b) => b,
		Err(StoreError::HashMismatch { .. }) => return Err(RejectReason::BadHash),
		Err(StoreError::TooLarge { .. }) => return Err(RejectReason::BadHash),
		Err(_) => return Err(RejectReason::Unavailable),
	};
	if bytes.len() as u64 != len {
		return Err(RejectReason::BadHash);
	}
	let (id, delta) =
		decode_update(&bytes, manifest, max_len as usize).map_err(|e| e.reject_reason())?;
	if id.as_u8() != codec {
		return Err(RejectReason::Undecodable);
	}
	let delta = delta.into_values();
	check_update(&delta, manifest.len(), max_norm)?;
	Ok(delta)
}

/// Evaluate a finalized model on held-out data.
pub async fn evaluate(
	store: &dyn crate::store::BlobStore,
	env: &TaskEnv,
	blob: BlobRef,
	eval: Arc<Dataset>,
) -> Result<Metrics, RoleError> {
	let params = fetch_model(store, blob, &env.manifest)?;
	let spec = env.model.clone();
	let eval_out = blocking(move || -> Result<flare_ml::Evaluation, String> {
		let mut model = spec.build(0).map_err(|e| e.to_string())?;
		model.set_params(&params).map_err(|e| e.to_string())?;
		model.evaluate(&eval).map_err(|e| e.to_string())
	})
	.await?
	.map_err(RoleError::Learning)?;
	Ok(Metrics {
		accuracy_ppm: (eval_out.accuracy * 1e6).round().clamp(0.0, 1e6) as u32,
		loss_micro: (eval_out.loss * 1e6).round().clamp(0.0, u64::MAX as f64) as u64,
		samples: eval_out.samples as u32,
	})
}

/// Run the aggregator until the task is completed or closed (and every finalized round has its
/// metrics).
pub async fn run<C: Chain>(
	ctx: Ctx<C>,
	cfg: AggregatorConfig,
) -> Result<AggregatorReport, RoleError> {
	let me = ctx.chain.account();
	if !ctx.chain.committee().await?.contains(&me) {
		return Err(RoleError::NotAggregator {
			who: me.to_string(),
		});
	}
	let env = TaskEnv::load(&ctx.chain, ctx.store.as_ref(), cfg.task).await?;
	let mut report = AggregatorReport::default();
	let mut voted: BTreeSet<RoundIndex> = BTreeSet::new();
	let mut reported: BTreeSet<RoundIndex> = BTreeSet::new();
	let mut skipped: BTreeSet<RoundIndex> = BTreeSet::new();
	// Rounds before this one were checked for missing metrics (catch-up after a restart).
	let mut metrics_scan_from: RoundIndex = 0;

	loop {
		let step = async {
			let Some(task) = ctx.chain.task(cfg.task).await? else {
				return Ok(false);
			};

			// Report metrics for every finalized round not reported yet, oldest first.
			for round in metrics_scan_from..=task.round {
				if reported.contains(&round) {
					continue;
				}
				let Some(detail) = ctx.chain.round_detail(cfg.task, round).await? else {
					continue;
				};
				let Phase::Finalized { model } = detail.header.phase else {
					if detail.header.phase.is_over() {
						reported.insert(round); // failed: nothing to evaluate
					}
					continue;
				};
				if detail.metrics.iter().any(|(who, _)| *who == me) {
					reported.insert(round);
					continue;
				}
				let metrics = evaluate(ctx.store.as_ref(), &env, model, cfg.eval.clone()).await?;
				match ctx.chain.report_metrics(cfg.task, round, metrics).await {
					Ok(_) => {
						tracing::info!(
							aggregator = cfg.index,
							round,
							accuracy = metrics.accuracy(),
							loss = metrics.loss(),
							"reported metrics"
						);
						report.reported.push(round);
						emit(
							&ctx.progress,
							Progress::Reported {
								aggregator: cfg.index,
								round,
								accuracy: metrics.accuracy(),
								loss: metrics.loss(),
							},
						);
					}
					Err(e) if e.is_rejection("MetricsAlreadyReported") => {}
					Err(e) => return Err(e.into()),
				}
				reported.insert(round);
			}
			while reported.contains(&metrics_scan_from) && metrics_scan_from < task.round {
				metrics_scan_from += 1;
			}

			if task.status != TaskStatus::Active {
				let last_done = reported.contains(&task.round);
				if last_done {
					return Ok(false);
				}
				tokio::time::sleep(POLL).await;
				return Ok(true);
			}

			let round = task.round;
			let header = ctx.chain.round(cfg.task, round).await?;
			let aggregating = matches!(
				header.as_ref().map(|h| &h.phase),
				Some(Phase::Aggregating { .. })
			);
			if !aggregating || voted.contains(&round) || skipped.contains(&round) {
				tokio::time::sleep(POLL).await;
				return Ok(true);
			}
			let header = header.expect("checked above: the round is aggregating; qed");
			let detail = ctx.chain.round_detail(cfg.task, round).await?;
			if detail.is_some_and(|d| d.votes.iter().any(|(who, _)| *who == me)) {
				voted.insert(round);
				return Ok(true);
			}

			let outcome = match cfg.fault {
				AggregatorFault::None => {
					compute_round(&ctx, &env, round, header.base_model).await?
				}
				AggregatorFault::Dishonest => Some(RoundResult {
					result: AggregateResult {
						model: BlobRef {
							hash: [0xBA; 32],
							len: header.base_model.len,
						},
						rejected: Vec::new(),
					},
					fetch_secs: 0.0,
					aggregate_secs: 0.0,
				}),
			};
			let Some(outcome) = outcome else {
				skipped.insert(round);
				report.skipped.push(round);
				return Ok(true);
			};
			match ctx
				.chain
				.submit_aggregate(cfg.task, round, &outcome.result)
				.await
			{
				Ok(inc) => {
					tracing::info!(
						aggregator = cfg.index,
						round,
						block = inc.block,
						rejected = outcome.result.rejected.len(),
						model = %outcome.result.model,
						"submitted aggregate"
					);
					report.voted.push(round);
					emit(
						&ctx.progress,
						Progress::Voted {
							aggregator: cfg.index,
							round,
							rejected: outcome.result.rejected.len(),
							fetch_secs: outcome.fetch_secs,
							aggregate_secs: outcome.aggregate_secs,
						},
					);
				}
				Err(e) if e.is_rejection("AlreadyVoted") => {}
				Err(e) if e.is_rejection("RoundNotAggregating") => {
					tracing::info!(
						aggregator = cfg.index,
						round,
						"round finalized before our vote arrived"
					);
				}
				Err(e) => return Err(e.into()),
			}
			voted.insert(round);
			Ok::<bool, RoleError>(true)
		}
		.await;
		if !keep_going(step, "aggregator", cfg.index).await? {
			break;
		}
	}
	Ok(report)
}
