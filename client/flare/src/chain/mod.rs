//! Chain access. Everything subxt stays in this module: the rest of the client speaks Flare's
//! own types ([`types`]) through the [`Chain`] trait.
//!
//! The typed API is generated at compile time from `metadata/flare.scale`, the metadata of the
//! runtime this client was built against (regenerate it with `scripts/update-metadata.sh`; the
//! `metadata_matches_runtime` test fails when it is stale).

pub mod bench;
pub mod types;

use std::{future::Future, str::FromStr, sync::Arc, time::Duration};

use subxt::{
	config::RpcConfigFor,
	rpcs::{
		client::{ReconnectingRpcClient, RpcClient},
		methods::LegacyRpcMethods,
	},
	utils::{AccountId32, H256},
	OnlineClient, PolkadotConfig,
};
use subxt_signer::{sr25519::Keypair, SecretUri};

pub use types::*;

/// The typed API generated from the runtime's metadata.
#[subxt::subxt(runtime_metadata_path = "metadata/flare.scale")]
pub mod runtime {}

use runtime::runtime_types::{
	bounded_collections::bounded_vec::BoundedVec, pallet_federated_learning::types as fl,
};

type Config = PolkadotConfig;
type Client = OnlineClient<Config>;
type Legacy = LegacyRpcMethods<RpcConfigFor<Config>>;

/// Why talking to the chain failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
	/// No node answers at the URL.
	#[error("cannot connect to a flare-node at {url}: {message} (is the node running? start one with `flare-node --dev`)")]
	Connect { url: String, message: String },
	/// The `--suri` is not a valid secret URI.
	#[error("invalid secret URI (expected //Name or a secret phrase): {0}")]
	BadSuri(String),
	/// The node's runtime is not the one this client was built for.
	#[error("the node's runtime does not match this client's metadata: {0}")]
	Incompatible(String),
	/// The runtime refused the call: `pallet`.`error` names the failed check.
	#[error("the chain rejected the transaction: {pallet}.{error}")]
	Rejected { pallet: String, error: String },
	/// The transaction pool refused the transaction (bad nonce, no funds for fees, …).
	#[error("the transaction was not accepted: {0}")]
	Invalid(String),
	/// The task does not exist.
	#[error("task {0} does not exist on this chain")]
	UnknownTask(TaskId),
	/// An RPC or decoding error.
	#[error("chain RPC error: {0}")]
	Rpc(String),
}

impl ChainError {
	/// Whether retrying later may succeed: the node is unreachable or an RPC failed (e.g. while
	/// the node restarts and the client reconnects).
	pub fn is_transient(&self) -> bool {
		matches!(self, Self::Rpc(_) | Self::Connect { .. })
	}

	/// Whether this is the runtime's error `name` (e.g. `AlreadyCommitted`).
	pub fn is_rejection(&self, name: &str) -> bool {
		matches!(self, Self::Rejected { error, .. } if error == name)
	}
}

fn rpc_err(e: impl std::fmt::Display) -> ChainError {
	ChainError::Rpc(e.to_string())
}

/// An account's signing key, parsed from a secret URI (`//Alice`, a phrase, a hex seed).
#[derive(Clone)]
pub struct Signer(Keypair);

impl Signer {
	/// Parse a secret URI.
	pub fn from_suri(suri: &str) -> Result<Self, ChainError> {
		let uri = SecretUri::from_str(suri).map_err(|e| ChainError::BadSuri(e.to_string()))?;
		let pair = Keypair::from_uri(&uri).map_err(|e| ChainError::BadSuri(e.to_string()))?;
		Ok(Self(pair))
	}

	/// The signer's account.
	pub fn account(&self) -> AccountId {
		AccountId(self.0.public_key().0)
	}
}

/// SS58 form of an account (generic Substrate prefix 42).
pub(crate) fn ss58(a: &AccountId) -> String {
	AccountId32(a.0).to_string()
}

/// Parse an SS58 address.
pub fn parse_account(s: &str) -> Result<AccountId, ChainError> {
	AccountId32::from_str(s)
		.map(|a| AccountId(a.0))
		.map_err(|e| ChainError::BadSuri(format!("{s}: {e:?}")))
}

