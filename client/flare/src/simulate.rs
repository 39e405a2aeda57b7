//! `flare simulate`: a whole federation on one machine against a real `flare-node`. It starts
//! `flare-node --dev --tmp` (unless given a URL), creates a task, runs N trainers on shares of
//! the bundled MNIST and a committee of aggregators, and prints a per-round table while the
//! rounds run on chain. The round loop lives here, once; the roles are the same code the
//! standalone commands run.

use crate::{
	chain::{
		AccountId, Chain, ChainError, Phase, RoundDetail, Signer, SubxtChain, TaskId, TaskStatus,
	},
	data::{partition_clients, DataSource, PartitionKind},
	node::{find_node_binary, DevNode},
	plot,
	roles::{
		aggregator::{self, AggregatorConfig, AggregatorFault},
		owner,
		trainer::{self, TrainerConfig, TrainerFault},
		Ctx, Progress, RoleError,
	},
	store::{BlobStore, DirStore},
	task::{TaskFile, ValidTask},
};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::{
	collections::BTreeMap,
	fmt::Write as _,
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant},
};

/// One unit of the chain's token (12 decimals).
pub const UNIT: u128 = 1_000_000_000_000;
/// Dev accounts that can serve as aggregators, in order.
pub const AGGREGATOR_SURIS: [&str; 6] = [
	"//Alice",
	"//Bob",
	"//Charlie",
	"//Dave",
	"//Eve",
	"//Ferdie",
];

/// What to simulate.
#[derive(Debug, Clone)]
pub struct SimConfig {
	/// Node to use; a fresh `flare-node --dev --tmp` when absent.
	pub url: Option<String>,
	/// The `flare-node` binary (found automatically when absent).
	pub node_bin: Option<PathBuf>,
	pub trainers: usize,
	pub aggregators: usize,
	pub partition: PartitionKind,
	/// The task (rounds, model, rule, codec, periods, quorum …).
	pub task: TaskFile,
	/// Blob store directory; a temporary one when absent.
	pub store: Option<PathBuf>,
	/// Where the plot and CSV go.
	pub out_dir: PathBuf,
	pub seed: u64,
	/// Faults to inject, by trainer / aggregator index.
	pub trainer_faults: Vec<(usize, TrainerFault)>,
	pub aggregator_faults: Vec<(usize, AggregatorFault)>,
	/// Draw progress bars (on a terminal).
	pub progress: bool,
	/// Give up if the task has not completed after this long.
	pub timeout: Duration,
}

impl Default for SimConfig {
	fn default() -> Self {
		Self {
			url: None,
			node_bin: None,
			trainers: 10,
			aggregators: 3,
			partition: PartitionKind::Iid,
			task: TaskFile {
				rounds: 10,
				..TaskFile::default()
			},
			store: None,
			out_dir: PathBuf::from("flare-out"),
			seed: 42,
			trainer_faults: Vec::new(),
			aggregator_faults: Vec::new(),
			progress: true,
			timeout: Duration::from_secs(1800),
		}
	}
}

