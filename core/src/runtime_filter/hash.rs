//! The key hash both sides of a runtime filter agree on: DataFusion's `create_hashes` with
//! one fixed seed (foldhash's fixed state, the same in every process), over the join keys
//! evaluated on a batch. A row with a NULL key never matches an equi-join.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef};
use arrow::buffer::NullBuffer;
use arrow::record_batch::RecordBatch;
use datafusion::common::hash_utils::{RandomState, create_hashes};
use datafusion::error::Result;
use datafusion::physical_expr::PhysicalExpr;

const SEED: u64 = 0x5745_4654_5246_494c; // "WEFTRFIL"

/// The join keys of `batch`, evaluated.
pub fn key_columns(batch: &RecordBatch, keys: &[Arc<dyn PhysicalExpr>]) -> Result<Vec<ArrayRef>> {
    keys.iter()
        .map(|k| k.evaluate(batch)?.into_array(batch.num_rows()))
        .collect()
}

/// Hashes of every row's keys into `out` (resized to `rows`), and the rows whose keys are
/// all non-NULL (None: every row's).
pub fn key_hashes(
    columns: &[ArrayRef],
    rows: usize,
    out: &mut Vec<u64>,
) -> Result<Option<NullBuffer>> {
    out.clear();
    out.resize(rows, 0);
    create_hashes(columns, &RandomState::with_seed(SEED), out)?;
    let nulls: Vec<Option<NullBuffer>> = columns.iter().map(|c| c.logical_nulls()).collect();
    Ok(NullBuffer::union_many(nulls.iter().map(Option::as_ref)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray, StringViewArray};

    #[test]
    fn equal_keys_hash_equal_and_nulls_are_marked() {
        let a: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(3), Some(1)]));
        let b: ArrayRef = Arc::new(StringArray::from(vec![
            Some("x"),
            Some("y"),
            None,
            Some("x"),
        ]));
        let mut h = Vec::new();
        let valid = key_hashes(&[a, b], 4, &mut h).unwrap().unwrap();
        assert_eq!(h[0], h[3]);
        assert_ne!(h[0], h[2]);
        assert_eq!(
            (0..4).map(|i| valid.is_valid(i)).collect::<Vec<_>>(),
            vec![true, false, false, true]
        );
        // No NULL key: no buffer.
        let c: ArrayRef = Arc::new(StringViewArray::from(vec!["p", "q"]));
        assert!(key_hashes(&[c], 2, &mut h).unwrap().is_none());
    }
}
