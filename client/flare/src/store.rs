//! Content-addressed blob storage: models and updates live off chain, named by the BLAKE2-256
//! hash the chain stores.

use flare_ml::content_hash;
use std::{
	collections::HashMap,
	fs,
	io::{self, Write},
	path::{Path, PathBuf},
	sync::Mutex,
};

/// A 32-byte content hash.
pub type BlobHash = [u8; 32];

/// Why a blob could not be stored or fetched.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
	/// No blob with this hash is stored.
	#[error("blob {} is missing from the store", hex::encode(.0))]
	Missing(BlobHash),
	/// The stored bytes do not hash to the requested hash (corruption or tampering).
	#[error("blob {} is corrupt: its bytes hash to {}", hex::encode(.expected), hex::encode(.got))]
	HashMismatch { expected: BlobHash, got: BlobHash },
	/// The blob is larger than the caller accepts.
	#[error("blob {} has {got} bytes, more than the {max} allowed", hex::encode(.hash))]
	TooLarge { hash: BlobHash, max: u64, got: u64 },
	/// The file system failed.
	#[error("blob store I/O error at {path}: {source}")]
	Io { path: PathBuf, source: io::Error },
}

/// Where Flare keeps blobs. `put` returns the content hash; `get` re-hashes what it reads and
/// refuses a mismatch, so a caller never sees bytes that do not match the name it asked for.
pub trait BlobStore: Send + Sync {
	/// Store `bytes` and return their content hash. Storing the same bytes twice is a no-op.
	fn put(&self, bytes: &[u8]) -> Result<BlobHash, StoreError>;

	/// The raw bytes stored under `hash`, without verification (aggregators use this to tell a
	/// tampered blob apart from a missing one).
	fn get_unverified(&self, hash: &BlobHash, max_len: u64) -> Result<Vec<u8>, StoreError>;

	/// The verified bytes of `hash`.
	fn get(&self, hash: &BlobHash, max_len: u64) -> Result<Vec<u8>, StoreError> {
		let bytes = self.get_unverified(hash, max_len)?;
		let got = content_hash(&bytes);
		if &got != hash {
			return Err(StoreError::HashMismatch {
				expected: *hash,
				got,
			});
		}
		Ok(bytes)
	}

	/// Whether a blob is stored under `hash`.
	fn contains(&self, hash: &BlobHash) -> bool;

	/// Store `bytes` under a name that is NOT their hash. Only fault-injection (a malicious
	/// trainer in tests) uses this; honest code always calls [`BlobStore::put`].
	fn put_as(&self, hash: &BlobHash, bytes: &[u8]) -> Result<(), StoreError>;
}

/// Blobs as files named by their hex hash in one directory (the default store). Writes go to a
/// temporary file in the same directory, are synced, then renamed into place, so a crash never
/// leaves a torn blob under a valid name.
#[derive(Debug, Clone)]
pub struct DirStore {
	dir: PathBuf,
}

impl DirStore {
	/// Open (creating if needed) a store in `dir`.
	pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
		let dir = dir.into();
		fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
			path: dir.clone(),
			source,
		})?;
		Ok(Self { dir })
	}

	/// The directory of the store.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	fn path(&self, hash: &BlobHash) -> PathBuf {
		self.dir.join(hex::encode(hash))
	}

	fn write_atomic(&self, path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
		let io_err = |source| StoreError::Io {
			path: path.to_path_buf(),
			source,
		};
		let mut tmp = tempfile::NamedTempFile::new_in(&self.dir).map_err(io_err)?;
		tmp.write_all(bytes).map_err(io_err)?;
		tmp.as_file().sync_all().map_err(io_err)?;
		tmp.persist(path).map_err(|e| io_err(e.error))?;
		Ok(())
	}
}

impl BlobStore for DirStore {
	fn put(&self, bytes: &[u8]) -> Result<BlobHash, StoreError> {
		let hash = content_hash(bytes);
		let path = self.path(&hash);
		if !path.exists() {
			self.write_atomic(&path, bytes)?;
		}
		Ok(hash)
	}

	fn get_unverified(&self, hash: &BlobHash, max_len: u64) -> Result<Vec<u8>, StoreError> {
		let path = self.path(hash);
		let meta = match fs::metadata(&path) {
			Ok(m) => m,
			Err(e) if e.kind() == io::ErrorKind::NotFound => {
				return Err(StoreError::Missing(*hash))
			}
			Err(source) => return Err(StoreError::Io { path, source }),
		};
		if meta.len() > max_len {
			return Err(StoreError::TooLarge {
				hash: *hash,
				max: max_len,
				got: meta.len(),
			});
		}
		fs::read(&path).map_err(|source| StoreError::Io { path, source })
	}

