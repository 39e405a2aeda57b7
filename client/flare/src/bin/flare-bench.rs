//! `flare-bench`: chain-side benchmarks of Flare against a real dev node, each reported beside a
//! baseline measured the same way in the same run.
//!
//! `flare-bench throughput --clients 1000` registers N clients and has all of them commit an
//! update in one round, then has the same N accounts send one balance transfer each: commitments
//! per second beside transfers per second, blocks needed, block fullness and node memory.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use flare::{
	chain::{
		bench::{BatchReport, BenchCall},
		BlobRef, Chain, ChainRule, Commitment, NewTask, Signer, SubxtChain,
	},
	node::{find_node_binary, DevNode},
};
use std::{fmt::Write as _, path::PathBuf, time::Duration};

#[derive(Parser)]
#[command(name = "flare-bench", about = "Chain-side benchmarks of Flare")]
struct Cli {
	#[command(subcommand)]
	command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
	/// N clients commit in one round, beside N balance transfers sent the same way.
	Throughput {
		/// Number of clients (at most the runtime's MaxUpdatesPerRound, 1024).
		#[arg(long, default_value_t = 1000)]
		clients: usize,
		/// Use this node instead of starting `flare-node --dev --tmp`.
		#[arg(long)]
		url: Option<String>,
		/// Write the markdown report here (and print it).
		#[arg(long)]
		out: Option<PathBuf>,
	},
}

/// Resident and peak memory of a process, in MiB (Linux).
fn memory_mib(pid: u32) -> Option<(f64, f64)> {
	let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
	let field = |name: &str| {
		status
			.lines()
			.find(|l| l.starts_with(name))
			.and_then(|l| l.split_whitespace().nth(1))
			.and_then(|v| v.parse::<f64>().ok())
			.map(|kb| kb / 1024.0)
	};
	Some((field("VmRSS:")?, field("VmHWM:")?))
}

fn row(name: &str, r: &BatchReport) -> String {
	let per_block = r.blocks.iter().map(|b| b.hits).max().unwrap_or(0);
	let fullness = r
		.blocks
		.iter()
		.map(|b| b.normal_weight_fraction)
		.fold(0.0, f64::max);
	let bytes = r.blocks.iter().map(|b| b.bytes).max().unwrap_or(0);
	format!(
		"| {name} | {} / {} | {} | {:.1} s | {:.1} | {} | {per_block} | {:.1} % | {:.0} KiB |",
		r.included,
		r.sent,
		r.failed,
		r.elapsed.as_secs_f64(),
		r.per_second(),
		r.blocks.len(),
		fullness * 100.0,
		bytes as f64 / 1024.0
	)
}

