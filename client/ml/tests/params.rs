use flare_ml::params::{content_hash, l2_norm, Layer, Manifest, Params, PARAMS_MAGIC};
use flare_ml::{ManifestError, ParamsError};

fn manifest() -> Manifest {
	Manifest::new(vec![
		Layer::new("w", vec![2, 3]),
		Layer::new("b", vec![3]),
		Layer::new("s", vec![]),
	])
}

fn sample() -> Params {
	Params::new(
		manifest(),
		vec![0.5, -1.0, 2.25, 3.0, -0.0, 1e-30, 7.0, -8.5, 9.0, 42.0],
	)
	.unwrap()
}

#[test]
fn blake2b_256_matches_substrate_test_vector() {
	assert_eq!(
		hex::encode(content_hash(b"")),
		"0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
	);
	// Substrate's `blake2_256(b"abc")`.
	assert_eq!(
		hex::encode(content_hash(b"abc")),
		"bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
	);
}

#[test]
fn manifest_len_counts_all_values_and_scalars_count_one() {
	let m = manifest();
	assert_eq!(m.len(), 6 + 3 + 1);
	assert_eq!(m.ranges().collect::<Vec<_>>(), vec![(0, 6), (6, 3), (9, 1)]);
	assert_eq!(m.to_string(), "w[2x3],b[3],s[]");
}

#[test]
fn encoding_has_the_documented_byte_layout() {
	let p = Params::new(
		Manifest::new(vec![Layer::new("ab", vec![2])]),
		vec![1.0, -2.0],
	)
	.unwrap();
	let mut expected = b"FLPM".to_vec();
	expected.push(1); // version
	expected.extend_from_slice(&1u16.to_le_bytes()); // layers
	expected.extend_from_slice(&[2, b'a', b'b', 1]); // name len, name, ndims
	expected.extend_from_slice(&2u32.to_le_bytes());
	expected.extend_from_slice(&2u64.to_le_bytes()); // value count
	expected.extend_from_slice(&1.0f32.to_le_bytes());
	expected.extend_from_slice(&(-2.0f32).to_le_bytes());
	assert_eq!(p.encode(), expected);
	assert_eq!(p.hash(), content_hash(&expected));
}

#[test]
fn decode_inverts_encode_bit_for_bit() {
	let p = sample();
	let bytes = p.encode();
	let q = Params::decode(&bytes, Some(&manifest())).unwrap();
	assert_eq!(q.manifest(), p.manifest());
	let bits = |p: &Params| p.values().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
	assert_eq!(bits(&q), bits(&p)); // keeps -0.0 and subnormal-range values exactly
	assert_eq!(q.encode(), bytes);
	assert_eq!(Params::decode(&bytes, None).unwrap(), p);
}

#[test]
fn decode_rejects_bad_magic() {
	let mut b = sample().encode();
	b[0] = b'X';
	assert!(
		matches!(Params::decode(&b, None), Err(ParamsError::BadMagic { found }) if found == b"XLPM")
	);
	assert_eq!(PARAMS_MAGIC, *b"FLPM");
}

#[test]
fn decode_rejects_unsupported_version() {
	let mut b = sample().encode();
	b[4] = 2;
	assert_eq!(
		Params::decode(&b, None),
		Err(ParamsError::UnsupportedVersion { found: 2 })
	);
}

#[test]
fn decode_rejects_every_strict_prefix_as_truncated() {
	let b = sample().encode();
	for cut in 0..b.len() {
		match Params::decode(&b[..cut], None) {
			Err(ParamsError::Truncated { .. }) => {}
			other => panic!("prefix of {cut} bytes: {other:?}"),
		}
	}
}

#[test]
fn decode_rejects_trailing_bytes() {
	let mut b = sample().encode();
	b.extend_from_slice(&[0, 0]);
	assert_eq!(
		Params::decode(&b, None),
		Err(ParamsError::TrailingBytes { extra: 2 })
	);
}

#[test]
fn decode_rejects_a_different_manifest_than_expected() {
	let b = sample().encode();
	let other = Manifest::new(vec![
		Layer::new("w", vec![3, 2]),
		Layer::new("b", vec![3]),
		Layer::new("s", vec![]),
	]);
	match Params::decode(&b, Some(&other)) {
		Err(ParamsError::WrongManifest { expected, got }) => {
			assert_eq!(*expected, other);
			assert_eq!(*got, manifest());
		}
		r => panic!("{r:?}"),
	}
}

#[test]
fn decode_rejects_a_value_count_disagreeing_with_the_manifest() {
	let p = sample();
	let mut b = p.encode();
	let count_at = b.len() - 4 * p.len() - 8;
	b[count_at..count_at + 8].copy_from_slice(&11u64.to_le_bytes());
	assert_eq!(
		Params::decode(&b, None),
		Err(ParamsError::CountMismatch {
			manifest: 10,
			declared: 11
		})
	);
}

