mod common;

use flare_ml::params::{content_hash, Layer, Manifest};
use flare_ml::{Dataset, Model, ModelError, ModelSpec, Network, Params, TrainConfig};
use ndarray::{array, Array2};

use common::centralized_cfg;

#[test]
fn centralized_logistic_regression_reaches_89_percent() {
	let (train, test) = common::mnist_split();
	let cfg = TrainConfig {
		learning_rate: 0.05,
		..centralized_cfg(10)
	};
	let acc = common::centralized(&ModelSpec::mnist_logreg(), &train, &test, &cfg, 1);
	println!(
		"centralized logreg:784x10, 10 epochs: test accuracy {:.2}%",
		100.0 * acc
	);
	assert!(acc >= 0.89, "accuracy {acc}");
}

#[test]
fn centralized_mlp_2nn_reaches_95_percent() {
	let (train, test) = common::mnist_split();
	let acc = common::centralized(
		&ModelSpec::mnist_2nn(),
		&train,
		&test,
		&centralized_cfg(10),
		1,
	);
	println!(
		"centralized mlp:784-200-200-10, 10 epochs: test accuracy {:.2}%",
		100.0 * acc
	);
	assert!(acc >= 0.95, "accuracy {acc}");
}

fn tiny_data() -> Dataset {
	// Four 3-feature samples, three classes.
	let x = array![
		[0.9f32, 0.1, 0.3],
		[0.2, 0.8, 0.5],
		[0.4, 0.4, 0.9],
		[0.7, 0.6, 0.1]
	];
	Dataset::new(x, vec![0, 1, 2, 0], 3).unwrap()
}

#[test]
fn backprop_gradient_matches_finite_differences() {
	let spec: ModelSpec = "mlp:3-5-4-3".parse().unwrap();
	let data = tiny_data();
	let mut net = spec.build(5).unwrap();
	let w0 = net.params();
	// One full-batch plain SGD step moves w by −lr·∇L exactly.
	let lr = 1e-3f32;
	let cfg = TrainConfig {
		epochs: 1,
		batch_size: 4,
		learning_rate: lr,
		momentum: 0.0,
		..TrainConfig::default()
	};
	net.train(&data, &cfg).unwrap();
	let grad: Vec<f32> = net
		.params()
		.delta_from(&w0)
		.unwrap()
		.iter()
		.map(|d| -d / lr)
		.collect();

	let loss_at = |net: &mut Box<dyn Model + Send>, i: usize, h: f32| {
		let mut p = w0.clone();
		p.values_mut()[i] += h;
		net.set_params(&p).unwrap();
		net.evaluate(&data).unwrap().loss
	};
	let h = 1e-3f32;
	let mut checked = 0;
	for (i, &g) in grad.iter().enumerate() {
		let fd = (loss_at(&mut net, i, h) - loss_at(&mut net, i, -h)) / (2.0 * f64::from(h));
		let g = f64::from(g);
		assert!(
			(fd - g).abs() <= 2e-3 + 2e-2 * g.abs(),
			"param {i}: backprop {g}, finite difference {fd}"
		);
		checked += usize::from(g.abs() > 1e-3);
	}
	assert!(
		checked > w0.len() / 2,
		"most gradients are non-trivial ({checked})"
	);
}

#[test]
fn training_is_deterministic_given_seeds() {
	let (train, _) = common::mnist_split();
	let train = train.subset(&(0..500).collect::<Vec<_>>()).unwrap();
	let spec = ModelSpec::mnist_2nn();
	let cfg = TrainConfig {
		momentum: 0.9,
		..centralized_cfg(1)
	};
	let run = |init: u64, shuffle: u64| {
		let mut m = spec.build(init).unwrap();
		m.train(
			&train,
			&TrainConfig {
				seed: shuffle,
				..cfg.clone()
			},
		)
		.unwrap();
		m.params().hash()
	};
	assert_eq!(run(1, 2), run(1, 2));
	assert_ne!(run(1, 2), run(1, 3), "shuffle seed matters");
	assert_ne!(run(1, 2), run(4, 2), "init seed matters");
	assert_eq!(
		spec.build(9).unwrap().params(),
		spec.build(9).unwrap().params()
	);
}

