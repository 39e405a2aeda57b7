//! End-to-end federated learning on the bundled MNIST digits: FedAvg against centralized
//! training, robustness to poisoned clients, and the accuracy/size trade-off of the codecs.
//! Run with `--nocapture` to see the tables.

mod common;

use common::{centralized, centralized_cfg, mnist_split, split, Sim};
use flare_ml::{partition, CodecId, CodecSpec, ModelSpec, Rule, TrainConfig};

const CLIENTS: usize = 10;

/// Local training of every FedAvg client: 2 epochs of SGD with momentum.
fn local_cfg() -> TrainConfig {
	TrainConfig {
		epochs: 2,
		batch_size: 32,
		learning_rate: 0.05,
		momentum: 0.9,
		weight_decay: 0.0,
		prox_mu: 0.0,
		seed: 0,
	}
}

fn fedavg_gap(partition_name: &str, parts: Vec<Vec<usize>>, allowed_pp: f64) {
	let (train, test) = mnist_split();
	let spec = ModelSpec::mnist_2nn();
	let central = centralized(&spec, &train, &test, &centralized_cfg(10), 1);
	let sim = Sim {
		spec,
		clients: split(&train, &parts),
		test: &test,
		rounds: 15,
		local: local_cfg(),
		rule: Rule::FedAvg,
		codec: None,
		attackers: vec![],
		seed: 3,
	};
	let acc = sim.run().accuracy;
	let last = *acc.last().unwrap();
	println!(
        "FedAvg {partition_name}, {CLIENTS} clients, 15 rounds x 2 local epochs: {:.2}% (centralized {:.2}%, gap {:+.2} pp)\n  per round: {:?}",
        100.0 * last,
        100.0 * central,
        100.0 * (last - central),
        acc.iter().map(|a| format!("{:.1}", 100.0 * a)).collect::<Vec<_>>()
    );
	assert!(
		last >= central - allowed_pp / 100.0,
		"FedAvg {partition_name} {last} vs centralized {central}"
	);
}

#[test]
fn fedavg_with_iid_clients_is_within_1pp_of_centralized() {
	fedavg_gap("IID", partition::iid(8000, CLIENTS, 1).unwrap(), 1.0);
}

#[test]
fn fedavg_with_dirichlet_half_clients_is_within_3pp_of_centralized() {
	let (train, _) = mnist_split();
	fedavg_gap(
		"Dirichlet(0.5)",
		partition::dirichlet(&train.y, 10, CLIENTS, 0.5, 1).unwrap(),
		3.0,
	);
}

struct Row {
	label: String,
	acc: f64,
}

fn robustness_table(
	spec: ModelSpec,
	rounds: u32,
	local: TrainConfig,
	rules: &[Rule],
) -> (f64, Vec<(Rule, f64)>) {
	let (train, test) = mnist_split();
	let clients = split(&train, &partition::iid(train.len(), CLIENTS, 1).unwrap());
	let run = |rule: Rule, attackers: Vec<usize>| {
		let sim = Sim {
			spec: spec.clone(),
			clients: clients.clone(),
			test: &test,
			rounds,
			local: local.clone(),
			rule,
			codec: None,
			attackers,
			seed: 3,
		};
		*sim.run().accuracy.last().unwrap()
	};
	let clean = run(Rule::FedAvg, vec![]);
	// 20 % of the clients send −10 × their honest delta.
	let poisoned: Vec<(Rule, f64)> = rules.iter().map(|&r| (r, run(r, vec![2, 7]))).collect();
	let mut rows = vec![Row {
		label: "fedavg, no attacker".into(),
		acc: clean,
	}];
	rows.extend(poisoned.iter().map(|(r, a)| Row {
		label: format!("{r}, 2 attackers"),
		acc: *a,
	}));
	println!(
		"\n{} on MNIST, {CLIENTS} IID clients, {rounds} rounds, attackers send -10 x delta",
		spec
	);
	println!(
		"| {:<28} | {:>9} | {:>15} |",
		"rule", "accuracy", "vs clean FedAvg"
	);
	println!("|{:-<30}|{:-<11}|{:-<17}|", "", "", "");
	for row in &rows {
		println!(
			"| {:<28} | {:>8.2}% | {:>+12.2} pp |",
			row.label,
			100.0 * row.acc,
			100.0 * (row.acc - clean)
		);
	}
	(clean, poisoned)
}

