//! Trainer: registers if needed, waits for each round, fetches and verifies the global model,
//! trains on its local data, encodes the delta with the task's codec, stores it and commits it.
//!
//! Restart-safe: before training, the trainer looks for its own commitment in the round on
//! chain, so a restarted trainer never commits twice.

use super::{blocking, emit, fetch_model, keep_going, Ctx, Progress, RoleError, TaskEnv, POLL};
use crate::chain::{Chain, Commitment, Phase, RoundIndex, TaskId, TaskStatus};
use flare_ml::{content_hash, model, Dataset, Encoder, Params};
use std::{sync::Arc, time::Instant};

/// Misbehaviour to inject (tests and demos of Flare's defences).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum TrainerFault {
	/// Behave honestly.
	#[default]
	None,
	/// Commit the hash of one blob but publish different bytes under that hash.
	WrongBlob,
	/// Publish an update whose weights are NaN.
	NanWeights,
}

/// A trainer's configuration.
#[derive(Clone)]
pub struct TrainerConfig {
	pub task: TaskId,
	/// The local training data.
	pub data: Arc<Dataset>,
	/// Index used in progress reports and to vary the training seed.
	pub index: usize,
	pub seed: u64,
	pub fault: TrainerFault,
}

/// What a trainer did.
#[derive(Debug, Default, Clone)]
pub struct TrainerReport {
	pub committed: Vec<RoundIndex>,
	/// Rounds in which the trainer found its commitment already on chain (after a restart).
	pub already_committed: Vec<RoundIndex>,
	/// Rounds whose training phase closed before the trainer's commitment got in.
	pub missed: Vec<RoundIndex>,
}

/// Run the trainer until the task is completed or closed.
pub async fn run<C: Chain>(ctx: Ctx<C>, cfg: TrainerConfig) -> Result<TrainerReport, RoleError> {
	let env = TaskEnv::load(&ctx.chain, ctx.store.as_ref(), cfg.task).await?;
	let me = ctx.chain.account();
	if !ctx.chain.is_registered(me).await? {
		match ctx.chain.register_client().await {
			Ok(_) => tracing::info!(trainer = cfg.index, %me, "registered as a client"),
			Err(e) if e.is_rejection("AlreadyRegistered") => {}
			Err(e) => return Err(e.into()),
		}
	}
	let mut encoder = Encoder::new(env.codec).map_err(|e| RoleError::Learning(e.to_string()))?;
	let mut model = Some(
		env.model
			.build(cfg.seed)
			.map_err(|e| RoleError::Learning(e.to_string()))?,
	);
	let mut report = TrainerReport::default();
	let mut done: Option<RoundIndex> = None;

	loop {
		let step = async {
			let Some(task) = ctx.chain.task(cfg.task).await? else {
				return Ok(false);
			};
			if task.status != TaskStatus::Active {
				tracing::info!(trainer = cfg.index, task = cfg.task, status = ?task.status, "task ended");
				return Ok(false);
			}
			let round = task.round;
			let header = ctx.chain.round(cfg.task, round).await?;
			let training = matches!(
				header.as_ref().map(|h| &h.phase),
				Some(Phase::Training { .. })
			);
			if !training || done == Some(round) {
				tokio::time::sleep(POLL).await;
				return Ok(true);
			}
			let header = header.expect("checked above: the round is in training; qed");
			if ctx
				.chain
				.commitment_of(cfg.task, round, me)
				.await?
				.is_some()
			{
				tracing::info!(
					trainer = cfg.index,
					round,
					"already committed in this round (restart)"
				);
				report.already_committed.push(round);
				done = Some(round);
				return Ok(true);
			}

			let base = fetch_model(ctx.store.as_ref(), header.base_model, &env.manifest)?;
			let started = Instant::now();
			let train_cfg = env.descriptor.training.train_config(
				cfg.seed ^ (u64::from(round) << 32) ^ (cfg.index as u64).wrapping_mul(0x9E37_79B9),
			);
			let data = cfg.data.clone();
			let mut m = model
				.take()
				.expect("the model is put back after every round; qed");
			let (m, trained) = blocking(move || {
				let out = model::local_update(m.as_mut(), &base, &data, &train_cfg);
				(m, out.map(|(delta, report)| (base, delta, report)))
			})
			.await?;
			model = Some(m);
			let (base, delta, train_report) =
				trained.map_err(|e| RoleError::Learning(e.to_string()))?;
			let delta = Params::new(base.manifest().clone(), delta)
				.map_err(|e| RoleError::Learning(e.to_string()))?;
			let blob = encoder
				.encode(&delta)
				.map_err(|e| RoleError::Learning(e.to_string()))?;
			let train_secs = started.elapsed().as_secs_f64();

			let (hash, published) = match cfg.fault {
				TrainerFault::None => (ctx.store.put(&blob)?, blob),
				TrainerFault::WrongBlob => {
					// Commit to the honest blob, publish a different (valid) one under its name.
					let hash = content_hash(&blob);
					let mut other = blob.clone();
					if let Some(last) = other.last_mut() {
						*last ^= 0x5A;
					}
					ctx.store.put_as(&hash, &other)?;
					(hash, blob)
				}
				TrainerFault::NanWeights => {
					let nan = nan_update(&env, &delta)?;
					(ctx.store.put(&nan)?, nan)
				}
			};
			let commitment = Commitment {
				hash,
				len: published.len() as u64,
				samples: train_report.samples as u64,
				codec: env.codec.id.as_u8(),
			};
			let outcome = ctx.chain.submit_update(cfg.task, round, commitment).await;
			if !matches!(&outcome, Err(e) if e.is_transient()) {
				done = Some(round);
			}
			match outcome {
				Ok(inc) => {
					tracing::info!(
						trainer = cfg.index,
						round,
						block = inc.block,
						bytes = commitment.len,
						loss = train_report.final_loss,
						"committed update"
					);
					report.committed.push(round);
					emit(
						&ctx.progress,
						Progress::Committed {
							trainer: cfg.index,
							round,
							bytes: commitment.len,
							samples: commitment.samples,
							train_secs,
						},
					);
				}
				Err(e) if e.is_rejection("AlreadyCommitted") => {
					report.already_committed.push(round)
				}
				Err(e) if e.is_rejection("RoundNotInTraining") || e.is_rejection("WrongRound") => {
					tracing::warn!(
						trainer = cfg.index,
						round,
						"training closed before the update got in"
					);
					report.missed.push(round);
				}
				Err(e) => return Err(e.into()),
			}
			Ok::<bool, RoleError>(true)
		}
		.await;
		if !keep_going(step, "trainer", cfg.index).await? {
			break;
		}
	}
	Ok(report)
}

/// The honest delta with NaN in every other weight, encoded with the task's codec. Aggregators
/// must reject it as non-finite (the f32 codecs carry NaN through; quantizing codecs squash it,
/// which is why fault tests use an f32 codec).
fn nan_update(env: &TaskEnv, delta: &Params) -> Result<Vec<u8>, RoleError> {
	let mut values = delta.values().to_vec();
	for v in values.iter_mut().step_by(2) {
		*v = f32::NAN;
	}
	let poisoned = Params::new(delta.manifest().clone(), values)
		.map_err(|e| RoleError::Learning(e.to_string()))?;
	let mut enc = Encoder::new(env.codec).map_err(|e| RoleError::Learning(e.to_string()))?;
	enc.encode_unchecked(&poisoned)
		.map_err(|e| RoleError::Learning(e.to_string()))
}
