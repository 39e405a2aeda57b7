//! JSON-RPC of `flare-node`: the standard Substrate methods, plus `flare_roundSummary`.

use std::sync::Arc;

use flare_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{ErrorObject, ErrorObjectOwned},
	RpcModule,
};
use pallet_federated_learning::{
	runtime_api::FederatedLearningApi, FailureReason, ModelCommitment, RoundIndex, RoundState,
	RoundSummary, TaskId,
};
use sc_transaction_pool_api::TransactionPool;
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use sp_core::crypto::Ss58Codec;
use sp_runtime::traits::Block as BlockT;

/// Dependencies of the full node's RPC.
pub struct FullDeps<C, P> {
	/// The client instance to use.
	pub client: Arc<C>,
	/// Transaction pool instance.
	pub pool: Arc<P>,
}

/// A model commitment as JSON.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelJson {
	pub hash: String,
	pub len: u64,
}

impl From<ModelCommitment> for ModelJson {
	fn from(m: ModelCommitment) -> Self {
		Self {
			hash: format!("{:?}", m.hash),
			len: m.len,
		}
	}
}

/// One round in one JSON value: what `flare_roundSummary` returns.
#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoundSummaryJson {
	pub task: TaskId,
	pub round: RoundIndex,
	/// `Training`, `Aggregating`, `Finalized` or `Failed`.
	pub state: String,
	/// The block until which the current phase runs (Training/Aggregating).
	pub until: Option<BlockNumber>,
	/// The new global model (Finalized).
	pub model: Option<ModelJson>,
	/// Why the round failed (Failed).
	pub failure: Option<String>,
	pub base_model: ModelJson,
	pub started: BlockNumber,
	pub training_closed: Option<BlockNumber>,
	pub ended: Option<BlockNumber>,
	pub commitments: u32,
	pub votes: u32,
	pub quorum: u32,
	pub proposals: Vec<ProposalJson>,
	pub voters: Vec<VoteJson>,
	pub metrics: Vec<MetricsJson>,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalJson {
	pub digest: String,
	pub model: ModelJson,
	pub votes: u32,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VoteJson {
	pub member: String,
	pub digest: String,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MetricsJson {
	pub member: String,
	pub accuracy_ppm: u32,
	pub loss_micro: u64,
	pub samples: u32,
}

impl From<RoundSummary<AccountId, BlockNumber>> for RoundSummaryJson {
	fn from(s: RoundSummary<AccountId, BlockNumber>) -> Self {
		let (state, until, model, failure) = match s.info.state {
			RoundState::Training { until } => ("Training", Some(until), None, None),
			RoundState::Aggregating { until } => ("Aggregating", Some(until), None, None),
			RoundState::Finalized { model } => ("Finalized", None, Some(model.into()), None),
			RoundState::Failed { reason } => {
				let why = match reason {
					FailureReason::NotEnoughUpdates => "NotEnoughUpdates",
					FailureReason::NoQuorum => "NoQuorum",
					FailureReason::TaskClosed => "TaskClosed",
				};
				("Failed", None, None, Some(why.to_string()))
			}
		};
		Self {
			task: s.task,
			round: s.round,
			state: state.to_string(),
			until,
			model,
			failure,
			base_model: s.info.base_model.into(),
			started: s.info.started,
			training_closed: s.info.training_closed,
			ended: s.info.ended,
			commitments: s.info.commitments,
			votes: s.info.votes,
			quorum: s.quorum,
			proposals: s
				.proposals
				.into_iter()
				.map(|(d, m, votes)| ProposalJson {
					digest: format!("{d:?}"),
					model: m.into(),
					votes,
				})
				.collect(),
			voters: s
				.votes
				.into_iter()
				.map(|(who, d)| VoteJson {
					member: who.to_ss58check(),
					digest: format!("{d:?}"),
				})
				.collect(),
			metrics: s
				.metrics
				.into_iter()
				.map(|(who, m)| MetricsJson {
					member: who.to_ss58check(),
					accuracy_ppm: m.accuracy_ppm,
					loss_micro: m.loss_micro,
					samples: m.samples,
				})
				.collect(),
		}
	}
}

/// Flare's own RPC methods.
#[rpc(server)]
pub trait FlareApi<BlockHash> {
	/// State, deadlines, commitment count, votes and metrics of one round, at the best block (or
	/// at `at`). `null` when the task or round does not exist.
	#[method(name = "flare_roundSummary")]
	fn round_summary(
		&self,
		task: TaskId,
		round: RoundIndex,
		at: Option<BlockHash>,
	) -> RpcResult<Option<RoundSummaryJson>>;
}

/// Serves [`FlareApiServer`] from the runtime API.
pub struct Flare<C, B> {
	client: Arc<C>,
	_marker: std::marker::PhantomData<B>,
}

impl<C, B> Flare<C, B> {
	pub fn new(client: Arc<C>) -> Self {
		Self {
			client,
			_marker: Default::default(),
		}
	}
}

fn runtime_error(e: impl std::fmt::Display) -> ErrorObjectOwned {
	ErrorObject::owned(9000, format!("runtime API call failed: {e}"), None::<()>)
}

impl<C, B> FlareApiServer<<B as BlockT>::Hash> for Flare<C, B>
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + Send + Sync + 'static,
	C::Api: FederatedLearningApi<B, AccountId, Balance, BlockNumber>,
{
	fn round_summary(
		&self,
		task: TaskId,
		round: RoundIndex,
		at: Option<<B as BlockT>::Hash>,
	) -> RpcResult<Option<RoundSummaryJson>> {
		let at = at.unwrap_or_else(|| self.client.info().best_hash);
		let summary = self
			.client
			.runtime_api()
			.round_summary(at, task, round)
			.map_err(runtime_error)?;
		Ok(summary.map(Into::into))
	}
}

/// Instantiate all full RPC extensions.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>,
	C: HeaderBackend<Block> + HeaderMetadata<Block, Error = BlockChainError> + 'static,
	C: Send + Sync + 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: FederatedLearningApi<Block, AccountId, Balance, BlockNumber>,
	C::Api: BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool } = deps;

	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(Flare::<C, Block>::new(client).into_rpc())?;

	Ok(module)
}
