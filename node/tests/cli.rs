//! The `flare-node` binary's commands besides running a chain (running one is covered by the
//! client's end-to-end tests): chain specs, keys and purging.

use std::process::Command;

const NODE: &str = env!("CARGO_BIN_EXE_flare-node");

fn run(args: &[&str]) -> String {
	let out = Command::new(NODE)
		.args(args)
		.output()
		.expect("flare-node runs");
	assert!(
		out.status.success(),
		"flare-node {args:?} failed: {}",
		String::from_utf8_lossy(&out.stderr)
	);
	String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn build_spec_describes_the_local_testnet() {
	let spec: serde_json::Value =
		serde_json::from_str(&run(&["build-spec", "--chain", "local"])).unwrap();
	assert_eq!(spec["id"], "flare_local");
	assert_eq!(spec["properties"]["tokenSymbol"], "FLR");
	let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
	assert_eq!(patch["aura"]["authorities"].as_array().unwrap().len(), 4);
	assert_eq!(patch["grandpa"]["authorities"].as_array().unwrap().len(), 4);
	assert_eq!(
		patch["federatedLearning"]["committee"]
			.as_array()
			.unwrap()
			.len(),
		3
	);
}

#[test]
fn export_chain_spec_of_dev_has_one_authority_and_a_committee_of_three() {
	let spec: serde_json::Value =
		serde_json::from_str(&run(&["export-chain-spec", "--chain", "dev"])).unwrap();
	assert_eq!(spec["id"], "flare_dev");
	let patch = &spec["genesis"]["runtimeGenesis"]["patch"];
	assert_eq!(patch["aura"]["authorities"].as_array().unwrap().len(), 1);
	assert_eq!(
		patch["federatedLearning"]["committee"]
			.as_array()
			.unwrap()
			.len(),
		3
	);
	assert!(patch["sudo"]["key"].is_string());
}

#[test]
fn key_generate_and_inspect_agree() {
	let generated: serde_json::Value =
		serde_json::from_str(&run(&["key", "generate", "--output-type", "json"])).unwrap();
	let phrase = generated["secretPhrase"].as_str().unwrap();
	let inspected: serde_json::Value =
		serde_json::from_str(&run(&["key", "inspect", "--output-type", "json", phrase])).unwrap();
	assert_eq!(generated["ss58Address"], inspected["ss58Address"]);
}

#[test]
fn purge_chain_removes_the_database() {
	let dir = tempfile::tempdir().unwrap();
	let base = dir.path().to_str().unwrap();
	// Create a database by exporting the genesis state, then purge it.
	run(&[
		"export-blocks",
		"--dev",
		"--base-path",
		base,
		"--from",
		"0",
		"--to",
		"0",
	]);
	let db = dir.path().join("chains/flare_dev/paritydb");
	assert!(db.exists(), "ParityDb database at {}", db.display());
	run(&["purge-chain", "--dev", "--base-path", base, "-y"]);
	assert!(!db.exists());
}
