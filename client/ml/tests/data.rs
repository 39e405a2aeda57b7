use std::io::{Read, Write};

use flare_ml::data::{bundled_mnist_dir, read_idx_images, read_idx_labels};
use flare_ml::{bundled_mnist, load_mnist, DataError, Dataset, BUNDLED_TRAIN};
use ndarray::{array, Array2};

fn idx_images(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
	let mut b = 0x0803u32.to_be_bytes().to_vec();
	for d in [count, rows, cols] {
		b.extend_from_slice(&d.to_be_bytes());
	}
	b.extend_from_slice(pixels);
	b
}

fn idx_labels(labels: &[u8]) -> Vec<u8> {
	let mut b = 0x0801u32.to_be_bytes().to_vec();
	b.extend_from_slice(&(labels.len() as u32).to_be_bytes());
	b.extend_from_slice(labels);
	b
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
	let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
	e.write_all(bytes).unwrap();
	e.finish().unwrap()
}

#[test]
fn bundled_mnist_has_10000_digits_scaled_to_unit_range() {
	let d = bundled_mnist().unwrap();
	assert_eq!(d.x.dim(), (10_000, 784));
	assert_eq!(d.len(), 10_000);
	assert_eq!(d.classes, 10);
	assert!(d.x.iter().all(|&p| (0.0..=1.0).contains(&p)));
	assert!(d.x.iter().any(|&p| p == 1.0));
	assert!(d.y.iter().all(|&l| l < 10));
}

#[test]
fn standard_split_is_8000_train_2000_test_and_class_balanced() {
	let (train, test) = bundled_mnist().unwrap().split_at(BUNDLED_TRAIN).unwrap();
	assert_eq!((train.len(), test.len()), (8000, 2000));
	for (set, n) in [(&train, 8000.0), (&test, 2000.0)] {
		for (class, &count) in set.class_counts().iter().enumerate() {
			let share = count as f64 / n;
			assert!(
				(0.07..0.13).contains(&share),
				"class {class} has share {share:.3}"
			);
		}
	}
}

#[test]
fn raw_and_gzip_files_load_identically() {
	let dir = tempfile::tempdir().unwrap();
	let src = bundled_mnist_dir();
	for name in ["images-idx3-ubyte", "labels-idx1-ubyte"] {
		let mut raw = Vec::new();
		let gz = std::fs::File::open(src.join(format!("{name}.gz"))).unwrap();
		flate2::read::GzDecoder::new(gz)
			.read_to_end(&mut raw)
			.unwrap();
		std::fs::write(dir.path().join(name), raw).unwrap();
	}
	let raw = load_mnist(
		dir.path().join("images-idx3-ubyte"),
		dir.path().join("labels-idx1-ubyte"),
	)
	.unwrap();
	assert_eq!(raw, bundled_mnist().unwrap());
}

#[test]
fn reads_images_of_any_size_from_the_header() {
	let pixels: Vec<u8> = (0..2 * 3 * 5).map(|i| (i * 8) as u8).collect();
	for bytes in [
		idx_images(2, 3, 5, &pixels),
		gzip(&idx_images(2, 3, 5, &pixels)),
	] {
		let img = read_idx_images(bytes.as_slice()).unwrap();
		assert_eq!((img.count, img.rows, img.cols), (2, 3, 5));
		assert_eq!(img.pixels, pixels);
		let x = img.to_features().unwrap();
		assert_eq!(x.dim(), (2, 15));
		assert_eq!(x[[1, 14]], 232.0 / 255.0);
	}
}

#[test]
fn rejects_the_wrong_magic() {
	let labels_as_images = read_idx_images(idx_labels(&[1, 2]).as_slice());
	assert!(matches!(
		labels_as_images,
		Err(DataError::BadMagic {
			expected: 0x803,
			found: 0x801
		})
	));
	let images_as_labels = read_idx_labels(idx_images(1, 1, 1, &[0]).as_slice());
	assert!(matches!(
		images_as_labels,
		Err(DataError::BadMagic {
			expected: 0x801,
			found: 0x803
		})
	));
}