#[test]
fn fedprox_term_keeps_weights_closer_to_the_start() {
	let (train, _) = common::mnist_split();
	let train = train.subset(&(0..800).collect::<Vec<_>>()).unwrap();
	let drift = |mu: f32| {
		let mut m = ModelSpec::mnist_logreg().build(2).unwrap();
		let start = m.params();
		m.train(
			&train,
			&TrainConfig {
				prox_mu: mu,
				learning_rate: 0.05,
				..centralized_cfg(3)
			},
		)
		.unwrap();
		flare_ml::params::l2_norm(&m.params().delta_from(&start).unwrap())
	};
	let (free, prox) = (drift(0.0), drift(1.0));
	assert!(
		prox < 0.8 * free,
		"drift with mu=1: {prox}, without: {free}"
	);
}

#[test]
fn train_report_counts_samples_and_loss_decreases() {
	let (train, _) = common::mnist_split();
	let train = train.subset(&(0..1000).collect::<Vec<_>>()).unwrap();
	let mut m = ModelSpec::mnist_logreg().build(0).unwrap();
	let first = m.train(&train, &centralized_cfg(1)).unwrap();
	let later = m.train(&train, &centralized_cfg(3)).unwrap();
	assert_eq!((first.samples, first.epochs, later.epochs), (1000, 1, 3));
	assert!(later.final_loss < first.final_loss);
}

#[test]
fn config_validation_names_the_bad_field() {
	let ok = TrainConfig::default();
	assert!(ok.clone().validate().is_ok());
	let cases: Vec<(TrainConfig, &str)> = vec![
		(
			TrainConfig {
				epochs: 0,
				..ok.clone()
			},
			"epochs",
		),
		(
			TrainConfig {
				batch_size: 0,
				..ok.clone()
			},
			"batch_size",
		),
		(
			TrainConfig {
				learning_rate: 0.0,
				..ok.clone()
			},
			"learning_rate",
		),
		(
			TrainConfig {
				learning_rate: f32::NAN,
				..ok.clone()
			},
			"learning_rate",
		),
		(
			TrainConfig {
				learning_rate: f32::INFINITY,
				..ok.clone()
			},
			"learning_rate",
		),
		(
			TrainConfig {
				momentum: 1.0,
				..ok.clone()
			},
			"momentum",
		),
		(
			TrainConfig {
				momentum: -0.1,
				..ok.clone()
			},
			"momentum",
		),
		(
			TrainConfig {
				weight_decay: -1e-4,
				..ok.clone()
			},
			"weight_decay",
		),
		(
			TrainConfig {
				prox_mu: -0.01,
				..ok.clone()
			},
			"prox_mu",
		),
		(
			TrainConfig {
				prox_mu: f32::NAN,
				..ok.clone()
			},
			"prox_mu",
		),
	];
	let mut m = ModelSpec::mnist_logreg().build(0).unwrap();
	let data = Dataset::new(Array2::zeros((2, 784)), vec![0, 1], 10).unwrap();
	for (cfg, field) in cases {
		assert_eq!(cfg.clone().validate().unwrap_err().field, field);
		// train() checks too, before touching the parameters.
		match m.train(&data, &cfg) {
			Err(ModelError::Config(e)) => assert_eq!(e.field, field),
			r => panic!("{field}: {r:?}"),
		}
	}
}

#[test]
fn descriptors_are_canonical_and_round_trip() {
	assert_eq!(ModelSpec::mnist_logreg().descriptor(), "logreg:784x10");
	assert_eq!(ModelSpec::mnist_2nn().descriptor(), "mlp:784-200-200-10");
	for d in ["logreg:784x10", "mlp:784-200-200-10", "mlp:3-1-2"] {
		let s: ModelSpec = d.parse().unwrap();
		assert_eq!(s.to_string(), d);
		assert_eq!(s.descriptor_hash(), content_hash(d.as_bytes()));
	}
	for bad in [
		"mlp:784-10",
		"mlp:784-0-10",
		"mlp:784-200-1",
		"mlp:784-200-257",
		"logreg:0784x10",
		"logreg:+784x10",
		"logreg:784x10 ",
		"logreg:784",
		"cnn:784",
		"mlp:",
		"",
	] {
		assert!(
			matches!(
				bad.parse::<ModelSpec>(),
				Err(ModelError::InvalidSpec { .. })
			),
			"{bad:?} was accepted"
		);
	}
	assert!(matches!(
		ModelSpec::Mlp { layers: vec![4, 3] }.build(0),
		Err(ModelError::InvalidSpec { .. })
	));
}