#[tokio::main]
async fn main() -> Result<()> {
	tracing_subscriber::fmt()
		.with_env_filter("warn")
		.with_writer(std::io::stderr)
		.init();
	let Cmd::Throughput { clients, url, out } = Cli::parse().command;
	anyhow::ensure!(
		(1..=1024).contains(&clients),
		"--clients must be between 1 and 1024"
	);
	let node = match &url {
		Some(_) => None,
		None => Some(DevNode::spawn(
			&find_node_binary()?,
			&["--pool-limit", "16384", "--pool-kbytes", "65536"],
		)?),
	};
	let url = url.unwrap_or_else(|| node.as_ref().map(|n| n.url()).unwrap_or_default());
	let alice = SubxtChain::connect(&url, Signer::from_suri("//Alice")?).await?;
	let timeout = Duration::from_secs(600);
	let accounts: Vec<Signer> = (0..clients)
		.map(|i| Signer::from_suri(&format!("//flare//bench//{i}")))
		.collect::<Result<_, _>>()?;
	eprintln!("{clients} accounts; node {url}");

	// Funding: Alice alone sends N transfers (one sender; reported for completeness).
	let n0 = alice.next_nonce(alice.account()).await?;
	let fund: Vec<_> = accounts
		.iter()
		.enumerate()
		.map(|(i, a)| {
			(
				Signer::from_suri("//Alice").expect("valid; qed"),
				n0 + i as u64,
				BenchCall::Transfer {
					to: a.account(),
					amount: 10 * flare::simulate::UNIT,
				},
			)
		})
		.collect();
	let funding = alice.submit_batch(fund, timeout).await.context("funding")?;
	eprintln!("funded: {:.1} tx/s", funding.per_second());

	let register: Vec<_> = accounts
		.iter()
		.map(|a| (a.clone(), 0, BenchCall::Register))
		.collect();
	let registration = alice
		.submit_batch(register, timeout)
		.await
		.context("registration")?;
	eprintln!("registered: {:.1} tx/s", registration.per_second());

	let task = alice
		.create_task(NewTask {
			descriptor: [7; 32],
			initial_model: BlobRef {
				hash: [1; 32],
				len: 800_000,
			},
			rule: ChainRule::FedAvg,
			codec: 8,
			min_updates: 1,
			max_updates: clients as u32,
			max_update_len: 4 << 20,
			training_period: 3_000,
			aggregation_period: 100,
			rounds: 1,
			quorum: 1,
		})
		.await?;
	let commit: Vec<_> = accounts
		.iter()
		.enumerate()
		.map(|(i, a)| {
			let mut hash = [0u8; 32];
			hash[..8].copy_from_slice(&(i as u64).to_le_bytes());
			(
				a.clone(),
				1,
				BenchCall::Commit {
					task,
					round: 0,
					commitment: Commitment {
						hash,
						len: 46_000,
						samples: 800,
						codec: 8,
					},
				},
			)
		})
		.collect();
	let commits = alice
		.submit_batch(commit, timeout)
		.await
		.context("commitments")?;
	eprintln!("committed: {:.1} tx/s", commits.per_second());
	let round = alice.round(task, 0).await?.context("round 0 exists")?;

	// Baseline: the same N accounts each send one balance transfer, the same way.
	let transfer: Vec<_> = accounts
		.iter()
		.map(|a| {
			(
				a.clone(),
				2,
				BenchCall::Transfer {
					to: alice.account(),
					amount: flare::simulate::UNIT,
				},
			)
		})
		.collect();
	let transfers = alice
		.submit_batch(transfer, timeout)
		.await
		.context("transfers")?;
	eprintln!("transfers: {:.1} tx/s", transfers.per_second());
	let memory = node.as_ref().and_then(|n| memory_mib(n.pid()));

	let mut md = String::new();
	let _ = writeln!(
		md,
		"### Throughput: {clients} clients committing in one round\n"
	);
	let _ = writeln!(
		md,
		"Command: `flare-bench throughput --clients {clients}` against `flare-node --dev` (dev profile \
		 build, 2 s blocks, one authority). Every account signs its own transactions with explicit \
		 nonces; all are submitted at once, then the best chain is followed until each one's success \
		 event is seen. Time runs from the first submission to the import of the block holding the \
		 last inclusion.\n"
	);
	let _ = writeln!(
		md,
		"| batch | included | failed | time | tx/s | blocks | max per block | max block weight (normal) | max block size |"
	);
	let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|");
	let _ = writeln!(md, "{}", row("fund (Alice → N, one sender)", &funding));
	let _ = writeln!(
		md,
		"{}",
		row("`register_client` (N senders)", &registration)
	);
	let _ = writeln!(md, "{}", row("**`submit_update`** (N senders)", &commits));
	let _ = writeln!(
		md,
		"{}",
		row(
			"**`transfer_keep_alive`** (same N senders, baseline)",
			&transfers
		)
	);
	let _ = writeln!(
		md,
		"\n**Ratio:** commitments/s ÷ transfers/s = **{:.2}**; registrations/s ÷ transfers/s = {:.2}. \
		 The round received {} commitments (training closed early at `max_updates`: {}).",
		commits.per_second() / transfers.per_second().max(1e-9),
		registration.per_second() / transfers.per_second().max(1e-9),
		round.commitments,
		round.training_closed.is_some()
	);
	if let Some((rss, peak)) = memory {
		let _ = writeln!(
			md,
			"Node memory after the run: {rss:.0} MiB resident, {peak:.0} MiB peak."
		);
	}
	println!("{md}");
	if let Some(out) = out {
		if let Some(dir) = out.parent() {
			std::fs::create_dir_all(dir)?;
		}
		std::fs::write(&out, &md).with_context(|| format!("cannot write {}", out.display()))?;
	}
	anyhow::ensure!(
		commits.included == clients,
		"only {} of {clients} commitments were included",
		commits.included
	);
	anyhow::ensure!(
		transfers.included == clients,
		"only {} of {clients} transfers were included",
		transfers.included
	);
	Ok(())
}
