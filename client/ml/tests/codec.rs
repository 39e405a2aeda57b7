use std::io::Write;

use flare_ml::codec::{read_header, UPDATE_MAGIC};
use flare_ml::params::{Layer, Manifest};
use flare_ml::{
	decode_update, CodecError, CodecId, CodecSpec, Compressor, Encoder, ManifestError, Params,
	RejectReason,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const MAX: usize = 1 << 24;

fn manifest() -> Manifest {
	Manifest::new(vec![
		Layer::new("fc1.weight", vec![40, 30]),
		Layer::new("fc1.bias", vec![30]),
		Layer::new("fc2.weight", vec![30, 10]),
		Layer::new("fc2.bias", vec![10]),
	])
}

/// A delta with per-layer magnitudes differing by 100× (as real updates do) and exact zeros.
fn delta(seed: u64) -> Params {
	let m = manifest();
	let mut rng = ChaCha8Rng::seed_from_u64(seed);
	let scales = [0.01f32, 1.0, 0.1, 0.5];
	let mut v = Vec::with_capacity(m.len());
	for ((_, len), s) in m.ranges().zip(scales) {
		v.extend((0..len).map(|i| {
			if i % 11 == 0 {
				0.0
			} else {
				rng.gen_range(-1.0f32..1.0) * s
			}
		}));
	}
	Params::new(m, v).unwrap()
}

fn encode(id: CodecId, d: &Params) -> Vec<u8> {
	Encoder::new(CodecSpec::new(id)).unwrap().encode(d).unwrap()
}

/// Hand-builds a blob: header for `id` over `m`, then `payload` as is.
fn blob(id: u8, fraction: f32, block: u32, m: &Manifest, payload: &[u8]) -> Vec<u8> {
	let mut b = UPDATE_MAGIC.to_vec();
	b.push(1);
	b.push(id);
	b.extend_from_slice(&fraction.to_le_bytes());
	b.extend_from_slice(&block.to_le_bytes());
	b.extend_from_slice(&(m.layers.len() as u16).to_le_bytes());
	for l in &m.layers {
		b.push(l.name.len() as u8);
		b.extend_from_slice(l.name.as_bytes());
		b.push(l.dims.len() as u8);
		l.dims
			.iter()
			.for_each(|d| b.extend_from_slice(&d.to_le_bytes()));
	}
	b.extend_from_slice(payload);
	b
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
	v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn zlib(data: &[u8]) -> Vec<u8> {
	Compressor::Zlib.compress(data).unwrap()
}

#[test]
fn codec_ids_names_and_numbers_are_stable() {
	let names = [
		"raw",
		"zlib",
		"gzip",
		"int8",
		"int8-block",
		"int8+zlib",
		"topk",
		"topk+int8",
		"topk+int8+zlib",
	];
	for (i, id) in CodecId::ALL.iter().enumerate() {
		assert_eq!(id.as_u8() as usize, i);
		assert_eq!(id.to_string(), names[i]);
		assert_eq!(names[i].parse::<CodecId>().unwrap(), *id);
		assert_eq!(CodecId::try_from(i as u8).unwrap(), *id);
	}
	assert_eq!(
		CodecId::try_from(9),
		Err(CodecError::UnknownCodec { id: 9 })
	);
	assert!(matches!(
		"lz4".parse::<CodecId>(),
		Err(CodecError::UnknownCodecName { .. })
	));
}

#[test]
fn lossless_codecs_round_trip_exactly() {
	let d = delta(1);
	for id in [CodecId::Raw, CodecId::Zlib, CodecId::Gzip] {
		let (got_id, out) = decode_update(&encode(id, &d), d.manifest(), MAX).unwrap();
		assert_eq!(got_id, id);
		assert_eq!(
			out.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
			d.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
		);
	}
}

/// Max |v| of each layer of `d`.
fn layer_max(d: &Params) -> Vec<f32> {
	d.manifest()
		.ranges()
		.map(|(o, l)| {
			d.values()[o..o + l]
				.iter()
				.fold(0.0f32, |m, v| m.max(v.abs()))
		})
		.collect()
}

#[test]
fn int8_codecs_stay_within_half_a_quantisation_step() {
	let d = delta(2);
	let maxes = layer_max(&d);
	for id in [CodecId::Int8, CodecId::Int8Zlib, CodecId::Int8Block] {
		let (_, out) = decode_update(&encode(id, &d), d.manifest(), MAX).unwrap();
		for (l, (off, len)) in d.manifest().ranges().enumerate() {
			// Per-tensor bound; per-block scales are never larger than their tensor's.
			let bound = maxes[l] / 254.0 * 1.0001;
			for i in off..off + len {
				let err = (out.values()[i] - d.values()[i]).abs();
				assert!(err <= bound, "{id}: value {i} off by {err} > {bound}");
			}
		}
		// Exact zeros stay exact.
		assert!(d
			.values()
			.iter()
			.zip(out.values())
			.all(|(a, b)| *a != 0.0 || *b == 0.0));
	}
	// int8+zlib only adds lossless compression to int8.
	let a = decode_update(&encode(CodecId::Int8, &d), d.manifest(), MAX)
		.unwrap()
		.1;
	let b = decode_update(&encode(CodecId::Int8Zlib, &d), d.manifest(), MAX)
		.unwrap()
		.1;
	assert_eq!(a, b);
}

#[test]
fn int8_block_is_more_precise_than_per_tensor_on_uneven_tensors() {
	// One huge value per tensor ruins a per-tensor scale but only one block's.
	let mut d = delta(3);
	d.values_mut()[5] = 50.0;
	let err = |id| {
		let (_, out) = decode_update(&encode(id, &d), d.manifest(), MAX).unwrap();
		out.values()
			.iter()
			.zip(d.values())
			.map(|(a, b)| f64::from(a - b).powi(2))
			.sum::<f64>()
	};
	let spec = CodecSpec {
		block: 64,
		..CodecSpec::new(CodecId::Int8Block)
	};
	let blocked = Encoder::new(spec).unwrap().encode(&d).unwrap();
	let (_, out) = decode_update(&blocked, d.manifest(), MAX).unwrap();
	let blocked_err: f64 = out
		.values()
		.iter()
		.zip(d.values())
		.map(|(a, b)| f64::from(a - b).powi(2))
		.sum();
	assert!(
		blocked_err < 0.1 * err(CodecId::Int8),
		"blocked {blocked_err}, per-tensor {}",
		err(CodecId::Int8)
	);
	assert_eq!(read_header(&blocked).unwrap().spec.block(), 64);
}

#[test]
fn topk_keeps_exactly_the_largest_coordinates() {
	let d = delta(4);
	let n = d.len();
	let (_, out) = decode_update(&encode(CodecId::TopK, &d), d.manifest(), MAX).unwrap();
	let kept: Vec<usize> = (0..n).filter(|&i| out.values()[i] != 0.0).collect();
	assert_eq!(kept.len(), n / 10);
	let threshold = kept
		.iter()
		.map(|&i| d.values()[i].abs())
		.fold(f32::INFINITY, f32::min);
	for i in 0..n {
		if out.values()[i] != 0.0 {
			assert_eq!(out.values()[i], d.values()[i], "kept values are exact");
		} else {
			assert!(
				d.values()[i].abs() <= threshold,
				"dropped {i} is larger than a kept one"
			);
		}
	}
}

#[test]
fn topk_int8_quantises_kept_values_per_tensor() {
	let d = delta(5);
	for id in [CodecId::TopKInt8, CodecId::TopKInt8Zlib] {
		let (_, exact) = decode_update(&encode(CodecId::TopK, &d), d.manifest(), MAX).unwrap();
		let (_, out) = decode_update(&encode(id, &d), d.manifest(), MAX).unwrap();
		for (l, (off, len)) in d.manifest().ranges().enumerate() {
			let kept_max = exact.values()[off..off + len]
				.iter()
				.fold(0.0f32, |m, v| m.max(v.abs()));
			for i in off..off + len {
				assert!(
					(out.values()[i] - exact.values()[i]).abs() <= kept_max / 254.0 * 1.0001,
					"{id} layer {l}"
				);
			}
		}
	}
}

#[test]
fn encoding_is_deterministic_and_canonical() {
	let d = delta(6);
	for id in CodecId::ALL {
		assert_eq!(encode(id, &d), encode(id, &d), "{id}");
		let h = read_header(&encode(id, &d)).unwrap();
		assert_eq!(h.spec.id(), id);
		// Unused parameters are written as zero whatever the spec said.
		assert_eq!(h.spec.topk_fraction() != 0.0, id.is_sparse());
		assert_eq!(h.spec.block() != 0, id == CodecId::Int8Block);
		assert_eq!(h.manifest, manifest());
	}
}

#[test]
fn error_feedback_residual_holds_what_topk_dropped() {
	let d = delta(7);
	let mut enc = Encoder::new(CodecSpec::new(CodecId::TopK)).unwrap();
	let (_, sent) = decode_update(&enc.encode(&d).unwrap(), d.manifest(), MAX).unwrap();
	let r = enc.residual().unwrap();
	for (i, ((&s, &r), &v)) in sent.values().iter().zip(r).zip(d.values()).enumerate() {
		assert_eq!(s + r, v, "sent + residual = delta at {i}");
		assert!(s == 0.0 || r == 0.0);
	}
}

#[test]
fn error_feedback_makes_the_running_sum_converge_to_the_true_sum() {
	let g = delta(8);
	for id in [CodecId::TopK, CodecId::TopKInt8Zlib] {
		let spec = CodecSpec {
			topk_fraction: 0.05,
			..CodecSpec::new(id)
		};
		let mut enc = Encoder::new(spec).unwrap();
		let mut sum = vec![0.0f64; g.len()];
		let mut rel_err = Vec::new();
		for step in 1..=200 {
			let (_, sent) = decode_update(&enc.encode(&g).unwrap(), g.manifest(), MAX).unwrap();
			sum.iter_mut()
				.zip(sent.values())
				.for_each(|(s, v)| *s += f64::from(*v));
			// Invariant: everything not yet sent is in the residual.
			let r = enc.residual().unwrap();
			for i in (0..g.len()).step_by(37) {
				let want = step as f64 * f64::from(g.values()[i]);
				assert!(
					(sum[i] + f64::from(r[i]) - want).abs() <= 1e-4 * (1.0 + want.abs()),
					"{id} step {step}"
				);
			}
			let err: f64 = sum
				.iter()
				.zip(g.values())
				.map(|(s, v)| (s / step as f64 - f64::from(*v)).powi(2))
				.sum();
			rel_err.push((err / g.l2_norm().powi(2)).sqrt());
		}
		// Without feedback the mean would stay ~95 % wrong; with it the error decays like 1/T.
		assert!(
			rel_err[199] < 0.1,
			"{id}: relative error after 200 steps {}",
			rel_err[199]
		);
		assert!(
			rel_err[199] < rel_err[19] / 4.0,
			"{id}: {} vs {}",
			rel_err[199],
			rel_err[19]
		);
	}
}

#[test]
fn encoder_residual_resets_and_refuses_another_manifest() {
	let d = delta(9);
	let mut enc = Encoder::new(CodecSpec::new(CodecId::TopK)).unwrap();
	enc.encode(&d).unwrap();
	let other = Params::zeros(Manifest::new(vec![Layer::new("w", vec![5])])).unwrap();
	assert!(matches!(
		enc.encode(&other),
		Err(CodecError::WrongManifest { .. })
	));
	enc.reset();
	assert!(enc.residual().is_none());
	assert!(enc.encode(&other).is_ok());
	// Dense codecs keep no residual.
	let mut dense = Encoder::new(CodecSpec::new(CodecId::Int8)).unwrap();
	dense.encode(&d).unwrap();
	assert!(dense.residual().is_none());
}

#[test]
fn encoder_refuses_non_finite_deltas() {
	let mut d = delta(10);
	d.values_mut()[3] = f32::NAN;
	for id in CodecId::ALL {
		let r = Encoder::new(CodecSpec::new(id)).unwrap().encode(&d);
		assert_eq!(r, Err(CodecError::NonFinite { index: 3 }), "{id}");
	}
}

#[test]
fn spec_validation_names_the_bad_field() {
	for fraction in [0.0, -0.1, 1.5, f32::NAN] {
		let r = CodecSpec {
			topk_fraction: fraction,
			..CodecSpec::new(CodecId::TopKInt8)
		}
		.validate();
		assert!(
			matches!(
				r,
				Err(CodecError::InvalidSpec {
					field: "topk_fraction",
					..
				})
			),
			"{fraction}"
		);
	}
	let r = CodecSpec {
		block: 0,
		..CodecSpec::new(CodecId::Int8Block)
	}
	.validate();
	assert!(matches!(
		r,
		Err(CodecError::InvalidSpec { field: "block", .. })
	));
	// Parameters a codec does not use are not checked (and are written as zero).
	assert!(CodecSpec {
		id: CodecId::Raw,
		topk_fraction: f32::NAN,
		block: 0
	}
	.validate()
	.is_ok());
	assert!(CodecSpec {
		topk_fraction: 1.0,
		..CodecSpec::new(CodecId::TopK)
	}
	.validate()
	.is_ok());
}

#[test]
fn decode_rejects_oversized_blobs_first() {
	let b = encode(CodecId::Raw, &delta(11));
	assert_eq!(
		decode_update(&b, &manifest(), b.len() - 1),
		Err(CodecError::TooLarge {
			max: b.len() - 1,
			got: b.len()
		})
	);
}

#[test]
fn decode_rejects_bad_magic_version_and_codec_id() {
	let good = encode(CodecId::Raw, &delta(12));
	let mut b = good.clone();
	b[..4].copy_from_slice(b"FLPM");
	assert!(matches!(
		decode_update(&b, &manifest(), MAX),
		Err(CodecError::BadMagic { .. })
	));
	let mut b = good.clone();
	b[4] = 0;
	assert_eq!(
		decode_update(&b, &manifest(), MAX),
		Err(CodecError::UnsupportedVersion { found: 0 })
	);
	let mut b = good;
	b[5] = 200;
	assert_eq!(
		decode_update(&b, &manifest(), MAX),
		Err(CodecError::UnknownCodec { id: 200 })
	);
}

#[test]
fn decode_rejects_header_parameters_the_codec_does_not_allow() {
	let m = manifest();
	let payload = f32_bytes(&vec![0.0; m.len()]);
	let cases = [
		blob(0, 0.1, 0, &m, &payload),   // raw with a top-k fraction
		blob(0, 0.0, 256, &m, &payload), // raw with a block size
		blob(6, 0.0, 0, &m, &payload),   // top-k keeping nothing
		blob(6, 1.5, 0, &m, &payload),   // top-k keeping more than everything
		blob(6, f32::NAN, 0, &m, &payload),
		blob(4, 0.0, 0, &m, &payload), // int8-block without a block size
	];
	for (i, b) in cases.iter().enumerate() {
		assert!(
			matches!(
				decode_update(b, &m, MAX),
				Err(CodecError::InvalidHeader { .. })
			),
			"case {i}"
		);
	}
}

#[test]
fn decode_rejects_truncated_headers_and_payloads() {
	let b = encode(CodecId::Raw, &delta(13));
	let header_len = read_header(&b).unwrap().payload_offset;
	for cut in [0, 3, 5, 9, 14, header_len - 1] {
		assert!(
			matches!(
				decode_update(&b[..cut], &manifest(), MAX),
				Err(CodecError::Truncated { .. })
			),
			"cut {cut}"
		);
	}
	assert!(matches!(
		decode_update(&b[..b.len() - 1], &manifest(), MAX),
		Err(CodecError::Truncated { needed, available, .. }) if needed == available + 1
	));
	let t = encode(CodecId::TopKInt8, &delta(13));
	assert!(matches!(
		decode_update(&t[..t.len() - 2], &manifest(), MAX),
		Err(CodecError::Truncated { .. })
	));
}

#[test]
fn decode_rejects_trailing_bytes_for_every_codec() {
	for id in CodecId::ALL {
		let mut b = encode(id, &delta(14));
		b.push(0);
		assert_eq!(
			decode_update(&b, &manifest(), MAX),
			Err(CodecError::TrailingBytes { extra: 1 }),
			"{id}"
		);
	}
}

#[test]
fn decode_rejects_corrupt_compressed_streams() {
	for id in [
		CodecId::Zlib,
		CodecId::Gzip,
		CodecId::Int8Zlib,
		CodecId::TopKInt8Zlib,
	] {
		let b = encode(id, &delta(15));
		let body = read_header(&b).unwrap().payload_offset;
		// Stream cut short.
		let r = decode_update(&b[..b.len() - 6], &manifest(), MAX);
		assert!(
			matches!(r, Err(CodecError::Decompression { .. })),
			"{id} cut: {r:?}"
		);
		// Checksum (zlib: Adler-32, gzip: CRC-32 + size) no longer matches.
		let mut c = b.clone();
		let last = c.len() - 1;
		c[last] ^= 0x55;
		let r = decode_update(&c, &manifest(), MAX);
		assert!(
			matches!(r, Err(CodecError::Decompression { .. })),
			"{id} checksum: {r:?}"
		);
		// Garbage instead of a stream header.
		let mut g = b.clone();
		g[body] = 0xff;
		g[body + 1] = 0xff;
		let r = decode_update(&g, &manifest(), MAX);
		assert!(
			matches!(r, Err(CodecError::Decompression { .. })),
			"{id} header: {r:?}"
		);
	}
}

#[test]
fn decompression_is_bounded_against_bombs() {
	let m = manifest();
	let expected = 4 * m.len();
	// 64 MiB of zeros compress to ~64 KiB; decoding must stop right after `expected` bytes.
	let bomb = zlib(&vec![0u8; 64 << 20]);
	assert!(bomb.len() < 100_000);
	let r = decode_update(&blob(1, 0.0, 0, &m, &bomb), &m, MAX);
	assert_eq!(r, Err(CodecError::InflateOverflow { limit: expected }));
	let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
	gz.write_all(&vec![0u8; 8 << 20]).unwrap();
	let r = decode_update(&blob(2, 0.0, 0, &m, &gz.finish().unwrap()), &m, MAX);
	assert_eq!(r, Err(CodecError::InflateOverflow { limit: expected }));
	// And a stream that inflates to too little is caught too.
	let r = decode_update(
		&blob(1, 0.0, 0, &m, &zlib(&vec![0u8; expected - 4])),
		&m,
		MAX,
	);
	assert_eq!(
		r,
		Err(CodecError::DecompressedTooShort {
			expected,
			got: expected - 4
		})
	);
	assert_eq!(
		Compressor::Zlib.decompress(&zlib(b"abc"), 2),
		Err(CodecError::InflateOverflow { limit: 2 })
	);
}

#[test]
fn decode_rejects_topk_indices_out_of_range_or_not_increasing() {
	let m = manifest();
	let n = m.len() as u32;
	let k = m.len() / 10;
	let mut idx: Vec<u32> = (0..k as u32).map(|i| i * 3).collect();
	let payload = |idx: &[u32]| {
		let mut p: Vec<u8> = idx.iter().flat_map(|i| i.to_le_bytes()).collect();
		p.extend(f32_bytes(&vec![1.0; k]));
		p
	};
	assert!(decode_update(&blob(6, 0.1, 0, &m, &payload(&idx)), &m, MAX).is_ok());
	idx[k - 1] = n;
	assert_eq!(
		decode_update(&blob(6, 0.1, 0, &m, &payload(&idx)), &m, MAX),
		Err(CodecError::IndexOutOfRange {
			position: k - 1,
			index: n,
			len: n as usize
		})
	);
	idx[k - 1] = 3 * (k as u32 - 1);
	idx.swap(4, 5);
	assert_eq!(
		decode_update(&blob(6, 0.1, 0, &m, &payload(&idx)), &m, MAX),
		Err(CodecError::IndicesNotIncreasing {
			position: 5,
			prev: 15,
			index: 12
		})
	);
	idx.swap(4, 5);
	idx[5] = idx[4];
	assert!(matches!(
		decode_update(&blob(6, 0.1, 0, &m, &payload(&idx)), &m, MAX),
		Err(CodecError::IndicesNotIncreasing { position: 5, .. })
	));
}

#[test]
fn decode_rejects_a_manifest_other_than_expected() {
	let b = encode(CodecId::TopKInt8Zlib, &delta(16));
	let mut other = manifest();
	other.layers[1].name = "fc1.b".into();
	match decode_update(&b, &other, MAX) {
		Err(e @ CodecError::WrongManifest { .. }) => {
			assert_eq!(e.reject_reason(), RejectReason::WrongShape)
		}
		r => panic!("{r:?}"),
	}
	// An undecodable manifest (non-UTF-8 name) is a manifest error.
	let mut bad = b.clone();
	bad[17] = 0xc3; // first byte of "fc1.weight" -> lone UTF-8 lead byte
	assert_eq!(
		decode_update(&bad, &manifest(), MAX),
		Err(CodecError::Manifest(ManifestError::NameNotUtf8 {
			layer: 0
		}))
	);
}

#[test]
fn decode_rejects_non_finite_values() {
	let m = manifest();
	let mut v = vec![0.5f32; m.len()];
	v[77] = f32::INFINITY;
	let r = decode_update(&blob(0, 0.0, 0, &m, &f32_bytes(&v)), &m, MAX);
	assert_eq!(r, Err(CodecError::NonFinite { index: 77 }));
	assert_eq!(r.unwrap_err().reject_reason(), RejectReason::NonFinite);
	// A NaN scale poisons a whole tensor of int8 values.
	let mut p = f32_bytes(&[1.0, f32::NAN, 1.0, 1.0]);
	p.extend(vec![1u8; m.len()]);
	let r = decode_update(&blob(3, 0.0, 0, &m, &p), &m, MAX);
	assert_eq!(r, Err(CodecError::NonFinite { index: 1200 }));
	assert_eq!(
		CodecError::TrailingBytes { extra: 1 }.reject_reason(),
		RejectReason::Undecodable
	);
}

#[test]
fn compressed_codecs_shrink_sparse_and_quantised_payloads() {
	let d = delta(17);
	let size = |id| encode(id, &d).len();
	assert!(size(CodecId::Int8) < size(CodecId::Raw) / 3);
	assert!(size(CodecId::TopK) < size(CodecId::Raw) / 4);
	assert!(size(CodecId::TopKInt8Zlib) < size(CodecId::TopKInt8));
	assert!(size(CodecId::TopKInt8) < size(CodecId::TopK));
}