#[test]
fn manifests_name_every_tensor() {
	let m = ModelSpec::mnist_2nn().manifest();
	let names: Vec<&str> = m.layers.iter().map(|l| l.name.as_str()).collect();
	assert_eq!(
		names,
		[
			"fc1.weight",
			"fc1.bias",
			"fc2.weight",
			"fc2.bias",
			"fc3.weight",
			"fc3.bias"
		]
	);
	assert_eq!(m.layers[0].dims, vec![784, 200]);
	assert_eq!(m.len(), 199_210);
	let l = ModelSpec::mnist_logreg().manifest();
	assert_eq!(
		l.layers,
		vec![
			Layer::new("linear.weight", vec![784, 10]),
			Layer::new("linear.bias", vec![10])
		]
	);
	assert_eq!(l.len(), 7_850);
}

#[test]
fn set_params_rejects_wrong_manifests_and_non_finite_values() {
	let mut m = ModelSpec::mnist_logreg().build(0).unwrap();
	let other =
		Params::zeros(Manifest::new(vec![Layer::new("linear.weight", vec![7850])])).unwrap();
	assert!(matches!(
		m.set_params(&other),
		Err(ModelError::WrongManifest { .. })
	));
	let mut p = m.params();
	p.values_mut()[17] = f32::NAN;
	assert!(matches!(
		m.set_params(&p),
		Err(ModelError::NonFinite { index: 17 })
	));
	let z = Params::zeros(m.manifest()).unwrap();
	m.set_params(&z).unwrap();
	assert_eq!(m.params(), z);
}

#[test]
fn mismatched_data_is_an_error_not_a_panic() {
	let mut m = ModelSpec::mnist_logreg().build(0).unwrap();
	let narrow = Dataset::new(Array2::zeros((2, 5)), vec![0, 1], 10).unwrap();
	assert!(matches!(
		m.evaluate(&narrow),
		Err(ModelError::InputMismatch {
			expected: 784,
			got: 5
		})
	));
	assert!(matches!(
		m.predict(narrow.x.view()),
		Err(ModelError::InputMismatch { .. })
	));
	let three = Dataset::new(Array2::zeros((2, 784)), vec![0, 1], 3).unwrap();
	assert!(matches!(
		m.train(&three, &TrainConfig::default()),
		Err(ModelError::ClassMismatch { model: 10, data: 3 })
	));
	let empty = Dataset::new(Array2::zeros((0, 784)), vec![], 10).unwrap();
	assert!(matches!(
		m.train(&empty, &TrainConfig::default()),
		Err(ModelError::EmptyDataset)
	));
	let mut broken = Dataset::new(Array2::zeros((2, 784)), vec![0, 1], 10).unwrap();
	broken.y.push(3);
	assert!(matches!(m.evaluate(&broken), Err(ModelError::Data(_))));
}

#[test]
fn predict_agrees_with_evaluate() {
	let (train, test) = common::mnist_split();
	let mut m = Network::new(ModelSpec::mnist_logreg(), 0).unwrap();
	m.train(
		&train.subset(&(0..2000).collect::<Vec<_>>()).unwrap(),
		&centralized_cfg(1),
	)
	.unwrap();
	let pred = m.predict(test.x.view()).unwrap();
	assert_eq!(pred.len(), test.len());
	let hits = pred.iter().zip(&test.y).filter(|(p, y)| p == y).count();
	let eval = m.evaluate(&test).unwrap();
	assert_eq!(hits as f64 / test.len() as f64, eval.accuracy);
	assert_eq!(eval.samples, 2000);
	assert!(eval.accuracy > 0.8);
}

#[test]
fn diverging_training_is_reported() {
	let (train, _) = common::mnist_split();
	let train = train.subset(&(0..256).collect::<Vec<_>>()).unwrap();
	let mut m = ModelSpec::mnist_2nn().build(0).unwrap();
	let cfg = TrainConfig {
		learning_rate: 1e6,
		epochs: 3,
		..centralized_cfg(1)
	};
	assert!(matches!(
		m.train(&train, &cfg),
		Err(ModelError::Diverged { .. })
	));
}
