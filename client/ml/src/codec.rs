//! Update codecs: how a client's delta (trained − global parameters) becomes the bytes it
//! publishes, and how anyone turns those bytes back into a dense delta.
//!
//! A blob is self-describing (all integers little-endian):
//!
//! ```text
//! b"FLUP" | version u8 (= 1) | codec id u8 | topk_fraction f32 | block u32
//! | manifest (layer count u16, per layer: name len u8, name, ndims u8, dims u32…)
//! | payload (compressed as a whole for the *zlib / gzip codecs)
//! ```
//!
//! `topk_fraction` is non-zero only for the top-k codecs and `block` only for `int8-block`, so
//! one delta has one encoding per codec. Payloads, before byte-level compression, with `n`
//! values, `L` layers and `k = clamp(round(fraction·n), 1, n)` (in f64, so `0.1` of 1 540 is 154
//! although `0.1f32` is slightly above one tenth):
//!
//! | id | name             | payload                                                        |
//! |----|------------------|----------------------------------------------------------------|
//! | 0  | `raw`            | n × f32                                                        |
//! | 1  | `zlib`           | zlib(n × f32)                                                  |
//! | 2  | `gzip`           | gzip(n × f32)                                                  |
//! | 3  | `int8`           | L × f32 scale, n × i8 (per-tensor scale)                        |
//! | 4  | `int8-block`     | ⌈len/block⌉ f32 scales per layer, n × i8 (per-block scale)      |
//! | 5  | `int8+zlib`      | zlib(`int8` payload)                                           |
//! | 6  | `topk`           | k × u32 index (strictly increasing), k × f32 value             |
//! | 7  | `topk+int8`      | k × u32 index, L × f32 scale, k × i8 (scale per tensor of the kept values) |
//! | 8  | `topk+int8+zlib` | zlib(`topk+int8` payload)                                      |
//!
//! Quantisation is symmetric: `scale = max|v| / 127`, `q = round(v / scale)`, decoded `q · scale`;
//! the error per value is at most `scale / 2`.
//!
//! Top-k codecs use error feedback: the [`Encoder`] keeps, on the client, everything the blob
//! did not carry (the dropped coordinates and the quantisation error) and adds it to the next
//! delta, so nothing is lost, only delayed.
//!
//! Decoding ([`decode_update`]) is strict and bounded: the expected payload size follows from
//! the header and the expected manifest, and decompression stops one byte past it, so a
//! compression bomb costs at most that much memory.

use std::fmt;
use std::io::{Read, Write};
use std::str::FromStr;

use flate2::{Compression, Decompress, FlushDecompress, Status};

use crate::aggregate::RejectReason;
use crate::error::CodecError;
use crate::params::{Manifest, Params, WireError};
use crate::wire::{get_f32s, put_f32s, Reader, Short};

/// Magic bytes opening an encoded update.
pub const UPDATE_MAGIC: [u8; 4] = *b"FLUP";
/// The only `FLUP` version this crate reads and writes.
pub const UPDATE_VERSION: u8 = 1;

/// Chain-level codec identifier; the `u8` values are part of the on-chain format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum CodecId {
	Raw = 0,
	Zlib = 1,
	Gzip = 2,
	Int8 = 3,
	Int8Block = 4,
	Int8Zlib = 5,
	TopK = 6,
	TopKInt8 = 7,
	TopKInt8Zlib = 8,
}

/// How values are quantised before any byte-level compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quant {
	None,
	PerTensor,
	PerBlock,
}

impl CodecId {
	pub const ALL: [CodecId; 9] = [
		CodecId::Raw,
		CodecId::Zlib,
		CodecId::Gzip,
		CodecId::Int8,
		CodecId::Int8Block,
		CodecId::Int8Zlib,
		CodecId::TopK,
		CodecId::TopKInt8,
		CodecId::TopKInt8Zlib,
	];

	pub fn as_u8(self) -> u8 {
		self as u8
	}

