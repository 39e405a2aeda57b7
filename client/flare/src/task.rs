//! Task definitions: the TOML task file a task owner writes, and the task descriptor every
//! participant reads.
//!
//! The chain stores only hashes, so what trainers need beyond the on-chain parameters (the model
//! architecture, the codec's parameters, the recommended local training settings) travels as a
//! *task descriptor*: a canonical JSON blob in the blob store whose BLAKE2-256 hash is the task's
//! on-chain `model` field. Anyone holding the descriptor can check it against the chain.

use flare_ml::{CodecId, CodecSpec, ModelSpec, Rule, TrainConfig};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A mistake in a task file or descriptor, naming the field.
#[derive(Debug, thiserror::Error)]
pub enum TaskFileError {
	/// The file could not be read.
	#[error("cannot read task file {path}: {source}")]
	Read {
		path: String,
		source: std::io::Error,
	},
	/// The TOML does not parse or has unknown/mistyped fields.
	#[error("task file {path} is not valid: {message}")]
	Parse { path: String, message: String },
	/// A field has a value Flare cannot use.
	#[error("task field `{field}` = {value}: {expected}")]
	Invalid {
		field: &'static str,
		value: String,
		expected: String,
	},
	/// The descriptor blob is not valid JSON of the expected shape.
	#[error("task descriptor does not decode: {0}")]
	Descriptor(String),
}

fn invalid(field: &'static str, value: impl ToString, expected: impl ToString) -> TaskFileError {
	TaskFileError::Invalid {
		field,
		value: value.to_string(),
		expected: expected.to_string(),
	}
}

/// Local training settings recommended to trainers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingSettings {
	pub epochs: u32,
	pub batch_size: usize,
	pub learning_rate: f32,
	pub momentum: f32,
	pub weight_decay: f32,
	/// FedProx proximal term; 0 for plain FedAvg training.
	pub prox_mu: f32,
}

impl Default for TrainingSettings {
	fn default() -> Self {
		Self {
			epochs: 2,
			batch_size: 32,
			learning_rate: 0.05,
			momentum: 0.9,
			weight_decay: 0.0,
			prox_mu: 0.0,
		}
	}
}

impl TrainingSettings {
	/// The flare-ml training config for one round, seeded per client and round.
	pub fn train_config(&self, seed: u64) -> TrainConfig {
		TrainConfig {
			epochs: self.epochs,
			batch_size: self.batch_size,
			learning_rate: self.learning_rate,
			momentum: self.momentum,
			weight_decay: self.weight_decay,
			prox_mu: self.prox_mu,
			seed,
		}
	}
}

/// A task file (TOML), as written by a task owner. Every field has a sensible default for the
/// bundled MNIST demo.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TaskFile {
	/// Model descriptor, e.g. `mlp:784-200-200-10` or `logreg:784x10`.
	pub model: String,
	/// Aggregation rule: `fedavg`, `median`, `trimmed-mean:T`, `krum:F`, `multi-krum:F:M`.
	pub rule: String,
	/// Update codec, e.g. `topk+int8+zlib`, `int8+zlib`, `zlib`, `raw`.
	pub codec: String,
	/// Fraction of coordinates top-k keeps (top-k codecs only).
	pub topk_fraction: f32,
	/// Block size for `int8-block`.
	pub block: u32,
	/// Fewest updates for a round to be aggregated.
	pub min_updates: u32,
	/// Most updates per round; reaching it closes training early.
	pub max_updates: u32,
	/// Largest update blob accepted, in bytes.
	pub max_update_bytes: u64,
	/// Training phase length, in blocks.
	pub training_period: u32,
	/// Aggregation phase length, in blocks.
	pub aggregation_period: u32,
	/// Number of rounds.
	pub rounds: u32,
	/// Identical committee results needed to finalize a round.
	pub quorum: u32,
	/// Seed of the initial model's weights.
	pub seed: u64,
	/// Aggregators reject updates whose L2 norm exceeds this (none if absent).
	pub max_norm: Option<f64>,
	/// Local training recommended to trainers.
	pub training: TrainingSettings,
}

