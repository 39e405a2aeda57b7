//! Datasets and the IDX (MNIST) file format.
//!
//! IDX files are read strictly: the magic must be `0x00000803` for images and `0x00000801` for
//! labels, the payload must hold exactly the declared number of bytes, and images and labels
//! must agree on the sample count. Files may be gzip-compressed or raw; gzip is recognised by
//! its `1f 8b` magic, which an IDX file (starting `00 00`) can never begin with.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use ndarray::{Array2, Axis};

use crate::error::DataError;

/// Number of leading samples of [`bundled_mnist`] used for training in the standard split
/// (the remaining 2 000 are the test set).
pub const BUNDLED_TRAIN: usize = 8000;

const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
const IDX_LABELS_MAGIC: u32 = 0x0000_0801;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
// Initial reservation cap: memory then grows only as data actually arrives, so a header that
// lies about its size cannot make us allocate up front.
const MAX_PREALLOC: usize = 64 << 20;

/// Labelled samples: `x` is `n × d` with pixels scaled to `[0, 1]`, `y[i] < classes`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
	pub x: ndarray::Array2<f32>,
	pub y: Vec<u8>,
	pub classes: usize,
}

impl Dataset {
	/// Builds a dataset after checking rows match labels and every label is `< classes`.
	pub fn new(x: Array2<f32>, y: Vec<u8>, classes: usize) -> Result<Dataset, DataError> {
		let d = Dataset { x, y, classes };
		d.validate()?;
		Ok(d)
	}

	/// Checks the invariants [`Dataset::new`] establishes (the fields are public).
	pub fn validate(&self) -> Result<(), DataError> {
		if self.classes == 0 || self.classes > 256 {
			return Err(DataError::InvalidClasses {
				classes: self.classes,
			});
		}
		if self.x.nrows() != self.y.len() {
			return Err(DataError::CountMismatch {
				images: self.x.nrows(),
				labels: self.y.len(),
			});
		}
		if let Some((index, &label)) = self
			.y
			.iter()
			.enumerate()
			.find(|(_, &l)| l as usize >= self.classes)
		{
			return Err(DataError::LabelOutOfRange {
				index,
				label,
				classes: self.classes,
			});
		}
		Ok(())
	}

	pub fn len(&self) -> usize {
		self.y.len()
	}

	pub fn is_empty(&self) -> bool {
		self.y.is_empty()
	}

	/// Number of input features per sample.
	pub fn features(&self) -> usize {
		self.x.ncols()
	}

	/// Samples per class.
	pub fn class_counts(&self) -> Vec<usize> {
		let mut c = vec![0; self.classes];
		for &l in &self.y {
			if let Some(slot) = c.get_mut(l as usize) {
				*slot += 1;
			}
		}
		c
	}

	/// The samples at `indices`, in that order.
	pub fn subset(&self, indices: &[usize]) -> Result<Dataset, DataError> {
		let len = self.len().min(self.x.nrows());
		if let Some(&index) = indices.iter().find(|&&i| i >= len) {
			return Err(DataError::IndexOutOfRange { index, len });
		}
		Ok(Dataset {
			x: self.x.select(Axis(0), indices),
			y: indices.iter().map(|&i| self.y[i]).collect(),
			classes: self.classes,
		})
	}

	/// The first `n_train` samples and the rest.
	pub fn split_at(&self, n_train: usize) -> Result<(Dataset, Dataset), DataError> {
		let len = self.len().min(self.x.nrows());
		if n_train > len {
			return Err(DataError::SplitOutOfRange { at: n_train, len });
		}
		let (xa, xb) = self.x.view().split_at(Axis(0), n_train);
		Ok((
			Dataset {
				x: xa.to_owned(),
				y: self.y[..n_train].to_vec(),
				classes: self.classes,
			},
			Dataset {
				x: xb.to_owned(),
				y: self.y[n_train..len].to_vec(),
				classes: self.classes,
			},
		))
	}
}

/// Images of an IDX3 file: `count` images of `rows × cols` bytes, row-major, image after image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
	pub count: usize,
	pub rows: usize,
	pub cols: usize,
	pub pixels: Vec<u8>,
}

impl IdxImages {
	/// `count × (rows·cols)` features scaled to `[0, 1]`.
	pub fn to_features(&self) -> Result<Array2<f32>, DataError> {
		let d = self.rows.saturating_mul(self.cols);
		let expected = self.count.saturating_mul(d);
		if self.pixels.len() != expected {
			return Err(DataError::Truncated {
				expected,
				got: self.pixels.len(),
			});
		}
		let v: Vec<f32> = self.pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
		Array2::from_shape_vec((self.count, d), v).map_err(|_| DataError::Truncated {
			expected,
			got: self.pixels.len(),
		})
	}
}

