//! Runtime-level checks: pallet indices, genesis presets, metadata.

use super::*;
use frame_support::traits::PalletInfoAccess;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

#[test]
fn pallet_indices_are_fixed() {
	assert_eq!(<System as PalletInfoAccess>::index(), 0);
	assert_eq!(<Balances as PalletInfoAccess>::index(), 4);
	assert_eq!(<Sudo as PalletInfoAccess>::index(), 6);
	assert_eq!(<FederatedLearning as PalletInfoAccess>::index(), 7);
}

#[test]
fn presets_set_authorities_committee_and_sudo() {
	let preset = |id: &str| -> serde_json::Value {
		let bytes = genesis_config_presets::get_preset(&id.into()).expect("preset exists");
		serde_json::from_slice(&bytes).expect("valid JSON")
	};
	let dev = preset(DEV_RUNTIME_PRESET);
	assert_eq!(dev["aura"]["authorities"].as_array().unwrap().len(), 1);
	assert_eq!(
		dev["federatedLearning"]["committee"]
			.as_array()
			.unwrap()
			.len(),
		3
	);
	assert!(dev["sudo"]["key"].is_string());
	let local = preset(LOCAL_TESTNET_RUNTIME_PRESET);
	assert_eq!(local["grandpa"]["authorities"].as_array().unwrap().len(), 4);
	assert_eq!(
		local["federatedLearning"]["committee"]
			.as_array()
			.unwrap()
			.len(),
		3
	);
	assert!(genesis_config_presets::get_preset(&"nope".into()).is_none());
	assert_eq!(genesis_config_presets::preset_names().len(), 2);
}

#[test]
fn metadata_v16_is_served_with_docs() {
	assert!(Runtime::metadata_versions().contains(&16));
	let meta = Runtime::metadata_at_version(16).expect("V16 metadata");
	let bytes: &[u8] = &meta;
	// Doc comments of the pallet travel in the metadata (polkadot.js shows them).
	let needle = b"Commit an update blob for the current round of a task.";
	assert!(bytes.windows(needle.len()).any(|w| w == needle));
}
