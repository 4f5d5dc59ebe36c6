//! `UNNEST(m) AS u(k, v)` over a MAP, and `UNNEST(a) AS u(x, y, …)` over an ARRAY of ROWs:
//! Flink gives one column per key / value or row field. `crate::rewrite` makes such an
//! UNNEST (one argument, several column names) `UNNEST(flink_unnest_part(m, 0),
//! flink_unnest_part(m, 1), …)`: part i is the array of the keys (0) or values (1) of a map,
//! or of field i of an array of rows, and DataFusion's UNNEST of arrays of the same length
//! lines them up.

use std::sync::Arc;

use arrow::array::{Array, AsArray, ListArray};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

use crate::types::flink_name;

pub const NAME: &str = "flink_unnest_part";

pub fn functions() -> Vec<ScalarUDF> {
    vec![ScalarUDF::new_from_impl(UnnestPart {
        signature: Signature::any(2, Volatility::Immutable),
    })]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct UnnestPart {
    signature: Signature,
}

/// The element type of part `i` of a MAP or an ARRAY of ROWs.
fn part_type(t: &DataType, i: usize) -> Option<DataType> {
    match t {
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if i < 2 => Some(kv[i].data_type().clone()),
            _ => None,
        },
        DataType::List(item) => match item.data_type() {
            DataType::Struct(fields) if i < fields.len() => Some(fields[i].data_type().clone()),
            _ => None,
        },
        _ => None,
    }
}

impl ScalarUDFImpl for UnnestPart {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        plan_err!("{NAME}'s type depends on its index literal")
    }
    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let i = match args.scalar_arguments.get(1).copied().flatten() {
            Some(ScalarValue::Int64(Some(i))) if *i >= 0 => *i as usize,
            _ => return plan_err!("{NAME} takes a literal index"),
        };
        let t = args.arg_fields[0].data_type();
        let Some(element) = part_type(t, i) else {
            return plan_err!(
                "UNNEST with {} column names needs a MAP or an ARRAY of ROWs with that many fields, not {}",
                i + 1,
                flink_name(t)
            );
        };
        Ok(Arc::new(Field::new(
            NAME,
            DataType::List(Arc::new(Field::new_list_field(element, true))),
            true,
        )))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let scalar = matches!(args.args[0], ColumnarValue::Scalar(_));
        let n = if scalar { 1 } else { args.number_rows };
        let a = args.args[0].to_array(n)?;
        let ColumnarValue::Scalar(ScalarValue::Int64(Some(i))) = &args.args[1] else {
            return exec_err!("{NAME} takes a literal index");
        };
        let i = *i as usize;
        let DataType::List(item) = args.return_field.data_type() else {
            return exec_err!("{NAME} returns a list");
        };
        let out = match a.data_type() {
            DataType::Map(_, _) => {
                let m = a.as_map();
                let values = if i == 0 {
                    m.keys().clone()
                } else {
                    m.values().clone()
                };
                ListArray::try_new(
                    item.clone(),
                    m.offsets().clone(),
                    values,
                    m.nulls().cloned(),
                )?
            }
            DataType::List(_) => {
                let l = a.as_list::<i32>();
                let fields = l.values().as_struct().column(i).clone();
                ListArray::try_new(
                    item.clone(),
                    l.offsets().clone(),
                    fields,
                    l.nulls().cloned(),
                )?
            }
            other => return exec_err!("{NAME} of {other}"),
        };
        let out: Arc<dyn Array> = Arc::new(out);
        Ok(if scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&out, 0)?)
        } else {
            ColumnarValue::Array(out)
        })
    }
}