/// What the FL roles need from the chain. Reads are at the node's best block.
pub trait Chain: Clone + Send + Sync + 'static {
	/// The account this handle signs with.
	fn account(&self) -> AccountId;
	/// A handle to the same connection that signs as `signer`.
	fn with_signer(&self, signer: Signer) -> Self;
	/// The best block number.
	fn best_number(&self) -> impl Future<Output = Result<BlockNumber, ChainError>> + Send;
	/// The latest finalized block number.
	fn finalized_number(&self) -> impl Future<Output = Result<BlockNumber, ChainError>> + Send;
	/// A task.
	fn task(
		&self,
		task: TaskId,
	) -> impl Future<Output = Result<Option<TaskView>, ChainError>> + Send;
	/// A round header.
	fn round(
		&self,
		task: TaskId,
		round: RoundIndex,
	) -> impl Future<Output = Result<Option<RoundView>, ChainError>> + Send;
	/// A round with its proposals, votes and metrics.
	fn round_detail(
		&self,
		task: TaskId,
		round: RoundIndex,
	) -> impl Future<Output = Result<Option<RoundDetail>, ChainError>> + Send;
	/// All commitments of a round, sorted by account.
	fn commitments(
		&self,
		task: TaskId,
		round: RoundIndex,
	) -> impl Future<Output = Result<Vec<(AccountId, Commitment)>, ChainError>> + Send;
	/// One client's commitment in a round.
	fn commitment_of(
		&self,
		task: TaskId,
		round: RoundIndex,
		who: AccountId,
	) -> impl Future<Output = Result<Option<Commitment>, ChainError>> + Send;
	/// The aggregator committee.
	fn committee(&self) -> impl Future<Output = Result<Vec<AccountId>, ChainError>> + Send;
	/// Whether `who` is a registered client.
	fn is_registered(
		&self,
		who: AccountId,
	) -> impl Future<Output = Result<bool, ChainError>> + Send;
	/// Free balance of `who`.
	fn free_balance(&self, who: AccountId)
		-> impl Future<Output = Result<u128, ChainError>> + Send;

	/// Create a task; returns its id.
	fn create_task(&self, task: NewTask)
		-> impl Future<Output = Result<TaskId, ChainError>> + Send;
	/// Register the signer as a client.
	fn register_client(&self) -> impl Future<Output = Result<Included, ChainError>> + Send;
	/// Commit an update.
	fn submit_update(
		&self,
		task: TaskId,
		round: RoundIndex,
		c: Commitment,
	) -> impl Future<Output = Result<Included, ChainError>> + Send;
	/// Submit an aggregate result.
	fn submit_aggregate(
		&self,
		task: TaskId,
		round: RoundIndex,
		result: &AggregateResult,
	) -> impl Future<Output = Result<Included, ChainError>> + Send;
	/// Report metrics of a finalized round.
	fn report_metrics(
		&self,
		task: TaskId,
		round: RoundIndex,
		m: Metrics,
	) -> impl Future<Output = Result<Included, ChainError>> + Send;
	/// Transfer `amount` to `to` (keep-alive).
	fn transfer(
		&self,
		to: AccountId,
		amount: u128,
	) -> impl Future<Output = Result<Included, ChainError>> + Send;
	/// Replace the committee through sudo (the signer must be the sudo key).
	fn sudo_set_committee(
		&self,
		members: Vec<AccountId>,
	) -> impl Future<Output = Result<Included, ChainError>> + Send;
}

/// The [`Chain`] implementation over subxt, with a reconnecting RPC client.
#[derive(Clone)]
pub struct SubxtChain {
	api: Client,
	legacy: Legacy,
	signer: Signer,
	/// Serializes this account's submissions and remembers the next nonce: the pool may not
	/// list a just-submitted transaction yet, so `system_accountNextIndex` alone can repeat one.
	next_nonce: Arc<tokio::sync::Mutex<Option<u64>>>,
	url: Arc<str>,
}

