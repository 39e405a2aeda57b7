//! Model parameters as one flat `f32` vector described by a [`Manifest`], and their canonical
//! `FLPM` encoding.
//!
//! Encoding (all integers little-endian):
//!
//! ```text
//! b"FLPM" | version u8 (= 1) | layer count u16
//! per layer: name length u8 | name (UTF-8) | ndims u8 | dims u32 × ndims
//! value count u64 | values f32 LE × count
//! ```
//!
//! The encoding is canonical: a given `Params` has exactly one encoding, and decoding rejects any
//! byte string that is not the encoding of some `Params` (trailing bytes, non-finite values, a
//! count that disagrees with the manifest). That is what lets the chain key parameters by
//! [`content_hash`] of the bytes.

use std::collections::HashSet;
use std::fmt;

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};

use crate::error::{ManifestError, ParamsError};
use crate::wire::{get_f32s, put_f32s, Reader, Short};

/// Magic bytes opening an encoded [`Params`].
pub const PARAMS_MAGIC: [u8; 4] = *b"FLPM";
/// The only `FLPM` version this crate reads and writes.
pub const PARAMS_VERSION: u8 = 1;

/// BLAKE2b-256 of `bytes`: the same digest as Substrate's `blake2_256`, so hashes computed here
/// match the ones the chain stores.
pub fn content_hash(bytes: &[u8]) -> [u8; 32] {
	let mut h = Blake2b::<U32>::new();
	h.update(bytes);
	h.finalize().into()
}

/// Euclidean norm, accumulated in f64 in index order (deterministic).
pub fn l2_norm(values: &[f32]) -> f64 {
	values
		.iter()
		.map(|&v| f64::from(v) * f64::from(v))
		.sum::<f64>()
		.sqrt()
}

/// One named tensor; its values are stored row-major.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Layer {
	pub name: String,
	pub dims: Vec<u32>,
}

impl Layer {
	pub fn new(name: impl Into<String>, dims: Vec<u32>) -> Self {
		Layer {
			name: name.into(),
			dims,
		}
	}

	/// Number of values (product of dims; saturates instead of overflowing).
	pub fn len(&self) -> usize {
		self.dims
			.iter()
			.fold(1usize, |acc, &d| acc.saturating_mul(d as usize))
	}

	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}
}

/// The layout of a flat parameter vector: layers in order, each a row-major tensor.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Manifest {
	pub layers: Vec<Layer>,
}

impl Manifest {
	pub fn new(layers: Vec<Layer>) -> Self {
		Manifest { layers }
	}

	/// Total number of f32 values (saturating; [`Manifest::validate`] rejects overflow).
	pub fn len(&self) -> usize {
		self.layers
			.iter()
			.fold(0usize, |acc, l| acc.saturating_add(l.len()))
	}

	pub fn is_empty(&self) -> bool {
		self.len() == 0
	}

	/// `(offset, len)` of each layer in the flat vector.
	pub fn ranges(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
		self.layers.iter().scan(0usize, |off, l| {
			let start = *off;
			*off = off.saturating_add(l.len());
			Some((start, l.len()))
		})
	}

	/// Checks that the manifest is encodable and unambiguous: 1..=255-byte unique names,
	/// at most 255 non-zero dims per layer, at most 65 535 layers, a total that fits in memory.
	pub fn validate(&self) -> Result<(), ManifestError> {
		if self.layers.len() > u16::MAX as usize {
			return Err(ManifestError::TooManyLayers {
				count: self.layers.len(),
				max: u16::MAX as usize,
			});
		}
		let mut names = HashSet::with_capacity(self.layers.len());
		let mut total: usize = 0;
		for (i, l) in self.layers.iter().enumerate() {
			if l.name.is_empty() {
				return Err(ManifestError::EmptyName { layer: i });
			}
			if l.name.len() > u8::MAX as usize {
				return Err(ManifestError::NameTooLong {
					layer: i,
					len: l.name.len(),
				});
			}
			if l.dims.len() > u8::MAX as usize {
				return Err(ManifestError::TooManyDims {
					layer: i,
					ndims: l.dims.len(),
				});
			}
			if l.dims.contains(&0) {
				return Err(ManifestError::ZeroDim { layer: i });
			}
			if !names.insert(l.name.as_str()) {
				return Err(ManifestError::DuplicateName {
					name: l.name.clone(),
				});
			}
			let n = l
				.dims
				.iter()
				.try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
				.ok_or(ManifestError::TooManyValues)?;
			// Bound by what a Vec<f32> can address, so byte sizes (4·len) never overflow either.
			total = total
				.checked_add(n)
				.filter(|&t| t <= isize::MAX as usize / 4)
				.ok_or(ManifestError::TooManyValues)?;
		}
		Ok(())
	}

