//! Compacting view arrays before they leave the process.
//!
//! A `Utf8View` / `BinaryView` array references shared data buffers: a batch read from
//! Parquet points into whole decoded pages, and a slice taken by hash partitioning keeps
//! every buffer its parent had. Arrow IPC writes those buffers whole, so without
//! compaction each partition of a shuffle (and each broadcast copy) would carry all of
//! them: more bytes written, and readers (a join's build side) holding far more memory
//! than their rows need.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, MutableArrayData, make_array};
use arrow::datatypes::DataType;
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use arrow::record_batch::RecordBatchOptions;
use datafusion::common::utils::memory::get_record_batch_memory_size;

/// A view column is rewritten when its rows use less than this share of its buffers.
const MIN_USED_SHARE: f64 = 0.5;

/// `batch` with every wasteful top-level view column copied into compact buffers; the
/// batch itself when none is.
pub fn compact_views(batch: RecordBatch) -> Result<RecordBatch, ArrowError> {
    let wasteful = |c: &ArrayRef| match c.data_type() {
        DataType::Utf8View => {
            let a = c.as_string_view();
            wastes(
                a.data_buffers().iter().map(|b| b.len()).sum(),
                a.total_buffer_bytes_used(),
            )
        }
        DataType::BinaryView => {
            let a = c.as_binary_view();
            wastes(
                a.data_buffers().iter().map(|b| b.len()).sum(),
                a.total_buffer_bytes_used(),
            )
        }
        _ => false,
    };
    if !batch.columns().iter().any(wasteful) {
        return Ok(batch);
    }
    let columns = batch
        .columns()
        .iter()
        .map(|c| -> ArrayRef {
            if !wasteful(c) {
                return c.clone();
            }
            match c.data_type() {
                DataType::Utf8View => Arc::new(c.as_string_view().gc()),
                _ => Arc::new(c.as_binary_view().gc()),
            }
        })
        .collect();
    RecordBatch::try_new(batch.schema(), columns)
}

fn wastes(buffer_bytes: usize, used_bytes: usize) -> bool {
    buffer_bytes > 0 && (used_bytes as f64) < MIN_USED_SHARE * buffer_bytes as f64
}

/// `batch` with its columns copied into buffers of their own when they are small slices
/// of larger allocations, so that its memory counts only its own rows. A batch decoded
/// from Arrow IPC has every column pointing into one message body, and an aggregation
/// emits slices of its whole result: DataFusion's sorts count the whole allocations and
/// reserve many times the batch's real size.
pub fn unshare_buffers(batch: RecordBatch) -> Result<RecordBatch, ArrowError> {
    let counted = get_record_batch_memory_size(&batch);
    let used: usize = batch
        .columns()
        .iter()
        .map(|c| c.to_data().get_slice_memory_size().unwrap_or(usize::MAX))
        .fold(0, usize::saturating_add);
    if counted <= used.saturating_mul(2) {
        return Ok(batch);
    }
    let columns = batch
        .columns()
        .iter()
        .map(|c| {
            let data = c.to_data();
            let mut copy = MutableArrayData::new(vec![&data], false, data.len());
            copy.try_extend(0, 0, data.len())?;
            Ok(make_array(copy.freeze()))
        })
        .collect::<Result<Vec<_>, ArrowError>>()?;
    let batch = RecordBatch::try_new_with_options(
        batch.schema(),
        columns,
        &RecordBatchOptions::new().with_row_count(Some(batch.num_rows())),
    )?;
    compact_views(batch)
}

#[cfg(test)]
mod tests {
    use arrow::array::StringViewArray;
    use arrow::datatypes::{Field, Schema};

    use super::*;

    fn batch(values: &[&str]) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![Field::new(
            "s",
            DataType::Utf8View,
            false,
        )]));
        RecordBatch::try_new(
            schema,
            vec![Arc::new(StringViewArray::from_iter_values(
                values.iter().copied(),
            ))],
        )
        .unwrap()
    }

    fn buffer_bytes(b: &RecordBatch) -> usize {
        b.column(0)
            .as_string_view()
            .data_buffers()
            .iter()
            .map(|b| b.len())
            .sum()
    }

    #[test]
    fn a_small_slice_of_long_strings_gets_its_own_buffers() {
        let long: Vec<String> = (0..1000)
            .map(|i| format!("a string longer than twelve {i}"))
            .collect();
        let refs: Vec<&str> = long.iter().map(String::as_str).collect();
        let whole = batch(&refs);
        let slice = whole.slice(10, 5);
        assert_eq!(buffer_bytes(&slice), buffer_bytes(&whole));

        let compacted = compact_views(slice.clone()).unwrap();
        assert!(buffer_bytes(&compacted) < buffer_bytes(&whole) / 50);
        assert_eq!(compacted, slice);
    }

    #[test]
    fn columns_sharing_one_allocation_get_their_own() {
        use arrow::array::Int64Array;
        use arrow::datatypes::{Field, Schema};
        let wide = Int64Array::from_iter_values(0..100_000);
        let schema = Arc::new(Schema::new(vec![
            Field::new("a", DataType::Int64, false),
            Field::new("b", DataType::Int64, false),
        ]));
        // Two columns that are small slices of one big allocation.
        let a: ArrayRef = Arc::new(wide.slice(0, 10));
        let b: ArrayRef = Arc::new(wide.slice(10, 10));
        let shared = RecordBatch::try_new(schema, vec![a, b]).unwrap();
        let own = unshare_buffers(shared.clone()).unwrap();
        assert_eq!(own, shared);
        assert!(get_record_batch_memory_size(&own) < 1000);
        // A batch owning its buffers is returned as it is.
        let again = unshare_buffers(own.clone()).unwrap();
        assert_eq!(
            again.column(0).to_data().buffers()[0].as_ptr(),
            own.column(0).to_data().buffers()[0].as_ptr()
        );
    }

    #[test]
    fn a_batch_using_its_buffers_is_left_alone() {
        let b = batch(&[
            "a string longer than twelve",
            "another string longer than twelve",
        ]);
        let out = compact_views(b.clone()).unwrap();
        assert!(Arc::ptr_eq(out.column(0), b.column(0)));
    }
}
