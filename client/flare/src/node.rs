//! Runs a real `flare-node --dev --tmp` on free ports, for `flare simulate` and the end-to-end
//! tests. The node is killed when the handle drops.

use std::{
	fs::File,
	io::{Read, Write},
	net::{SocketAddr, TcpListener, TcpStream},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	time::{Duration, Instant},
};

/// Why a node could not be started.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
	/// No `flare-node` binary was found.
	#[error(
		"cannot find the flare-node binary (looked at {looked:?}); build it with \
		 `cargo build -p flare-node` or point FLARE_NODE_BIN at it"
	)]
	BinaryNotFound { looked: Vec<PathBuf> },
	/// Spawning or talking to the process failed.
	#[error("flare-node I/O error: {0}")]
	Io(#[from] std::io::Error),
	/// The node exited before serving RPC.
	#[error("flare-node exited early ({status}); last log lines:\n{log}")]
	Exited { status: String, log: String },
	/// The node did not serve RPC in time.
	#[error("flare-node did not answer RPC on port {port} within {secs}s; last log lines:\n{log}")]
	Timeout { port: u16, secs: u64, log: String },
}

/// Locate the `flare-node` binary: `$FLARE_NODE_BIN`, next to the running executable (also one
/// level up, for test binaries in `target/*/deps`), the workspace's `target/{debug,release}`, then
/// `$PATH`.
pub fn find_node_binary() -> Result<PathBuf, NodeError> {
	let mut looked = Vec::new();
	if let Some(p) = std::env::var_os("FLARE_NODE_BIN") {
		let p = PathBuf::from(p);
		if p.is_file() {
			return Ok(p);
		}
		looked.push(p);
	}
	let mut candidates = Vec::new();
	if let Ok(exe) = std::env::current_exe() {
		if let Some(dir) = exe.parent() {
			candidates.push(dir.join("flare-node"));
			if let Some(up) = dir.parent() {
				candidates.push(up.join("flare-node"));
			}
		}
	}
	let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
	let target = std::env::var_os("CARGO_TARGET_DIR")
		.map(PathBuf::from)
		.unwrap_or_else(|| workspace.join("target"));
	candidates.push(target.join("debug/flare-node"));
	candidates.push(target.join("release/flare-node"));
	if let Some(path) = std::env::var_os("PATH") {
		candidates.extend(std::env::split_paths(&path).map(|d| d.join("flare-node")));
	}
	for c in candidates {
		if c.is_file() {
			return Ok(c);
		}
		looked.push(c);
	}
	Err(NodeError::BinaryNotFound { looked })
}

/// A free TCP port on loopback (bound, read, released).
pub fn free_port() -> std::io::Result<u16> {
	Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A running `flare-node --dev`, killed on drop.
pub struct DevNode {
	child: Child,
	bin: PathBuf,
	args: Vec<String>,
	rpc_port: u16,
	log_path: PathBuf,
	_log_dir: tempfile::TempDir,
}

impl DevNode {
	/// Start `bin --dev --tmp` on free RPC, p2p and Prometheus ports and wait until it answers
	/// RPC. `extra` arguments are appended.
	pub fn spawn(bin: &Path, extra: &[&str]) -> Result<Self, NodeError> {
		let mut args = vec!["--tmp"];
		args.extend_from_slice(extra);
		Self::spawn_with(bin, &args)
	}

	/// Start `bin --dev` keeping its database in `base_path`, so [`DevNode::restart`] resumes
	/// the same chain.
	pub fn spawn_persistent(bin: &Path, base_path: &Path) -> Result<Self, NodeError> {
		let base = base_path.to_string_lossy().into_owned();
		Self::spawn_with(bin, &["--base-path", &base])
	}

	fn spawn_with(bin: &Path, extra: &[&str]) -> Result<Self, NodeError> {
		let rpc_port = free_port()?;
		let mut args: Vec<String> = ["--dev", "--no-telemetry", "--no-mdns", "--rpc-cors", "all"]
			.iter()
			.map(|s| s.to_string())
			.collect();
		for (flag, port) in [
			("--rpc-port", rpc_port),
			("--port", free_port()?),
			("--prometheus-port", free_port()?),
		] {
			args.push(flag.into());
			args.push(port.to_string());
		}
		args.extend(["--rpc-max-connections".to_string(), "1000".to_string()]);
		args.extend(extra.iter().map(|s| s.to_string()));
		let log_dir = tempfile::tempdir()?;
		let log_path = log_dir.path().join("flare-node.log");
		let child = Self::start(bin, &args, &log_path)?;
		let mut node = Self {
			child,
			bin: bin.to_path_buf(),
			args,
			rpc_port,
			log_path,
			_log_dir: log_dir,
		};
		node.wait_ready(Duration::from_secs(180))?;
		Ok(node)
	}

	fn start(bin: &Path, args: &[String], log_path: &Path) -> Result<Child, NodeError> {
		let log = File::options().create(true).append(true).open(log_path)?;
		Ok(Command::new(bin)
			.args(args)
			.stdin(Stdio::null())
			.stdout(Stdio::null())
			.stderr(log)
			.spawn()?)
	}

	/// Kill the node and start it again with the same arguments and ports.
	pub fn restart(&mut self) -> Result<(), NodeError> {
		self.stop();
		self.child = Self::start(&self.bin, &self.args, &self.log_path)?;
		self.wait_ready(Duration::from_secs(180))
	}

	/// Kill the node (it stays down until [`DevNode::restart`]).
	pub fn stop(&mut self) {
		let _ = self.child.kill();
		let _ = self.child.wait();
	}

	/// The node's WebSocket RPC endpoint.
	pub fn url(&self) -> String {
		format!("ws://127.0.0.1:{}", self.rpc_port)
	}

	/// The node's RPC port.
	pub fn rpc_port(&self) -> u16 {
		self.rpc_port
	}

	/// The process id.
	pub fn pid(&self) -> u32 {
		self.child.id()
	}

	/// The last `n` lines of the node's log.
	pub fn log_tail(&self, n: usize) -> String {
		let mut s = String::new();
		if let Ok(mut f) = File::open(&self.log_path) {
			let _ = f.read_to_string(&mut s);
		}
		let lines: Vec<&str> = s.lines().collect();
		lines[lines.len().saturating_sub(n)..].join("\n")
	}

	fn wait_ready(&mut self, timeout: Duration) -> Result<(), NodeError> {
		let start = Instant::now();
		let addr: SocketAddr = ([127, 0, 0, 1], self.rpc_port).into();
		loop {
			if let Some(status) = self.child.try_wait()? {
				return Err(NodeError::Exited {
					status: status.to_string(),
					log: self.log_tail(30),
				});
			}
			if rpc_answers(addr) {
				return Ok(());
			}
			if start.elapsed() > timeout {
				return Err(NodeError::Timeout {
					port: self.rpc_port,
					secs: timeout.as_secs(),
					log: self.log_tail(30),
				});
			}
			std::thread::sleep(Duration::from_millis(250));
		}
	}
}

/// Whether an HTTP JSON-RPC `system_health` request on `addr` gets a result.
fn rpc_answers(addr: SocketAddr) -> bool {
	let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
		return false;
	};
	let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
	let body = r#"{"jsonrpc":"2.0","id":1,"method":"system_health","params":[]}"#;
	let req = format!(
		"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
		body.len()
	);
	if s.write_all(req.as_bytes()).is_err() {
		return false;
	}
	let mut resp = String::new();
	let _ = s.read_to_string(&mut resp);
	resp.contains("\"result\"")
}

impl Drop for DevNode {
	fn drop(&mut self) {
		self.stop();
	}
}