	/// Appends the manifest's wire form. Call only on a validated manifest.
	pub(crate) fn write_to(&self, out: &mut Vec<u8>) {
		out.extend_from_slice(&(self.layers.len() as u16).to_le_bytes());
		for l in &self.layers {
			out.push(l.name.len() as u8);
			out.extend_from_slice(l.name.as_bytes());
			out.push(l.dims.len() as u8);
			for d in &l.dims {
				out.extend_from_slice(&d.to_le_bytes());
			}
		}
	}

	/// Reads and validates a manifest's wire form.
	pub(crate) fn read_from(r: &mut Reader<'_>) -> Result<Manifest, WireError> {
		let count = r.u16()? as usize;
		let mut layers = Vec::with_capacity(count);
		for i in 0..count {
			let name_len = r.u8()? as usize;
			let name = std::str::from_utf8(r.take(name_len)?)
				.map_err(|_| ManifestError::NameNotUtf8 { layer: i })?
				.to_owned();
			let ndims = r.u8()? as usize;
			let mut dims = Vec::with_capacity(ndims);
			for _ in 0..ndims {
				dims.push(r.u32()?);
			}
			layers.push(Layer { name, dims });
		}
		let m = Manifest { layers };
		m.validate()?;
		Ok(m)
	}
}

impl fmt::Display for Manifest {
	/// Compact shape listing, e.g. `fc1.weight[784x200],fc1.bias[200]`.
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		for (i, l) in self.layers.iter().enumerate() {
			if i > 0 {
				f.write_str(",")?;
			}
			write!(f, "{}[", l.name)?;
			for (j, d) in l.dims.iter().enumerate() {
				if j > 0 {
					f.write_str("x")?;
				}
				write!(f, "{d}")?;
			}
			f.write_str("]")?;
		}
		Ok(())
	}
}

/// Failure while reading a manifest from a wire format (shared by `FLPM` and `FLUP`).
pub(crate) enum WireError {
	Short(Short),
	Manifest(ManifestError),
}

impl From<Short> for WireError {
	fn from(s: Short) -> Self {
		WireError::Short(s)
	}
}

impl From<ManifestError> for WireError {
	fn from(e: ManifestError) -> Self {
		WireError::Manifest(e)
	}
}

impl From<Short> for ParamsError {
	fn from(s: Short) -> Self {
		ParamsError::Truncated {
			offset: s.offset,
			needed: s.needed,
			available: s.available,
		}
	}
}

impl From<WireError> for ParamsError {
	fn from(e: WireError) -> Self {
		match e {
			WireError::Short(s) => s.into(),
			WireError::Manifest(m) => ParamsError::Manifest(m),
		}
	}
}

/// A flat parameter (or delta) vector together with its layout.
///
/// Invariant: the manifest is valid and `values.len() == manifest.len()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
	manifest: Manifest,
	values: Vec<f32>,
}

impl Params {
	pub fn new(manifest: Manifest, values: Vec<f32>) -> Result<Params, ParamsError> {
		manifest.validate()?;
		if values.len() != manifest.len() {
			return Err(ParamsError::LengthMismatch {
				expected: manifest.len(),
				got: values.len(),
			});
		}
		Ok(Params { manifest, values })
	}

	/// For manifests validated elsewhere in the crate (a model's, a decoded header's).
	pub(crate) fn from_validated(manifest: Manifest, values: Vec<f32>) -> Params {
		debug_assert!(manifest.validate().is_ok());
		debug_assert_eq!(values.len(), manifest.len());
		Params { manifest, values }
	}

	pub fn zeros(manifest: Manifest) -> Result<Params, ParamsError> {
		manifest.validate()?;
		let values = vec![0.0; manifest.len()];
		Ok(Params { manifest, values })
	}

	pub fn manifest(&self) -> &Manifest {
		&self.manifest
	}

	pub fn values(&self) -> &[f32] {
		&self.values
	}