impl SubxtChain {
	/// Connect to a node at `url` and sign as `signer`. Fails with a clear error when no node
	/// answers or its runtime does not match this client.
	pub async fn connect(url: &str, signer: Signer) -> Result<Self, ChainError> {
		let connect_err = |e: &dyn std::fmt::Display| ChainError::Connect {
			url: url.to_string(),
			message: e.to_string(),
		};
		let inner = tokio::time::timeout(
			Duration::from_secs(20),
			ReconnectingRpcClient::builder()
				.request_timeout(Duration::from_secs(60))
				.max_request_size(64 * 1024 * 1024)
				.build(url),
		)
		.await
		.map_err(|e| connect_err(&e))?
		.map_err(|e| connect_err(&e))?;
		let rpc = RpcClient::new(inner);
		let api = Client::from_rpc_client(rpc.clone())
			.await
			.map_err(|e| connect_err(&e))?;
		if !runtime::is_codegen_valid_for(
			&api.at_current_block().await.map_err(rpc_err)?.metadata(),
		) {
			return Err(ChainError::Incompatible(
				"regenerate client/flare/metadata/flare.scale with scripts/update-metadata.sh and rebuild".into(),
			));
		}
		Ok(Self {
			api,
			legacy: Legacy::new(rpc),
			signer,
			next_nonce: Arc::new(tokio::sync::Mutex::new(None)),
			url: url.into(),
		})
	}

	/// The node URL.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The metadata the node serves, SCALE-encoded (for the staleness test).
	pub async fn node_metadata_bytes(&self) -> Result<Vec<u8>, ChainError> {
		let out = self
			.legacy
			.state_call(
				"Metadata_metadata_at_version",
				Some(&16u32.to_le_bytes()),
				None,
			)
			.await
			.map_err(rpc_err)?;
		let opaque: Option<Vec<u8>> = codec::Decode::decode(&mut &out[..]).map_err(rpc_err)?;
		opaque.ok_or_else(|| ChainError::Incompatible("the runtime has no V16 metadata".into()))
	}

	async fn at_best(&self) -> Result<AtBlock, ChainError> {
		let hash = self
			.legacy
			.chain_get_block_hash(None)
			.await
			.map_err(rpc_err)?
			.ok_or_else(|| ChainError::Rpc("node returned no best block".into()))?;
		self.api.at_block(hash).await.map_err(rpc_err)
	}

	/// Sign, submit and wait until the transaction is in a best block and succeeded.
	async fn submit<Call: subxt::transactions::Payload>(
		&self,
		call: Call,
	) -> Result<Included, ChainError> {
		Ok(self.submit_events(call).await?.0)
	}

	/// [`Self::submit`], also returning the transaction's events.
	async fn submit_events<Call: subxt::transactions::Payload>(
		&self,
		call: Call,
	) -> Result<(Included, subxt::extrinsics::ExtrinsicEvents<Config>), ChainError> {
		let mut next = self.next_nonce.lock().await;
		let me = AccountId32(self.signer.0.public_key().0);
		let on_chain = self
			.legacy
			.system_account_next_index(&me)
			.await
			.map_err(rpc_err)?;
		let nonce = next.map_or(on_chain, |n| n.max(on_chain));
		let params = subxt::config::DefaultExtrinsicParamsBuilder::<Config>::new()
			.nonce(nonce)
			.build();
		let submitted = async {
			self.api
				.transactions()
				.await
				.map_err(rpc_err)?
				.sign_and_submit_then_watch(&call, &self.signer.0, params)
				.await
				.map_err(|e| ChainError::Invalid(e.to_string()))
		}
		.await;
		// On failure, forget the local nonce and trust the node next time.
		*next = submitted.is_ok().then_some(nonce + 1);
		let mut progress = submitted?;
		drop(next);
		while let Some(status) = progress.next().await {
			use subxt::transactions::TransactionStatus as S;
			match status.map_err(rpc_err)? {
				S::InBestBlock(b) | S::InFinalizedBlock(b) => {
					let events = b.wait_for_success().await.map_err(map_dispatch_error)?;
					let block = self.block_number_of(b.block_hash()).await?;
					let names = events
						.iter()
						.filter_map(Result::ok)
						.map(|e| format!("{}.{}", e.pallet_name(), e.event_name()))
						.collect();
					return Ok((
						Included {
							block,
							events: names,
						},
						events,
					));
				}
				S::Error { message } | S::Invalid { message } | S::Dropped { message } => {
					return Err(ChainError::Invalid(message))
				}
				_ => continue,
			}
		}
		Err(ChainError::Rpc(
			"transaction status stream ended early".into(),
		))
	}

