//! Models: multinomial logistic regression and ReLU multilayer perceptrons trained with
//! mini-batch SGD (optional momentum, weight decay and FedProx proximal term).
//!
//! Both models are one [`Network`]: a stack of dense layers, ReLU between them, softmax
//! cross-entropy on top. Logistic regression is the network without hidden layers. Parameters
//! live in one flat `f32` vector laid out by the [`Manifest`], so `params()`/`set_params()` are
//! copies and the SGD step is one pass over a slice; the forward/backward passes view slices of
//! it as matrices and multiply them with `matrixmultiply` (through `ndarray`).
//!
//! Training is deterministic for a given initial state, dataset and [`TrainConfig`] (the
//! shuffling RNG is ChaCha8 seeded from `cfg.seed`) on a given machine; across CPUs the matrix
//! kernels may round differently, which is why the chain never re-executes training and only
//! aggregation is bit-for-bit reproducible (see [`crate::aggregate`]).

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ArrayView1, ArrayView2, ArrayViewMut2, Zip};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::data::Dataset;
use crate::error::{ConfigError, ModelError};
use crate::params::{content_hash, Layer, Manifest, Params};

/// Rows per chunk when evaluating/predicting, bounding temporary memory.
const EVAL_CHUNK: usize = 1024;

/// A trainable classifier whose state is a [`Params`] vector.
///
/// Serialization is `params().encode()` together with the [`ModelSpec`] descriptor.
pub trait Model {
	fn spec(&self) -> &ModelSpec;
	fn manifest(&self) -> Manifest;
	fn params(&self) -> Params;
	/// Replaces all parameters; the manifest must match and every value must be finite.
	fn set_params(&mut self, p: &Params) -> Result<(), ModelError>;
	/// Runs `cfg.epochs` epochs of mini-batch SGD on `data`.
	fn train(&mut self, data: &Dataset, cfg: &TrainConfig) -> Result<TrainReport, ModelError>;
	/// Accuracy and mean cross-entropy on `data`.
	fn evaluate(&self, data: &Dataset) -> Result<Evaluation, ModelError>;
	/// Most likely class of each row of `x` (ties go to the lowest class).
	fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<u8>, ModelError>;
}

/// Architecture of a model; its [`ModelSpec::descriptor`] is the canonical text the chain stores.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ModelSpec {
	/// Multinomial logistic regression (`logreg:784x10`).
	LogReg { inputs: usize, classes: usize },
	/// ReLU MLP with softmax output; `layers` = input, hidden..., classes (`mlp:784-200-200-10`).
	Mlp { layers: Vec<usize> },
}

impl ModelSpec {
	/// Logistic regression on 28×28 digits.
	pub fn mnist_logreg() -> ModelSpec {
		ModelSpec::LogReg {
			inputs: 784,
			classes: 10,
		}
	}

	/// McMahan et al.'s "2NN": 784-200-200-10.
	pub fn mnist_2nn() -> ModelSpec {
		ModelSpec::Mlp {
			layers: vec![784, 200, 200, 10],
		}
	}

	/// Layer widths from input to output.
	pub fn sizes(&self) -> Vec<usize> {
		match self {
			ModelSpec::LogReg { inputs, classes } => vec![*inputs, *classes],
			ModelSpec::Mlp { layers } => layers.clone(),
		}
	}

	pub fn inputs(&self) -> usize {
		self.sizes().first().copied().unwrap_or(0)
	}

	pub fn classes(&self) -> usize {
		self.sizes().last().copied().unwrap_or(0)
	}

	/// Canonical text form: `logreg:{inputs}x{classes}` or `mlp:{w0}-{w1}-...-{classes}`.
	pub fn descriptor(&self) -> String {
		match self {
			ModelSpec::LogReg { inputs, classes } => format!("logreg:{inputs}x{classes}"),
			ModelSpec::Mlp { layers } => {
				let parts: Vec<String> = layers.iter().map(|w| w.to_string()).collect();
				format!("mlp:{}", parts.join("-"))
			}
		}
	}

