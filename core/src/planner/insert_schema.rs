//! Fitting a query's output to an INSERT target: column list, static partitions, and the
//! implicit casts Flink allows (numeric widening, string kinds, timestamps, TIME(p)); anything else is
//! a mismatch naming the column and both types.

use arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::Column;
use datafusion::logical_expr::{Expr, LogicalPlan, LogicalPlanBuilder, cast, lit};
use datafusion::scalar::ScalarValue;

/// Can a value of `from` be written into a column of `to` without an explicit CAST?
pub fn implicitly_castable(from: &DataType, to: &DataType) -> bool {
    use DataType::*;
    if from == to || *from == Null {
        return true;
    }
    let numeric = |t: &DataType| t.is_numeric();
    let stringy = |t: &DataType| matches!(t, Utf8 | LargeUtf8 | Utf8View);
    let temporal = |t: &DataType| matches!(t, Date32 | Date64 | Timestamp(_, _));
    let time = |t: &DataType| matches!(t, Time32(_) | Time64(_));
    // collections: element by element (Flink casts ARRAY / MAP values on INSERT)
    match (from, to) {
        (List(a) | LargeList(a) | FixedSizeList(a, _), List(b) | LargeList(b)) => {
            return implicitly_castable(a.data_type(), b.data_type());
        }
        (Map(a, _), Map(b, _)) => {
            return match (a.data_type(), b.data_type()) {
                (Struct(x), Struct(y)) if x.len() == 2 && y.len() == 2 => {
                    implicitly_castable(x[0].data_type(), y[0].data_type())
                        && implicitly_castable(x[1].data_type(), y[1].data_type())
                }
                _ => false,
            };
        }
        // Flink casts a ROW by position; Arrow's cast does when the names match in order
        // or none match (else it would pair fields by name)
        (Struct(x), Struct(y)) => {
            let in_order = x.iter().zip(y.iter()).all(|(a, b)| a.name() == b.name());
            let none = !y.iter().any(|b| x.iter().any(|a| a.name() == b.name()));
            return x.len() == y.len()
                && (in_order || none)
                && x.iter()
                    .zip(y.iter())
                    .all(|(a, b)| implicitly_castable(a.data_type(), b.data_type()));
        }
        _ => {}
    }
    (numeric(from) && numeric(to) && numeric_rank(from) <= numeric_rank(to))
        || (stringy(from) && stringy(to))
        || (temporal(from) && temporal(to))
        || (time(from) && time(to))
        || (matches!(from, Binary | LargeBinary | BinaryView)
            && matches!(to, Binary | LargeBinary | BinaryView))
}

/// `e` (of type `from`) as a value of `to`: a cast, except that a ROW whose field names
/// differ is rebuilt field by field in order (Flink's positional ROW cast; DataFusion
/// casts structs by name), staying NULL where it was NULL.
fn fit_value(e: Expr, from: &DataType, to: &DataType) -> datafusion::error::Result<Expr> {
    use datafusion::functions::core::expr_fn::{get_field, named_struct};
    use datafusion::logical_expr::when;
    match (from, to) {
        _ if from == to => Ok(e),
        (DataType::Struct(x), DataType::Struct(y))
            if x.iter().zip(y.iter()).any(|(a, b)| a.name() != b.name()) =>
        {
            let mut args = Vec::with_capacity(y.len() * 2);
            for (a, b) in x.iter().zip(y.iter()) {
                args.push(lit(b.name().clone()));
                args.push(fit_value(
                    get_field(e.clone(), a.name().clone()),
                    a.data_type(),
                    b.data_type(),
                )?);
            }
            when(e.is_null(), lit(ScalarValue::try_from(to)?)).otherwise(named_struct(args))
        }
        _ => Ok(cast(e, to.clone())),
    }
}

/// Flink's implicit numeric casts only widen: TINYINT < SMALLINT < INT < BIGINT < DECIMAL
/// (any precision) < FLOAT < DOUBLE. An INSERT of a BIGINT into an INT column needs a CAST.
fn numeric_rank(t: &DataType) -> u8 {
    use DataType::*;
    match t {
        Int8 | UInt8 => 1,
        Int16 | UInt16 => 2,
        Int32 | UInt32 => 3,
        Int64 | UInt64 => 4,
        Decimal32(_, _) | Decimal64(_, _) | Decimal128(_, _) | Decimal256(_, _) => 5,
        Float16 | Float32 => 6,
        _ => 7,
    }
}

