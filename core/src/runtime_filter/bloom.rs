//! A split-block Bloom filter over 64-bit key hashes (the layout Parquet's spec describes:
//! 256-bit blocks of eight 32-bit words, one bit set per word). A hash picks its block
//! with its upper half and its eight bits with its lower half, so a lookup touches one
//! cache line. No false negatives; under 1 % false positives at 12 bits a key.

/// The eight odd constants that spread a hash's lower half over a block's words.
const SALT: [u32; 8] = [
    0x47b6_137b,
    0x4497_4d91,
    0x8824_ad5b,
    0xa2b7_289d,
    0x7054_95c7,
    0x2df1_424b,
    0x9efc_4947,
    0x5c6b_fb31,
];

/// Bits a distinct key gets.
const BITS_PER_KEY: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BloomFilter {
    blocks: Vec<[u32; 8]>,
}

impl BloomFilter {
    /// An empty filter sized for `keys` distinct keys.
    pub fn with_capacity(keys: usize) -> Self {
        let blocks = (keys * BITS_PER_KEY).div_ceil(256).max(1);
        BloomFilter {
            blocks: vec![[0; 8]; blocks],
        }
    }

    /// A filter holding every hash of `hashes`.
    pub fn from_hashes(hashes: &[u64]) -> Self {
        let mut f = Self::with_capacity(hashes.len());
        for &h in hashes {
            f.insert(h);
        }
        f
    }

    fn block_of(&self, hash: u64) -> usize {
        (((hash >> 32) * self.blocks.len() as u64) >> 32) as usize
    }

    fn mask(hash: u64) -> [u32; 8] {
        let low = hash as u32;
        let mut m = [0u32; 8];
        for (w, salt) in m.iter_mut().zip(SALT) {
            *w = 1 << (low.wrapping_mul(salt) >> 27);
        }
        m
    }

    pub fn insert(&mut self, hash: u64) {
        let b = self.block_of(hash);
        let block = &mut self.blocks[b];
        for (w, m) in block.iter_mut().zip(Self::mask(hash)) {
            *w |= m;
        }
    }

    /// False only when `hash` was never inserted.
    #[inline]
    pub fn may_contain(&self, hash: u64) -> bool {
        let block = &self.blocks[self.block_of(hash)];
        let low = hash as u32;
        block
            .iter()
            .zip(SALT)
            .all(|(w, salt)| w & (1 << (low.wrapping_mul(salt) >> 27)) != 0)
    }

    /// Size in bytes of [`Self::to_bytes`].
    pub fn byte_size(&self) -> usize {
        self.blocks.len() * 32
    }

    /// Little-endian words, block after block.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.blocks
            .iter()
            .flatten()
            .flat_map(|w| w.to_le_bytes())
            .collect()
    }

    /// The filter [`Self::to_bytes`] wrote; None for bytes that are not one.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        if bytes.is_empty() || bytes.len() % 32 != 0 {
            return None;
        }
        let blocks = bytes
            .chunks_exact(32)
            .map(|b| {
                let mut block = [0u32; 8];
                for (w, c) in block.iter_mut().zip(b.chunks_exact(4)) {
                    *w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
                }
                block
            })
            .collect();
        Some(BloomFilter { blocks })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64-bit mixer (splitmix64) standing in for well-spread key hashes.
    fn spread(x: u64) -> u64 {
        let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn every_inserted_hash_is_found_and_few_others_are() {
        let inserted: Vec<u64> = (0..100_000).map(spread).collect();
        let f = BloomFilter::from_hashes(&inserted);
        assert!(inserted.iter().all(|&h| f.may_contain(h)));
        let false_positives = (100_000..1_100_000)
            .map(spread)
            .filter(|&h| f.may_contain(h))
            .count();
        // 12 bits a key: under 1 %.
        assert!(false_positives < 10_000, "{false_positives} of 1000000");
        assert!(false_positives > 0, "a Bloom filter this size has some");
    }

    #[test]
    fn bytes_round_trip_and_garbage_is_refused() {
        let f = BloomFilter::from_hashes(&[1, 2, 3, u64::MAX]);
        let back = BloomFilter::from_bytes(&f.to_bytes()).unwrap();
        assert_eq!(back, f);
        assert_eq!(f.to_bytes().len(), f.byte_size());
        assert!(back.may_contain(u64::MAX));
        assert!(BloomFilter::from_bytes(&[]).is_none());
        assert!(BloomFilter::from_bytes(&[0; 33]).is_none());
    }

    #[test]
    fn an_empty_filter_contains_nothing() {
        let f = BloomFilter::from_hashes(&[]);
        assert!((0..1000).map(spread).all(|h| !f.may_contain(h)));
    }
}