	/// [`content_hash`] of the descriptor bytes.
	pub fn descriptor_hash(&self) -> [u8; 32] {
		content_hash(self.descriptor().as_bytes())
	}

	/// Checks widths: inputs ≥ 1, hidden ≥ 1, 2..=256 classes (labels are `u8`), an MLP has at
	/// least one hidden layer (without one it is `logreg`), and the parameter count is encodable.
	pub fn validate(&self) -> Result<(), ModelError> {
		let invalid = |reason| ModelError::InvalidSpec {
			spec: self.descriptor(),
			reason,
		};
		let sizes = self.sizes();
		if let ModelSpec::Mlp { layers } = self {
			if layers.len() < 3 {
				return Err(invalid(
					"an mlp needs input, at least one hidden layer and output widths",
				));
			}
		}
		if sizes.contains(&0) {
			return Err(invalid("layer widths must be at least 1"));
		}
		if sizes.iter().any(|&w| w > u32::MAX as usize) {
			return Err(invalid("layer widths must fit in u32"));
		}
		let classes = self.classes();
		if !(2..=256).contains(&classes) {
			return Err(invalid("classes must be in 2..=256"));
		}
		self.manifest()
			.validate()
			.map_err(|_| invalid("parameter count is too large"))?;
		Ok(())
	}

	fn layer_names(&self, i: usize) -> (String, String) {
		match self {
			ModelSpec::LogReg { .. } => ("linear.weight".into(), "linear.bias".into()),
			ModelSpec::Mlp { .. } => (format!("fc{}.weight", i + 1), format!("fc{}.bias", i + 1)),
		}
	}

	/// Parameter layout: per dense layer a `weight [inputs, outputs]` then a `bias [outputs]`.
	pub fn manifest(&self) -> Manifest {
		let sizes = self.sizes();
		let mut layers = Vec::with_capacity(2 * sizes.len());
		for (i, w) in sizes.windows(2).enumerate() {
			let (wn, bn) = self.layer_names(i);
			layers.push(Layer::new(wn, vec![w[0] as u32, w[1] as u32]));
			layers.push(Layer::new(bn, vec![w[1] as u32]));
		}
		Manifest::new(layers)
	}

	/// A freshly initialised model: He-uniform hidden layers, Glorot-uniform output layer,
	/// zero biases, drawn from ChaCha8 seeded with `seed`.
	pub fn build(&self, seed: u64) -> Result<Box<dyn Model + Send>, ModelError> {
		Ok(Box::new(Network::new(self.clone(), seed)?))
	}
}

impl fmt::Display for ModelSpec {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(&self.descriptor())
	}
}

impl FromStr for ModelSpec {
	type Err = ModelError;

	/// Parses a descriptor; only the canonical form is accepted (no spaces, signs or leading zeros).
	fn from_str(s: &str) -> Result<ModelSpec, ModelError> {
		let invalid = |reason| ModelError::InvalidSpec {
			spec: s.to_owned(),
			reason,
		};
		let num = |t: &str| {
			t.parse::<usize>()
				.map_err(|_| invalid("widths must be decimal integers"))
		};
		let spec = if let Some(rest) = s.strip_prefix("logreg:") {
			let (a, b) = rest
				.split_once('x')
				.ok_or_else(|| invalid("expected logreg:{inputs}x{classes}"))?;
			ModelSpec::LogReg {
				inputs: num(a)?,
				classes: num(b)?,
			}
		} else if let Some(rest) = s.strip_prefix("mlp:") {
			let layers = rest.split('-').map(num).collect::<Result<Vec<_>, _>>()?;
			ModelSpec::Mlp { layers }
		} else {
			return Err(invalid("expected a logreg: or mlp: descriptor"));
		};
		if spec.descriptor() != s {
			return Err(invalid("descriptor is not in canonical form"));
		}
		spec.validate()?;
		Ok(spec)
	}
}

