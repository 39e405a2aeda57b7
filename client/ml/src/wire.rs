//! Bounds-checked little-endian reading shared by the `FLPM` and `FLUP` decoders.

/// A read past the end of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Short {
	pub offset: usize,
	pub needed: usize,
	pub available: usize,
}

pub(crate) struct Reader<'a> {
	buf: &'a [u8],
	pos: usize,
}

impl<'a> Reader<'a> {
	pub fn new(buf: &'a [u8]) -> Self {
		Reader { buf, pos: 0 }
	}

	pub fn pos(&self) -> usize {
		self.pos
	}

	pub fn remaining(&self) -> usize {
		self.buf.len() - self.pos
	}

	pub fn take(&mut self, n: usize) -> Result<&'a [u8], Short> {
		if self.remaining() < n {
			return Err(Short {
				offset: self.pos,
				needed: n,
				available: self.remaining(),
			});
		}
		let s = &self.buf[self.pos..self.pos + n];
		self.pos += n;
		Ok(s)
	}

	fn array<const N: usize>(&mut self) -> Result<[u8; N], Short> {
		let mut a = [0u8; N];
		a.copy_from_slice(self.take(N)?);
		Ok(a)
	}

	pub fn u8(&mut self) -> Result<u8, Short> {
		Ok(self.array::<1>()?[0])
	}

	pub fn u16(&mut self) -> Result<u16, Short> {
		Ok(u16::from_le_bytes(self.array()?))
	}

	pub fn u32(&mut self) -> Result<u32, Short> {
		Ok(u32::from_le_bytes(self.array()?))
	}

	pub fn u64(&mut self) -> Result<u64, Short> {
		Ok(u64::from_le_bytes(self.array()?))
	}

	pub fn f32(&mut self) -> Result<f32, Short> {
		Ok(f32::from_le_bytes(self.array()?))
	}
}

/// Appends `values` as f32 LE.
pub(crate) fn put_f32s(out: &mut Vec<u8>, values: &[f32]) {
	out.reserve(values.len() * 4);
	for v in values {
		out.extend_from_slice(&v.to_le_bytes());
	}
}

/// Reads `bytes` (a multiple of 4) as f32 LE into `out`.
pub(crate) fn get_f32s(bytes: &[u8], out: &mut Vec<f32>) {
	out.reserve(bytes.len() / 4);
	for c in bytes.chunks_exact(4) {
		out.push(f32::from_le_bytes([c[0], c[1], c[2], c[3]]));
	}
}
