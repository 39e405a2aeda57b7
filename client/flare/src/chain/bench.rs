//! Throughput measurement: many signed transactions submitted at once (each sender with its own
//! explicit nonce, no waiting per transaction), then the blocks that include them are watched.
//! Used by `flare-bench throughput`; subxt stays inside the chain module.

use super::{
	fl, rpc_err, runtime, AccountId, BlockNumber, Chain, ChainError, Client, Commitment, Config,
	Legacy, Signer, SubxtChain, TaskId,
};
use std::{
	collections::BTreeMap,
	time::{Duration, Instant},
};
use subxt::utils::{AccountId32, MultiAddress, H256};

/// One transaction of a batch.
#[derive(Debug, Clone)]
pub enum BenchCall {
	/// `Balances::transfer_keep_alive`.
	Transfer { to: AccountId, amount: u128 },
	/// `FederatedLearning::register_client`.
	Register,
	/// `FederatedLearning::submit_update`.
	Commit {
		task: TaskId,
		round: u32,
		commitment: Commitment,
	},
}

impl BenchCall {
	/// The event that shows this call was included and succeeded.
	pub fn success_event(&self) -> &'static str {
		match self {
			Self::Transfer { .. } => "Balances.Transfer",
			Self::Register => "FederatedLearning.ClientRegistered",
			Self::Commit { .. } => "FederatedLearning.UpdateCommitted",
		}
	}
}

/// What one block held.
#[derive(Debug, Clone, Default)]
pub struct BlockStat {
	pub number: BlockNumber,
	pub extrinsics: usize,
	/// Success events of the measured kind in this block.
	pub hits: usize,
	/// `ExtrinsicFailed` events.
	pub failed: usize,
	/// Normal-class weight used, as a fraction of the block's normal-class maximum.
	pub normal_weight_fraction: f64,
	/// Encoded block length in bytes (extrinsics).
	pub bytes: usize,
}

/// The outcome of one batch.
#[derive(Debug, Clone)]
pub struct BatchReport {
	pub sent: usize,
	pub included: usize,
	pub failed: usize,
	/// From the first submission to the import of the block with the last inclusion.
	pub elapsed: Duration,
	/// Time spent signing (before the clock above starts).
	pub signing: Duration,
	pub blocks: Vec<BlockStat>,
}

impl BatchReport {
	/// Included transactions per second.
	pub fn per_second(&self) -> f64 {
		self.included as f64 / self.elapsed.as_secs_f64().max(1e-9)
	}
}

impl SubxtChain {
	/// The next nonce of `who` as the node sees it (including its pool).
	pub async fn next_nonce(&self, who: AccountId) -> Result<u64, ChainError> {
		self.legacy
			.system_account_next_index(&AccountId32(who.0))
			.await
			.map_err(rpc_err)
	}