#[test]
fn decode_rejects_non_finite_values_with_their_index() {
	for (index, bad) in [
		(0usize, f32::NAN),
		(4, f32::INFINITY),
		(9, f32::NEG_INFINITY),
	] {
		let mut p = sample();
		p.values_mut()[index] = bad;
		let b = p.encode();
		assert_eq!(
			Params::decode(&b, None),
			Err(ParamsError::NonFinite { index })
		);
	}
}

#[test]
fn decode_with_limit_rejects_oversized_input_before_parsing() {
	let b = sample().encode();
	assert_eq!(
		Params::decode_with_limit(&b, None, b.len() - 1),
		Err(ParamsError::TooLarge {
			max: b.len() - 1,
			got: b.len()
		})
	);
	assert!(Params::decode_with_limit(&b, None, b.len()).is_ok());
	// Even garbage is rejected as too large first: no parsing work for oversized input.
	assert!(matches!(
		Params::decode_with_limit(&[0u8; 64], None, 10),
		Err(ParamsError::TooLarge { .. })
	));
}

#[test]
fn decode_rejects_invalid_manifests_in_the_header() {
	let mut b = sample().encode();
	b[8] = 0xff; // first byte of the first layer name ("w")
	assert_eq!(
		Params::decode(&b, None),
		Err(ParamsError::Manifest(ManifestError::NameNotUtf8 {
			layer: 0
		}))
	);

	let mut b = sample().encode();
	b[10..14].copy_from_slice(&0u32.to_le_bytes()); // first dim of "w"
	assert_eq!(
		Params::decode(&b, None),
		Err(ParamsError::Manifest(ManifestError::ZeroDim { layer: 0 }))
	);

	let dup = Params::new(
		Manifest::new(vec![Layer::new("a", vec![1]), Layer::new("b", vec![1])]),
		vec![1.0, 2.0],
	);
	let mut b = dup.unwrap().encode();
	b[15] = b'a'; // rename the second layer to "a"
	assert_eq!(
		Params::decode(&b, None),
		Err(ParamsError::Manifest(ManifestError::DuplicateName {
			name: "a".into()
		}))
	);
}

#[test]
fn new_rejects_wrong_length_and_invalid_manifests() {
	assert_eq!(
		Params::new(manifest(), vec![0.0; 9]),
		Err(ParamsError::LengthMismatch {
			expected: 10,
			got: 9
		})
	);
	let bad = |layers| Params::new(Manifest::new(layers), vec![0.0]).unwrap_err();
	assert_eq!(
		bad(vec![Layer::new("", vec![1])]),
		ParamsError::Manifest(ManifestError::EmptyName { layer: 0 })
	);
	assert_eq!(
		bad(vec![Layer::new("x".repeat(256), vec![1])]),
		ParamsError::Manifest(ManifestError::NameTooLong { layer: 0, len: 256 })
	);
	assert_eq!(
		bad(vec![Layer::new("z", vec![1, 0])]),
		ParamsError::Manifest(ManifestError::ZeroDim { layer: 0 })
	);
	assert_eq!(
		bad(vec![Layer::new("d", vec![1; 256])]),
		ParamsError::Manifest(ManifestError::TooManyDims {
			layer: 0,
			ndims: 256
		})
	);
	assert_eq!(
		bad(vec![Layer::new("big", vec![u32::MAX, u32::MAX, u32::MAX])]),
		ParamsError::Manifest(ManifestError::TooManyValues)
	);
}

#[test]
fn zeros_has_the_manifest_length() {
	let z = Params::zeros(manifest()).unwrap();
	assert_eq!(z.len(), 10);
	assert!(z.values().iter().all(|&v| v == 0.0));
}

#[test]
fn add_delta_and_delta_from_are_inverse() {
	let base = sample();
	let delta: Vec<f32> = (0..10).map(|i| i as f32 * 0.25 - 1.0).collect();
	let moved = base.add_delta(&delta).unwrap();
	assert_eq!(moved.delta_from(&base).unwrap(), delta);
	assert_eq!(
		base.add_delta(&[1.0]),
		Err(ParamsError::ShapeMismatch {
			expected: 10,
			got: 1
		})
	);
	let other = Params::zeros(Manifest::new(vec![Layer::new("w", vec![10])])).unwrap();
	assert!(matches!(
		base.delta_from(&other),
		Err(ParamsError::WrongManifest { .. })
	));
}

#[test]
fn l2_norm_is_the_euclidean_norm() {
	let p = Params::new(
		Manifest::new(vec![Layer::new("v", vec![2])]),
		vec![3.0, -4.0],
	)
	.unwrap();
	assert_eq!(p.l2_norm(), 5.0);
	assert_eq!(l2_norm(&[]), 0.0);
}