/// Project `query` onto `target` (the table's full schema), or explain the mismatch.
pub fn fit_to_table(
    query: LogicalPlan,
    table: &str,
    target: &SchemaRef,
    columns: &[String],
    static_partitions: &[(String, String)],
) -> Result<LogicalPlan, String> {
    for (k, _) in static_partitions {
        if target.field_with_name(k).is_err() {
            return Err(format!(
                "PARTITION column '{k}' is not a column of table `{table}`"
            ));
        }
    }
    for c in columns {
        if target.field_with_name(c).is_err() {
            return Err(format!("column '{c}' is not a column of table `{table}`"));
        }
    }
    // Target columns the query provides, in the order the query provides them.
    let provided: Vec<String> = if columns.is_empty() {
        target
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|n| !static_partitions.iter().any(|(k, _)| k == n))
            .collect()
    } else {
        columns.to_vec()
    };
    let qschema = query.schema().clone();
    if qschema.fields().len() != provided.len() {
        return Err(format!(
            "INSERT INTO `{table}`: the query returns {} column(s) but the target expects {} ({})",
            qschema.fields().len(),
            provided.len(),
            provided.join(", ")
        ));
    }
    let mut exprs = Vec::with_capacity(target.fields().len());
    for field in target.fields() {
        let name = field.name();
        let to = field.data_type();
        let expr = if let Some((_, v)) = static_partitions.iter().find(|(k, _)| k == name) {
            cast(lit(v.clone()), to.clone())
        } else if let Some(i) = provided.iter().position(|p| p == name) {
            let (q, f) = qschema.qualified_field(i);
            let from = f.data_type();
            if !implicitly_castable(from, to) {
                return Err(format!(
                    "INSERT INTO `{table}`: column '{name}' has type {} but the query gives {} (query column {} '{}'), which Flink does not cast implicitly; add a CAST",
                    weft_flink_sql::types::flink_name(to),
                    weft_flink_sql::types::flink_name(from),
                    i + 1,
                    f.name()
                ));
            }
            let c = Expr::Column(Column::new(q.cloned(), f.name()));
            fit_value(c, from, to).map_err(|e| e.to_string())?
        } else if field.is_nullable() {
            lit(ScalarValue::try_from(to).map_err(|e| e.to_string())?)
        } else {
            return Err(format!(
                "INSERT INTO `{table}`: column '{name}' is NOT NULL but the column list does not provide it"
            ));
        };
        exprs.push(expr.alias(name));
    }
    LogicalPlanBuilder::from(query)
        .project(exprs)
        .and_then(|b| b.build())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implicit_casts() {
        assert!(implicitly_castable(&DataType::Int32, &DataType::Int64));
        assert!(implicitly_castable(
            &DataType::Int64,
            &DataType::Decimal128(15, 2)
        ));
        // Flink's implicit casts only widen
        assert!(!implicitly_castable(&DataType::Int64, &DataType::Int32));
        assert!(!implicitly_castable(
            &DataType::Float64,
            &DataType::Decimal128(15, 2)
        ));
        assert!(implicitly_castable(
            &DataType::Decimal128(38, 2),
            &DataType::Decimal128(10, 2)
        ));
        assert!(implicitly_castable(&DataType::Float32, &DataType::Float64));
        assert!(implicitly_castable(&DataType::Utf8View, &DataType::Utf8));
        assert!(!implicitly_castable(&DataType::Utf8, &DataType::Int64));
        assert!(!implicitly_castable(&DataType::Date32, &DataType::Int32));
        let list = |t: DataType| {
            DataType::List(std::sync::Arc::new(arrow::datatypes::Field::new(
                "item", t, true,
            )))
        };
        assert!(implicitly_castable(
            &list(DataType::Int32),
            &list(DataType::Float64)
        ));
        assert!(!implicitly_castable(
            &list(DataType::Utf8),
            &list(DataType::Int32)
        ));
    }
}
