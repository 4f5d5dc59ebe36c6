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
    (numeric(from) && numeric(to))
        || (stringy(from) && stringy(to))
        || (temporal(from) && temporal(to))
        || (time(from) && time(to))
        || (matches!(from, Binary | LargeBinary | BinaryView)
            && matches!(to, Binary | LargeBinary | BinaryView))
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
                    "INSERT INTO `{table}`: column '{name}' has type {to} but the query gives {from} (query column {} '{}'); add a CAST",
                    i + 1,
                    f.name()
                ));
            }
            let c = Expr::Column(Column::new(q.cloned(), f.name()));
            if from == to { c } else { cast(c, to.clone()) }
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
        assert!(implicitly_castable(&DataType::Utf8View, &DataType::Utf8));
        assert!(!implicitly_castable(&DataType::Utf8, &DataType::Int64));
        assert!(!implicitly_castable(&DataType::Date32, &DataType::Int32));
    }
}
