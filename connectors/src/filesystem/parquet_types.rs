//! A Parquet table's declared columns checked against its files at planning: a column a
//! file holds in a type the declared one cannot take without losing or inventing values
//! (a narrower integer, a number for a STRING, text for a number…) is refused there, naming
//! the table, the file and the column, instead of failing later in a subtask with Arrow's
//! cast error. Widening (INT to BIGINT, FLOAT to DOUBLE, a wider DECIMAL, another timestamp
//! unit, any string or binary encoding) is read as DataFusion reads it.

use arrow::datatypes::{DataType, Schema};
use datafusion::catalog::Session;
use datafusion::datasource::physical_plan::ParquetSource;
use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::datasource::source::DataSourceExec;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::physical_plan::ExecutionPlan;
use weft_flink_sql::types::flink_name;

use super::row_split::distinct_files;

/// Whether a value the file holds as `file` reads into a declared `declared` column as it is.
pub fn readable(file: &DataType, declared: &DataType) -> bool {
    use DataType::*;
    if file.equals_datatype(declared) {
        return true;
    }
    let int_width = |t: &DataType| match t {
        Int8 => Some((8, true)),
        Int16 => Some((16, true)),
        Int32 => Some((32, true)),
        Int64 => Some((64, true)),
        UInt8 => Some((8, false)),
        UInt16 => Some((16, false)),
        UInt32 => Some((32, false)),
        UInt64 => Some((64, false)),
        _ => None,
    };
    let stringy = |t: &DataType| matches!(t, Utf8 | LargeUtf8 | Utf8View);
    let binary = |t: &DataType| matches!(t, Binary | LargeBinary | BinaryView | FixedSizeBinary(_));
    match (file, declared) {
        (f, d) if stringy(f) && stringy(d) => true,
        (f, d) if binary(f) && binary(d) => true,
        (f, d) if int_width(f).is_some() && int_width(d).is_some() => {
            let ((fw, fs), (dw, ds)) = (int_width(f).unwrap(), int_width(d).unwrap());
            match (fs, ds) {
                (true, true) | (false, false) => dw >= fw,
                (false, true) => dw > fw,
                (true, false) => false,
            }
        }
        (f, Float32 | Float64 | Decimal128(_, _)) if int_width(f).is_some() => {
            // integers into a wider numeric type
            match declared {
                Decimal128(p, s) => {
                    let digits = match int_width(f).unwrap().0 {
                        8 => 3,
                        16 => 5,
                        32 => 10,
                        _ => 19,
                    };
                    (*p as i16 - *s as i16) >= digits
                }
                _ => true,
            }
        }
        (Float32, Float64) => true,
        (Decimal128(p1, s1), Decimal128(p2, s2)) => {
            s2 >= s1 && (*p2 as i16 - *s2 as i16) >= (*p1 as i16 - *s1 as i16)
        }
        (Decimal128(_, _), Float64) => true,
        (Timestamp(_, _), Timestamp(_, _)) => true,
        (Date32 | Date64, Date32 | Date64) => true,
        (Time32(_) | Time64(_), Time32(_) | Time64(_)) => true,
        (List(a) | LargeList(a), List(b) | LargeList(b)) => readable(a.data_type(), b.data_type()),
        (Struct(a), Struct(b)) => b.iter().all(|bf| {
            a.iter()
                .find(|af| af.name() == bf.name())
                .is_none_or(|af| readable(af.data_type(), bf.data_type()))
        }),
        (Map(a, _), Map(b, _)) => match (a.data_type(), b.data_type()) {
            (Struct(x), Struct(y)) if x.len() == 2 && y.len() == 2 => {
                readable(x[0].data_type(), y[0].data_type())
                    && readable(x[1].data_type(), y[1].data_type())
            }
            _ => false,
        },
        _ => false,
    }
}

/// Fails when a file of the Parquet scan `plan` holds one of the `declared` columns in a
/// type it cannot be read as (see [`readable`]). Only the footers are read (cached).
pub async fn check(
    table: &str,
    plan: &dyn ExecutionPlan,
    state: &dyn Session,
    declared: &Schema,
) -> DfResult<()> {
    let Some((config, _)) = plan
        .downcast_ref::<DataSourceExec>()
        .and_then(|ds| ds.downcast_to_file_source::<ParquetSource>())
    else {
        return Ok(());
    };
    let store = state
        .runtime_env()
        .object_store(config.object_store_url.clone())?;
    let cache = state.runtime_env().cache_manager.get_file_metadata_cache();
    for f in distinct_files(config).values() {
        let file_schema = DFParquetMetadata::new(store.as_ref(), &f.object_meta)
            .with_file_metadata_cache(Some(cache.clone()))
            .fetch_schema()
            .await?;
        for d in declared.fields() {
            let Ok(held) = file_schema.field_with_name(d.name()) else {
                continue;
            };
            if !readable(held.data_type(), d.data_type()) {
                return Err(DataFusionError::Plan(format!(
                    "column `{}` of table `{table}` is declared {} but the Parquet file {} holds it as {}; declare the column {} (and CAST it in the query)",
                    d.name(),
                    flink_name(d.data_type()),
                    f.object_meta.location,
                    flink_name(held.data_type()),
                    flink_name(held.data_type()),
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::TimeUnit;

    #[test]
    fn widening_reads_and_narrowing_or_another_kind_does_not() {
        use DataType::*;
        assert!(readable(&Int32, &Int64));
        assert!(readable(&Utf8View, &Utf8));
        assert!(readable(&Float32, &Float64));
        assert!(readable(&Decimal128(10, 2), &Decimal128(15, 2)));
        assert!(readable(&Int32, &Decimal128(12, 2)));
        assert!(readable(
            &Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            &Timestamp(TimeUnit::Millisecond, None)
        ));
        assert!(!readable(&Int64, &Int32));
        assert!(!readable(&Utf8, &Int32));
        assert!(!readable(&Int32, &Utf8));
        assert!(!readable(&Float64, &Int64));
        assert!(!readable(&Decimal128(15, 2), &Decimal128(10, 2)));
        assert!(!readable(&Int64, &Decimal128(12, 2)));
        assert!(!readable(&Date32, &Timestamp(TimeUnit::Millisecond, None)));
    }
}
