//! # flare-ml: Flare's learning core
//!
//! Everything a Flare client needs to take part in a federated-learning round, as pure,
//! synchronous Rust with no chain types: models and their training ([`model`]), the bundled
//! MNIST data and IDX reader ([`data`]), client partitioning for simulations ([`partition`]),
//! parameter encoding and hashing ([`params`]), update codecs ([`codec`]) and the aggregation
//! rules ([`aggregate`]).
//!
//! A round, seen from one client:
//!
//! ```no_run
//! use flare_ml::{codec, model, aggregate, data, CodecId, CodecSpec, Encoder, ModelSpec, TrainConfig, Update};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let spec: ModelSpec = "mlp:784-200-200-10".parse()?;
//! let mut net = spec.build(7)?;
//! let global = net.params(); // in Flare: decoded from the chain's FLPM blob
//! let (train, _test) = data::bundled_mnist()?.split_at(data::BUNDLED_TRAIN)?;
//! let (delta, _) = model::local_update(net.as_mut(), &global, &train, &TrainConfig::default())?;
//! let mut enc = Encoder::new(CodecSpec::new(CodecId::TopKInt8Zlib))?;
//! let blob = enc.encode(&flare_ml::Params::new(global.manifest().clone(), delta)?)?;
//! // ... publish `blob`, commit `content_hash(&blob)` on chain; then every aggregator does:
//! let update = Update::from_blob(&blob, train.len() as u64, global.manifest(), 8 << 20)?;
//! let new_delta = aggregate::aggregate(&"median".parse()?, &[update])?;
//! let next_global = global.add_delta(&new_delta)?;
//! # let _ = (next_global, codec::UPDATE_VERSION); Ok(()) }
//! ```
//!
//! ## Determinism guarantees
//!
//! * **Aggregation is bit-for-bit reproducible** across machines and input orders: updates are
//!   sorted canonically (blob hash, then sample count, then delta bits) before any arithmetic,
//!   sums are accumulated in `f64` and rounded to `f32` once, order statistics use
//!   `total_cmp`, and Krum ties are broken by hash. Any permutation of the same updates yields
//!   the same bytes, hence the same [`content_hash`] of the new global model.
//! * **Encodings are canonical**: a `Params` or an update has exactly one `FLPM`/`FLUP`
//!   encoding per codec, and decoders reject everything else (trailing bytes, non-finite values,
//!   stray header parameters), so a content hash identifies a value.
//! * **Training, partitioning and initialisation are seeded** (ChaCha8): the same seed, data and
//!   config give the same result on one machine. Training is not promised to match across CPU
//!   types (the matrix kernels pick SIMD paths at run time); nothing on chain depends on it.
//!
//! ## Encodings
//!
//! * Parameters, `FLPM` v1 ([`params`]): magic, version, layer manifest (names and dims), value
//!   count, f32 LE values. [`content_hash`] is BLAKE2b-256, identical to Substrate's
//!   `blake2_256`.
//! * Updates, `FLUP` v1 ([`codec`]): magic, version, codec id, top-k fraction, block size,
//!   manifest, payload; nine codecs from `raw` f32 to `topk+int8+zlib`, with client-side error
//!   feedback for top-k. Decoding is strict, size-capped and decompression-bounded.
//! * Model descriptors ([`ModelSpec`]): `logreg:784x10`, `mlp:784-200-200-10`.
//! * Rules ([`Rule`]): `fedavg`, `median`, `trimmed-mean:T`, `krum:F`, `multi-krum:F:M`;
//!   rejection reasons ([`RejectReason`]) have stable `u8` codes 0..=5.

pub mod aggregate;
pub mod codec;
pub mod data;
pub mod error;
pub mod model;
pub mod params;
pub mod partition;
mod wire;

pub use aggregate::{check_update, Aggregator, RejectReason, Rule, Update};
pub use codec::{decode_update, CodecId, CodecSpec, Compressor, Encoder, ValidCodecSpec};
pub use data::{bundled_mnist, load_mnist, Dataset, BUNDLED_TRAIN};
pub use error::{
	AggregateError, CodecError, ConfigError, DataError, ManifestError, ModelError, ParamsError,
	PartitionError,
};
pub use model::{
	Evaluation, Model, ModelSpec, Network, TrainConfig, TrainReport, ValidTrainConfig,
};
pub use params::{content_hash, Layer, Manifest, Params};