/// Hyper-parameters of one call to [`Model::train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainConfig {
	pub epochs: u32,
	pub batch_size: usize,
	pub learning_rate: f32,
	/// Heavy-ball momentum in `[0, 1)`; the velocity starts at zero on every `train` call.
	pub momentum: f32,
	/// L2 penalty coefficient (added to the gradient of every parameter, biases included).
	pub weight_decay: f32,
	/// FedProx μ: adds μ/2·‖w − w₀‖² with w₀ the parameters when `train` started; 0 = FedAvg.
	pub prox_mu: f32,
	/// Seeds the per-epoch shuffling.
	pub seed: u64,
}

impl Default for TrainConfig {
	fn default() -> Self {
		TrainConfig {
			epochs: 1,
			batch_size: 32,
			learning_rate: 0.05,
			momentum: 0.0,
			weight_decay: 0.0,
			prox_mu: 0.0,
			seed: 0,
		}
	}
}

/// A [`TrainConfig`] whose every field has been checked.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTrainConfig(TrainConfig);

impl Deref for ValidTrainConfig {
	type Target = TrainConfig;
	fn deref(&self) -> &TrainConfig {
		&self.0
	}
}

impl ValidTrainConfig {
	pub fn into_inner(self) -> TrainConfig {
		self.0
	}
}

impl TrainConfig {
	/// Checks every field, naming the first invalid one.
	pub fn validate(self) -> Result<ValidTrainConfig, ConfigError> {
		self.check()?;
		Ok(ValidTrainConfig(self))
	}

	fn check(&self) -> Result<(), ConfigError> {
		fn bad(
			field: &'static str,
			value: impl fmt::Display,
			expected: &'static str,
		) -> ConfigError {
			ConfigError {
				field,
				value: value.to_string(),
				expected,
			}
		}
		if self.epochs == 0 {
			return Err(bad("epochs", self.epochs, "at least 1"));
		}
		if self.batch_size == 0 {
			return Err(bad("batch_size", self.batch_size, "at least 1"));
		}
		if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
			return Err(bad("learning_rate", self.learning_rate, "finite and > 0"));
		}
		if !(self.momentum.is_finite() && (0.0..1.0).contains(&self.momentum)) {
			return Err(bad("momentum", self.momentum, "in [0, 1)"));
		}
		if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
			return Err(bad("weight_decay", self.weight_decay, "finite and >= 0"));
		}
		if !(self.prox_mu.is_finite() && self.prox_mu >= 0.0) {
			return Err(bad("prox_mu", self.prox_mu, "finite and >= 0"));
		}
		Ok(())
	}
}

/// What [`Model::train`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
	/// Samples in the training set (per epoch).
	pub samples: usize,
	pub epochs: u32,
	/// Mean cross-entropy over the last epoch (without the weight-decay/proximal terms).
	pub final_loss: f32,
}

/// Result of [`Model::evaluate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
	pub accuracy: f64,
	/// Mean cross-entropy.
	pub loss: f64,
	pub samples: usize,
}

/// Sets `model` to `global`, trains it on `data` and returns the update `trained − global`.
pub fn local_update(
	model: &mut dyn Model,
	global: &Params,
	data: &Dataset,
	cfg: &TrainConfig,
) -> Result<(Vec<f32>, TrainReport), ModelError> {
	model.set_params(global)?;
	let report = model.train(data, cfg)?;
	let delta = model.params().delta_from(global)?;
	Ok((delta, report))
}

/// Dense ReLU network with softmax cross-entropy; implements [`Model`] for every [`ModelSpec`].
#[derive(Debug, Clone)]
pub struct Network {
	spec: ModelSpec,
	sizes: Vec<usize>,
	manifest: Manifest,
	/// Offsets of (weight, bias) of each dense layer in `values`.
	offsets: Vec<(usize, usize)>,
	values: Vec<f32>,
}

