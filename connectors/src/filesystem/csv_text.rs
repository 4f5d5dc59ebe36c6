//! CSV tables with a column type Flink's native reader (`csv_read`) has no reader for
//! (TIME, BYTES, ARRAY, …): DataFusion's CSV reader splits the rows, and the fields are
//! mapped the way Flink's CSV format reads them.
//!
//! DataFusion's CSV reader reads an empty field as NULL, ignores a null regex, and parses
//! values with Arrow's rules. Flink reads an empty field as `''` for a STRING, FALSE for a
//! BOOLEAN, and fails the job for the other types; `csv.null-literal` names the text that is
//! NULL; values are read with Java's parsers. So the data columns Flink's readers cover
//! ([`csv_field::supported`]) are read as text and mapped through them: a NULL from Arrow
//! is an empty field (rows with too few fields fail), read as `''` unless
//! `csv.null-literal` is `''`; a field Flink cannot read fails the job, naming the value
//! and the column. The other columns are read as text and CAST.
//!
//! Known gaps of this path (the native reader has none of them): a blank line is skipped
//! (Flink fails on it), and errors do not name the file's line.

use std::sync::Arc;

use arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{
    BinaryExpr, CaseExpr, Column, IsNullExpr, Literal, cast,
};
use datafusion::physical_expr::{PhysicalExpr, ScalarFunctionExpr};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::projection::ProjectionExec;
use weft_flink_sql::functions::conversion::csv_field;

#[derive(Debug, Clone)]
pub struct CsvText {
    pub null_literal: Option<String>,
}

impl CsvText {
    fn null_literal(&self) -> Option<&str> {
        self.null_literal.as_deref()
    }

    /// Whether a data column of this type is read as text (else it is read by Arrow as its
    /// declared type, or as text and CAST with a null literal).
    pub fn reads_as_text(&self, t: &DataType) -> bool {
        csv_field::supported(t) || self.null_literal.is_some()
    }
}

/// What the table's scan maps: the declared schema, which columns are partition columns.
pub struct Columns<'a> {
    pub table: &'a str,
    pub schema: &'a SchemaRef,
    pub partition_keys: &'a [String],
}

impl Columns<'_> {
    fn is_partition(&self, i: usize) -> bool {
        self.partition_keys.contains(self.schema.field(i).name())
    }
}

fn utf8(v: Option<&str>) -> Arc<dyn PhysicalExpr> {
    Arc::new(Literal::new(ScalarValue::Utf8(v.map(str::to_string))))
}

fn udf(
    name: &str,
    args: Vec<Arc<dyn PhysicalExpr>>,
    schema: &arrow::datatypes::Schema,
) -> DfResult<Arc<dyn PhysicalExpr>> {
    let f = weft_flink_sql::functions::scalar_udf(name).expect("the CSV readers are registered");
    Ok(Arc::new(ScalarFunctionExpr::try_new(
        f,
        args,
        schema,
        Arc::new(ConfigOptions::default()),
    )?))
}

/// `CASE WHEN e IS NULL THEN '' ELSE e END` (an empty field read by Arrow).
fn empty_for_null(e: Arc<dyn PhysicalExpr>) -> DfResult<Arc<dyn PhysicalExpr>> {
    Ok(Arc::new(CaseExpr::try_new(
        None,
        vec![(Arc::new(IsNullExpr::new(e.clone())), utf8(Some("")))],
        Some(e),
    )?))
}

/// `CASE WHEN e = literal THEN NULL ELSE e END`.
fn null_for_literal(e: Arc<dyn PhysicalExpr>, literal: &str) -> DfResult<Arc<dyn PhysicalExpr>> {
    let is_literal = Arc::new(BinaryExpr::new(
        e.clone(),
        Operator::Eq,
        utf8(Some(literal)),
    ));
    Ok(Arc::new(CaseExpr::try_new(
        None,
        vec![(is_literal, utf8(None))],
        Some(e),
    )?))
}

/// The scan of a [`CsvText`] table mapped to the declared types: `columns` are the
/// table's column indices in the order `input` holds them.
pub fn map_fields(
    text: &CsvText,
    cols: &Columns,
    columns: &[usize],
    input: Arc<dyn ExecutionPlan>,
) -> DfResult<Arc<dyn ExecutionPlan>> {
    let input_schema = input.schema();
    let literal = text.null_literal();
    let mut exprs: Vec<(Arc<dyn PhysicalExpr>, String)> = Vec::with_capacity(columns.len());
    for (pos, &i) in columns.iter().enumerate() {
        let field = cols.schema.field(i);
        let c: Arc<dyn PhysicalExpr> = Arc::new(Column::new(field.name(), pos));
        if cols.is_partition(i) || !text.reads_as_text(field.data_type()) {
            exprs.push((c, field.name().clone()));
            continue;
        }
        let typed = if csv_field::supported(field.data_type()) {
            let mut e = c;
            // An empty field (NULL from Arrow) is '' unless '' is the null literal: done by
            // the reader itself (no CASE copying the column) when no other literal applies.
            let mut empty_is_text = literal != Some("");
            if let Some(l) = literal.filter(|l| !l.is_empty()) {
                e = null_for_literal(empty_for_null(e)?, l)?;
                empty_is_text = false;
            }
            let column = format!("column `{}` of table `{}`", field.name(), cols.table);
            udf(
                csv_field::NAME,
                vec![
                    e,
                    Arc::new(Literal::new(ScalarValue::try_from(field.data_type())?)),
                    utf8(Some(&column)),
                    Arc::new(Literal::new(ScalarValue::Boolean(Some(empty_is_text)))),
                ],
                &input_schema,
            )?
        } else {
            // a type Flink's readers here do not cover: the null literal, then Arrow's CAST
            let e = match literal {
                Some(l) => null_for_literal(c, l)?,
                None => c,
            };
            cast(e, &input_schema, field.data_type().clone())?
        };
        exprs.push((typed, field.name().clone()));
    }
    Ok(Arc::new(ProjectionExec::try_new(exprs, input)?))
}