	pub fn name(self) -> &'static str {
		match self {
			CodecId::Raw => "raw",
			CodecId::Zlib => "zlib",
			CodecId::Gzip => "gzip",
			CodecId::Int8 => "int8",
			CodecId::Int8Block => "int8-block",
			CodecId::Int8Zlib => "int8+zlib",
			CodecId::TopK => "topk",
			CodecId::TopKInt8 => "topk+int8",
			CodecId::TopKInt8Zlib => "topk+int8+zlib",
		}
	}

	/// Byte-level compression applied to the whole payload.
	pub fn compressor(self) -> Compressor {
		match self {
			CodecId::Zlib | CodecId::Int8Zlib | CodecId::TopKInt8Zlib => Compressor::Zlib,
			CodecId::Gzip => Compressor::Gzip,
			_ => Compressor::None,
		}
	}

	/// Whether only the top-k coordinates are sent (with error feedback).
	pub fn is_sparse(self) -> bool {
		matches!(
			self,
			CodecId::TopK | CodecId::TopKInt8 | CodecId::TopKInt8Zlib
		)
	}

	/// Whether decoding returns exactly the encoded delta.
	pub fn is_lossless(self) -> bool {
		matches!(self, CodecId::Raw | CodecId::Zlib | CodecId::Gzip)
	}

	fn quant(self) -> Quant {
		match self {
			CodecId::Int8 | CodecId::Int8Zlib | CodecId::TopKInt8 | CodecId::TopKInt8Zlib => {
				Quant::PerTensor
			}
			CodecId::Int8Block => Quant::PerBlock,
			_ => Quant::None,
		}
	}
}

impl TryFrom<u8> for CodecId {
	type Error = CodecError;
	fn try_from(id: u8) -> Result<CodecId, CodecError> {
		CodecId::ALL
			.get(id as usize)
			.copied()
			.ok_or(CodecError::UnknownCodec { id })
	}
}

impl FromStr for CodecId {
	type Err = CodecError;
	fn from_str(s: &str) -> Result<CodecId, CodecError> {
		CodecId::ALL
			.into_iter()
			.find(|c| c.name() == s)
			.ok_or_else(|| CodecError::UnknownCodecName { name: s.to_owned() })
	}
}

impl fmt::Display for CodecId {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		f.write_str(self.name())
	}
}

/// Byte-level (lossless) compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compressor {
	None,
	Zlib,
	Gzip,
}

impl Compressor {
	pub fn compress(self, data: &[u8]) -> Result<Vec<u8>, CodecError> {
		let failed = |e: std::io::Error| CodecError::Compression {
			reason: e.to_string(),
		};
		match self {
			Compressor::None => Ok(data.to_vec()),
			Compressor::Zlib => {
				let mut e = flate2::write::ZlibEncoder::new(
					Vec::with_capacity(data.len() / 2),
					Compression::default(),
				);
				e.write_all(data).map_err(failed)?;
				e.finish().map_err(failed)
			}
			Compressor::Gzip => {
				// GzEncoder writes mtime 0 and no file name: the output depends on `data` only.
				let mut e = flate2::write::GzEncoder::new(
					Vec::with_capacity(data.len() / 2),
					Compression::default(),
				);
				e.write_all(data).map_err(failed)?;
				e.finish().map_err(failed)
			}
		}
	}

	/// Decompresses `data`, which must expand to exactly `expected_len` bytes and consist of
	/// exactly one complete stream. Never produces more than `expected_len + 1` bytes.
	pub fn decompress(self, data: &[u8], expected_len: usize) -> Result<Vec<u8>, CodecError> {
		let (out, consumed) = match self {
			Compressor::None => {
				if data.len() < expected_len {
					return Err(CodecError::Truncated {
						offset: 0,
						needed: expected_len,
						available: data.len(),
					});
				}
				return match data.len() - expected_len {
					0 => Ok(data.to_vec()),
					extra => Err(CodecError::TrailingBytes { extra }),
				};
			}
			Compressor::Zlib => {
				let mut out = Vec::with_capacity(expected_len.saturating_add(1));
				let mut d = Decompress::new(true);
				let status = d
					.decompress_vec(data, &mut out, FlushDecompress::Finish)
					.map_err(|e| CodecError::Decompression {
						reason: e.to_string(),
					})?;
				if out.len() > expected_len {
					return Err(CodecError::InflateOverflow {
						limit: expected_len,
					});
				}
				if status != Status::StreamEnd {
					return Err(CodecError::Decompression {
						reason: "stream ends before its end marker".into(),
					});
				}
				(out, d.total_in() as usize)
			}
			Compressor::Gzip => {
				let mut out = Vec::with_capacity(expected_len.saturating_add(1));
				let mut d = flate2::bufread::GzDecoder::new(data);
				(&mut d)
					.take(expected_len as u64 + 1)
					.read_to_end(&mut out)
					.map_err(|e| CodecError::Decompression {
						reason: e.to_string(),
					})?;
				if out.len() > expected_len {
					return Err(CodecError::InflateOverflow {
						limit: expected_len,
					});
				}
				// Reaching EOF means the trailer (CRC, size) was read and verified.
				let rest = d.into_inner();
				(out, data.len() - rest.len())
			}
		};
		if consumed < data.len() {
			return Err(CodecError::TrailingBytes {
				extra: data.len() - consumed,
			});
		}
		if out.len() < expected_len {
			return Err(CodecError::DecompressedTooShort {
				expected: expected_len,
				got: out.len(),
			});
		}
		Ok(out)
	}
}