#[test]
fn robust_rules_withstand_20_percent_sign_flipping_attackers() {
	let local = TrainConfig {
		epochs: 1,
		batch_size: 32,
		learning_rate: 0.1,
		momentum: 0.0,
		..local_cfg()
	};
	let rules = [
		Rule::FedAvg,
		Rule::Median,
		Rule::TrimmedMean { trim: 2 },
		Rule::Krum { f: 2 },
		Rule::MultiKrum { f: 2, m: 6 },
	];
	let (clean, poisoned) = robustness_table(ModelSpec::mnist_logreg(), 10, local, &rules);
	let fedavg_drop = clean - poisoned[0].1;
	for &(rule, acc) in &poisoned[1..] {
		assert!(acc >= clean - 0.02, "{rule}: {acc} vs clean {clean}");
		assert!(
			fedavg_drop > clean - acc,
			"FedAvg must degrade more than {rule}"
		);
	}
	assert!(
		fedavg_drop > 0.2,
		"poisoned FedAvg should collapse, dropped {fedavg_drop}"
	);
}

/// On the 200k-parameter MLP, Krum keeps re-selecting the client whose data the model already
/// fits (its update is the smallest), so it plateaus below FedAvg even though it still blocks the
/// attack; coordinate-wise rules and Multi-Krum stay close to clean FedAvg.
#[test]
fn robust_rules_on_the_mlp_and_krums_selection_bias() {
	let rules = [
		Rule::FedAvg,
		Rule::Median,
		Rule::TrimmedMean { trim: 2 },
		Rule::MultiKrum { f: 2, m: 6 },
		Rule::Krum { f: 2 },
	];
	let (clean, poisoned) = robustness_table(ModelSpec::mnist_2nn(), 5, local_cfg(), &rules);
	let fedavg = poisoned[0].1;
	for &(rule, acc) in &poisoned[1..4] {
		assert!(acc >= clean - 0.02, "{rule}: {acc} vs clean {clean}");
	}
	let (multi_krum, krum) = (poisoned[3].1, poisoned[4].1);
	assert!(krum > fedavg + 0.5, "Krum still blocks the attack");
	assert!(
		krum < multi_krum,
		"averaging m updates removes Krum's single-selection bias"
	);
}

#[test]
fn codec_sizes_and_accuracy_cost_after_fedavg_rounds() {
	let (train, test) = mnist_split();
	let clients = split(&train, &partition::iid(train.len(), CLIENTS, 1).unwrap());
	let spec = ModelSpec::mnist_2nn();
	let rounds = 5;
	let results: Vec<(CodecId, f64, f64, [u8; 32])> = CodecId::ALL
		.iter()
		.map(|&id| {
			let sim = Sim {
				spec: spec.clone(),
				clients: clients.clone(),
				test: &test,
				rounds,
				local: local_cfg(),
				rule: Rule::FedAvg,
				codec: Some(CodecSpec::new(id)),
				attackers: vec![],
				seed: 3,
			};
			let r = sim.run();
			(
				id,
				r.mean_blob_bytes,
				*r.accuracy.last().unwrap(),
				r.global.hash(),
			)
		})
		.collect();
	let (raw_bytes, raw_acc, raw_hash) = (results[0].1, results[0].2, results[0].3);
	println!("\n{spec}, {CLIENTS} IID clients, FedAvg {rounds} rounds; top-k keeps 10 %, int8-block uses blocks of 256");
	println!(
		"| {:<15} | {:>12} | {:>8} | {:>9} | {:>9} |",
		"codec", "bytes/update", "vs raw", "accuracy", "vs raw"
	);
	println!(
		"|{:-<17}|{:-<14}|{:-<10}|{:-<11}|{:-<11}|",
		"", "", "", "", ""
	);
	for (id, bytes, acc, _) in &results {
		println!(
			"| {:<15} | {:>12.0} | {:>7.1}x | {:>8.2}% | {:>+6.2} pp |",
			id.name(),
			bytes,
			raw_bytes / bytes,
			100.0 * acc,
			100.0 * (acc - raw_acc)
		);
	}
	let get = |id: CodecId| results.iter().find(|r| r.0 == id).unwrap();
	for id in CodecId::ALL {
		let (_, bytes, acc, hash) = *get(id);
		if id.is_lossless() {
			assert_eq!(
				hash, raw_hash,
				"{id} is lossless: the whole run is bit-identical to raw"
			);
		} else {
			assert!(
				acc >= raw_acc - 0.01,
				"{id} costs more than 1 pp: {acc} vs {raw_acc}"
			);
		}
		assert!(bytes <= raw_bytes);
	}
	// Byte-level compression on top of a codec never changes what is decoded.
	assert_eq!(get(CodecId::Int8Zlib).3, get(CodecId::Int8).3);
	assert_eq!(get(CodecId::TopKInt8Zlib).3, get(CodecId::TopKInt8).3);
	assert!(
		get(CodecId::TopKInt8Zlib).1 * 10.0 < raw_bytes,
		"top-k+int8+zlib is over 10x smaller"
	);
}