	async fn block_number_of(&self, hash: H256) -> Result<BlockNumber, ChainError> {
		let header = self
			.legacy
			.chain_get_header(Some(hash))
			.await
			.map_err(rpc_err)?
			.ok_or_else(|| ChainError::Rpc(format!("block {hash:?} not found")))?;
		Ok(header.number as BlockNumber)
	}
}

fn map_dispatch_error(e: subxt::error::TransactionEventsError) -> ChainError {
	use subxt::error::{DispatchError, TransactionEventsError};
	match e {
		TransactionEventsError::ExtrinsicFailed(DispatchError::Module(m)) => match m.details() {
			Ok(d) => ChainError::Rejected {
				pallet: d.pallet.name().to_string(),
				error: d.variant.name.to_string(),
			},
			Err(_) => ChainError::Rejected {
				pallet: "?".into(),
				error: m.to_string(),
			},
		},
		TransactionEventsError::ExtrinsicFailed(other) => ChainError::Rejected {
			pallet: "System".into(),
			error: other.to_string(),
		},
		other => rpc_err(other),
	}
}

// ----- conversions between Flare types and the generated ones --------------------------------

fn blob(m: fl::ModelCommitment) -> BlobRef {
	BlobRef {
		hash: m.hash.0,
		len: m.len,
	}
}

fn to_model(b: BlobRef) -> fl::ModelCommitment {
	fl::ModelCommitment {
		hash: H256(b.hash),
		len: b.len,
	}
}

fn rule_from(r: fl::AggregationRule) -> ChainRule {
	match r {
		fl::AggregationRule::FedAvg => ChainRule::FedAvg,
		fl::AggregationRule::Median => ChainRule::Median,
		fl::AggregationRule::TrimmedMean { trim } => ChainRule::TrimmedMean { trim },
		fl::AggregationRule::Krum { f } => ChainRule::Krum { f },
		fl::AggregationRule::MultiKrum { f, m } => ChainRule::MultiKrum { f, m },
	}
}

fn rule_to(r: ChainRule) -> fl::AggregationRule {
	match r {
		ChainRule::FedAvg => fl::AggregationRule::FedAvg,
		ChainRule::Median => fl::AggregationRule::Median,
		ChainRule::TrimmedMean { trim } => fl::AggregationRule::TrimmedMean { trim },
		ChainRule::Krum { f } => fl::AggregationRule::Krum { f },
		ChainRule::MultiKrum { f, m } => fl::AggregationRule::MultiKrum { f, m },
	}
}

fn params_from(p: fl::TaskParams<u32>) -> NewTask {
	NewTask {
		descriptor: p.model.0,
		initial_model: blob(p.initial_model),
		rule: rule_from(p.rule),
		codec: p.codec,
		min_updates: p.min_updates,
		max_updates: p.max_updates,
		max_update_len: p.max_update_len,
		training_period: p.training_period,
		aggregation_period: p.aggregation_period,
		rounds: p.rounds,
		quorum: p.quorum,
	}
}

fn params_to(p: &NewTask) -> fl::TaskParams<u32> {
	fl::TaskParams {
		model: H256(p.descriptor),
		initial_model: to_model(p.initial_model),
		rule: rule_to(p.rule),
		codec: p.codec,
		min_updates: p.min_updates,
		max_updates: p.max_updates,
		max_update_len: p.max_update_len,
		training_period: p.training_period,
		aggregation_period: p.aggregation_period,
		rounds: p.rounds,
		quorum: p.quorum,
	}
}

fn reason_from(r: fl::RejectReason) -> RejectReason {
	match r {
		fl::RejectReason::BadHash => RejectReason::BadHash,
		fl::RejectReason::Undecodable => RejectReason::Undecodable,
		fl::RejectReason::WrongShape => RejectReason::WrongShape,
		fl::RejectReason::NonFinite => RejectReason::NonFinite,
		fl::RejectReason::NormBound => RejectReason::NormBound,
		fl::RejectReason::Unavailable => RejectReason::Unavailable,
	}
}

fn reason_to(r: RejectReason) -> fl::RejectReason {
	match r {
		RejectReason::BadHash => fl::RejectReason::BadHash,
		RejectReason::Undecodable => fl::RejectReason::Undecodable,
		RejectReason::WrongShape => fl::RejectReason::WrongShape,
		RejectReason::NonFinite => fl::RejectReason::NonFinite,
		RejectReason::NormBound => fl::RejectReason::NormBound,
		RejectReason::Unavailable => fl::RejectReason::Unavailable,
	}
}