/// Which codec to use and its parameters (unchecked; see [`CodecSpec::validate`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CodecSpec {
	pub id: CodecId,
	/// Fraction of coordinates kept by the top-k codecs, in `(0, 1]`.
	pub topk_fraction: f32,
	/// Values per scale for `int8-block`, at least 1.
	pub block: u32,
}

impl CodecSpec {
	/// `id` with the default parameters: 10 % of coordinates for top-k, blocks of 256.
	pub fn new(id: CodecId) -> CodecSpec {
		CodecSpec {
			id,
			topk_fraction: 0.1,
			block: 256,
		}
	}

	/// Checks the parameters the codec uses; the others are ignored (and written as zero).
	pub fn validate(self) -> Result<ValidCodecSpec, CodecError> {
		let topk_fraction = if self.id.is_sparse() {
			if !(self.topk_fraction.is_finite()
				&& self.topk_fraction > 0.0
				&& self.topk_fraction <= 1.0)
			{
				return Err(CodecError::InvalidSpec {
					field: "topk_fraction",
					value: self.topk_fraction.to_string(),
					expected: "in (0, 1]",
				});
			}
			self.topk_fraction
		} else {
			0.0
		};
		let block = if self.id.quant() == Quant::PerBlock {
			if self.block == 0 {
				return Err(CodecError::InvalidSpec {
					field: "block",
					value: "0".into(),
					expected: "at least 1",
				});
			}
			self.block
		} else {
			0
		};
		Ok(ValidCodecSpec {
			id: self.id,
			topk_fraction,
			block,
		})
	}
}

/// A checked [`CodecSpec`] whose unused parameters are zero, exactly as written in the header.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ValidCodecSpec {
	id: CodecId,
	topk_fraction: f32,
	block: u32,
}

impl ValidCodecSpec {
	pub fn id(&self) -> CodecId {
		self.id
	}
	pub fn topk_fraction(&self) -> f32 {
		self.topk_fraction
	}
	pub fn block(&self) -> u32 {
		self.block
	}

	/// Checks header parameters read from a blob: the same rules as [`CodecSpec::validate`],
	/// plus unused parameters must be zero (one delta, one encoding).
	fn from_header(
		id: CodecId,
		topk_fraction: f32,
		block: u32,
	) -> Result<ValidCodecSpec, CodecError> {
		let bad_fraction = CodecError::InvalidHeader {
			field: "topk_fraction",
			value: f64::from(topk_fraction),
		};
		if id.is_sparse() {
			if !(topk_fraction.is_finite() && topk_fraction > 0.0 && topk_fraction <= 1.0) {
				return Err(bad_fraction);
			}
		} else if topk_fraction.to_bits() != 0 {
			return Err(bad_fraction);
		}
		if (id.quant() == Quant::PerBlock) != (block != 0) {
			return Err(CodecError::InvalidHeader {
				field: "block",
				value: f64::from(block),
			});
		}
		Ok(ValidCodecSpec {
			id,
			topk_fraction,
			block,
		})
	}

	/// Number of coordinates a top-k blob over `n` values carries.
	pub fn topk_count(&self, n: usize) -> usize {
		if n == 0 {
			return 0;
		}
		// One f64 multiplication of exact inputs, rounded: identical on every platform.
		let k = (f64::from(self.topk_fraction) * n as f64).round();
		(k as usize).clamp(1, n)
	}

	/// Exact payload size before compression.
	fn payload_len(&self, m: &Manifest) -> usize {
		let n = m.len();
		let layers = m.layers.len();
		match (self.id.is_sparse(), self.id.quant()) {
			(false, Quant::None) => 4 * n,
			(false, Quant::PerTensor) => 4 * layers + n,
			(false, Quant::PerBlock) => 4 * block_count(m, self.block as usize) + n,
			(true, Quant::None) => 8 * self.topk_count(n),
			(true, _) => 5 * self.topk_count(n) + 4 * layers,
		}
	}
}

