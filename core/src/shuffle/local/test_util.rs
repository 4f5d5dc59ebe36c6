//! Random batches for the shuffle tests.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Decimal128Array, DictionaryArray, Float64Array,
    Int64Array, StringArray,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;

/// SplitMix64: deterministic, dependency-free.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Int64, nullable Utf8, Decimal128(20, 3), Date32, nullable Float64, Boolean, and a
/// dictionary-encoded Utf8 column.
pub fn test_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Int64, false),
        Field::new("name", DataType::Utf8, true),
        Field::new("amount", DataType::Decimal128(20, 3), true),
        Field::new("day", DataType::Date32, true),
        Field::new("score", DataType::Float64, true),
        Field::new("flag", DataType::Boolean, true),
        Field::new(
            "category",
            DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
            true,
        ),
    ]))
}

/// A batch of `rows` random rows of [`test_schema`] (about 10% nulls in nullable columns).
pub fn random_batch(schema: &SchemaRef, rows: usize, rng: &mut Rng) -> RecordBatch {
    let ids: Int64Array = (0..rows).map(|_| rng.next_u64() as i64 >> 20).collect();
    let names: StringArray = (0..rows)
        .map(|_| {
            (!rng.chance(10)).then(|| {
                let len = rng.below(24) as usize;
                (0..len)
                    .map(|_| (b'a' + rng.below(26) as u8) as char)
                    .collect::<String>()
            })
        })
        .collect();
    let amounts = (0..rows)
        .map(|_| (!rng.chance(10)).then(|| rng.next_u64() as i64 as i128 * 1000 + 7))
        .collect::<Decimal128Array>()
        .with_precision_and_scale(20, 3)
        .unwrap();
    let days: Date32Array = (0..rows)
        .map(|_| (!rng.chance(10)).then(|| 18_000 + rng.below(3000) as i32))
        .collect();
    let scores: Float64Array = (0..rows)
        .map(|_| (!rng.chance(10)).then(|| rng.below(1_000_000) as f64 / 7.0))
        .collect();
    let flags: BooleanArray = (0..rows)
        .map(|_| (!rng.chance(10)).then(|| rng.chance(50)))
        .collect();
    const CATEGORIES: [&str; 4] = ["books", "games", "garden", "music"];
    let categories: DictionaryArray<Int32Type> = (0..rows)
        .map(|_| (!rng.chance(10)).then(|| CATEGORIES[rng.below(4) as usize]))
        .collect();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(ids),
        Arc::new(names),
        Arc::new(amounts),
        Arc::new(days),
        Arc::new(scores),
        Arc::new(flags),
        Arc::new(categories),
    ];
    RecordBatch::try_new(schema.clone(), columns).unwrap()
}
