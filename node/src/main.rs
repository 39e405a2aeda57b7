//! Flare node: a Substrate (polkadot-sdk) chain whose runtime coordinates federated learning.

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;

fn main() -> sc_cli::Result<()> {
	command::run()
}
