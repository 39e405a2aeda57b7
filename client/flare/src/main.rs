//! `flare`: the Flare federated-learning client.

use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use flare::{
	chain::{Chain, Signer, SubxtChain},
	data::{client_share, DataSource, PartitionKind},
	roles::{
		aggregator::{self, AggregatorConfig, AggregatorFault},
		inspect, owner,
		trainer::{self, TrainerConfig, TrainerFault},
		Ctx,
	},
	simulate::{self, SimConfig},
	store::{BlobStore, DirStore},
	task::TaskFile,
};
use serde::Deserialize;
use std::{path::PathBuf, sync::Arc, time::Duration};

/// Flare: federated learning coordinated by a blockchain.
#[derive(Parser)]
#[command(name = "flare", version, about)]
struct Cli {
	/// A TOML file with defaults for `url`, `store` and `suri`.
	#[arg(long, global = true, env = "FLARE_CONFIG")]
	config: Option<PathBuf>,
	/// WebSocket RPC endpoint of a flare-node.
	#[arg(long, global = true, env = "FLARE_URL")]
	url: Option<String>,
	/// Directory of the content-addressed blob store.
	#[arg(long, global = true, env = "FLARE_STORE")]
	store: Option<PathBuf>,
	/// Signing account: `//Alice`, a secret phrase or a hex seed.
	#[arg(long, global = true, env = "FLARE_SURI")]
	suri: Option<String>,
	/// More log output (-v info, -vv debug); RUST_LOG overrides.
	#[arg(short, long, global = true, action = clap::ArgAction::Count)]
	verbose: u8,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Run a whole federation on this machine: node, task, trainers and aggregators.
	Simulate(SimulateArgs),
	/// Create and inspect tasks.
	#[command(subcommand)]
	Task(TaskCommand),
	/// Train and commit updates for a task, round after round.
	Train(TrainArgs),
	/// Verify, aggregate and vote on a task's rounds as a committee member.
	Aggregate(AggregateArgs),
	/// Print a task's round history.
	Rounds {
		#[arg(long)]
		task: u32,
	},
	/// Global models.
	#[command(subcommand)]
	Model(ModelCommand),
}

#[derive(Subcommand)]
enum TaskCommand {
	/// Create a task from a TOML task file (uploads the initial model).
	Create {
		/// The task file (see `examples/mnist-task.toml`).
		#[arg(long)]
		file: PathBuf,
	},
	/// Show a task's parameters and current round.
	Status {
		#[arg(long)]
		task: u32,
	},
}

#[derive(Subcommand)]
enum ModelCommand {
	/// Download, verify and evaluate a global model.
	Get {
		#[arg(long)]
		task: u32,
		/// The round whose finalized model to get (default: the task's latest global model).
		#[arg(long)]
		round: Option<u32>,
		/// Write the model's bytes here.
		#[arg(long)]
		out: Option<PathBuf>,
		#[command(flatten)]
		data: DataArgs,
	},
}

#[derive(Args, Clone)]
struct DataArgs {
	/// IDX image file (gzip or raw); the bundled MNIST when absent.
	#[arg(long, requires = "labels")]
	images: Option<PathBuf>,
	/// IDX label file.
	#[arg(long, requires = "images")]
	labels: Option<PathBuf>,
}

impl DataArgs {
	fn source(&self) -> DataSource {
		DataSource {
			files: self.images.clone().zip(self.labels.clone()),
		}
	}
}

#[derive(Args)]
struct TrainArgs {
	#[arg(long)]
	task: u32,
	#[command(flatten)]
	data: DataArgs,
	/// How the training split is shared among clients.
	#[arg(long, default_value = "iid")]
	partition: PartitionKind,
	/// Number of clients sharing the data.
	#[arg(long, default_value_t = 1)]
	clients: usize,
	/// This client's share (0-based).
	#[arg(long, default_value_t = 0)]
	client_index: usize,
	#[arg(long, default_value_t = 42)]
	seed: u64,
	/// Misbehave on purpose (tests and demos).
	#[arg(long, value_enum, default_value_t = TrainerFault::None, hide = true)]
	fault: TrainerFault,
}

#[derive(Args)]
struct AggregateArgs {
	#[arg(long)]
	task: u32,
	#[command(flatten)]
	data: DataArgs,
	/// Misbehave on purpose (tests and demos).
	#[arg(long, value_enum, default_value_t = AggregatorFault::None, hide = true)]
	fault: AggregatorFault,
}

