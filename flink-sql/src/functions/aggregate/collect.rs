//! Flink's COLLECT(x): the MULTISET of the non-NULL values (`{}` when there are none). Flink
//! keeps it in a Java `HashMap` from value to count and prints it in that map's order
//! (`{a=1, b=2}`): by bucket (`hashCode`, spread, masked by the table size that insertions
//! grew to), then by insertion. Weft computes the same order from Flink's `hashCode`s of its
//! internal values: Java's for numbers, dates and booleans, Flink's Murmur3 (seed 42) of the
//! UTF-8 bytes for strings. Element types without such a hash are refused at planning.
//!
//! A MULTISET is a one-field struct (`$weft_multiset`) holding a list of `(element, count)`
//! in Flink's order.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int32Array, ListArray, StructArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

use crate::types::flink_name;

pub const FIELD: &str = "$weft_multiset";

fn entry_fields(element: &DataType) -> Fields {
    Fields::from(vec![
        Field::new("element", element.clone(), true),
        Field::new("count", DataType::Int32, false),
    ])
}

fn entries_type(element: &DataType) -> DataType {
    DataType::List(Arc::new(Field::new(
        "item",
        DataType::Struct(entry_fields(element)),
        true,
    )))
}

pub fn multiset_type(element: &DataType) -> DataType {
    DataType::Struct(Fields::from(vec![Field::new(
        FIELD,
        entries_type(element),
        true,
    )]))
}

/// The element type when `t` is a MULTISET.
pub fn element_of(t: &DataType) -> Option<&DataType> {
    let DataType::Struct(f) = t else { return None };
    if f.len() != 1 || f[0].name() != FIELD {
        return None;
    }
    let DataType::List(item) = f[0].data_type() else {
        return None;
    };
    let DataType::Struct(e) = item.data_type() else {
        return None;
    };
    Some(e[0].data_type())
}

fn hashable(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
            | DataType::Boolean
            | DataType::Date32
            | DataType::Utf8
            | DataType::Utf8View
            | DataType::LargeUtf8
    )
}

/// Flink's Murmur3 of bytes (`MurmurHashUtil.hashBytes`, seed 42; bytes past the last word
/// are mixed one by one, as signed bytes).
pub fn murmur_bytes(b: &[u8]) -> i32 {
    fn mix_k1(k: i32) -> i32 {
        (k.wrapping_mul(0xcc9e2d51u32 as i32))
            .rotate_left(15)
            .wrapping_mul(0x1b873593)
    }
    fn mix_h1(h: i32, k: i32) -> i32 {
        (h ^ k)
            .rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe6546b64u32 as i32)
    }
    let mut h: i32 = 42;
    let aligned = b.len() - b.len() % 4;
    for w in b[..aligned].chunks_exact(4) {
        h = mix_h1(h, mix_k1(i32::from_le_bytes([w[0], w[1], w[2], w[3]])));
    }
    for &x in &b[aligned..] {
        h = mix_h1(h, mix_k1(x as i8 as i32));
    }
    let mut h = (h ^ b.len() as i32) as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85ebca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2ae35);
    h ^= h >> 16;
    h as i32
}

/// Flink's `hashCode` of an internal value.
pub fn java_hash(v: &ScalarValue) -> i32 {
    match v {
        ScalarValue::Int8(Some(x)) => *x as i32,
        ScalarValue::Int16(Some(x)) => *x as i32,
        ScalarValue::Int32(Some(x)) | ScalarValue::Date32(Some(x)) => *x,
        ScalarValue::Int64(Some(x)) => (*x ^ ((*x as u64) >> 32) as i64) as i32,
        ScalarValue::Float64(Some(x)) => {
            let bits = if x.is_nan() {
                0x7ff8000000000000u64
            } else {
                x.to_bits()
            };
            (bits ^ (bits >> 32)) as i32
        }
        ScalarValue::Float32(Some(x)) => {
            if x.is_nan() {
                0x7fc00000
            } else {
                x.to_bits() as i32
            }
        }
        ScalarValue::Boolean(Some(b)) => {
            if *b {
                1231
            } else {
                1237
            }
        }
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => murmur_bytes(s.as_bytes()),
        _ => 0,
    }
}

/// The positions of `keys` (in insertion order) in a Java `HashMap`'s iteration order.
pub fn hash_map_order(keys: &[ScalarValue]) -> Vec<usize> {
    let mut cap: usize = 16;
    while keys.len() > cap / 4 * 3 {
        cap *= 2;
    }
    let mut order: Vec<(usize, usize)> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let h = java_hash(k) as u32;
            (((h ^ (h >> 16)) as usize) & (cap - 1), i)
        })
        .collect();
    order.sort();
    order.into_iter().map(|(_, i)| i).collect()
}

