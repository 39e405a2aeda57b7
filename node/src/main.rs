//! Flare node: a Substrate (polkadot-sdk) chain whose runtime coordinates federated learning.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> polkadot_sdk::sc_cli::Result<()> {
	command::run()
}