/// Why a simulation failed.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
	#[error(transparent)]
	Node(#[from] crate::node::NodeError),
	#[error(transparent)]
	Chain(#[from] ChainError),
	#[error(transparent)]
	Role(#[from] RoleError),
	#[error(transparent)]
	Data(#[from] crate::data::DataSetupError),
	#[error(transparent)]
	Task(#[from] crate::task::TaskFileError),
	#[error(transparent)]
	Store(#[from] crate::store::StoreError),
	#[error("invalid simulation setup: {0}")]
	Setup(String),
	#[error("the simulation did not finish within {0:?}")]
	Timeout(Duration),
	#[error("cannot write results to {path}: {source}")]
	Output {
		path: PathBuf,
		source: std::io::Error,
	},
}

/// One row of the per-round table.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundRow {
	pub round: u32,
	pub state: String,
	pub start_block: u32,
	pub end_block: u32,
	pub updates: u32,
	pub rejected: usize,
	pub bytes_per_update: f64,
	pub accuracy: Option<f64>,
	pub loss: Option<f64>,
	pub wall_secs: f64,
	/// Slowest trainer's local training time.
	pub train_secs: f64,
	/// Slowest aggregator's fetch + verify time.
	pub fetch_secs: f64,
	/// Slowest aggregator's aggregation time.
	pub aggregate_secs: f64,
	/// Everything else: waiting for blocks and transactions.
	pub wait_secs: f64,
	pub dissenters: Vec<AccountId>,
	pub rejected_clients: Vec<(AccountId, flare_ml::RejectReason)>,
}

/// What the simulation produced.
#[derive(Debug, Clone)]
pub struct SimReport {
	pub task: TaskId,
	pub url: String,
	pub rows: Vec<RoundRow>,
	pub trainer_accounts: Vec<AccountId>,
	pub aggregator_accounts: Vec<AccountId>,
	pub plot: PathBuf,
	pub csv: PathBuf,
	pub total_secs: f64,
}

impl SimReport {
	/// Accuracy of the last finalized round.
	pub fn final_accuracy(&self) -> Option<f64> {
		self.rows.iter().rev().find_map(|r| r.accuracy)
	}
}

/// Per-round timing collected from progress reports.
#[derive(Default, Clone)]
struct Timing {
	train: f64,
	fetch: f64,
	aggregate: f64,
	bytes: Vec<u64>,
}

/// Run a whole federation; returns the per-round results.
pub async fn run(cfg: SimConfig) -> Result<SimReport, SimError> {
	let started = Instant::now();
	if cfg.trainers == 0 {
		return Err(SimError::Setup("at least one trainer is needed".into()));
	}
	if cfg.aggregators == 0 || cfg.aggregators > AGGREGATOR_SURIS.len() {
		return Err(SimError::Setup(format!(
			"aggregators must be between 1 and {}",
			AGGREGATOR_SURIS.len()
		)));
	}
	let task_file = TaskFile {
		max_updates: cfg.trainers as u32,
		min_updates: cfg.task.min_updates.min(cfg.trainers as u32),
		quorum: cfg.task.quorum.min(cfg.aggregators as u32),
		..cfg.task.clone()
	};
	let task: ValidTask = task_file.validate()?;

	let node = match &cfg.url {
		Some(_) => None,
		None => {
			let bin = match &cfg.node_bin {
				Some(b) => b.clone(),
				None => find_node_binary()?,
			};
			eprintln!("starting {} --dev --tmp …", bin.display());
			Some(DevNode::spawn(&bin, &[])?)
		}
	};
	let url = cfg
		.url
		.clone()
		.unwrap_or_else(|| node.as_ref().map(|n| n.url()).unwrap_or_default());
	let owner = SubxtChain::connect(&url, Signer::from_suri("//Alice")?).await?;
	eprintln!("connected to {url}");

	let (_store_dir, store): (Option<tempfile::TempDir>, Arc<dyn BlobStore>) = match &cfg.store {
		Some(dir) => (None, Arc::new(DirStore::open(dir)?)),
		None => {
			let tmp = tempfile::tempdir().map_err(|e| SimError::Setup(e.to_string()))?;
			let s = DirStore::open(tmp.path())?;
			(Some(tmp), Arc::new(s))
		}
	};

	// Committee: the first `aggregators` dev accounts must be members.
	let agg_signers: Vec<Signer> = AGGREGATOR_SURIS[..cfg.aggregators]
		.iter()
		.map(|s| Signer::from_suri(s))
		.collect::<Result<_, _>>()?;
	let committee = owner.committee().await?;
	let missing: Vec<AccountId> = agg_signers
		.iter()
		.map(|s| s.account())
		.filter(|a| !committee.contains(a))
		.collect();
	if !missing.is_empty() {
		let mut members = committee.clone();
		members.extend(missing);
		owner.sudo_set_committee(members).await?;
		eprintln!("committee extended through sudo");
	}

	// Trainer accounts, funded by Alice for deposits and fees (in one block).
	let trainer_signers: Vec<Signer> = (0..cfg.trainers)
		.map(|i| Signer::from_suri(&format!("//flare//trainer//{i}")))
		.collect::<Result<_, _>>()?;
	let mut funding = Vec::new();
	for s in &trainer_signers {
		if owner.free_balance(s.account()).await? < 5 * UNIT {
			funding.push(owner.transfer(s.account(), 100 * UNIT));
		}
	}
	for r in futures::future::join_all(funding).await {
		r?;
	}

	// Data: the standard split, the training part shared among trainers.
	let (train, test) = DataSource::default().split()?;
	let shares = partition_clients(&train, cfg.partition, cfg.trainers, cfg.seed)?;
	let test = Arc::new(test);

	let task_id = owner::create(&owner, store.as_ref(), &task).await?;
	eprintln!(
		"task {task_id}: {} trainers ({}), {} aggregators (quorum {}), {} rounds of {} / {} / {}",
		cfg.trainers,
		cfg.partition,
		cfg.aggregators,
		task.file.quorum,
		task.file.rounds,
		task.model.descriptor(),
		task.rule,
		task.codec.id
	);

	let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
	let mut roles = tokio::task::JoinSet::new();
	for (i, (signer, data)) in trainer_signers.iter().zip(shares).enumerate() {
		let ctx = Ctx {
			chain: owner.with_signer(signer.clone()),
			store: store.clone(),
			progress: Some(tx.clone()),
		};
		let fault = cfg
			.trainer_faults
			.iter()
			.find(|(j, _)| *j == i)
			.map_or(TrainerFault::None, |f| f.1);
		let tcfg = TrainerConfig {
			task: task_id,
			data: Arc::new(data),
			index: i,
			seed: cfg.seed + i as u64,
			fault,
		};
		roles.spawn(async move { trainer::run(ctx, tcfg).await.map(|_| ()) });
	}
	for (i, signer) in agg_signers.iter().enumerate() {
		let ctx = Ctx {
			chain: owner.with_signer(signer.clone()),
			store: store.clone(),
			progress: Some(tx.clone()),
		};
		let fault = cfg
			.aggregator_faults
			.iter()
			.find(|(j, _)| *j == i)
			.map_or(AggregatorFault::None, |f| f.1);
		let acfg = AggregatorConfig {
			task: task_id,
			eval: test.clone(),
			index: i,
			fault,
		};
		roles.spawn(async move { aggregator::run(ctx, acfg).await.map(|_| ()) });
	}
	drop(tx);
	let honest_aggregators = (0..cfg.aggregators)
		.filter(|i| {
			!cfg.aggregator_faults
				.iter()
				.any(|(j, f)| j == i && *f != AggregatorFault::None)
		})
		.count();

	// The round loop: watch the chain, print a row as each round completes.
	let bars = MultiProgress::with_draw_target(if cfg.progress {
		ProgressDrawTarget::stderr()
	} else {
		ProgressDrawTarget::hidden()
	});
	let bar = bars.add(ProgressBar::new(u64::from(task.file.rounds)));
	bar.set_style(
		ProgressStyle::with_template(
			"{spinner} rounds {pos}/{len} [{bar:30}] {elapsed_precise} {msg}",
		)
		.unwrap_or_else(|_| ProgressStyle::default_bar())
		.progress_chars("=> "),
	);
	let header = table_header();
	if cfg.progress {
		let _ = bars.println(&header);
	} else {
		println!("{header}");
	}

	let mut timings: BTreeMap<u32, Timing> = BTreeMap::new();
	let mut round_seen: BTreeMap<u32, Instant> = BTreeMap::new();
	let mut rows: Vec<RoundRow> = Vec::new();
	let deadline = Instant::now() + cfg.timeout;
	let mut last_round_done: Option<u32> = None;
	loop {
		while let Ok(p) = rx.try_recv() {
			match p {
				Progress::Committed {
					round,
					bytes,
					train_secs,
					..
				} => {
					let t = timings.entry(round).or_default();
					t.train = t.train.max(train_secs);
					t.bytes.push(bytes);
				}
				Progress::Voted {
					round,
					fetch_secs,
					aggregate_secs,
					..
				} => {
					let t = timings.entry(round).or_default();
					t.fetch = t.fetch.max(fetch_secs);
					t.aggregate = t.aggregate.max(aggregate_secs);
				}
				Progress::Reported { .. } => {}
			}
		}
		// A role that stops with an error stops the simulation.
		while let Some(done) = roles.try_join_next() {
			done.map_err(|e| SimError::Setup(format!("a role crashed: {e}")))??;
		}
		let view = owner
			.task(task_id)
			.await?
			.ok_or(ChainError::UnknownTask(task_id))?;
		round_seen.entry(view.round).or_insert_with(Instant::now);
		let next = last_round_done.map_or(0, |r| r + 1);
		let mut progressed = false;
		if next <= view.round {
			if let Some(detail) = owner.round_detail(task_id, next).await? {
				let done = match detail.header.phase {
					Phase::Finalized { .. } => detail.metrics.len() >= honest_aggregators,
					Phase::Failed { .. } => true,
					_ => false,
				};
				if done {
					let seen = round_seen.get(&next).copied().unwrap_or_else(Instant::now);
					let row = make_row(
						&detail,
						timings.get(&next).cloned().unwrap_or_default(),
						seen.elapsed(),
					);
					let line = table_row(&row);
					if cfg.progress {
						let _ = bars.println(&line);
					} else {
						println!("{line}");
					}
					bar.inc(1);
					rows.push(row);
					last_round_done = Some(next);
					progressed = true;
				} else {
					bar.set_message(format!(
						"round {next}: {} ({} updates, {} votes)",
						detail.header.phase.name(),
						detail.header.commitments,
						detail.header.votes
					));
				}
			}
		}
		if view.status != TaskStatus::Active && last_round_done == Some(view.round) {
			break;
		}
		if Instant::now() > deadline {
			return Err(SimError::Timeout(cfg.timeout));
		}
		if !progressed {
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
	}
	bar.finish_and_clear();
	while let Some(done) = roles.join_next().await {
		done.map_err(|e| SimError::Setup(format!("a role crashed: {e}")))??;
	}

	std::fs::create_dir_all(&cfg.out_dir).map_err(|source| SimError::Output {
		path: cfg.out_dir.clone(),
		source,
	})?;
	let points: Vec<(u32, f64)> = rows
		.iter()
		.filter_map(|r| r.accuracy.map(|a| (r.round + 1, a)))
		.collect();
	let title = format!(
		"Flare: {} · {} · {} trainers ({}) · {}",
		task.model.descriptor(),
		task.rule,
		cfg.trainers,
		cfg.partition,
		task.codec.id
	);
	let plot_path = cfg.out_dir.join("accuracy.svg");
	std::fs::write(&plot_path, plot::accuracy_svg(&title, &points)).map_err(|source| {
		SimError::Output {
			path: plot_path.clone(),
			source,
		}
	})?;
	let csv_path = cfg.out_dir.join("rounds.csv");
	std::fs::write(&csv_path, rows_csv(&rows)).map_err(|source| SimError::Output {
		path: csv_path.clone(),
		source,
	})?;

	Ok(SimReport {
		task: task_id,
		url,
		rows,
		trainer_accounts: trainer_signers.iter().map(|s| s.account()).collect(),
		aggregator_accounts: agg_signers.iter().map(|s| s.account()).collect(),
		plot: plot_path,
		csv: csv_path,
		total_secs: started.elapsed().as_secs_f64(),
	})
}

fn make_row(detail: &RoundDetail, t: Timing, wall: Duration) -> RoundRow {
	let h = &detail.header;
	let winner = detail.winner();
	let rejected_clients = winner
		.map(|w| w.result.rejected.clone())
		.unwrap_or_default();
	let (accuracy, loss) = detail
		.mean_metrics()
		.map_or((None, None), |(a, l)| (Some(a), Some(l)));
	let wall_secs = wall.as_secs_f64();
	let bytes_per_update = if t.bytes.is_empty() {
		0.0
	} else {
		t.bytes.iter().sum::<u64>() as f64 / t.bytes.len() as f64
	};
	RoundRow {
		round: h.round,
		state: match &h.phase {
			Phase::Failed { reason } => format!("Failed({reason})"),
			p => p.name().to_string(),
		},
		start_block: h.started,
		end_block: h.ended.unwrap_or(h.started),
		updates: h.commitments,
		rejected: rejected_clients.len(),
		bytes_per_update,
		accuracy,
		loss,
		wall_secs,
		train_secs: t.train,
		fetch_secs: t.fetch,
		aggregate_secs: t.aggregate,
		wait_secs: (wall_secs - t.train - t.fetch - t.aggregate).max(0.0),
		dissenters: detail.dissenters(),
		rejected_clients,
	}
}

/// The header of the per-round table.
pub fn table_header() -> String {
	format!(
		"{:>5} {:<11} {:>7} {:>7} {:>7} {:>8} {:>10} {:>8} {:>7} {:>7} {:>9} {:>7} {:>7}",
		"round",
		"state",
		"blocks",
		"updates",
		"reject",
		"B/update",
		"accuracy",
		"loss",
		"wall s",
		"train s",
		"verify ms",
		"aggr ms",
		"wait s"
	)
}

/// One row of the per-round table.
pub fn table_row(r: &RoundRow) -> String {
	let mut s = format!(
		"{:>5} {:<11} {:>7} {:>7} {:>7} {:>8.0} {:>10} {:>8} {:>7.1} {:>7.2} {:>9.1} {:>7.1} {:>7.1}",
		r.round,
		r.state,
		format!("{}-{}", r.start_block, r.end_block),
		r.updates,
		r.rejected,
		r.bytes_per_update,
		r.accuracy.map_or("-".into(), |a| format!("{:.2}%", a * 100.0)),
		r.loss.map_or("-".into(), |l| format!("{l:.4}")),
		r.wall_secs,
		r.train_secs,
		r.fetch_secs * 1e3,
		r.aggregate_secs * 1e3,
		r.wait_secs,
	);
	if !r.dissenters.is_empty() {
		let names: Vec<String> = r.dissenters.iter().map(|a| a.short()).collect();
		let _ = write!(s, "  dissent: {}", names.join(","));
	}
	s
}

fn rows_csv(rows: &[RoundRow]) -> String {
	let mut s = String::from(
		"round,state,start_block,end_block,updates,rejected,bytes_per_update,accuracy,loss,wall_secs,train_secs,verify_secs,aggregate_secs,wait_secs\n",
	);
	for r in rows {
		let _ = writeln!(
			s,
			"{},{},{},{},{},{},{:.0},{},{},{:.3},{:.3},{:.3},{:.3},{:.3}",
			r.round,
			r.state,
			r.start_block,
			r.end_block,
			r.updates,
			r.rejected,
			r.bytes_per_update,
			r.accuracy.map_or(String::new(), |a| format!("{a:.6}")),
			r.loss.map_or(String::new(), |l| format!("{l:.6}")),
			r.wall_secs,
			r.train_secs,
			r.fetch_secs,
			r.aggregate_secs,
			r.wait_secs
		);
	}
	s
}