pub fn collect() -> AggregateUDF {
    AggregateUDF::new_from_impl(Collect {
        signature: Signature::any(1, Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Collect {
    signature: Signature,
}

impl AggregateUDFImpl for Collect {
    fn name(&self) -> &str {
        "collect"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        let element = match &t[0] {
            DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
            t => t.clone(),
        };
        if !hashable(&element) {
            return plan_err!(
                "COLLECT of {} values is not supported by Weft yet (MULTISET's order needs Flink's hash of the type); Weft refuses it rather than answer differently from Flink",
                flink_name(&element)
            );
        }
        Ok(multiset_type(&element))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let element = element_of(args.return_field.data_type())
            .cloned()
            .unwrap_or(DataType::Null);
        Ok(vec![Arc::new(Field::new(
            "entries",
            entries_type(&element),
            true,
        ))])
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let element = element_of(args.return_field.data_type())
            .cloned()
            .unwrap_or(DataType::Null);
        Ok(Box::new(CollectAcc {
            element,
            keys: Vec::new(),
            counts: Vec::new(),
            index: HashMap::new(),
        }))
    }
}

#[derive(Debug)]
struct CollectAcc {
    element: DataType,
    keys: Vec<ScalarValue>,
    counts: Vec<i32>,
    index: HashMap<ScalarValue, usize>,
}

impl CollectAcc {
    fn add(&mut self, k: ScalarValue, n: i32) {
        match self.index.get(&k) {
            Some(&i) => self.counts[i] += n,
            None => {
                self.index.insert(k.clone(), self.keys.len());
                self.keys.push(k);
                self.counts.push(n);
            }
        }
    }

    /// The entries list (one row), in `order`.
    fn entries(&self, order: &[usize]) -> Result<ArrayRef> {
        let keys: Vec<ScalarValue> = order.iter().map(|&i| self.keys[i].clone()).collect();
        let keys = if keys.is_empty() {
            arrow::array::new_empty_array(&self.element)
        } else {
            ScalarValue::iter_to_array(keys)?
        };
        let counts = Int32Array::from(order.iter().map(|&i| self.counts[i]).collect::<Vec<_>>());
        let structs = StructArray::new(
            entry_fields(&self.element),
            vec![keys, Arc::new(counts)],
            None,
        );
        let DataType::List(item) = entries_type(&self.element) else {
            unreachable!()
        };
        Ok(Arc::new(ListArray::try_new(
            item,
            OffsetBuffer::from_lengths([order.len()]),
            Arc::new(structs),
            None,
        )?))
    }
}

impl Accumulator for CollectAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let a = arrow::compute::cast(&values[0], &self.element)?;
        for i in 0..a.len() {
            if a.is_valid(i) {
                self.add(ScalarValue::try_from_array(&a, i)?, 1);
            }
        }
        Ok(())
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0].as_list::<i32>();
        for r in 0..lists.len() {
            if lists.is_null(r) {
                continue;
            }
            let entries = lists.value(r);
            let s = entries.as_struct();
            let counts = s.column(1).as_primitive::<arrow::datatypes::Int32Type>();
            for i in 0..s.len() {
                self.add(
                    ScalarValue::try_from_array(s.column(0), i)?,
                    counts.value(i),
                );
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let order: Vec<usize> = (0..self.keys.len()).collect();
        Ok(vec![ScalarValue::try_from_array(
            &self.entries(&order)?,
            0,
        )?])
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let order = hash_map_order(&self.keys);
        let entries = self.entries(&order)?;
        let DataType::Struct(fields) = multiset_type(&self.element) else {
            unreachable!()
        };
        let array = StructArray::new(fields, vec![entries], None);
        ScalarValue::try_from_array(&array, 0)
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.keys.len() * 64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_hash_map_order() {
        let ints: Vec<ScalarValue> = [3, 1, 2, 10]
            .iter()
            .map(|v| ScalarValue::Int32(Some(*v)))
            .collect();
        assert_eq!(hash_map_order(&ints), vec![1, 2, 0, 3]);
        // bucket 17 & 15 = 1 comes with 1, after it (inserted later)
        let ints: Vec<ScalarValue> = [17, 1]
            .iter()
            .map(|v| ScalarValue::Int32(Some(*v)))
            .collect();
        assert_eq!(hash_map_order(&ints), vec![0, 1]);
        assert_eq!(java_hash(&ScalarValue::Int64(Some(-1))), 0);
    }
}