fn block_count(m: &Manifest, block: usize) -> usize {
	m.ranges().map(|(_, len)| len.div_ceil(block)).sum()
}

/// Symmetric int8 scale for `values`.
fn scale_of(values: impl Iterator<Item = f32>) -> f32 {
	values.fold(0.0f32, |m, v| m.max(v.abs())) / 127.0
}

fn quantize(v: f32, scale: f32) -> i8 {
	if scale.is_normal() {
		(v / scale).round().clamp(-127.0, 127.0) as i8
	} else {
		// A zero (or subnormal) scale means every value in the group is (nearly) zero.
		0
	}
}

fn dequantize(q: i8, scale: f32) -> f32 {
	f32::from(q) * scale
}

/// Indices of the `k` largest |values| (ties: lower index first), ascending.
fn top_k(values: &[f32], k: usize) -> Vec<u32> {
	let mut idx: Vec<u32> = (0..values.len() as u32).collect();
	if k > 0 && k < idx.len() {
		idx.select_nth_unstable_by(k - 1, |&a, &b| {
			values[b as usize]
				.abs()
				.total_cmp(&values[a as usize].abs())
				.then(a.cmp(&b))
		});
	}
	idx.truncate(k);
	idx.sort_unstable();
	idx
}

/// For sorted `indices`, the sub-range of positions falling in each layer.
fn layer_runs(m: &Manifest, indices: &[u32]) -> Vec<(usize, usize)> {
	m.ranges()
		.map(|(off, len)| {
			let lo = indices.partition_point(|&i| (i as usize) < off);
			let hi = indices.partition_point(|&i| (i as usize) < off + len);
			(lo, hi)
		})
		.collect()
}

/// Client-side encoder; keeps the error-feedback residual of the top-k codecs between rounds.
#[derive(Debug, Clone)]
pub struct Encoder {
	spec: ValidCodecSpec,
	residual: Option<Params>,
}

impl Encoder {
	pub fn new(spec: CodecSpec) -> Result<Encoder, CodecError> {
		Ok(Encoder {
			spec: spec.validate()?,
			residual: None,
		})
	}

	pub fn spec(&self) -> &ValidCodecSpec {
		&self.spec
	}

	/// What previous blobs did not carry yet (top-k codecs only).
	pub fn residual(&self) -> Option<&[f32]> {
		self.residual.as_ref().map(|r| r.values())
	}

	/// Forgets the residual (e.g. when the client skips rounds and the delta base changes).
	pub fn reset(&mut self) {
		self.residual = None;
	}

	/// Encodes `delta` as a self-describing `FLUP` blob.
	pub fn encode(&mut self, delta: &Params) -> Result<Vec<u8>, CodecError> {
		if let Some(index) = delta.first_non_finite() {
			return Err(CodecError::NonFinite { index });
		}
		self.encode_unchecked(delta)
	}

