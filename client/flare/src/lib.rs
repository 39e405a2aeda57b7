//! # flare: the Flare client
//!
//! Plays every off-chain role of Flare's federated learning against a running `flare-node`:
//! task owner, trainer, aggregator (committee member) and inspector, plus `simulate`, which runs
//! a whole federation on one machine.
//!
//! - [`chain`]: the chain behind the small [`chain::Chain`] trait (subxt stays in there);
//! - [`store`]: content-addressed blob storage behind [`store::BlobStore`];
//! - [`task`]: task files and the task descriptor;
//! - [`roles`]: the trainer, aggregator, owner and inspection logic;
//! - [`simulate`]: the round loop of a local federation;
//! - [`node`]: starting a real `flare-node --dev --tmp` on free ports.
//!
//! The learning itself (models, codecs, aggregation rules) is the pure `flare-ml` crate; this
//! crate only moves bytes and talks to the chain.

pub mod chain;
pub mod data;
pub mod node;
pub mod plot;
pub mod roles;
pub mod simulate;
pub mod store;
pub mod task;