/// Wraps `r` in a gzip decoder if it starts with the gzip magic.
fn maybe_gunzip<'a, R: Read + 'a>(r: R) -> Result<Box<dyn Read + 'a>, DataError> {
	let mut br = BufReader::new(r);
	let head = br.fill_buf()?;
	if head.len() >= 2 && head[..2] == GZIP_MAGIC {
		Ok(Box::new(MultiGzDecoder::new(br)))
	} else {
		Ok(Box::new(br))
	}
}

/// Reads into `buf` until it is full or the input ends; returns the bytes read.
fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> Result<usize, DataError> {
	let mut got = 0;
	while got < buf.len() {
		match r.read(&mut buf[got..]) {
			Ok(0) => break,
			Ok(n) => got += n,
			Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
			Err(e) => return Err(e.into()),
		}
	}
	Ok(got)
}

/// Reads the header (magic + `ndims` dims) and then exactly the declared payload.
fn read_idx(r: &mut dyn Read, magic: u32, ndims: usize) -> Result<(Vec<u32>, Vec<u8>), DataError> {
	let header_len = 4 + 4 * ndims;
	let mut word = [0u8; 4];
	let mut header_got = read_full(r, &mut word)?;
	if header_got < 4 {
		return Err(DataError::Truncated {
			expected: header_len,
			got: header_got,
		});
	}
	let found = u32::from_be_bytes(word);
	if found != magic {
		return Err(DataError::BadMagic {
			expected: magic,
			found,
		});
	}
	let mut dims = Vec::with_capacity(ndims);
	for _ in 0..ndims {
		let n = read_full(r, &mut word)?;
		header_got += n;
		if n < 4 {
			return Err(DataError::Truncated {
				expected: header_len,
				got: header_got,
			});
		}
		dims.push(u32::from_be_bytes(word));
	}
	if dims.contains(&0) {
		return Err(DataError::ZeroDim { dims });
	}
	let total = dims
		.iter()
		.try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
		.filter(|&t| t <= isize::MAX as usize)
		.ok_or_else(|| DataError::TooLarge { dims: dims.clone() })?;
	let mut data = Vec::with_capacity(total.min(MAX_PREALLOC));
	r.take(total as u64).read_to_end(&mut data)?;
	if data.len() < total {
		return Err(DataError::Truncated {
			expected: total,
			got: data.len(),
		});
	}
	let mut probe = [0u8; 1];
	if read_full(r, &mut probe)? != 0 {
		return Err(DataError::TrailingBytes);
	}
	Ok((dims, data))
}

/// Reads an IDX3 image file (`0x00000803`, count × rows × cols bytes), raw or gzip.
pub fn read_idx_images<R: Read>(reader: R) -> Result<IdxImages, DataError> {
	let mut r = maybe_gunzip(reader)?;
	let (dims, pixels) = read_idx(&mut r, IDX_IMAGES_MAGIC, 3)?;
	Ok(IdxImages {
		count: dims[0] as usize,
		rows: dims[1] as usize,
		cols: dims[2] as usize,
		pixels,
	})
}

/// Reads an IDX1 label file (`0x00000801`, count bytes), raw or gzip.
pub fn read_idx_labels<R: Read>(reader: R) -> Result<Vec<u8>, DataError> {
	let mut r = maybe_gunzip(reader)?;
	let (_, labels) = read_idx(&mut r, IDX_LABELS_MAGIC, 1)?;
	Ok(labels)
}

fn open(path: &Path) -> Result<File, DataError> {
	File::open(path).map_err(|source| DataError::Open {
		path: path.display().to_string(),
		source,
	})
}

/// Loads an MNIST-style image/label pair (10 classes) from IDX files, raw or gzip.
pub fn load_mnist(
	images_path: impl AsRef<Path>,
	labels_path: impl AsRef<Path>,
) -> Result<Dataset, DataError> {
	let images = read_idx_images(open(images_path.as_ref())?)?;
	let labels = read_idx_labels(open(labels_path.as_ref())?)?;
	if images.count != labels.len() {
		return Err(DataError::CountMismatch {
			images: images.count,
			labels: labels.len(),
		});
	}
	Dataset::new(images.to_features()?, labels, 10)
}

/// Directory of the vendored MNIST subset (10 000 shuffled digits, any prefix class-balanced).
pub fn bundled_mnist_dir() -> std::path::PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR"))
		.join("data")
		.join("mnist-10k")
}

/// The vendored 10 000 MNIST digits; split with `split_at(BUNDLED_TRAIN)` for the standard
/// 8 000 / 2 000 train/test split.
pub fn bundled_mnist() -> Result<Dataset, DataError> {
	let dir = bundled_mnist_dir();
	load_mnist(
		dir.join("images-idx3-ubyte.gz"),
		dir.join("labels-idx1-ubyte.gz"),
	)
}
