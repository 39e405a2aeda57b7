//! The off-chain roles: task owner, trainer, aggregator, and inspection. Each is usable alone
//! (one `flare` command each) and all together in one process (`flare simulate`).

pub mod aggregator;
pub mod inspect;
pub mod owner;
pub mod trainer;

use crate::{
	chain::{BlobRef, Chain, ChainError, TaskId, TaskView},
	store::{BlobStore, StoreError},
	task::{TaskDescriptor, TaskFileError},
};
use flare_ml::{CodecSpec, Manifest, ModelSpec, Params, ParamsError, Rule};
use std::{sync::Arc, time::Duration};

/// Why a role stopped.
#[derive(Debug, thiserror::Error)]
pub enum RoleError {
	#[error(transparent)]
	Chain(#[from] ChainError),
	#[error(transparent)]
	Store(#[from] StoreError),
	#[error(transparent)]
	Task(#[from] TaskFileError),
	/// A model blob does not decode.
	#[error("model blob {blob} is not a valid model: {source}")]
	BadModel { blob: BlobRef, source: ParamsError },
	/// The descriptor names a different codec than the chain.
	#[error(
		"task {task}: descriptor codec {descriptor} differs from the on-chain codec id {chain}"
	)]
	CodecMismatch {
		task: TaskId,
		descriptor: String,
		chain: u8,
	},
	/// The signer is not on the aggregator committee.
	#[error("{who} is not a member of the aggregator committee; ask the chain's admin to add it")]
	NotAggregator { who: String },
	/// Learning failed (invalid data or configuration).
	#[error("learning error: {0}")]
	Learning(String),
	/// A background computation panicked or was cancelled.
	#[error("worker failed: {0}")]
	Worker(String),
}

/// Progress reported by the roles (for `flare simulate`'s table and bars).
#[derive(Debug, Clone)]
pub enum Progress {
	/// A trainer committed an update.
	Committed {
		trainer: usize,
		round: u32,
		bytes: u64,
		samples: u64,
		train_secs: f64,
	},
	/// An aggregator voted.
	Voted {
		aggregator: usize,
		round: u32,
		rejected: usize,
		fetch_secs: f64,
		aggregate_secs: f64,
	},
	/// An aggregator reported metrics.
	Reported {
		aggregator: usize,
		round: u32,
		accuracy: f64,
		loss: f64,
	},
}

/// Where progress goes (nowhere for standalone commands).
pub type ProgressTx = Option<tokio::sync::mpsc::UnboundedSender<Progress>>;

pub(crate) fn emit(tx: &ProgressTx, p: Progress) {
	if let Some(tx) = tx {
		let _ = tx.send(p);
	}
}

/// Everything a participant derives from a task id: the on-chain view plus the descriptor.
#[derive(Debug, Clone)]
pub struct TaskEnv {
	pub view: TaskView,
	pub descriptor: TaskDescriptor,
	pub model: ModelSpec,
	pub manifest: Manifest,
	pub codec: CodecSpec,
	pub rule: Rule,
}

impl TaskEnv {
	/// Read the task and its descriptor (verified against the on-chain hash).
	pub async fn load<C: Chain>(
		chain: &C,
		store: &dyn BlobStore,
		task: TaskId,
	) -> Result<Self, RoleError> {
		let view = chain
			.task(task)
			.await?
			.ok_or(ChainError::UnknownTask(task))?;
		let bytes = store.get(&view.params.descriptor, 1 << 20)?;
		let descriptor = TaskDescriptor::from_bytes(&bytes)?;
		let model = descriptor.model_spec()?;
		let codec = descriptor.codec_spec()?;
		if codec.id.as_u8() != view.params.codec {
			return Err(RoleError::CodecMismatch {
				task,
				descriptor: descriptor.codec.clone(),
				chain: view.params.codec,
			});
		}
		Ok(Self {
			manifest: model.manifest(),
			rule: view.params.rule.to_ml(),
			view,
			descriptor,
			model,
			codec,
		})
	}
}

/// Fetch a model blob, verify its hash and length, and decode it strictly.
pub fn fetch_model(
	store: &dyn BlobStore,
	blob: BlobRef,
	manifest: &Manifest,
) -> Result<Params, RoleError> {
	let bytes = store.get(&blob.hash, blob.len)?;
	if bytes.len() as u64 != blob.len {
		return Err(RoleError::BadModel {
			blob,
			source: ParamsError::TooLarge {
				max: blob.len as usize,
				got: bytes.len(),
			},
		});
	}
	Params::decode(&bytes, Some(manifest)).map_err(|source| RoleError::BadModel { blob, source })
}

/// How often roles look at the chain.
pub const POLL: Duration = Duration::from_millis(300);
/// How long roles wait before retrying after the chain was unreachable.
pub const RETRY: Duration = Duration::from_secs(1);

/// Decide what a role's loop does after one step (`Ok(true)`: go on, `Ok(false)`: stop). A
/// transient chain error, e.g. while the node restarts and the client reconnects, is waited out.
pub(crate) async fn keep_going(
	step: Result<bool, RoleError>,
	role: &str,
	index: usize,
) -> Result<bool, RoleError> {
	match step {
		Err(RoleError::Chain(e)) if e.is_transient() => {
			tracing::warn!(role, index, error = %e, "chain unavailable; retrying");
			tokio::time::sleep(RETRY).await;
			Ok(true)
		}
		other => other,
	}
}

/// Shared pieces every role holds.
#[derive(Clone)]
pub struct Ctx<C: Chain> {
	pub chain: C,
	pub store: Arc<dyn BlobStore>,
	pub progress: ProgressTx,
}

/// Run a CPU-heavy closure off the async runtime.
pub(crate) async fn blocking<T: Send + 'static>(
	f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, RoleError> {
	tokio::task::spawn_blocking(f)
		.await
		.map_err(|e| RoleError::Worker(e.to_string()))
}
