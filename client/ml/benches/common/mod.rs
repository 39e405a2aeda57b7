//! Shared by the bench targets: knobs read from the environment (criterion owns the command
//! line) and the machine-readable results that `scripts/bench_learning.sh` collects.
#![allow(dead_code)]

use std::path::PathBuf;

/// `FLARE_PERF_DIR`: when set, benches write `<dir>/<name>.json` beside criterion's estimates.
pub fn perf_dir() -> Option<PathBuf> {
	std::env::var_os("FLARE_PERF_DIR")
		.filter(|d| !d.is_empty())
		.map(PathBuf::from)
}

/// Writes `json` to `$FLARE_PERF_DIR/<name>.json` if the variable is set.
pub fn write_json(name: &str, json: &str) {
	if let Some(dir) = perf_dir() {
		let path = dir.join(format!("{name}.json"));
		std::fs::create_dir_all(&dir)
			.and_then(|_| std::fs::write(&path, json))
			.unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
	}
}

/// A positive integer from the environment, or `default` when unset or empty.
pub fn env_count(name: &str, default: u32) -> u32 {
	match std::env::var(name) {
		Ok(v) if !v.is_empty() => v
			.parse()
			.ok()
			.filter(|&n| n > 0)
			.unwrap_or_else(|| panic!("{name}={v:?}: expected a positive integer")),
		_ => default,
	}
}

/// The value of `MATMUL_NUM_THREADS` as matrixmultiply reads it (unset: its default, the
/// number of physical cores).
pub fn matmul_threads() -> String {
	std::env::var("MATMUL_NUM_THREADS")
		.ok()
		.filter(|v| !v.is_empty())
		.unwrap_or_else(|| "default (physical cores)".into())
}

/// OS threads of this process (Linux), e.g. to show how many matrixmultiply started.
pub fn process_threads() -> Option<usize> {
	std::fs::read_dir("/proc/self/task").ok().map(|d| d.count())
}