	fn contains(&self, hash: &BlobHash) -> bool {
		self.path(hash).exists()
	}

	fn put_as(&self, hash: &BlobHash, bytes: &[u8]) -> Result<(), StoreError> {
		self.write_atomic(&self.path(hash), bytes)
	}
}

/// Blobs in memory (tests and single-process simulations).
#[derive(Debug, Default)]
pub struct MemStore {
	blobs: Mutex<HashMap<BlobHash, Vec<u8>>>,
}

impl MemStore {
	/// An empty store.
	pub fn new() -> Self {
		Self::default()
	}

	fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<BlobHash, Vec<u8>>> {
		// A panic while holding the lock cannot leave the map half-updated (single insert).
		self.blobs
			.lock()
			.unwrap_or_else(|poisoned| poisoned.into_inner())
	}
}

impl BlobStore for MemStore {
	fn put(&self, bytes: &[u8]) -> Result<BlobHash, StoreError> {
		let hash = content_hash(bytes);
		self.lock().entry(hash).or_insert_with(|| bytes.to_vec());
		Ok(hash)
	}

	fn get_unverified(&self, hash: &BlobHash, max_len: u64) -> Result<Vec<u8>, StoreError> {
		let blobs = self.lock();
		let bytes = blobs.get(hash).ok_or(StoreError::Missing(*hash))?;
		if bytes.len() as u64 > max_len {
			return Err(StoreError::TooLarge {
				hash: *hash,
				max: max_len,
				got: bytes.len() as u64,
			});
		}
		Ok(bytes.clone())
	}

	fn contains(&self, hash: &BlobHash) -> bool {
		self.lock().contains_key(hash)
	}

	fn put_as(&self, hash: &BlobHash, bytes: &[u8]) -> Result<(), StoreError> {
		self.lock().insert(*hash, bytes.to_vec());
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn stores() -> (tempfile::TempDir, Vec<Box<dyn BlobStore>>) {
		let dir = tempfile::tempdir().expect("temp dir");
		let disk = DirStore::open(dir.path().join("blobs")).expect("open");
		(dir, vec![Box::new(disk), Box::new(MemStore::new())])
	}

	#[test]
	fn put_then_get_round_trips_by_content_hash() {
		let (_dir, stores) = stores();
		for s in stores {
			let h = s.put(b"model bytes").unwrap();
			assert_eq!(h, content_hash(b"model bytes"));
			assert!(s.contains(&h));
			assert_eq!(s.get(&h, 100).unwrap(), b"model bytes");
			assert_eq!(s.put(b"model bytes").unwrap(), h, "idempotent");
		}
	}

	#[test]
	fn get_rejects_missing_oversized_and_tampered_blobs() {
		let (_dir, stores) = stores();
		for s in stores {
			let h = content_hash(b"x");
			assert!(matches!(s.get(&h, 10), Err(StoreError::Missing(m)) if m == h));
			let big = s.put(&[7u8; 64]).unwrap();
			assert!(matches!(
				s.get(&big, 63),
				Err(StoreError::TooLarge {
					max: 63,
					got: 64,
					..
				})
			));
			s.put_as(&h, b"not x").unwrap();
			match s.get(&h, 10) {
				Err(StoreError::HashMismatch { expected, got }) => {
					assert_eq!(expected, h);
					assert_eq!(got, content_hash(b"not x"));
				}
				other => panic!("expected a hash mismatch, got {other:?}"),
			}
			assert_eq!(s.get_unverified(&h, 10).unwrap(), b"not x");
		}
	}

	#[test]
	fn dir_store_leaves_no_temporary_files_and_survives_reopen() {
		let dir = tempfile::tempdir().unwrap();
		let s = DirStore::open(dir.path()).unwrap();
		let h = s.put(b"abc").unwrap();
		let names: Vec<_> = fs::read_dir(dir.path())
			.unwrap()
			.map(|e| e.unwrap().file_name().into_string().unwrap())
			.collect();
		assert_eq!(names, vec![hex::encode(h)]);
		let reopened = DirStore::open(dir.path()).unwrap();
		assert_eq!(reopened.get(&h, 3).unwrap(), b"abc");
	}
}