/// Per-batch buffers, allocated once per `train` call.
struct Workspace {
	/// `acts[l]` is `batch × sizes[l]`: the input for l = 0, post-ReLU (or logits) after.
	acts: Vec<Array2<f32>>,
	/// `deltas[l]`: gradient of the loss w.r.t. the pre-activation of layer l (index 0 unused).
	deltas: Vec<Array2<f32>>,
	grad: Vec<f32>,
	velocity: Vec<f32>,
}

impl Network {
	pub fn new(spec: ModelSpec, seed: u64) -> Result<Network, ModelError> {
		spec.validate()?;
		let sizes = spec.sizes();
		let manifest = spec.manifest();
		let mut offsets = Vec::with_capacity(sizes.len() - 1);
		let mut off = 0;
		for w in sizes.windows(2) {
			offsets.push((off, off + w[0] * w[1]));
			off += w[0] * w[1] + w[1];
		}
		let mut rng = ChaCha8Rng::seed_from_u64(seed);
		let mut values = vec![0.0f32; off];
		let last = sizes.len() - 2;
		for (l, w) in sizes.windows(2).enumerate() {
			let (fan_in, fan_out) = (w[0] as f32, w[1] as f32);
			// He for ReLU layers keeps activations' variance stable; Glorot for the softmax layer.
			let bound = if l < last {
				(6.0 / fan_in).sqrt()
			} else {
				(6.0 / (fan_in + fan_out)).sqrt()
			};
			let (ow, ob) = offsets[l];
			for v in &mut values[ow..ob] {
				*v = (rng.gen::<f32>() * 2.0 - 1.0) * bound;
			}
		}
		Ok(Network {
			spec,
			sizes,
			manifest,
			offsets,
			values,
		})
	}

	fn depth(&self) -> usize {
		self.offsets.len()
	}