impl Default for TaskFile {
	fn default() -> Self {
		Self {
			model: ModelSpec::mnist_2nn().descriptor(),
			rule: "fedavg".into(),
			codec: CodecId::TopKInt8Zlib.to_string(),
			topk_fraction: 0.1,
			block: 256,
			min_updates: 2,
			max_updates: 10,
			max_update_bytes: 4 * 1024 * 1024,
			training_period: 20,
			aggregation_period: 20,
			rounds: 5,
			quorum: 2,
			seed: 42,
			max_norm: None,
			training: TrainingSettings::default(),
		}
	}
}

/// A task file whose every field was checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTask {
	pub file: TaskFile,
	pub model: ModelSpec,
	pub rule: Rule,
	pub codec: CodecSpec,
}

impl TaskFile {
	/// Read and validate a TOML task file.
	pub fn load(path: &Path) -> Result<ValidTask, TaskFileError> {
		let p = path.display().to_string();
		let text = std::fs::read_to_string(path).map_err(|source| TaskFileError::Read {
			path: p.clone(),
			source,
		})?;
		let file: TaskFile = toml::from_str(&text).map_err(|e| TaskFileError::Parse {
			path: p,
			message: e.to_string(),
		})?;
		file.validate()
	}

	/// Check every field and parse the descriptors.
	pub fn validate(self) -> Result<ValidTask, TaskFileError> {
		let model: ModelSpec = self
			.model
			.parse()
			.map_err(|e| invalid("model", &self.model, e))?;
		model
			.validate()
			.map_err(|e| invalid("model", &self.model, e))?;
		let rule: Rule = self
			.rule
			.parse()
			.map_err(|e| invalid("rule", &self.rule, e))?;
		let id: CodecId = self
			.codec
			.parse()
			.map_err(|e| invalid("codec", &self.codec, e))?;
		let codec = CodecSpec {
			id,
			topk_fraction: self.topk_fraction,
			block: self.block,
		};
		codec.validate().map_err(|e| {
			invalid(
				"topk_fraction/block",
				format!("{}/{}", self.topk_fraction, self.block),
				e,
			)
		})?;
		if self.min_updates == 0 || self.min_updates > self.max_updates {
			return Err(invalid(
				"min_updates",
				self.min_updates,
				format!("between 1 and max_updates ({})", self.max_updates),
			));
		}
		if rule.min_updates() > self.min_updates as usize {
			return Err(invalid(
				"min_updates",
				self.min_updates,
				format!("at least {} for rule {}", rule.min_updates(), self.rule),
			));
		}
		if self.max_update_bytes == 0 {
			return Err(invalid("max_update_bytes", 0, "a positive byte count"));
		}
		for (field, v) in [
			("training_period", self.training_period),
			("aggregation_period", self.aggregation_period),
			("rounds", self.rounds),
			("quorum", self.quorum),
		] {
			if v == 0 {
				return Err(invalid(field, v, "a positive number"));
			}
		}
		if let Some(n) = self.max_norm {
			if !(n.is_finite() && n > 0.0) {
				return Err(invalid("max_norm", n, "a positive finite number"));
			}
		}
		self.training
			.train_config(0)
			.validate()
			.map_err(|e| invalid("training", format!("{:?}", self.training), e))?;
		Ok(ValidTask {
			file: self,
			model,
			rule,
			codec,
		})
	}
}

/// What participants need to know beyond the chain, stored as a blob whose hash is on chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskDescriptor {
	/// Format version.
	pub version: u32,
	/// Model descriptor (`ModelSpec` text form).
	pub model: String,
	/// Aggregation rule (text form).
	pub rule: String,
	/// Codec name.
	pub codec: String,
	pub topk_fraction: f32,
	pub block: u32,
	/// Norm bound aggregators apply.
	pub max_norm: Option<f64>,
	/// Recommended local training.
	pub training: TrainingSettings,
}

impl TaskDescriptor {
	/// The descriptor of a validated task file.
	pub fn of(task: &ValidTask) -> Self {
		Self {
			version: 1,
			model: task.model.descriptor(),
			rule: task.rule.to_string(),
			codec: task.codec.id.to_string(),
			topk_fraction: task.codec.topk_fraction,
			block: task.codec.block,
			max_norm: task.file.max_norm,
			training: task.file.training,
		}
	}

