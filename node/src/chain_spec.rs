//! Chain specifications built from the runtime's genesis presets.

/// Flare's chain spec: no extensions.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	flare_runtime::WASM_BINARY.ok_or_else(|| {
		"the runtime wasm is not available (built with SKIP_WASM_BUILD?)".to_string()
	})
}

fn properties() -> sc_service::Properties {
	let mut p = sc_service::Properties::new();
	p.insert("tokenSymbol".into(), "FLR".into());
	p.insert("tokenDecimals".into(), 12.into());
	p.insert("ss58Format".into(), 42.into());
	p
}

/// `--dev`: one authority (Alice), committee Alice/Bob/Charlie.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Flare Development")
		.with_id("flare_dev")
		.with_chain_type(sc_service::ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: four authorities (Alice, Bob, Charlie, Dave), committee Alice/Bob/Charlie.
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("Flare Local Testnet")
		.with_id("flare_local")
		.with_chain_type(sc_service::ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}
