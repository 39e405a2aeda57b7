//! In-process federated-learning simulation shared by the integration tests.
#![allow(dead_code)]

use flare_ml::{
	aggregate, content_hash, model::local_update, CodecSpec, Dataset, Encoder, Model, ModelSpec,
	Params, Rule, TrainConfig, Update, BUNDLED_TRAIN,
};

/// The standard split of the bundled MNIST digits (8 000 train / 2 000 test).
pub fn mnist_split() -> (Dataset, Dataset) {
	let all = flare_ml::bundled_mnist().expect("bundled MNIST loads");
	all.split_at(BUNDLED_TRAIN).expect("10 000 samples")
}

/// How the simulated round is run.
pub struct Sim<'a> {
	pub spec: ModelSpec,
	pub clients: Vec<Dataset>,
	pub test: &'a Dataset,
	pub rounds: u32,
	pub local: TrainConfig,
	pub rule: Rule,
	/// `None`: deltas are aggregated as they are; `Some`: each goes through a FLUP blob.
	pub codec: Option<CodecSpec>,
	/// Clients that send `-10 ×` their honest delta (sign flip, scaled).
	pub attackers: Vec<usize>,
	pub seed: u64,
}

pub struct SimResult {
	pub accuracy: Vec<f64>,
	pub global: Params,
	/// Mean blob size per update, when a codec is used.
	pub mean_blob_bytes: f64,
}

impl Sim<'_> {
	pub fn run(&self) -> SimResult {
		let mut model = self.spec.build(self.seed).expect("valid spec");
		let mut global = model.params();
		let manifest = global.manifest().clone();
		let mut encoders: Vec<Option<Encoder>> = (0..self.clients.len())
			.map(|_| {
				self.codec
					.map(|c| Encoder::new(c).expect("valid codec spec"))
			})
			.collect();
		let mut accuracy = Vec::new();
		let (mut blob_bytes, mut blobs) = (0usize, 0usize);
		for round in 0..self.rounds {
			let mut updates = Vec::with_capacity(self.clients.len());
			for (c, data) in self.clients.iter().enumerate() {
				let cfg = TrainConfig {
					seed: self.seed ^ (u64::from(round) << 32) ^ c as u64,
					..self.local.clone()
				};
				let (mut delta, _) =
					local_update(model.as_mut(), &global, data, &cfg).expect("local training");
				if self.attackers.contains(&c) {
					delta.iter_mut().for_each(|d| *d *= -10.0);
				}
				let delta = Params::new(manifest.clone(), delta).expect("delta shape");
				let update = match &mut encoders[c] {
					Some(enc) => {
						let blob = enc.encode(&delta).expect("encode");
						blob_bytes += blob.len();
						blobs += 1;
						Update::from_blob(&blob, data.len() as u64, &manifest, 64 << 20)
							.expect("decode")
					}
					None => Update::new(
						content_hash(&delta.encode()),
						data.len() as u64,
						delta.into_values(),
					),
				};
				updates.push(update);
			}
			let step = aggregate::aggregate(&self.rule, &updates).expect("aggregate");
			global = global.add_delta(&step).expect("step shape");
			model.set_params(&global).expect("finite global");
			accuracy.push(model.evaluate(self.test).expect("evaluate").accuracy);
		}
		SimResult {
			accuracy,
			global,
			mean_blob_bytes: blob_bytes as f64 / blobs.max(1) as f64,
		}
	}
}

/// Config of the centralized reference runs (also the FedAvg baseline in tests/federated.rs).
pub fn centralized_cfg(epochs: u32) -> TrainConfig {
	TrainConfig {
		epochs,
		batch_size: 32,
		learning_rate: 0.02,
		momentum: 0.9,
		weight_decay: 0.0,
		prox_mu: 0.0,
		seed: 11,
	}
}

/// Trains `spec` centrally on `train` and returns test accuracy.
pub fn centralized(
	spec: &ModelSpec,
	train: &Dataset,
	test: &Dataset,
	cfg: &TrainConfig,
	seed: u64,
) -> f64 {
	let mut m: Box<dyn Model + Send> = spec.build(seed).expect("valid spec");
	m.train(train, cfg).expect("training");
	m.evaluate(test).expect("evaluate").accuracy
}

/// Splits `train` by the index lists of a partition.
pub fn split(train: &Dataset, parts: &[Vec<usize>]) -> Vec<Dataset> {
	parts
		.iter()
		.map(|p| train.subset(p).expect("indices in range"))
		.collect()
}
