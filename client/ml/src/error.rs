//! Error types of every module, gathered so callers can match on them from one place.
//!
//! Every variant carries the data needed to act on it (which field, which index, which sizes);
//! none wraps an opaque string except where a third-party decoder only gives us a message.

use thiserror::Error;

use crate::params::Manifest;

/// A manifest that cannot be encoded or is not canonical.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ManifestError {
	#[error("manifest has {count} layers, the encoding allows at most {max}")]
	TooManyLayers { count: usize, max: usize },
	#[error("layer {layer} has an empty name")]
	EmptyName { layer: usize },
	#[error("layer {layer} name is {len} bytes, the encoding allows at most 255")]
	NameTooLong { layer: usize, len: usize },
	#[error("layer {layer} name is not valid UTF-8")]
	NameNotUtf8 { layer: usize },
	#[error("layer name {name:?} appears more than once")]
	DuplicateName { name: String },
	#[error("layer {layer} has {ndims} dimensions, the encoding allows at most 255")]
	TooManyDims { layer: usize, ndims: usize },
	#[error("layer {layer} has a zero dimension")]
	ZeroDim { layer: usize },
	#[error("manifest holds more values than fit in memory")]
	TooManyValues,
}

/// Errors of [`crate::params`]: construction, element-wise helpers and the `FLPM` encoding.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamsError {
	#[error(transparent)]
	Manifest(#[from] ManifestError),
	#[error("value count {got} does not match the manifest ({expected})")]
	LengthMismatch { expected: usize, got: usize },
	#[error("shape mismatch: expected {expected} values, got {got}")]
	ShapeMismatch { expected: usize, got: usize },
	#[error("manifest mismatch: expected {expected}, got {got}")]
	WrongManifest {
		expected: Box<Manifest>,
		got: Box<Manifest>,
	},
	#[error("input is {got} bytes, the limit is {max}")]
	TooLarge { max: usize, got: usize },
	#[error("bad magic {found:02x?}, expected \"FLPM\"")]
	BadMagic { found: Vec<u8> },
	#[error("unsupported encoding version {found}")]
	UnsupportedVersion { found: u8 },
	#[error("truncated input: needed {needed} bytes at offset {offset}, {available} available")]
	Truncated {
		offset: usize,
		needed: usize,
		available: usize,
	},
	#[error("{extra} trailing bytes after the encoded parameters")]
	TrailingBytes { extra: usize },
	#[error("declared value count {declared} disagrees with the manifest ({manifest})")]
	CountMismatch { manifest: u64, declared: u64 },
	#[error("value {index} is not finite")]
	NonFinite { index: usize },
}