	fn weight(&self, l: usize) -> ArrayView2<'_, f32> {
		let (ow, ob) = self.offsets[l];
		ArrayView2::from_shape((self.sizes[l], self.sizes[l + 1]), &self.values[ow..ob])
			.expect("offsets are derived from sizes")
	}

	fn bias(&self, l: usize) -> ArrayView1<'_, f32> {
		let (_, ob) = self.offsets[l];
		ArrayView1::from(&self.values[ob..ob + self.sizes[l + 1]])
	}

	fn check_data(&self, data: &Dataset) -> Result<(), ModelError> {
		data.validate()?;
		if data.features() != self.sizes[0] {
			return Err(ModelError::InputMismatch {
				expected: self.sizes[0],
				got: data.features(),
			});
		}
		if data.classes != self.spec.classes() {
			return Err(ModelError::ClassMismatch {
				model: self.spec.classes(),
				data: data.classes,
			});
		}
		Ok(())
	}

	/// Forward pass over `acts[0][..b]`, leaving logits in `acts[depth][..b]`.
	fn forward(&self, acts: &mut [Array2<f32>], b: usize) {
		let depth = self.depth();
		for l in 0..depth {
			let (prev, rest) = acts.split_at_mut(l + 1);
			let input = prev[l].slice(s![..b, ..]);
			let mut out = rest[0].slice_mut(s![..b, ..]);
			out.assign(
				&self
					.bias(l)
					.broadcast((b, self.sizes[l + 1]))
					.expect("bias width matches"),
			);
			general_mat_mul(1.0, &input, &self.weight(l), 1.0, &mut out);
			if l + 1 < depth {
				out.mapv_inplace(|z| z.max(0.0));
			}
		}
	}

	/// Logits of `x` (all rows), computed chunk by chunk.
	fn for_each_logits(&self, x: ArrayView2<f32>, mut f: impl FnMut(usize, ArrayView2<f32>)) {
		let chunk = EVAL_CHUNK.min(x.nrows().max(1));
		let mut acts: Vec<Array2<f32>> = self
			.sizes
			.iter()
			.map(|&w| Array2::zeros((chunk, w)))
			.collect();
		let mut start = 0;
		while start < x.nrows() {
			let b = chunk.min(x.nrows() - start);
			acts[0]
				.slice_mut(s![..b, ..])
				.assign(&x.slice(s![start..start + b, ..]));
			self.forward(&mut acts, b);
			f(start, acts[self.depth()].slice(s![..b, ..]));
			start += b;
		}
	}

	fn workspace(&self, batch: usize) -> Workspace {
		Workspace {
			acts: self
				.sizes
				.iter()
				.map(|&w| Array2::zeros((batch, w)))
				.collect(),
			deltas: self
				.sizes
				.iter()
				.map(|&w| Array2::zeros((batch, w)))
				.collect(),
			grad: vec![0.0; self.values.len()],
			velocity: vec![0.0; self.values.len()],
		}
	}

	/// One SGD step on the samples `idx`; returns the summed cross-entropy of the batch.
	fn step(
		&mut self,
		ws: &mut Workspace,
		data: &Dataset,
		idx: &[usize],
		cfg: &TrainConfig,
		anchor: Option<&[f32]>,
	) -> f64 {
		let b = idx.len();
		let depth = self.depth();
		for (r, &i) in idx.iter().enumerate() {
			ws.acts[0].row_mut(r).assign(&data.x.row(i));
		}
		self.forward(&mut ws.acts, b);

		// Softmax cross-entropy; d(mean loss)/d(logits) = (softmax − onehot) / b.
		let mut loss = 0.0f64;
		{
			let logits = ws.acts[depth].slice(s![..b, ..]);
			let mut dz = ws.deltas[depth].slice_mut(s![..b, ..]);
			let inv_b = 1.0 / b as f32;
			for (r, (z, mut d)) in logits.outer_iter().zip(dz.outer_iter_mut()).enumerate() {
				let max = z.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
				let mut sum = 0.0f32;
				Zip::from(&mut d).and(&z).for_each(|d, &v| {
					*d = (v - max).exp();
					sum += *d;
				});
				let y = data.y[idx[r]] as usize;
				loss += f64::from(sum.ln() + max - z[y]);
				let scale = inv_b / sum;
				d.mapv_inplace(|p| p * scale);
				d[y] -= inv_b;
			}
		}

		// Backward pass, writing weight/bias gradients straight into the flat gradient vector.
		for l in (0..depth).rev() {
			let (ow, ob) = self.offsets[l];
			let (n_in, n_out) = (self.sizes[l], self.sizes[l + 1]);
			let (lower, upper) = ws.deltas.split_at_mut(l + 1);
			let dz = upper[0].slice(s![..b, ..]);
			let input = ws.acts[l].slice(s![..b, ..]);
			let (gw, gb) = ws.grad[ow..ob + n_out].split_at_mut(ob - ow);
			let mut gw = ArrayViewMut2::from_shape((n_in, n_out), gw)
				.expect("offsets are derived from sizes");
			general_mat_mul(1.0, &input.t(), &dz, 0.0, &mut gw);
			gb.fill(0.0);
			for row in dz.outer_iter() {
				for (g, &d) in gb.iter_mut().zip(row.iter()) {
					*g += d;
				}
			}
			if l > 0 {
				let mut dprev = lower[l].slice_mut(s![..b, ..]);
				general_mat_mul(1.0, &dz, &self.weight(l).t(), 0.0, &mut dprev);
				// ReLU derivative: the activation is positive exactly where the pre-activation was.
				Zip::from(&mut dprev).and(&input).for_each(|d, &a| {
					if a <= 0.0 {
						*d = 0.0;
					}
				});
			}
		}

		let (lr, m, wd, mu) = (
			cfg.learning_rate,
			cfg.momentum,
			cfg.weight_decay,
			cfg.prox_mu,
		);
		match anchor {
			Some(w0) => {
				for (((w, g), v), w0) in self
					.values
					.iter_mut()
					.zip(&ws.grad)
					.zip(&mut ws.velocity)
					.zip(w0)
				{
					let g = g + wd * *w + mu * (*w - w0);
					*v = m * *v + g;
					*w -= lr * *v;
				}
			}
			None => {
				for ((w, g), v) in self.values.iter_mut().zip(&ws.grad).zip(&mut ws.velocity) {
					let g = g + wd * *w;
					*v = m * *v + g;
					*w -= lr * *v;
				}
			}
		}
		loss
	}
}