	/// Encodes `delta` without refusing non-finite values. Honest clients never need this: it
	/// exists so robustness tests can play a client that publishes NaN weights (which survive
	/// the f32 codecs `raw`, `zlib`, `gzip` and `topk`) and check that aggregators reject them.
	pub fn encode_unchecked(&mut self, delta: &Params) -> Result<Vec<u8>, CodecError> {
		let m = delta.manifest();
		let spec = self.spec;
		let mut payload = Vec::with_capacity(spec.payload_len(m));
		if spec.id.is_sparse() {
			if m.len() > u32::MAX as usize {
				return Err(CodecError::InvalidSpec {
					field: "id",
					value: spec.id.to_string(),
					expected: "a dense codec for models above 2^32 values",
				});
			}
			let mut corrected = delta.values().to_vec();
			if let Some(r) = &self.residual {
				if r.manifest() != m {
					return Err(CodecError::WrongManifest {
						expected: Box::new(r.manifest().clone()),
						got: Box::new(m.clone()),
					});
				}
				for (c, r) in corrected.iter_mut().zip(r.values()) {
					*c += r;
				}
			}
			let idx = top_k(&corrected, spec.topk_count(m.len()));
			for &i in &idx {
				payload.extend_from_slice(&i.to_le_bytes());
			}
			// The residual becomes `corrected − what the receiver will decode`.
			let mut residual = corrected;
			if spec.id.quant() == Quant::None {
				let vals: Vec<f32> = idx.iter().map(|&i| residual[i as usize]).collect();
				put_f32s(&mut payload, &vals);
				for &i in &idx {
					residual[i as usize] = 0.0;
				}
			} else {
				let runs = layer_runs(m, &idx);
				let scales: Vec<f32> = runs
					.iter()
					.map(|&(lo, hi)| scale_of(idx[lo..hi].iter().map(|&i| residual[i as usize])))
					.collect();
				put_f32s(&mut payload, &scales);
				for (&(lo, hi), &scale) in runs.iter().zip(&scales) {
					for &i in &idx[lo..hi] {
						let q = quantize(residual[i as usize], scale);
						payload.push(q as u8);
						residual[i as usize] -= dequantize(q, scale);
					}
				}
			}
			self.residual = Some(Params::from_validated(m.clone(), residual));
		} else {
			let v = delta.values();
			match spec.id.quant() {
				Quant::None => put_f32s(&mut payload, v),
				Quant::PerTensor | Quant::PerBlock => {
					let group = if spec.id.quant() == Quant::PerBlock {
						spec.block as usize
					} else {
						usize::MAX
					};
					let mut scales = Vec::new();
					let mut qs = Vec::with_capacity(v.len());
					for (off, len) in m.ranges() {
						for chunk in v[off..off + len].chunks(group.min(len.max(1))) {
							let scale = scale_of(chunk.iter().copied());
							scales.push(scale);
							qs.extend(chunk.iter().map(|&x| quantize(x, scale) as u8));
						}
					}
					put_f32s(&mut payload, &scales);
					payload.extend_from_slice(&qs);
				}
			}
		}
		let body = spec.id.compressor().compress(&payload)?;
		let mut out = Vec::with_capacity(16 + 32 * m.layers.len() + body.len());
		out.extend_from_slice(&UPDATE_MAGIC);
		out.push(UPDATE_VERSION);
		out.push(spec.id.as_u8());
		out.extend_from_slice(&spec.topk_fraction.to_le_bytes());
		out.extend_from_slice(&spec.block.to_le_bytes());
		m.write_to(&mut out);
		out.extend_from_slice(&body);
		Ok(out)
	}
}

impl From<Short> for CodecError {
	fn from(s: Short) -> Self {
		CodecError::Truncated {
			offset: s.offset,
			needed: s.needed,
			available: s.available,
		}
	}
}

impl From<WireError> for CodecError {
	fn from(e: WireError) -> Self {
		match e {
			WireError::Short(s) => s.into(),
			WireError::Manifest(m) => CodecError::Manifest(m),
		}
	}
}

impl CodecError {
	/// The on-chain rejection reason for a blob that failed to decode with this error.
	pub fn reject_reason(&self) -> RejectReason {
		match self {
			CodecError::WrongManifest { .. } => RejectReason::WrongShape,
			CodecError::NonFinite { .. } => RejectReason::NonFinite,
			_ => RejectReason::Undecodable,
		}
	}
}

/// The header of an update blob.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateHeader {
	pub spec: ValidCodecSpec,
	pub manifest: Manifest,
	/// Offset of the payload in the blob.
	pub payload_offset: usize,
}

/// Parses and checks an update's header without touching its payload.
pub fn read_header(bytes: &[u8]) -> Result<UpdateHeader, CodecError> {
	let mut r = Reader::new(bytes);
	let magic = r.take(4)?;
	if magic != UPDATE_MAGIC {
		return Err(CodecError::BadMagic {
			found: magic.to_vec(),
		});
	}
	let version = r.u8()?;
	if version != UPDATE_VERSION {
		return Err(CodecError::UnsupportedVersion { found: version });
	}
	let id = CodecId::try_from(r.u8()?)?;
	let topk_fraction = r.f32()?;
	let block = r.u32()?;
	let spec = ValidCodecSpec::from_header(id, topk_fraction, block)?;
	let manifest = Manifest::read_from(&mut r)?;
	Ok(UpdateHeader {
		spec,
		manifest,
		payload_offset: r.pos(),
	})
}

