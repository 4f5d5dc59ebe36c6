//! Flink's BITMAP values: sets of 32-bit integers ordered as unsigned, as Flink keeps them in
//! a RoaringBitmap. Weft holds a BITMAP in Arrow as a one-field struct (see [`bitmap_type`])
//! whose field is the set in RoaringBitmap's portable serialization — byte for byte what
//! Flink's `BITMAP_TO_BYTES` gives, so equal sets have equal bytes and `=` compares sets.
//!
//! The serialization (the RoaringFormatSpec) cuts the set by the upper 16 bits of each value
//! into containers. Each container is written as an array of 16-bit values, a 65536-bit
//! bitmap, or runs, and Flink picks the smallest: `toBytes` calls `runOptimize` before
//! serializing, so runs are used exactly when they are strictly smaller than the array (at
//! most 4096 values) or the bitmap (more values).

use arrow::datatypes::{DataType, Field, Fields};

/// The name of the one field of Weft's BITMAP struct; no user column is named so.
pub const FIELD: &str = "$weft_bitmap";

/// The Arrow type standing for Flink's BITMAP.
pub fn bitmap_type() -> DataType {
    DataType::Struct(Fields::from(vec![Field::new(
        FIELD,
        DataType::Binary,
        true,
    )]))
}

/// Whether `t` is Weft's BITMAP type.
pub fn is_bitmap(t: &DataType) -> bool {
    matches!(t, DataType::Struct(f) if f.len() == 1 && f[0].name() == FIELD)
}

const SERIAL_COOKIE_NO_RUNCONTAINER: u32 = 12346;
const SERIAL_COOKIE: u32 = 12347;
/// Containers of at most this many values are arrays; more make a bitmap.
const ARRAY_MAX: usize = 4096;
const BITMAP_BYTES: usize = 8192;
/// With run containers, offsets are written only from this many containers on.
const NO_OFFSET_THRESHOLD: usize = 4;

enum Kind {
    Array,
    Bitmap,
    Run,
}

/// One container: the values sharing their upper 16 bits.
struct Container<'a> {
    key: u16,
    lows: &'a [u32],
    runs: usize,
    kind: Kind,
}

impl Container<'_> {
    fn payload_len(&self) -> usize {
        match self.kind {
            Kind::Array => 2 * self.lows.len(),
            Kind::Bitmap => BITMAP_BYTES,
            Kind::Run => 2 + 4 * self.runs,
        }
    }
}

fn containers(values: &[u32]) -> Vec<Container<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < values.len() {
        let key = (values[start] >> 16) as u16;
        let end = start + values[start..].partition_point(|v| (v >> 16) as u16 == key);
        let lows = &values[start..end];
        let runs = 1 + lows.windows(2).filter(|w| w[1] != w[0] + 1).count();
        let run_len = 2 + 4 * runs;
        let kind = if lows.len() <= ARRAY_MAX {
            if run_len < 2 * lows.len() {
                Kind::Run
            } else {
                Kind::Array
            }
        } else if run_len < BITMAP_BYTES {
            Kind::Run
        } else {
            Kind::Bitmap
        };
        out.push(Container {
            key,
            lows,
            runs,
            kind,
        });
        start = end;
    }
    out
}