#[derive(Args)]
struct SimulateArgs {
	/// Number of trainers.
	#[arg(long, default_value_t = 10)]
	trainers: usize,
	/// Number of aggregators (dev accounts Alice, Bob, Charlie, …).
	#[arg(long, default_value_t = 3)]
	aggregators: usize,
	/// Identical results needed to finalize a round.
	#[arg(long, default_value_t = 2)]
	quorum: u32,
	#[arg(long, default_value_t = 10)]
	rounds: u32,
	/// iid, dirichlet:ALPHA or shards:K.
	#[arg(long, default_value = "iid")]
	partition: PartitionKind,
	/// Model descriptor.
	#[arg(long, default_value = "mlp:784-200-200-10")]
	model: String,
	/// fedavg, median, trimmed-mean:T, krum:F, multi-krum:F:M.
	#[arg(long, default_value = "fedavg")]
	rule: String,
	/// Update codec.
	#[arg(long, default_value = "topk+int8+zlib")]
	codec: String,
	/// A task file to start from (flags above override it).
	#[arg(long)]
	task_file: Option<PathBuf>,
	/// Where the plot (accuracy.svg) and table (rounds.csv) go.
	#[arg(long, default_value = "flare-out")]
	out: PathBuf,
	/// The flare-node binary (found next to `flare` or in target/ when absent).
	#[arg(long)]
	node_bin: Option<PathBuf>,
	#[arg(long, default_value_t = 42)]
	seed: u64,
	/// Local epochs per round.
	#[arg(long)]
	epochs: Option<u32>,
	/// Inject faults: `trainer:INDEX:wrong-blob|nan-weights` or `aggregator:INDEX:dishonest`.
	#[arg(long = "fault", hide = true)]
	faults: Vec<String>,
	/// No progress bars.
	#[arg(long)]
	quiet: bool,
}

/// Defaults read from `--config`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
	url: Option<String>,
	store: Option<PathBuf>,
	suri: Option<String>,
}

struct Settings {
	url: String,
	store: PathBuf,
	suri: Option<String>,
}

fn settings(cli: &Cli) -> Result<Settings> {
	let file: FileConfig = match &cli.config {
		Some(p) => {
			let text = std::fs::read_to_string(p)
				.with_context(|| format!("cannot read config file {}", p.display()))?;
			toml::from_str(&text)
				.with_context(|| format!("config file {} is not valid", p.display()))?
		}
		None => FileConfig::default(),
	};
	Ok(Settings {
		url: cli
			.url
			.clone()
			.or(file.url)
			.unwrap_or_else(|| "ws://127.0.0.1:9944".into()),
		store: cli
			.store
			.clone()
			.or(file.store)
			.unwrap_or_else(|| PathBuf::from(".flare/blobs")),
		suri: cli.suri.clone().or(file.suri),
	})
}

async fn connect(s: &Settings, default_suri: &str) -> Result<SubxtChain> {
	let suri = s.suri.as_deref().unwrap_or(default_suri);
	let signer = Signer::from_suri(suri)?;
	Ok(SubxtChain::connect(&s.url, signer).await?)
}

fn open_store(s: &Settings) -> Result<Arc<dyn BlobStore>> {
	Ok(Arc::new(DirStore::open(&s.store)?))
}

fn init_tracing(verbose: u8) {
	let default = match verbose {
		0 => "warn",
		1 => "info,flare=info",
		_ => "debug",
	};
	let filter = tracing_subscriber::EnvFilter::try_from_default_env()
		.unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
	tracing_subscriber::fmt()
		.with_env_filter(filter)
		.with_writer(std::io::stderr)
		.init();
}