	/// Mutable values; the length is fixed by the manifest, so only contents can change.
	pub fn values_mut(&mut self) -> &mut [f32] {
		&mut self.values
	}

	pub fn into_values(self) -> Vec<f32> {
		self.values
	}

	pub fn len(&self) -> usize {
		self.values.len()
	}

	pub fn is_empty(&self) -> bool {
		self.values.is_empty()
	}

	/// Index of the first NaN/±inf value, if any.
	pub fn first_non_finite(&self) -> Option<usize> {
		self.values.iter().position(|v| !v.is_finite())
	}

	/// `self + delta`, element-wise.
	pub fn add_delta(&self, delta: &[f32]) -> Result<Params, ParamsError> {
		if delta.len() != self.values.len() {
			return Err(ParamsError::ShapeMismatch {
				expected: self.values.len(),
				got: delta.len(),
			});
		}
		let values = self.values.iter().zip(delta).map(|(w, d)| w + d).collect();
		Ok(Params {
			manifest: self.manifest.clone(),
			values,
		})
	}

	/// `self - base`, element-wise: the update a client sends after training from `base`.
	pub fn delta_from(&self, base: &Params) -> Result<Vec<f32>, ParamsError> {
		if self.manifest != base.manifest {
			return Err(ParamsError::WrongManifest {
				expected: Box::new(self.manifest.clone()),
				got: Box::new(base.manifest.clone()),
			});
		}
		Ok(self
			.values
			.iter()
			.zip(&base.values)
			.map(|(w, b)| w - b)
			.collect())
	}

	/// Euclidean norm of the values (f64, index order).
	pub fn l2_norm(&self) -> f64 {
		l2_norm(&self.values)
	}

	/// Canonical `FLPM` encoding (see the module docs).
	pub fn encode(&self) -> Vec<u8> {
		let mut out =
			Vec::with_capacity(16 + 32 * self.manifest.layers.len() + 4 * self.values.len());
		out.extend_from_slice(&PARAMS_MAGIC);
		out.push(PARAMS_VERSION);
		self.manifest.write_to(&mut out);
		out.extend_from_slice(&(self.values.len() as u64).to_le_bytes());
		put_f32s(&mut out, &self.values);
		out
	}

	/// [`content_hash`] of [`Params::encode`].
	pub fn hash(&self) -> [u8; 32] {
		content_hash(&self.encode())
	}

	/// Strict decoding of [`Params::encode`]'s output. With `expected`, the manifest must match it.
	pub fn decode(bytes: &[u8], expected: Option<&Manifest>) -> Result<Params, ParamsError> {
		Self::decode_with_limit(bytes, expected, usize::MAX)
	}

	/// [`Params::decode`] that first refuses inputs longer than `max_bytes`.
	pub fn decode_with_limit(
		bytes: &[u8],
		expected: Option<&Manifest>,
		max_bytes: usize,
	) -> Result<Params, ParamsError> {
		if bytes.len() > max_bytes {
			return Err(ParamsError::TooLarge {
				max: max_bytes,
				got: bytes.len(),
			});
		}
		let mut r = Reader::new(bytes);
		let magic = r.take(4)?;
		if magic != PARAMS_MAGIC {
			return Err(ParamsError::BadMagic {
				found: magic.to_vec(),
			});
		}
		let version = r.u8()?;
		if version != PARAMS_VERSION {
			return Err(ParamsError::UnsupportedVersion { found: version });
		}
		let manifest = Manifest::read_from(&mut r)?;
		if let Some(exp) = expected {
			if *exp != manifest {
				return Err(ParamsError::WrongManifest {
					expected: Box::new(exp.clone()),
					got: Box::new(manifest),
				});
			}
		}
		let declared = r.u64()?;
		let n = manifest.len();
		if declared != n as u64 {
			return Err(ParamsError::CountMismatch {
				manifest: n as u64,
				declared,
			});
		}
		// Sizes are checked before allocating, so a hostile header cannot make us reserve memory.
		let body = r.take(4 * n)?;
		if r.remaining() > 0 {
			return Err(ParamsError::TrailingBytes {
				extra: r.remaining(),
			});
		}
		let mut values = Vec::new();
		get_f32s(body, &mut values);
		if let Some(index) = values.iter().position(|v| !v.is_finite()) {
			return Err(ParamsError::NonFinite { index });
		}
		Ok(Params { manifest, values })
	}
}