/// The portable serialization of a set given as strictly ascending values, as Flink's
/// `BITMAP_TO_BYTES` writes it.
pub fn encode(values: &[u32]) -> Vec<u8> {
    let cs = containers(values);
    let has_run = cs.iter().any(|c| matches!(c.kind, Kind::Run));
    let mut out = Vec::new();
    if has_run {
        let cookie = SERIAL_COOKIE | (((cs.len() - 1) as u32) << 16);
        out.extend_from_slice(&cookie.to_le_bytes());
        let mut flags = vec![0u8; cs.len().div_ceil(8)];
        for (i, c) in cs.iter().enumerate() {
            if matches!(c.kind, Kind::Run) {
                flags[i / 8] |= 1 << (i % 8);
            }
        }
        out.extend_from_slice(&flags);
    } else {
        out.extend_from_slice(&SERIAL_COOKIE_NO_RUNCONTAINER.to_le_bytes());
        out.extend_from_slice(&(cs.len() as u32).to_le_bytes());
    }
    for c in &cs {
        out.extend_from_slice(&c.key.to_le_bytes());
        out.extend_from_slice(&((c.lows.len() - 1) as u16).to_le_bytes());
    }
    if !has_run || cs.len() >= NO_OFFSET_THRESHOLD {
        let mut offset = out.len() + 4 * cs.len();
        for c in &cs {
            out.extend_from_slice(&(offset as u32).to_le_bytes());
            offset += c.payload_len();
        }
    }
    for c in &cs {
        let low = |v: u32| (v & 0xFFFF) as u16;
        match c.kind {
            Kind::Array => {
                for &v in c.lows {
                    out.extend_from_slice(&low(v).to_le_bytes());
                }
            }
            Kind::Bitmap => {
                let mut words = [0u64; 1024];
                for &v in c.lows {
                    let l = low(v) as usize;
                    words[l / 64] |= 1 << (l % 64);
                }
                for w in words {
                    out.extend_from_slice(&w.to_le_bytes());
                }
            }
            Kind::Run => {
                out.extend_from_slice(&(c.runs as u16).to_le_bytes());
                let mut i = 0;
                while i < c.lows.len() {
                    let mut j = i;
                    while j + 1 < c.lows.len() && c.lows[j + 1] == c.lows[j] + 1 {
                        j += 1;
                    }
                    out.extend_from_slice(&low(c.lows[i]).to_le_bytes());
                    out.extend_from_slice(&((j - i) as u16).to_le_bytes());
                    i = j + 1;
                }
            }
        }
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        if self.bytes.len() - self.at < n {
            return Err(format!(
                "the bytes end after {} bytes, in the middle of the bitmap",
                self.bytes.len()
            ));
        }
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(s)
    }
    fn u16(&mut self) -> Result<u16, String> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// The set a portable serialization holds, ascending (as unsigned). Bytes after the bitmap
/// are ignored, as Flink's `BITMAP_FROM_BYTES` ignores them.
pub fn decode(bytes: &[u8]) -> Result<Vec<u32>, String> {
    let mut r = Reader { bytes, at: 0 };
    let cookie = r.u32()?;
    let has_run = cookie & 0xFFFF == SERIAL_COOKIE;
    if !has_run && cookie != SERIAL_COOKIE_NO_RUNCONTAINER {
        return Err(format!(
            "they do not start with a RoaringBitmap cookie ({SERIAL_COOKIE} or {SERIAL_COOKIE_NO_RUNCONTAINER}), but with {cookie}"
        ));
    }
    let size = if has_run {
        (cookie >> 16) as usize + 1
    } else {
        r.u32()? as usize
    };
    if size > 1 << 16 {
        return Err(format!("they claim {size} containers, more than 65536"));
    }
    let runs = if has_run {
        r.take(size.div_ceil(8))?.to_vec()
    } else {
        Vec::new()
    };
    let mut header = Vec::with_capacity(size);
    for _ in 0..size {
        let key = r.u16()?;
        let card = r.u16()? as usize + 1;
        header.push((key, card));
    }
    if !has_run || size >= NO_OFFSET_THRESHOLD {
        r.take(4 * size)?;
    }
    let mut values = Vec::with_capacity(header.iter().map(|h| h.1).sum());
    for (i, &(key, card)) in header.iter().enumerate() {
        let high = (key as u32) << 16;
        let is_run = has_run && runs[i / 8] & (1 << (i % 8)) != 0;
        if is_run {
            let n = r.u16()?;
            for _ in 0..n {
                let start = r.u16()? as u32;
                let len = r.u16()? as u32;
                if start + len > 0xFFFF {
                    return Err(format!("a run of container {i} goes past 65535"));
                }
                values.extend((start..=start + len).map(|l| high | l));
            }
        } else if card > ARRAY_MAX {
            let words = r.take(BITMAP_BYTES)?;
            for (w, chunk) in words.chunks_exact(8).enumerate() {
                let mut word = u64::from_le_bytes(chunk.try_into().unwrap());
                while word != 0 {
                    let bit = word.trailing_zeros();
                    values.push(high | (w as u32 * 64 + bit));
                    word &= word - 1;
                }
            }
        } else {
            for _ in 0..card {
                values.push(high | r.u16()? as u32);
            }
        }
    }
    normalize(&mut values);
    Ok(values)
}

/// The number of values of a serialized set, from its header alone (each container's
/// header entry holds its cardinality, whatever its kind).
pub fn cardinality(bytes: &[u8]) -> Result<u64, String> {
    let mut r = Reader { bytes, at: 0 };
    let cookie = r.u32()?;
    let size = if cookie & 0xFFFF == SERIAL_COOKIE {
        let size = (cookie >> 16) as usize + 1;
        r.take(size.div_ceil(8))?;
        size
    } else {
        r.u32()? as usize
    };
    let mut n = 0u64;
    for _ in 0..size {
        r.u16()?;
        n += r.u16()? as u64 + 1;
    }
    Ok(n)
}

/// Sort and deduplicate (unsigned order).
pub fn normalize(values: &mut Vec<u32>) {
    values.sort_unstable();
    values.dedup();
}

/// The text Flink gives a BITMAP (RoaringBitmap's `toString`): `{1,2,3}`, values unsigned,
/// cut with `...` once the text passes 524288 characters.
pub fn text(values: &[u32]) -> String {
    let mut s = String::from("{");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
            if s.len() > 0x80000 {
                s.push_str("...");
                break;
            }
        }
        s.push_str(&v.to_string());
    }
    s.push('}');
    s
}

