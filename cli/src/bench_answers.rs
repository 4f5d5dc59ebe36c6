//! Whether Weft's answer to a benchmark query is DataFusion's, so that a fast wrong answer
//! counts as a failure: the same rows in any order, numbers equal to within a cent plus a
//! billionth (Weft computes DECIMALs with Flink's result types, the DataFusion baseline
//! with DataFusion's; TPC-H checks answers to a cent), other values by their text.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type};
use arrow::util::display::array_value_to_string;

#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Num(f64),
    Text(String),
}

impl Cell {
    /// The sort key: numbers to a cent, so that rows within the tolerance sort alike.
    fn key(&self) -> String {
        match self {
            Cell::Null => "\u{0}NULL".into(),
            Cell::Num(v) => format!("{:020.2}", v),
            Cell::Text(t) => t.clone(),
        }
    }

    fn same(&self, other: &Cell) -> bool {
        match (self, other) {
            (Cell::Num(a), Cell::Num(b)) => (a - b).abs() <= 0.01 + 1e-9 * a.abs().max(b.abs()),
            (a, b) => a == b,
        }
    }
}

fn is_number(t: &DataType) -> bool {
    t.is_numeric()
}

fn rows_of(batches: &[RecordBatch]) -> Result<Vec<Vec<Cell>>, String> {
    let mut rows = Vec::new();
    for b in batches {
        let mut columns: Vec<Vec<Cell>> = Vec::with_capacity(b.num_columns());
        for c in b.columns() {
            let cells = if is_number(c.data_type()) {
                let f = cast(c, &DataType::Float64).map_err(|e| e.to_string())?;
                let f = f.as_primitive::<Float64Type>();
                (0..f.len())
                    .map(|i| {
                        if f.is_null(i) {
                            Cell::Null
                        } else {
                            Cell::Num(f.value(i))
                        }
                    })
                    .collect()
            } else {
                (0..c.len())
                    .map(|i| {
                        if c.is_null(i) {
                            Ok(Cell::Null)
                        } else {
                            array_value_to_string(c, i)
                                .map(Cell::Text)
                                .map_err(|e| e.to_string())
                        }
                    })
                    .collect::<Result<_, String>>()?
            };
            columns.push(cells);
        }
        for r in 0..b.num_rows() {
            rows.push(columns.iter().map(|c| c[r].clone()).collect());
        }
    }
    rows.sort_by_cached_key(|r: &Vec<Cell>| r.iter().map(Cell::key).collect::<Vec<_>>());
    Ok(rows)
}

/// Ok when `weft`'s rows are `reference`'s; otherwise the first difference, one sentence.
pub fn compare(weft: &[RecordBatch], reference: &[RecordBatch]) -> Result<(), String> {
    let (w, r) = (rows_of(weft)?, rows_of(reference)?);
    if w.len() != r.len() {
        return Err(format!("{} rows where DataFusion has {}", w.len(), r.len()));
    }
    for (i, (a, b)) in w.iter().zip(&r).enumerate() {
        if a.len() != b.len() {
            return Err(format!(
                "{} columns where DataFusion has {}",
                a.len(),
                b.len()
            ));
        }
        if !a.iter().zip(b).all(|(x, y)| x.same(y)) {
            return Err(format!(
                "sorted row {} is {a:?} where DataFusion has {b:?}",
                i + 1
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Decimal128Array, Float64Array, StringArray};
    use arrow::datatypes::{Field, Schema};
    use std::sync::Arc;

    fn batch(names: &[&str], dec: &[i128], scale: i8) -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Utf8, false),
            Field::new("v", DataType::Decimal128(38, scale), false),
        ]));
        let d = Decimal128Array::from(dec.to_vec())
            .with_precision_and_scale(38, scale)
            .unwrap();
        RecordBatch::try_new(
            schema,
            vec![Arc::new(StringArray::from(names.to_vec())), Arc::new(d)],
        )
        .unwrap()
    }

    #[test]
    fn same_rows_in_another_order_and_scale_are_the_same_answer() {
        // 1.234567 (scale 6) against 1.23 (scale 2): within a cent.
        let w = batch(&["b", "a"], &[2_000_000, 1_234_567], 6);
        let r = batch(&["a", "b"], &[123, 200], 2);
        assert_eq!(compare(&[w], &[r]), Ok(()));
    }

    #[test]
    fn a_different_value_or_row_count_is_named() {
        let w = batch(&["a"], &[150], 2);
        let r = batch(&["a"], &[100], 2);
        assert!(
            compare(&[w.clone()], &[r.clone()])
                .unwrap_err()
                .contains("sorted row 1")
        );
        let two = batch(&["a", "a"], &[100, 100], 2);
        assert!(compare(&[two], &[r]).unwrap_err().contains("2 rows"));
        let schema = Arc::new(Schema::new(vec![Field::new("f", DataType::Float64, true)]));
        let f = |v: Vec<Option<f64>>| {
            RecordBatch::try_new(schema.clone(), vec![Arc::new(Float64Array::from(v))]).unwrap()
        };
        assert!(compare(&[f(vec![None])], &[f(vec![Some(0.0)])]).is_err());
        assert_eq!(
            compare(&[f(vec![Some(1e12 + 1.0)])], &[f(vec![Some(1e12)])]),
            Ok(())
        );
    }
}