/// Strictly decodes an update blob into its codec and dense delta.
///
/// `expected` is the global model's manifest; `max_bytes` caps the blob size. Decompression is
/// bounded by the payload size implied by the header and `expected`.
pub fn decode_update(
	bytes: &[u8],
	expected: &Manifest,
	max_bytes: usize,
) -> Result<(CodecId, Params), CodecError> {
	if bytes.len() > max_bytes {
		return Err(CodecError::TooLarge {
			max: max_bytes,
			got: bytes.len(),
		});
	}
	let header = read_header(bytes)?;
	if header.manifest != *expected {
		return Err(CodecError::WrongManifest {
			expected: Box::new(expected.clone()),
			got: Box::new(header.manifest),
		});
	}
	let spec = header.spec;
	let m = &header.manifest;
	let n = m.len();
	let payload = spec
		.id
		.compressor()
		.decompress(&bytes[header.payload_offset..], spec.payload_len(m))?;
	let mut r = Reader::new(&payload);
	let mut dense = vec![0.0f32; n];
	if spec.id.is_sparse() {
		let k = spec.topk_count(n);
		let mut idx = Vec::with_capacity(k);
		for position in 0..k {
			let index = r.u32()?;
			if index as usize >= n {
				return Err(CodecError::IndexOutOfRange {
					position,
					index,
					len: n,
				});
			}
			if let Some(&prev) = idx.last() {
				if index <= prev {
					return Err(CodecError::IndicesNotIncreasing {
						position,
						prev,
						index,
					});
				}
			}
			idx.push(index);
		}
		if spec.id.quant() == Quant::None {
			let mut vals = Vec::with_capacity(k);
			get_f32s(r.take(4 * k)?, &mut vals);
			for (&i, v) in idx.iter().zip(vals) {
				dense[i as usize] = v;
			}
		} else {
			let mut scales = Vec::with_capacity(m.layers.len());
			get_f32s(r.take(4 * m.layers.len())?, &mut scales);
			let qs = r.take(k)?;
			for ((lo, hi), &scale) in layer_runs(m, &idx).into_iter().zip(&scales) {
				for p in lo..hi {
					dense[idx[p] as usize] = dequantize(qs[p] as i8, scale);
				}
			}
		}
	} else {
		match spec.id.quant() {
			Quant::None => {
				let mut vals = Vec::with_capacity(n);
				get_f32s(r.take(4 * n)?, &mut vals);
				dense = vals;
			}
			Quant::PerTensor | Quant::PerBlock => {
				let group = if spec.id.quant() == Quant::PerBlock {
					spec.block as usize
				} else {
					usize::MAX
				};
				let groups = if group == usize::MAX {
					m.layers.len()
				} else {
					block_count(m, group)
				};
				let mut scales = Vec::with_capacity(groups);
				get_f32s(r.take(4 * groups)?, &mut scales);
				let qs = r.take(n)?;
				let mut s = scales.iter();
				for (off, len) in m.ranges() {
					let step = group.min(len.max(1));
					for start in (off..off + len).step_by(step) {
						let scale = s.next().copied().unwrap_or(0.0);
						for i in start..(start + step).min(off + len) {
							dense[i] = dequantize(qs[i] as i8, scale);
						}
					}
				}
			}
		}
	}
	// The payload length was fixed by the header, so it is fully consumed here.
	debug_assert_eq!(r.remaining(), 0);
	if let Some(index) = dense.iter().position(|v| !v.is_finite()) {
		return Err(CodecError::NonFinite { index });
	}
	Ok((spec.id, Params::from_validated(header.manifest, dense)))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn top_k_breaks_magnitude_ties_by_lower_index() {
		assert_eq!(top_k(&[1.0, -2.0, 2.0, 0.5, -2.0], 2), vec![1, 2]);
		assert_eq!(top_k(&[0.0; 6], 3), vec![0, 1, 2]);
		assert_eq!(top_k(&[3.0, 1.0], 2), vec![0, 1]);
		assert_eq!(top_k(&[3.0, 1.0], 0), Vec::<u32>::new());
	}

	#[test]
	fn quantisation_is_symmetric_and_clamped() {
		let s = scale_of([0.5f32, -1.27].into_iter());
		assert_eq!(quantize(-1.27, s), -127);
		assert_eq!(quantize(1.27, s), 127);
		assert_eq!(quantize(0.0, s), 0);
		assert_eq!(quantize(5.0, 0.0), 0);
		assert!((dequantize(quantize(0.5, s), s) - 0.5).abs() <= s / 2.0);
	}

	#[test]
	fn topk_count_rounds_the_fraction_of_n() {
		let spec = |f| {
			CodecSpec {
				topk_fraction: f,
				..CodecSpec::new(CodecId::TopK)
			}
			.validate()
			.unwrap()
		};
		assert_eq!(spec(0.1).topk_count(1540), 154);
		assert_eq!(spec(0.1).topk_count(199_210), 19_921);
		assert_eq!(spec(1e-9).topk_count(10), 1);
		assert_eq!(spec(1.0).topk_count(10), 10);
		assert_eq!(spec(0.5).topk_count(0), 0);
	}
}