#[test]
fn rejects_truncated_headers_and_payloads() {
	let full = idx_images(2, 2, 2, &[0; 8]);
	assert!(matches!(
		read_idx_images(&full[..10]),
		Err(DataError::Truncated {
			expected: 16,
			got: 10
		})
	));
	assert!(matches!(
		read_idx_images(&full[..full.len() - 3]),
		Err(DataError::Truncated {
			expected: 8,
			got: 5
		})
	));
	assert!(matches!(
		read_idx_labels(&idx_labels(&[1, 2, 3])[..9]),
		Err(DataError::Truncated {
			expected: 3,
			got: 1
		})
	));
	// A gzip stream cut short is an I/O error from the decompressor.
	let gz = gzip(&full);
	assert!(matches!(
		read_idx_images(&gz[..gz.len() - 12]),
		Err(DataError::Io(_))
	));
}

#[test]
fn rejects_trailing_bytes_and_zero_dims() {
	let mut b = idx_labels(&[1, 2]);
	b.push(7);
	assert!(matches!(
		read_idx_labels(b.as_slice()),
		Err(DataError::TrailingBytes)
	));
	assert!(matches!(
		read_idx_images(idx_images(1, 0, 4, &[]).as_slice()),
		Err(DataError::ZeroDim { .. })
	));
}

#[test]
fn load_mnist_rejects_count_mismatch_bad_labels_and_missing_files() {
	let dir = tempfile::tempdir().unwrap();
	let img = dir.path().join("img");
	let lab = dir.path().join("lab");
	std::fs::write(&img, idx_images(3, 1, 2, &[0; 6])).unwrap();
	std::fs::write(&lab, idx_labels(&[0, 1])).unwrap();
	assert!(matches!(
		load_mnist(&img, &lab),
		Err(DataError::CountMismatch {
			images: 3,
			labels: 2
		})
	));
	std::fs::write(&lab, gzip(&idx_labels(&[0, 10, 1]))).unwrap();
	assert!(matches!(
		load_mnist(&img, &lab),
		Err(DataError::LabelOutOfRange {
			index: 1,
			label: 10,
			classes: 10
		})
	));
	assert!(matches!(
		load_mnist(dir.path().join("nope"), &lab),
		Err(DataError::Open { .. })
	));
}

#[test]
fn subset_and_split_at_select_rows_and_reject_out_of_range() {
	let d = Dataset::new(
		array![[0.0f32, 0.1], [1.0, 1.1], [2.0, 2.1]],
		vec![0, 1, 2],
		3,
	)
	.unwrap();
	let s = d.subset(&[2, 0]).unwrap();
	assert_eq!(s.x, array![[2.0f32, 2.1], [0.0, 0.1]]);
	assert_eq!(s.y, vec![2, 0]);
	assert!(matches!(
		d.subset(&[3]),
		Err(DataError::IndexOutOfRange { index: 3, len: 3 })
	));
	let (a, b) = d.split_at(1).unwrap();
	assert_eq!((a.len(), b.len()), (1, 2));
	assert_eq!(b.y, vec![1, 2]);
	assert!(matches!(
		d.split_at(4),
		Err(DataError::SplitOutOfRange { at: 4, len: 3 })
	));
}

#[test]
fn dataset_new_checks_rows_labels_and_classes() {
	let x = Array2::<f32>::zeros((2, 3));
	assert!(matches!(
		Dataset::new(x.clone(), vec![0], 2),
		Err(DataError::CountMismatch {
			images: 2,
			labels: 1
		})
	));
	assert!(matches!(
		Dataset::new(x.clone(), vec![0, 2], 2),
		Err(DataError::LabelOutOfRange { index: 1, .. })
	));
	assert!(matches!(
		Dataset::new(x, vec![0, 0], 0),
		Err(DataError::InvalidClasses { classes: 0 })
	));
}

#[test]
fn a_lying_header_cannot_force_a_huge_allocation() {
	// Declares 2^31 one-pixel images but carries 10 bytes: reported as truncated.
	let b = idx_images(1 << 31, 1, 1, &[7; 10]);
	assert!(
		matches!(read_idx_images(b.as_slice()), Err(DataError::Truncated { expected, got: 10 }) if expected == 1 << 31)
	);
	// A size that overflows usize is rejected before reading anything.
	let b = idx_images(u32::MAX, u32::MAX, u32::MAX, &[]);
	assert!(matches!(
		read_idx_images(b.as_slice()),
		Err(DataError::TooLarge { .. })
	));
}
