//! CSV fields read the way Flink's CSV format reads them.
//!
//! DataFusion's CSV reader reads an empty field as NULL, ignores a null regex, and parses
//! values with Arrow's rules. Flink reads an empty field as `''` for a STRING, FALSE for a
//! BOOLEAN, and fails the job for the other types; `csv.null-literal` names the text that is
//! NULL; values are read with Java's parsers. So the data columns Flink's readers cover
//! ([`csv_field::supported`]) are read as text and mapped through them:
//! - [`CsvText::Fields`] (the default): Arrow splits the fields; a NULL from it is an empty
//!   field (rows with too few fields fail), read as `''` unless `csv.null-literal` is `''`;
//!   a field Flink cannot read fails the job, naming the value and the column.
//! - [`CsvText::Lines`] (`csv.ignore-parse-errors`): each line is read whole and split by
//!   [`csv_line`], which tells an empty field from a missing one (NULL); a row with more
//!   fields than the table is skipped; a field that cannot be read is NULL.

use std::sync::Arc;

use arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Operator;
use datafusion::physical_expr::expressions::{
    BinaryExpr, CaseExpr, Column, IsNotNullExpr, IsNullExpr, Literal, cast,
};
use datafusion::physical_expr::{PhysicalExpr, ScalarFunctionExpr};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::filter::FilterExec;
use datafusion::physical_plan::projection::ProjectionExec;
use weft_flink_sql::functions::conversion::{csv_field, csv_line};

/// The one text column a [`CsvText::Lines`] table's files are read as.
pub const LINE_COLUMN: &str = "__weft_csv_line";

/// Field separator and quote the line reader is given: bytes that do not occur in text, so
/// Arrow hands over each line whole.
pub const LINE_DELIMITER: u8 = 0x1f;
pub const LINE_QUOTE: u8 = 0x1e;

#[derive(Debug, Clone)]
pub enum CsvText {
    /// Fields split by Arrow, read as text.
    Fields { null_literal: Option<String> },
    /// Lines read whole (`csv.ignore-parse-errors`).
    Lines {
        null_literal: Option<String>,
        delimiter: u8,
        quote: u8,
    },
}

impl CsvText {
    fn null_literal(&self) -> Option<&str> {
        match self {
            CsvText::Fields { null_literal } | CsvText::Lines { null_literal, .. } => {
                null_literal.as_deref()
            }
        }
    }

    /// Whether a data column of this type is read as text (else it is read by Arrow as its
    /// declared type, or as text and CAST with a null literal).
    pub fn reads_as_text(&self, t: &DataType) -> bool {
        match self {
            CsvText::Lines { .. } => true,
            CsvText::Fields { null_literal } => csv_field::supported(t) || null_literal.is_some(),
        }
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

    /// Position of column `i` among the data columns (the CSV fields).
    fn data_index(&self, i: usize) -> usize {
        (0..i).filter(|&k| !self.is_partition(k)).count()
    }

    fn data_count(&self) -> usize {
        (0..self.schema.fields().len())
            .filter(|&k| !self.is_partition(k))
            .count()
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

/// The scan of a [`CsvText::Fields`] table mapped to the declared types: `columns` are the
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

/// The scan of a [`CsvText::Lines`] table mapped to the declared types. `input` holds the
/// line first, then the partition columns of `columns` in their order.
pub fn map_lines(
    text: &CsvText,
    cols: &Columns,
    columns: &[usize],
    input: Arc<dyn ExecutionPlan>,
) -> DfResult<Arc<dyn ExecutionPlan>> {
    let CsvText::Lines {
        delimiter, quote, ..
    } = text
    else {
        unreachable!("map_lines reads lines");
    };
    let input_schema = input.schema();
    let split_type = csv_line::struct_type(cols.data_count());
    let split = udf(
        csv_line::NAME,
        vec![
            Arc::new(Column::new(LINE_COLUMN, 0)),
            utf8(Some(&(*delimiter as char).to_string())),
            utf8(Some(&(*quote as char).to_string())),
            Arc::new(Literal::new(ScalarValue::try_from(&split_type)?)),
        ],
        &input_schema,
    )?;
    // the line split, and the partition columns as they are
    let mut first: Vec<(Arc<dyn PhysicalExpr>, String)> = vec![(split, "__weft_fields".into())];
    let partitions: Vec<usize> = columns
        .iter()
        .copied()
        .filter(|&i| cols.is_partition(i))
        .collect();
    for (k, &i) in partitions.iter().enumerate() {
        let name = cols.schema.field(i).name();
        first.push((Arc::new(Column::new(name, k + 1)), name.clone()));
    }
    let split_plan: Arc<dyn ExecutionPlan> = Arc::new(ProjectionExec::try_new(first, input)?);
    // a row with more fields than the table is skipped
    let kept: Arc<dyn ExecutionPlan> = Arc::new(FilterExec::try_new(
        Arc::new(IsNotNullExpr::new(Arc::new(Column::new(
            "__weft_fields",
            0,
        )))),
        split_plan,
    )?);
    let kept_schema = kept.schema();
    let get_field = datafusion::functions::core::get_field();
    let mut exprs: Vec<(Arc<dyn PhysicalExpr>, String)> = Vec::with_capacity(columns.len());
    for &i in columns {
        let field = cols.schema.field(i);
        if cols.is_partition(i) {
            let k = partitions.iter().position(|&p| p == i).expect("listed") + 1;
            exprs.push((Arc::new(Column::new(field.name(), k)), field.name().clone()));
            continue;
        }
        let mut e: Arc<dyn PhysicalExpr> = Arc::new(ScalarFunctionExpr::try_new(
            get_field.clone(),
            vec![
                Arc::new(Column::new("__weft_fields", 0)),
                utf8(Some(&csv_line::slot(cols.data_index(i)))),
            ],
            &kept_schema,
            Arc::new(ConfigOptions::default()),
        )?);
        if let Some(l) = text.null_literal() {
            e = null_for_literal(e, l)?;
        }
        let typed = udf(
            csv_field::NAME,
            vec![
                e,
                Arc::new(Literal::new(ScalarValue::try_from(field.data_type())?)),
            ],
            &kept_schema,
        )?;
        exprs.push((typed, field.name().clone()));
    }
    Ok(Arc::new(ProjectionExec::try_new(exprs, kept)?))
}