fn round_from(task: TaskId, round: RoundIndex, h: fl::RoundInfo<u32>) -> RoundView {
	let phase = match h.state {
		fl::RoundState::Training { until } => Phase::Training { until },
		fl::RoundState::Aggregating { until } => Phase::Aggregating { until },
		fl::RoundState::Finalized { model } => Phase::Finalized { model: blob(model) },
		fl::RoundState::Failed { reason } => Phase::Failed {
			reason: match reason {
				fl::FailureReason::NotEnoughUpdates => "NotEnoughUpdates",
				fl::FailureReason::NoQuorum => "NoQuorum",
				fl::FailureReason::TaskClosed => "TaskClosed",
			}
			.to_string(),
		},
	};
	RoundView {
		task,
		round,
		phase,
		base_model: blob(h.base_model),
		started: h.started,
		training_closed: h.training_closed,
		ended: h.ended,
		commitments: h.commitments,
		votes: h.votes,
	}
}

fn result_from(r: fl::AggregateResult<AccountId32>) -> AggregateResult {
	AggregateResult {
		model: blob(r.model),
		rejected: r
			.rejected
			.0
			.into_iter()
			.map(|j| (AccountId(j.who.0), reason_from(j.reason)))
			.collect(),
	}
}

fn commitment_from(c: fl::UpdateCommitment) -> Commitment {
	Commitment {
		hash: c.hash.0,
		len: c.len,
		samples: c.samples,
		codec: c.codec,
	}
}

fn metrics_from(m: fl::RoundMetrics) -> Metrics {
	Metrics {
		accuracy_ppm: m.accuracy_ppm,
		loss_micro: m.loss_micro,
		samples: m.samples,
	}
}

/// A client at one block.
type AtBlock = subxt::client::ClientAtBlock<Config, subxt::client::OnlineClientAtBlockImpl<Config>>;

/// Every entry of a `(task, round, key)` storage map under `(task, round)`, decoded.
async fn round_entries<Addr, K>(
	at: &AtBlock,
	addr: Addr,
	task: TaskId,
	round: RoundIndex,
) -> Result<Vec<(K, Addr::Value)>, ChainError>
where
	Addr: subxt::storage::Address<KeyParts = (TaskId, RoundIndex, K)>,
	(TaskId, RoundIndex): subxt::storage::PrefixOf<Addr::KeyParts>,
	K: subxt::ext::scale_decode::IntoVisitor,
{
	let entry = at.storage().entry(addr).map_err(rpc_err)?;
	let mut it = entry.iter((task, round)).await.map_err(rpc_err)?;
	let mut out = Vec::new();
	while let Some(kv) = it.next().await {
		let kv = kv.map_err(rpc_err)?;
		let (_, _, key) = kv.key().map_err(rpc_err)?.decode().map_err(rpc_err)?;
		out.push((key, kv.value().decode().map_err(rpc_err)?));
	}
	Ok(out)
}

impl Chain for SubxtChain {
	fn account(&self) -> AccountId {
		self.signer.account()
	}

	fn with_signer(&self, signer: Signer) -> Self {
		Self {
			signer,
			next_nonce: Arc::new(tokio::sync::Mutex::new(None)),
			..self.clone()
		}
	}

	async fn best_number(&self) -> Result<BlockNumber, ChainError> {
		let header = self
			.legacy
			.chain_get_header(None)
			.await
			.map_err(rpc_err)?
			.ok_or_else(|| ChainError::Rpc("no best header".into()))?;
		Ok(header.number as BlockNumber)
	}

	async fn finalized_number(&self) -> Result<BlockNumber, ChainError> {
		let hash = self
			.legacy
			.chain_get_finalized_head()
			.await
			.map_err(rpc_err)?;
		self.block_number_of(hash).await
	}