	/// The canonical bytes (compact JSON, fields in declaration order).
	pub fn to_bytes(&self) -> Vec<u8> {
		serde_json::to_vec(self).unwrap_or_default()
	}

	/// Parse descriptor bytes.
	pub fn from_bytes(bytes: &[u8]) -> Result<Self, TaskFileError> {
		let d: Self =
			serde_json::from_slice(bytes).map_err(|e| TaskFileError::Descriptor(e.to_string()))?;
		if d.version != 1 {
			return Err(TaskFileError::Descriptor(format!(
				"unsupported version {}",
				d.version
			)));
		}
		Ok(d)
	}

	/// The model architecture.
	pub fn model_spec(&self) -> Result<ModelSpec, TaskFileError> {
		self.model
			.parse()
			.map_err(|e| invalid("model", &self.model, e))
	}

	/// The aggregation rule.
	pub fn rule(&self) -> Result<Rule, TaskFileError> {
		self.rule
			.parse()
			.map_err(|e| invalid("rule", &self.rule, e))
	}

	/// The codec parameters.
	pub fn codec_spec(&self) -> Result<CodecSpec, TaskFileError> {
		let id: CodecId = self
			.codec
			.parse()
			.map_err(|e| invalid("codec", &self.codec, e))?;
		Ok(CodecSpec {
			id,
			topk_fraction: self.topk_fraction,
			block: self.block,
		})
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("task.toml");
		std::fs::write(&path, text).unwrap();
		(dir, path)
	}

	#[test]
	fn defaults_validate_and_descriptor_round_trips() {
		let task = TaskFile::default().validate().expect("defaults are valid");
		let d = TaskDescriptor::of(&task);
		let back = TaskDescriptor::from_bytes(&d.to_bytes()).unwrap();
		assert_eq!(back, d);
		assert_eq!(back.model_spec().unwrap(), task.model);
		assert_eq!(back.codec_spec().unwrap(), task.codec);
	}

	#[test]
	fn a_task_file_overrides_defaults() {
		let (_d, path) = write(
			"model = \"logreg:784x10\"\nrule = \"median\"\nrounds = 3\n[training]\nepochs = 1\n",
		);
		let task = TaskFile::load(&path).unwrap();
		assert_eq!(task.file.rounds, 3);
		assert_eq!(task.model.descriptor(), "logreg:784x10");
		assert_eq!(task.file.training.epochs, 1);
		assert_eq!(task.file.quorum, 2);
	}

	#[test]
	fn bad_task_files_name_the_problem() {
		let cases = [
			("rounds = \"three\"", "not valid"),
			("colour = 1", "unknown field"),
			("model = \"cnn:1\"", "`model`"),
			("rule = \"mean\"", "`rule`"),
			("codec = \"lz4\"", "`codec`"),
			("min_updates = 0", "`min_updates`"),
			("rule = \"krum:2\"\nmin_updates = 3", "`min_updates`"),
			("quorum = 0", "`quorum`"),
			("max_norm = -1.0", "`max_norm`"),
			("[training]\nbatch_size = 0", "`training`"),
		];
		for (text, needle) in cases {
			let (_d, path) = write(text);
			let err = TaskFile::load(&path).expect_err(text).to_string();
			assert!(err.contains(needle), "{text:?}: {err}");
		}
		let err = TaskFile::load(Path::new("/nonexistent/task.toml"))
			.unwrap_err()
			.to_string();
		assert!(err.contains("cannot read task file"), "{err}");
	}

	#[test]
	fn the_example_task_file_is_valid() {
		let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mnist-task.toml");
		let task = TaskFile::load(&path).expect("the documented example validates");
		assert_eq!(task.file.max_updates, 3);
		assert_eq!(task.codec.id, CodecId::TopKInt8Zlib);
	}

	#[test]
	fn descriptor_rejects_garbage_and_other_versions() {
		assert!(TaskDescriptor::from_bytes(b"not json").is_err());
		let mut d = TaskDescriptor::of(&TaskFile::default().validate().unwrap());
		d.version = 2;
		assert!(TaskDescriptor::from_bytes(&d.to_bytes()).is_err());
	}
}