impl Model for Network {
	fn spec(&self) -> &ModelSpec {
		&self.spec
	}

	fn manifest(&self) -> Manifest {
		self.manifest.clone()
	}

	fn params(&self) -> Params {
		Params::from_validated(self.manifest.clone(), self.values.clone())
	}

	fn set_params(&mut self, p: &Params) -> Result<(), ModelError> {
		if *p.manifest() != self.manifest {
			return Err(ModelError::WrongManifest {
				expected: Box::new(self.manifest.clone()),
				got: Box::new(p.manifest().clone()),
			});
		}
		if let Some(index) = p.first_non_finite() {
			return Err(ModelError::NonFinite { index });
		}
		self.values.copy_from_slice(p.values());
		Ok(())
	}

	fn train(&mut self, data: &Dataset, cfg: &TrainConfig) -> Result<TrainReport, ModelError> {
		cfg.check()?;
		self.check_data(data)?;
		let n = data.len();
		if n == 0 {
			return Err(ModelError::EmptyDataset);
		}
		let batch = cfg.batch_size.min(n);
		let mut ws = self.workspace(batch);
		let anchor = (cfg.prox_mu > 0.0).then(|| self.values.clone());
		let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
		let mut order: Vec<usize> = (0..n).collect();
		let mut epoch_loss = 0.0f64;
		for epoch in 0..cfg.epochs {
			order.shuffle(&mut rng);
			epoch_loss = 0.0;
			for (bi, idx) in order.chunks(batch).enumerate() {
				let loss = self.step(&mut ws, data, idx, cfg, anchor.as_deref());
				if !loss.is_finite() {
					return Err(ModelError::Diverged { epoch, batch: bi });
				}
				epoch_loss += loss;
			}
		}
		if self.values.iter().any(|v| !v.is_finite()) {
			return Err(ModelError::Diverged {
				epoch: cfg.epochs - 1,
				batch: n.div_ceil(batch) - 1,
			});
		}
		Ok(TrainReport {
			samples: n,
			epochs: cfg.epochs,
			final_loss: (epoch_loss / n as f64) as f32,
		})
	}

	fn evaluate(&self, data: &Dataset) -> Result<Evaluation, ModelError> {
		self.check_data(data)?;
		let mut correct = 0usize;
		let mut loss = 0.0f64;
		self.for_each_logits(data.x.view(), |start, logits| {
			for (r, z) in logits.outer_iter().enumerate() {
				let y = data.y[start + r] as usize;
				let max = z.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
				let lse = z
					.iter()
					.map(|&v| f64::from(v - max).exp())
					.sum::<f64>()
					.ln() + f64::from(max);
				loss += lse - f64::from(z[y]);
				if argmax(z) == y {
					correct += 1;
				}
			}
		});
		let n = data.len();
		let denom = n.max(1) as f64;
		Ok(Evaluation {
			accuracy: correct as f64 / denom,
			loss: loss / denom,
			samples: n,
		})
	}

	fn predict(&self, x: ArrayView2<f32>) -> Result<Vec<u8>, ModelError> {
		if x.ncols() != self.sizes[0] {
			return Err(ModelError::InputMismatch {
				expected: self.sizes[0],
				got: x.ncols(),
			});
		}
		let mut out = Vec::with_capacity(x.nrows());
		// classes ≤ 256 (validated), so the class index fits in u8.
		self.for_each_logits(x, |_, logits| {
			out.extend(logits.outer_iter().map(|z| argmax(z) as u8))
		});
		Ok(out)
	}
}

/// Index of the first maximum.
fn argmax(z: ArrayView1<f32>) -> usize {
	let mut best = 0;
	for (i, &v) in z.iter().enumerate() {
		if v > z[best] {
			best = i;
		}
	}
	best
}
