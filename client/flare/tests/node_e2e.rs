//! End-to-end against the real `flare-node --dev --tmp` (built by `cargo build -p flare-node`):
//! the chain produces and finalizes blocks, accepts a signed extrinsic of the FL pallet and emits
//! its event, and serves exactly the metadata this client was generated from.

use flare::{
	chain::{Chain, Signer, SubxtChain},
	node::{find_node_binary, DevNode},
};
use std::time::{Duration, Instant};

async fn wait_until(what: &str, timeout: Duration, mut check: impl AsyncFnMut() -> bool) {
	let start = Instant::now();
	while !check().await {
		assert!(start.elapsed() < timeout, "timed out waiting for {what}");
		tokio::time::sleep(Duration::from_millis(250)).await;
	}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_node_finalizes_blocks_and_accepts_fl_extrinsics() {
	let node = DevNode::spawn(&find_node_binary().expect("flare-node is built"), &[])
		.expect("node starts");
	let dave = SubxtChain::connect(&node.url(), Signer::from_suri("//Dave").unwrap())
		.await
		.expect("client connects");

	// Blocks are authored (Aura) and finalized (GRANDPA).
	wait_until("finalized block #2", Duration::from_secs(60), async || {
		dave.finalized_number().await.unwrap() >= 2
	})
	.await;
	assert!(dave.best_number().await.unwrap() >= dave.finalized_number().await.unwrap());

	// A real extrinsic of the FL pallet, signed by a dev account, and its event.
	let me = dave.account();
	assert!(!dave.is_registered(me).await.unwrap());
	let included = dave
		.register_client()
		.await
		.expect("register_client is accepted");
	assert!(
		included
			.events
			.iter()
			.any(|e| e == "FederatedLearning.ClientRegistered"),
		"events: {:?}",
		included.events
	);
	assert!(dave.is_registered(me).await.unwrap());

	// A failed check surfaces as the pallet's named error.
	let err = dave
		.register_client()
		.await
		.expect_err("registering twice fails");
	assert!(err.is_rejection("AlreadyRegistered"), "{err}");
	assert_eq!(
		err.to_string(),
		"the chain rejected the transaction: FederatedLearning.AlreadyRegistered"
	);

	// The dev preset's committee is Alice, Bob and Charlie.
	let committee = dave.committee().await.unwrap();
	let expect: Vec<_> = ["//Alice", "//Bob", "//Charlie"]
		.iter()
		.map(|s| Signer::from_suri(s).unwrap().account())
		.collect();
	assert_eq!(committee, expect);
	drop(node);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_matches_runtime() {
	let node = DevNode::spawn(&find_node_binary().expect("flare-node is built"), &[])
		.expect("node starts");
	let chain = SubxtChain::connect(&node.url(), Signer::from_suri("//Alice").unwrap())
		.await
		.expect("the generated API is valid for the node's runtime");
	let served = chain.node_metadata_bytes().await.unwrap();
	let checked_in = include_bytes!("../metadata/flare.scale");
	assert!(
		served == checked_in,
		"client/flare/metadata/flare.scale is stale: run scripts/update-metadata.sh and rebuild"
	);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_reconnects_when_the_node_restarts() {
	let base = tempfile::tempdir().unwrap();
	let mut node = DevNode::spawn_persistent(
		&find_node_binary().expect("flare-node is built"),
		base.path(),
	)
	.expect("node starts");
	let eve = SubxtChain::connect(&node.url(), Signer::from_suri("//Eve").unwrap())
		.await
		.unwrap();
	eve.register_client()
		.await
		.expect("registered before the restart");
	let before = eve.best_number().await.unwrap();

	node.restart()
		.expect("node restarts on the same ports and database");

	// The same client handle works again once the RPC client has reconnected.
	let start = Instant::now();
	let after = loop {
		match eve.best_number().await {
			Ok(n) if n > before => break n,
			_ => {
				assert!(start.elapsed() < Duration::from_secs(60), "no reconnection");
				tokio::time::sleep(Duration::from_millis(500)).await;
			}
		}
	};
	assert!(after > before);
	assert!(
		eve.is_registered(eve.account()).await.unwrap(),
		"state survived the restart"
	);
	let err = eve.register_client().await.expect_err("still registered");
	assert!(err.is_rejection("AlreadyRegistered"), "{err}");
}