	/// Sign every `(signer, nonce, call)`, submit them all without waiting, and follow the best
	/// chain until `expected` success events of the calls' kind were seen (or `timeout`).
	pub async fn submit_batch(
		&self,
		calls: Vec<(Signer, u64, BenchCall)>,
		timeout: Duration,
	) -> Result<BatchReport, ChainError> {
		let expected = calls.len();
		let event = calls.first().map_or("", |(_, _, c)| c.success_event());
		let start_block = self.best_number().await?;

		let signing_started = Instant::now();
		let mut tx = self.api.transactions().await.map_err(rpc_err)?;
		let mut signed = Vec::with_capacity(calls.len());
		for (signer, nonce, call) in &calls {
			// Immortal: the batch must not expire while thousands are queued.
			let params = subxt::config::DefaultExtrinsicParamsBuilder::<Config>::new()
				.nonce(*nonce)
				.immortal()
				.build();
			let s = match call {
				BenchCall::Transfer { to, amount } => {
					tx.create_signed(
						&runtime::transactions()
							.balances()
							.transfer_keep_alive(MultiAddress::Id(AccountId32(to.0)), *amount),
						&signer.0,
						params,
					)
					.await
				}
				BenchCall::Register => {
					tx.create_signed(
						&runtime::transactions()
							.federated_learning()
							.register_client(),
						&signer.0,
						params,
					)
					.await
				}
				BenchCall::Commit {
					task,
					round,
					commitment: c,
				} => {
					tx.create_signed(
						&runtime::transactions().federated_learning().submit_update(
							*task,
							*round,
							fl::UpdateCommitment {
								hash: H256(c.hash),
								len: c.len,
								samples: c.samples,
								codec: c.codec,
							},
						),
						&signer.0,
						params,
					)
					.await
				}
			}
			.map_err(|e| ChainError::Invalid(e.to_string()))?;
			signed.push(s);
		}
		let signing = signing_started.elapsed();

		let started = Instant::now();
		for chunk in signed.chunks(64) {
			let results = futures::future::join_all(chunk.iter().map(|s| s.submit())).await;
			for r in results {
				r.map_err(|e| ChainError::Invalid(e.to_string()))?;
			}
		}

		let max_normal = max_normal_weight(&self.api).await?;
		let mut blocks = Vec::new();
		let mut included = 0;
		let mut failed = 0;
		let mut next = start_block + 1;
		let mut last_inclusion = started;
		let deadline = Instant::now() + timeout;
		while included + failed < expected && Instant::now() < deadline {
			let best = self.best_number().await?;
			if best < next {
				tokio::time::sleep(Duration::from_millis(50)).await;
				continue;
			}
			while next <= best {
				let stat = block_stat(&self.api, &self.legacy, next, event, max_normal).await?;
				if stat.hits > 0 {
					last_inclusion = Instant::now();
				}
				included += stat.hits;
				failed += stat.failed;
				blocks.push(stat);
				next += 1;
			}
		}
		blocks.retain(|b| b.hits > 0 || b.failed > 0);
		Ok(BatchReport {
			sent: expected,
			included,
			failed,
			elapsed: last_inclusion - started,
			signing,
			blocks,
		})
	}
}

async fn max_normal_weight(api: &Client) -> Result<u64, ChainError> {
	let at = api.at_current_block().await.map_err(rpc_err)?;
	let weights = at
		.constants()
		.entry(runtime::constants().system().block_weights())
		.map_err(rpc_err)?;
	Ok(weights
		.per_class
		.normal
		.max_total
		.map_or(weights.max_block.ref_time, |w| w.ref_time))
}

async fn block_stat(
	api: &Client,
	legacy: &Legacy,
	number: BlockNumber,
	event: &str,
	max_normal: u64,
) -> Result<BlockStat, ChainError> {
	let hash = legacy
		.chain_get_block_hash(Some(number.into()))
		.await
		.map_err(rpc_err)?
		.ok_or_else(|| ChainError::Rpc(format!("no block {number}")))?;
	let at = api.at_block(hash).await.map_err(rpc_err)?;
	let extrinsics = at.extrinsics().fetch().await.map_err(rpc_err)?;
	let bytes = extrinsics
		.iter()
		.filter_map(Result::ok)
		.map(|e| e.bytes().len())
		.sum();
	let events = at.events().fetch().await.map_err(rpc_err)?;
	let mut names: BTreeMap<String, usize> = BTreeMap::new();
	for e in events.iter().filter_map(Result::ok) {
		*names
			.entry(format!("{}.{}", e.pallet_name(), e.event_name()))
			.or_default() += 1;
	}
	let used = at
		.storage()
		.entry(runtime::storage().system().block_weight())
		.map_err(rpc_err)?
		.fetch(())
		.await
		.map_err(rpc_err)?
		.decode()
		.map_err(rpc_err)?;
	Ok(BlockStat {
		number,
		extrinsics: extrinsics.len(),
		hits: names.get(event).copied().unwrap_or(0),
		failed: names.get("System.ExtrinsicFailed").copied().unwrap_or(0),
		normal_weight_fraction: used.normal.ref_time as f64 / max_normal.max(1) as f64,
		bytes,
	})
}