/// Set operations on ascending slices.
pub fn and(a: &[u32], b: &[u32]) -> Vec<u32> {
    merge(a, b, false, true, false)
}
pub fn or(a: &[u32], b: &[u32]) -> Vec<u32> {
    merge(a, b, true, true, true)
}
pub fn xor(a: &[u32], b: &[u32]) -> Vec<u32> {
    merge(a, b, true, false, true)
}
pub fn and_not(a: &[u32], b: &[u32]) -> Vec<u32> {
    merge(a, b, true, false, false)
}

/// A merge keeping values only in `a`, in both, only in `b` as the flags say.
fn merge(a: &[u32], b: &[u32], only_a: bool, both: bool, only_b: bool) -> Vec<u32> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                if only_a {
                    out.push(a[i]);
                }
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                if only_b {
                    out.push(b[j]);
                }
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                if both {
                    out.push(a[i]);
                }
                i += 1;
                j += 1;
            }
        }
    }
    if only_a {
        out.extend_from_slice(&a[i..]);
    }
    if only_b {
        out.extend_from_slice(&b[j..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // The bytes below are what Flink 2.3's BITMAP_TO_BYTES gave for the same sets.
    const FLINK: &[(&[u32], &str)] = &[
        (&[1, 2, 3], "3a300000010000000000020010000000010002000300"),
        (
            &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "3b3000000100000900010001000900",
        ),
        (
            &[1, 3, 5, 7, 9, 11, 13, 15],
            "3a300000010000000000070010000000010003000500070009000b000d000f00",
        ),
        (
            &[1, 2, 3, 10, 11, 12],
            "3b30000001000005000200010002000a000200",
        ),
        (
            &[1, 2, 3, 4, 5, 70000, 70001, 70002, 70003],
            "3b300100030000040001000300010001000400010070110300",
        ),
        (
            &[
                1, 2, 3, 4, 5, 70000, 70001, 70002, 70003, 140000, 140001, 140002, 140003, 210000,
                210001, 210002, 210003, 210004,
            ],
            "3b3003000f00000400010003000200030003000400250000002b00000031000000370000000100010004000100701103000100e0220300010050340400",
        ),
        (
            &[0, 65535, 65536, 131072, 2147483647, 2147483648],
            "3a30000005000000000001000100000002000000ff7f000000800000300000003400000036000000380000003a0000000000ffff00000000ffff0000",
        ),
    ];

    #[test]
    fn bytes_are_flinks_and_read_back() {
        for (values, bytes) in FLINK {
            assert_eq!(hex(&encode(values)), *bytes, "{values:?}");
            assert_eq!(decode(&unhex(bytes)).unwrap(), *values);
            assert_eq!(cardinality(&unhex(bytes)).unwrap(), values.len() as u64);
        }
    }

    #[test]
    fn large_containers_become_bitmaps_and_runs() {
        let every_other: Vec<u32> = (0..10_000).map(|v| v * 2).collect();
        let b = encode(&every_other);
        // one bitmap container: 8 header + 4 key/card + 4 offset + 8192
        assert_eq!(b.len(), 8 + 4 + 4 + 8192);
        assert_eq!(decode(&b).unwrap(), every_other);
        let dense: Vec<u32> = (0..10_000).collect();
        let b = encode(&dense);
        assert_eq!(b.len(), 4 + 1 + 4 + 2 + 4);
        assert_eq!(decode(&b).unwrap(), dense);
        assert_eq!(hex(&encode(&[])), "3a30000000000000");
        assert_eq!(decode(&encode(&[])).unwrap(), Vec::<u32>::new());
    }

    #[test]
    fn bad_bytes_are_named() {
        assert!(decode(&[]).unwrap_err().contains("end after 0 bytes"));
        assert!(decode(&[1, 2]).is_err());
        assert!(decode(&unhex("3A300000010000000000010010000000010003")).is_err());
        assert!(decode(&unhex("00000000")).unwrap_err().contains("cookie"));
    }

    #[test]
    fn text_and_set_operations() {
        assert_eq!(text(&[1, 2, 4294967295]), "{1,2,4294967295}");
        assert_eq!(text(&[]), "{}");
        let (a, b) = ([1, 2, 3], [2, 3, 4]);
        assert_eq!(and(&a, &b), vec![2, 3]);
        assert_eq!(or(&a, &b), vec![1, 2, 3, 4]);
        assert_eq!(xor(&a, &b), vec![1, 4]);
        assert_eq!(and_not(&a, &b), vec![1]);
        let long: Vec<u32> = (0..200_000).collect();
        let t = text(&long);
        assert!(
            t.ends_with(",...}") && t.len() < 0x80000 + 16,
            "{}",
            t.len()
        );
    }
}