	async fn task(&self, task: TaskId) -> Result<Option<TaskView>, ChainError> {
		let at = self.at_best().await?;
		let entry = at
			.storage()
			.entry(runtime::storage().federated_learning().tasks())
			.map_err(rpc_err)?;
		let Some(v) = entry.try_fetch((task,)).await.map_err(rpc_err)? else {
			return Ok(None);
		};
		let t = v.decode().map_err(rpc_err)?;
		Ok(Some(TaskView {
			id: task,
			owner: AccountId(t.owner.0),
			params: params_from(t.params),
			status: match t.status {
				fl::TaskStatus::Active => TaskStatus::Active,
				fl::TaskStatus::Completed => TaskStatus::Completed,
				fl::TaskStatus::Closed => TaskStatus::Closed,
			},
			round: t.round,
			global_model: blob(t.global_model),
			finalized_rounds: t.finalized_rounds,
		}))
	}

	async fn round(
		&self,
		task: TaskId,
		round: RoundIndex,
	) -> Result<Option<RoundView>, ChainError> {
		let at = self.at_best().await?;
		let entry = at
			.storage()
			.entry(runtime::storage().federated_learning().rounds())
			.map_err(rpc_err)?;
		let Some(v) = entry.try_fetch((task, round)).await.map_err(rpc_err)? else {
			return Ok(None);
		};
		Ok(Some(round_from(task, round, v.decode().map_err(rpc_err)?)))
	}

	async fn round_detail(
		&self,
		task: TaskId,
		round: RoundIndex,
	) -> Result<Option<RoundDetail>, ChainError> {
		let at = self.at_best().await?;
		let st = runtime::storage().federated_learning();
		let rounds = at.storage().entry(st.rounds()).map_err(rpc_err)?;
		let Some(v) = rounds.try_fetch((task, round)).await.map_err(rpc_err)? else {
			return Ok(None);
		};
		let header = round_from(task, round, v.decode().map_err(rpc_err)?);

		let proposals = round_entries(&at, st.proposals(), task, round)
			.await?
			.into_iter()
			.map(|(digest, p)| Proposal {
				digest: digest.0,
				result: result_from(p.result),
				votes: p.votes,
			})
			.collect();
		let mut votes: Vec<_> = round_entries(&at, st.votes(), task, round)
			.await?
			.into_iter()
			.map(|(who, digest)| (AccountId(who.0), digest.0))
			.collect();
		let mut metrics: Vec<_> = round_entries(&at, st.metrics(), task, round)
			.await?
			.into_iter()
			.map(|(who, m)| (AccountId(who.0), metrics_from(m)))
			.collect();
		votes.sort();
		metrics.sort_by_key(|(a, _)| *a);
		Ok(Some(RoundDetail {
			header,
			proposals,
			votes,
			metrics,
		}))
	}

	async fn commitments(
		&self,
		task: TaskId,
		round: RoundIndex,
	) -> Result<Vec<(AccountId, Commitment)>, ChainError> {
		let at = self.at_best().await?;
		let commitments = runtime::storage().federated_learning().commitments();
		let mut out: Vec<_> = round_entries(&at, commitments, task, round)
			.await?
			.into_iter()
			.map(|(who, c)| (AccountId(who.0), commitment_from(c)))
			.collect();
		out.sort_by_key(|(a, _)| *a);
		Ok(out)
	}

	async fn commitment_of(
		&self,
		task: TaskId,
		round: RoundIndex,
		who: AccountId,
	) -> Result<Option<Commitment>, ChainError> {
		let at = self.at_best().await?;
		let entry = at
			.storage()
			.entry(runtime::storage().federated_learning().commitments())
			.map_err(rpc_err)?;
		let v = entry
			.try_fetch((task, round, AccountId32(who.0)))
			.await
			.map_err(rpc_err)?;
		v.map(|v| v.decode().map(commitment_from).map_err(rpc_err))
			.transpose()
	}

	async fn committee(&self) -> Result<Vec<AccountId>, ChainError> {
		let at = self.at_best().await?;
		let entry = at
			.storage()
			.entry(runtime::storage().federated_learning().committee())
			.map_err(rpc_err)?;
		let v = entry
			.fetch(())
			.await
			.map_err(rpc_err)?
			.decode()
			.map_err(rpc_err)?;
		Ok(v.0.into_iter().map(|a| AccountId(a.0)).collect())
	}

	async fn is_registered(&self, who: AccountId) -> Result<bool, ChainError> {
		let at = self.at_best().await?;
		let entry = at
			.storage()
			.entry(runtime::storage().federated_learning().clients())
			.map_err(rpc_err)?;
		Ok(entry
			.try_fetch((AccountId32(who.0),))
			.await
			.map_err(rpc_err)?
			.is_some())
	}