/// Errors of [`crate::data`].
#[derive(Debug, Error)]
pub enum DataError {
	#[error("cannot read {path}: {source}")]
	Open {
		path: String,
		source: std::io::Error,
	},
	#[error("I/O error while reading IDX data: {0}")]
	Io(#[from] std::io::Error),
	#[error("bad IDX magic {found:#010x}, expected {expected:#010x}")]
	BadMagic { expected: u32, found: u32 },
	#[error("IDX header declares a zero dimension ({dims:?})")]
	ZeroDim { dims: Vec<u32> },
	#[error("IDX header declares {dims:?}, more bytes than fit in memory")]
	TooLarge { dims: Vec<u32> },
	#[error("truncated IDX data: expected {expected} bytes, got {got}")]
	Truncated { expected: usize, got: usize },
	#[error("trailing bytes after the IDX data")]
	TrailingBytes,
	#[error("{images} images but {labels} labels")]
	CountMismatch { images: usize, labels: usize },
	#[error("sample {index} has label {label}, but there are only {classes} classes")]
	LabelOutOfRange {
		index: usize,
		label: u8,
		classes: usize,
	},
	#[error("classes must be in 1..=256, got {classes}")]
	InvalidClasses { classes: usize },
	#[error("sample index {index} out of range for {len} samples")]
	IndexOutOfRange { index: usize, len: usize },
	#[error("cannot split {len} samples at {at}")]
	SplitOutOfRange { at: usize, len: usize },
}

/// An invalid training configuration; `field` names the offending [`crate::model::TrainConfig`] field.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("invalid {field} = {value}: must be {expected}")]
pub struct ConfigError {
	pub field: &'static str,
	pub value: String,
	pub expected: &'static str,
}

/// Errors of [`crate::model`].
#[derive(Debug, Error)]
pub enum ModelError {
	#[error(transparent)]
	Config(#[from] ConfigError),
	#[error(transparent)]
	Data(#[from] DataError),
	#[error(transparent)]
	Params(#[from] ParamsError),
	#[error("invalid model spec {spec:?}: {reason}")]
	InvalidSpec { spec: String, reason: &'static str },
	#[error("model expects {expected} input features, data has {got}")]
	InputMismatch { expected: usize, got: usize },
	#[error("model has {model} classes, data has {data}")]
	ClassMismatch { model: usize, data: usize },
	#[error("cannot train on an empty dataset")]
	EmptyDataset,
	#[error("parameter manifest mismatch: expected {expected}, got {got}")]
	WrongManifest {
		expected: Box<Manifest>,
		got: Box<Manifest>,
	},
	#[error("parameter {index} is not finite")]
	NonFinite { index: usize },
	#[error("training diverged (non-finite loss) in epoch {epoch}, batch {batch}")]
	Diverged { epoch: u32, batch: usize },
}

/// Errors of [`crate::partition`].
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PartitionError {
	#[error("number of clients must be at least 1")]
	ZeroClients,
	#[error("{samples} samples cannot give each of the {needed} parts at least one sample")]
	TooFewSamples { samples: usize, needed: usize },
	#[error("Dirichlet concentration must be finite and > 0, got {alpha}")]
	InvalidAlpha { alpha: f64 },
	#[error("shards per client must be at least 1")]
	ZeroShards,
	#[error("classes must be at least 1")]
	ZeroClasses,
	#[error("sample {index} has label {label}, but there are only {classes} classes")]
	LabelOutOfRange {
		index: usize,
		label: u8,
		classes: usize,
	},
}

/// Errors of [`crate::codec`]: an invalid spec when encoding, or one kind of malformed blob each.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CodecError {
	#[error("invalid codec spec field {field} = {value}: must be {expected}")]
	InvalidSpec {
		field: &'static str,
		value: String,
		expected: &'static str,
	},
	#[error("unknown codec {name:?}")]
	UnknownCodecName { name: String },
	#[error("compression failed: {reason}")]
	Compression { reason: String },
	#[error(transparent)]
	Manifest(#[from] ManifestError),
	#[error("update is {got} bytes, the limit is {max}")]
	TooLarge { max: usize, got: usize },
	#[error("bad magic {found:02x?}, expected \"FLUP\"")]
	BadMagic { found: Vec<u8> },
	#[error("unsupported update version {found}")]
	UnsupportedVersion { found: u8 },
	#[error("unknown codec id {id}")]
	UnknownCodec { id: u8 },
	#[error("invalid header parameter {field} = {value} for this codec")]
	InvalidHeader { field: &'static str, value: f64 },
	#[error("truncated update: needed {needed} bytes at offset {offset}, {available} available")]
	Truncated {
		offset: usize,
		needed: usize,
		available: usize,
	},
	#[error("{extra} trailing bytes after the update payload")]
	TrailingBytes { extra: usize },
	#[error("corrupt compressed payload: {reason}")]
	Decompression { reason: String },
	#[error("compressed payload inflates past its expected {limit} bytes")]
	InflateOverflow { limit: usize },
	#[error("compressed payload inflates to {got} bytes, expected {expected}")]
	DecompressedTooShort { expected: usize, got: usize },
	#[error("top-k entry {position}: index {index} out of range for {len} values")]
	IndexOutOfRange {
		position: usize,
		index: u32,
		len: usize,
	},
	#[error("top-k entry {position}: index {index} does not follow {prev} strictly")]
	IndicesNotIncreasing {
		position: usize,
		prev: u32,
		index: u32,
	},
	#[error("update manifest mismatch: expected {expected}, got {got}")]
	WrongManifest {
		expected: Box<Manifest>,
		got: Box<Manifest>,
	},
	#[error("decoded value {index} is not finite")]
	NonFinite { index: usize },
}

/// Errors of [`crate::aggregate`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AggregateError {
	#[error("no updates to aggregate")]
	Empty,
	#[error("shape mismatch: expected {expected} values, got {got}")]
	ShapeMismatch { expected: usize, got: usize },
	#[error("update {key:02x?} has a non-finite value at index {index}")]
	NonFinite { key: [u8; 32], index: usize },
	#[error("FedAvg needs a positive total sample count")]
	ZeroSamples,
	#[error("{rule} needs at least {need} updates, got {got}")]
	TooFewUpdates {
		rule: &'static str,
		need: usize,
		got: usize,
	},
	#[error("invalid rule {rule}: {reason}")]
	InvalidRule { rule: String, reason: &'static str },
}