#[tokio::main]
async fn main() -> Result<()> {
	let cli = Cli::parse();
	init_tracing(cli.verbose);
	let s = settings(&cli)?;
	match cli.command {
		Command::Simulate(args) => simulate_cmd(args, &cli.url, cli.store.clone()).await,
		Command::Task(TaskCommand::Create { file }) => {
			let task = TaskFile::load(&file)?;
			let chain = connect(&s, "//Alice").await?;
			let store = open_store(&s)?;
			let id = owner::create(&chain, store.as_ref(), &task).await?;
			println!("{id}");
			eprintln!("created task {id} (blobs in {})", s.store.display());
			Ok(())
		}
		Command::Task(TaskCommand::Status { task }) => {
			let chain = connect(&s, "//Alice").await?;
			let t = chain
				.task(task)
				.await?
				.with_context(|| format!("task {task} does not exist on this chain"))?;
			let p = &t.params;
			println!(
				"task {}: {:?}, round {} of {}, {} finalized",
				t.id, t.status, t.round, p.rounds, t.finalized_rounds
			);
			println!("  owner        {}", t.owner);
			println!("  global model {}", t.global_model);
			println!(
				"  rule {:?}, codec {}, quorum {}",
				p.rule, p.codec, p.quorum
			);
			println!(
				"  updates {}..={} (≤ {} B), periods {} + {} blocks",
				p.min_updates,
				p.max_updates,
				p.max_update_len,
				p.training_period,
				p.aggregation_period
			);
			if let Some(r) = chain.round(task, t.round).await? {
				println!(
					"  round {}: {:?}, {} updates, {} votes",
					r.round, r.phase, r.commitments, r.votes
				);
			}
			Ok(())
		}
		Command::Train(args) => {
			let chain = connect(&s, "//Alice").await?;
			let store = open_store(&s)?;
			let (train, _) = args.data.source().split()?;
			let data = client_share(
				&train,
				args.partition,
				args.clients,
				args.client_index,
				args.seed,
			)?;
			eprintln!("training as {} on {} samples", chain.account(), data.len());
			let ctx = Ctx {
				chain,
				store,
				progress: None,
			};
			let cfg = TrainerConfig {
				task: args.task,
				data: Arc::new(data),
				index: args.client_index,
				seed: args.seed + args.client_index as u64,
				fault: args.fault,
			};
			let report = trainer::run(ctx, cfg).await?;
			eprintln!(
				"task over: committed in rounds {:?} (found already committed: {:?}, missed: {:?})",
				report.committed, report.already_committed, report.missed
			);
			Ok(())
		}
		Command::Aggregate(args) => {
			let chain = connect(&s, "//Alice").await?;
			let store = open_store(&s)?;
			let (_, test) = args.data.source().split()?;
			eprintln!(
				"aggregating as {}; evaluating on {} held-out samples",
				chain.account(),
				test.len()
			);
			let ctx = Ctx {
				chain,
				store,
				progress: None,
			};
			let cfg = AggregatorConfig {
				task: args.task,
				eval: Arc::new(test),
				index: 0,
				fault: args.fault,
			};
			let report = aggregator::run(ctx, cfg).await?;
			eprintln!(
				"task over: voted in rounds {:?}, reported metrics for {:?}, abstained in {:?}",
				report.voted, report.reported, report.skipped
			);
			Ok(())
		}
		Command::Rounds { task } => {
			let chain = connect(&s, "//Alice").await?;
			let rounds = inspect::history(&chain, task).await?;
			print!("{}", inspect::history_table(&rounds));
			Ok(())
		}
		Command::Model(ModelCommand::Get {
			task,
			round,
			out,
			data,
		}) => {
			let chain = connect(&s, "//Alice").await?;
			let store = open_store(&s)?;
			let (_, test) = data.source().split()?;
			let (blob, bytes, m) =
				inspect::model_get(&chain, store.as_ref(), task, round, Arc::new(test)).await?;
			println!(
				"model {blob}: hash verified; accuracy {:.2}%, loss {:.4} on {} samples",
				m.accuracy() * 100.0,
				m.loss(),
				m.samples
			);
			if let Some(out) = out {
				std::fs::write(&out, &bytes)
					.with_context(|| format!("cannot write {}", out.display()))?;
				println!("written to {}", out.display());
			}
			Ok(())
		}
	}
}

async fn simulate_cmd(
	args: SimulateArgs,
	url: &Option<String>,
	store: Option<PathBuf>,
) -> Result<()> {
	let mut task = match &args.task_file {
		Some(p) => TaskFile::load(p)?.file,
		None => TaskFile::default(),
	};
	task.model = args.model;
	task.rule = args.rule;
	task.codec = args.codec;
	task.rounds = args.rounds;
	task.quorum = args.quorum;
	task.min_updates = task.min_updates.max(((args.trainers + 1) / 2) as u32);
	if let Some(e) = args.epochs {
		task.training.epochs = e;
	}
	let mut trainer_faults = Vec::new();
	let mut aggregator_faults = Vec::new();
	for f in &args.faults {
		let parts: Vec<&str> = f.split(':').collect();
		match parts.as_slice() {
			["trainer", i, kind] => trainer_faults.push((
				i.parse().with_context(|| format!("bad fault {f}"))?,
				<TrainerFault as clap::ValueEnum>::from_str(kind, true)
					.map_err(anyhow::Error::msg)?,
			)),
			["aggregator", i, kind] => aggregator_faults.push((
				i.parse().with_context(|| format!("bad fault {f}"))?,
				<AggregatorFault as clap::ValueEnum>::from_str(kind, true)
					.map_err(anyhow::Error::msg)?,
			)),
			_ => bail!("bad fault `{f}`: expected trainer:INDEX:KIND or aggregator:INDEX:KIND"),
		}
	}
	let cfg = SimConfig {
		url: url.clone(),
		node_bin: args.node_bin,
		trainers: args.trainers,
		aggregators: args.aggregators,
		partition: args.partition,
		task,
		store,
		out_dir: args.out,
		seed: args.seed,
		trainer_faults,
		aggregator_faults,
		progress: !args.quiet,
		timeout: Duration::from_secs(3600),
	};
	let report = simulate::run(cfg).await?;
	println!();
	match report.final_accuracy() {
		Some(a) => println!(
			"done: task {} on {}, {} rounds in {:.0}s, final test accuracy {:.2}%",
			report.task,
			report.url,
			report.rows.len(),
			report.total_secs,
			a * 100.0
		),
		None => println!("done: task {}, no round finalized", report.task),
	}
	println!(
		"plot: {}   table: {}",
		report.plot.display(),
		report.csv.display()
	);
	Ok(())
}