	async fn free_balance(&self, who: AccountId) -> Result<u128, ChainError> {
		let at = self.at_best().await?;
		let entry = at
			.storage()
			.entry(runtime::storage().system().account())
			.map_err(rpc_err)?;
		let info = entry
			.fetch((AccountId32(who.0),))
			.await
			.map_err(rpc_err)?
			.decode()
			.map_err(rpc_err)?;
		Ok(info.data.free)
	}

	async fn create_task(&self, task: NewTask) -> Result<TaskId, ChainError> {
		let call = runtime::transactions()
			.federated_learning()
			.create_task(params_to(&task));
		let (_, events) = self.submit_events(call).await?;
		// The new task's id comes from the TaskCreated event of this very transaction.
		match events.find_first::<runtime::federated_learning::events::TaskCreated>() {
			Some(Ok(created)) => Ok(created.task),
			Some(Err(e)) => Err(rpc_err(e)),
			None => Err(ChainError::Rpc(
				"no TaskCreated event after create_task".into(),
			)),
		}
	}

	async fn register_client(&self) -> Result<Included, ChainError> {
		self.submit(
			runtime::transactions()
				.federated_learning()
				.register_client(),
		)
		.await
	}

	async fn submit_update(
		&self,
		task: TaskId,
		round: RoundIndex,
		c: Commitment,
	) -> Result<Included, ChainError> {
		let commitment = fl::UpdateCommitment {
			hash: H256(c.hash),
			len: c.len,
			samples: c.samples,
			codec: c.codec,
		};
		self.submit(
			runtime::transactions()
				.federated_learning()
				.submit_update(task, round, commitment),
		)
		.await
	}

	async fn submit_aggregate(
		&self,
		task: TaskId,
		round: RoundIndex,
		result: &AggregateResult,
	) -> Result<Included, ChainError> {
		let result = fl::AggregateResult {
			model: to_model(result.model),
			rejected: BoundedVec(
				result
					.rejected
					.iter()
					.map(|(who, reason)| fl::Rejection {
						who: AccountId32(who.0),
						reason: reason_to(*reason),
					})
					.collect(),
			),
		};
		self.submit(
			runtime::transactions()
				.federated_learning()
				.submit_aggregate(task, round, result),
		)
		.await
	}

	async fn report_metrics(
		&self,
		task: TaskId,
		round: RoundIndex,
		m: Metrics,
	) -> Result<Included, ChainError> {
		let metrics = fl::RoundMetrics {
			accuracy_ppm: m.accuracy_ppm,
			loss_micro: m.loss_micro,
			samples: m.samples,
		};
		self.submit(
			runtime::transactions()
				.federated_learning()
				.report_metrics(task, round, metrics),
		)
		.await
	}

	async fn transfer(&self, to: AccountId, amount: u128) -> Result<Included, ChainError> {
		let dest = subxt::utils::MultiAddress::Id(AccountId32(to.0));
		self.submit(
			runtime::transactions()
				.balances()
				.transfer_keep_alive(dest, amount),
		)
		.await
	}

	async fn sudo_set_committee(&self, members: Vec<AccountId>) -> Result<Included, ChainError> {
		use runtime::runtime_types::{
			flare_runtime::RuntimeCall, pallet_federated_learning::pallet::Call,
		};
		let call = RuntimeCall::FederatedLearning(Call::set_committee {
			members: BoundedVec(members.into_iter().map(|a| AccountId32(a.0)).collect()),
		});
		let (included, events) = self
			.submit_events(runtime::transactions().sudo().sudo(call))
			.await?;
		// Sudo succeeds as a transaction even when the inner call fails; its event says how it went.
		match events.find_first::<runtime::sudo::events::Sudid>() {
			Some(Ok(ev)) => match ev.sudo_result {
				Ok(()) => Ok(included),
				Err(e) => Err(ChainError::Rejected {
					pallet: "Sudo".into(),
					error: format!("{e:?}"),
				}),
			},
			Some(Err(e)) => Err(rpc_err(e)),
			None => Err(ChainError::Rpc("no Sudid event after a sudo call".into())),
		}
	}
}
