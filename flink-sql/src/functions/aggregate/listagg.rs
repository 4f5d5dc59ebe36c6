//! Flink's LISTAGG(expr [, separator]): the non-NULL values in input order, joined by the
//! separator (a literal, `,` by default); NULL when there are none. Flink types the result
//! NOT NULL when the argument is, so an empty input then fails as Flink's NOT NULL check does.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, ListArray};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;

use crate::functions::args::{is_string, utf8};

pub fn listagg() -> AggregateUDF {
    AggregateUDF::new_from_impl(ListAgg {
        signature: Signature::user_defined(Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ListAgg {
    signature: Signature,
}

impl AggregateUDFImpl for ListAgg {
    fn name(&self) -> &str {
        "listagg"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        if t.is_empty() || t.len() > 2 {
            return plan_err!("LISTAGG takes a string and an optional separator");
        }
        for a in t {
            if !is_string(a) && *a != DataType::Null {
                return plan_err!("Flink's LISTAGG takes strings, not {a}");
            }
        }
        Ok(vec![DataType::Utf8; t.len()])
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new_list(
            "values",
            Field::new_list_field(DataType::Utf8, true),
            true,
        ))])
    }
    fn accumulator(&self, args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let separator = match args.exprs.get(1) {
            None => ",".to_string(),
            Some(e) => match e.downcast_ref::<Literal>().map(|l| l.value()) {
                Some(
                    ScalarValue::Utf8(Some(s))
                    | ScalarValue::Utf8View(Some(s))
                    | ScalarValue::LargeUtf8(Some(s)),
                ) => s.clone(),
                _ => return plan_err!("LISTAGG's separator must be a string literal"),
            },
        };
        Ok(Box::new(ListAggAcc {
            separator,
            values: Vec::new(),
            seen: args.is_distinct.then(HashSet::new),
            not_null: !args.expr_fields[0].is_nullable(),
        }))
    }
}

#[derive(Debug)]
struct ListAggAcc {
    separator: String,
    values: Vec<String>,
    seen: Option<HashSet<String>>,
    not_null: bool,
}

impl ListAggAcc {
    fn push(&mut self, v: &str) {
        if let Some(seen) = &mut self.seen {
            if !seen.insert(v.to_string()) {
                return;
            }
        }
        self.values.push(v.to_string());
    }
}

impl Accumulator for ListAggAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let a = utf8(&values[0])?;
        for i in 0..a.len() {
            if !a.is_null(i) {
                self.push(a.value(i));
            }
        }
        Ok(())
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.values.is_empty() {
            if self.not_null {
                return Err(DataFusionError::Execution(
                    "LISTAGG's result is NOT NULL (its argument is), however, a null value is being written (Flink: EnforcerException)".into(),
                ));
            }
            return Ok(ScalarValue::Utf8(None));
        }
        Ok(ScalarValue::Utf8(Some(self.values.join(&self.separator))))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.iter().map(|v| v.len() + 24).sum::<usize>() * 2
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let values: Vec<ScalarValue> = self
            .values
            .iter()
            .map(|v| ScalarValue::Utf8(Some(v.clone())))
            .collect();
        Ok(vec![ScalarValue::List(ScalarValue::new_list_nullable(
            &values,
            &DataType::Utf8,
        ))])
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists = states[0]
            .as_any()
            .downcast_ref::<ListArray>()
            .expect("a list state");
        for i in 0..lists.len() {
            if !lists.is_null(i) {
                self.update_batch(&[lists.value(i)])?;
            }
        }
        Ok(())
    }
}
