//! Value generation for `datagen`: every value is a pure function of (table seed, column
//! index, row index), so any partition, batch size or re-execution yields the same rows.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, Float64Array, Int64Array, StringArray,
    UInt64Array,
};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::error::Result;

use super::spec::{ColumnSpec, Generator};

/// SplitMix64 seeded per cell: cheap, stateless across rows, well mixed.
struct CellRng(u64);

impl CellRng {
    fn new(seed: u64, column: usize, row: u64) -> Self {
        let mut r = CellRng(
            seed ^ (column as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ row.wrapping_mul(0xD1B5_4A32_D192_ED03),
        );
        r.next();
        r
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [min, max] (inclusive).
    fn range(&mut self, min: i128, max: i128) -> i128 {
        let span = (max - min) as u128 + 1;
        let offset = if span <= 1u128 << 64 {
            (self.next() as u128 * span) >> 64
        } else {
            (((self.next() as u128) << 64) | self.next() as u128) % span
        };
        min + offset as i128
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Generate `len` values of `col` for rows `first_row ..`.
pub(crate) fn generate_column(
    col: &ColumnSpec,
    data_type: &DataType,
    seed: u64,
    first_row: u64,
    len: usize,
) -> Result<ArrayRef> {
    let rows = first_row..first_row + len as u64;
    // Each cell: a null draw first (when the column has a null rate), then the value.
    let cell = |row: u64| -> Option<CellRng> {
        let mut rng = CellRng::new(seed, col.index, row);
        if col.null_rate > 0.0 && rng.unit() < col.null_rate {
            None
        } else {
            Some(rng)
        }
    };
    use DataType::*;
    let array: ArrayRef = match (&col.generator, data_type) {
        (Generator::Sequence { start, .. }, dt) => {
            let value = |row: u64| start + row as i128;
            match dt {
                Utf8 | LargeUtf8 | Utf8View => Arc::new(
                    rows.map(|r| cell(r).map(|_| value(r).to_string()))
                        .collect::<StringArray>(),
                ),
                Float16 | Float32 | Float64 => Arc::new(
                    rows.map(|r| cell(r).map(|_| value(r) as f64))
                        .collect::<Float64Array>(),
                ),
                Decimal128(p, s) => {
                    let unit = 10i128.pow(*s as u32);
                    Arc::new(
                        rows.map(|r| cell(r).map(|_| value(r) * unit))
                            .collect::<Decimal128Array>()
                            .with_precision_and_scale(*p, *s)?,
                    )
                }
                UInt8 | UInt16 | UInt32 | UInt64 => Arc::new(
                    rows.map(|r| cell(r).map(|_| value(r) as u64))
                        .collect::<UInt64Array>(),
                ),
                _ => Arc::new(
                    rows.map(|r| cell(r).map(|_| value(r) as i64))
                        .collect::<Int64Array>(),
                ),
            }
        }
        (Generator::RandomInt { min, max }, Decimal128(p, s)) => Arc::new(
            rows.map(|r| cell(r).map(|mut g| g.range(*min, *max)))
                .collect::<Decimal128Array>()
                .with_precision_and_scale(*p, *s)?,
        ),
        (Generator::RandomInt { min, max }, UInt8 | UInt16 | UInt32 | UInt64) => Arc::new(
            rows.map(|r| cell(r).map(|mut g| g.range(*min, *max) as u64))
                .collect::<UInt64Array>(),
        ),
        (Generator::RandomInt { min, max }, _) => Arc::new(
            rows.map(|r| cell(r).map(|mut g| g.range(*min, *max) as i64))
                .collect::<Int64Array>(),
        ),
        (Generator::RandomFloat { min, max }, _) => Arc::new(
            rows.map(|r| cell(r).map(|mut g| min + g.unit() * (max - min)))
                .collect::<Float64Array>(),
        ),
        (Generator::RandomBool, _) => Arc::new(
            rows.map(|r| cell(r).map(|mut g| g.next() & 1 == 1))
                .collect::<BooleanArray>(),
        ),
        (Generator::RandomString { length }, _) => {
            let mut buf = String::with_capacity(*length);
            Arc::new(
                rows.map(|r| {
                    cell(r).map(|mut g| {
                        buf.clear();
                        let mut bits = 0u64;
                        for i in 0..*length {
                            if i % 16 == 0 {
                                bits = g.next();
                            }
                            buf.push(HEX[(bits & 15) as usize] as char);
                            bits >>= 4;
                        }
                        buf.clone()
                    })
                })
                .collect::<StringArray>(),
            )
        }
        (Generator::RandomPast { anchor, max_past }, Date32) => Arc::new(
            rows.map(|r| {
                cell(r).map(|mut g| (anchor - g.range(0, *max_past as i128) as i64) as i32)
            })
            .collect::<Date32Array>(),
        ),
        (Generator::RandomPast { anchor, max_past }, _) => Arc::new(
            rows.map(|r| cell(r).map(|mut g| anchor - g.range(0, *max_past as i128) as i64))
                .collect::<Int64Array>(),
        ),
    };
    if array.data_type() == data_type {
        Ok(array)
    } else {
        Ok(cast(&array, data_type)?)
    }
}
