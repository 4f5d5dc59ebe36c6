//! TYPEOF(x [, force_serializable]): the name of x's type as Flink prints it, with
//! `NOT NULL` when x cannot be NULL (a constant of the plan: Flink folds it at planning).

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};

#[derive(Debug, PartialEq, Eq, Hash)]
struct TypeOf {
    signature: Signature,
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![ScalarUDF::new_from_impl(TypeOf {
        signature: Signature::user_defined(Volatility::Immutable),
    })]
}

/// Flink's name of a value's type: the type, and NOT NULL for a field that has no NULLs.
pub fn type_name(field: &Field) -> String {
    let name = crate::types::flink_name(field.data_type());
    if field.is_nullable() {
        name
    } else {
        format!("{name} NOT NULL")
    }
}

impl ScalarUDFImpl for TypeOf {
    fn name(&self) -> &str {
        "typeof"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        match t {
            [_] => Ok(t.to_vec()),
            [_, DataType::Boolean] => Ok(t.to_vec()),
            [_, other] => plan_err!(
                "TYPEOF's second argument (force serializable) must be a BOOLEAN literal, got {}",
                crate::types::flink_name(other)
            ),
            _ => plan_err!("TYPEOF takes 1 or 2 arguments, got {}", t.len()),
        }
    }

    fn return_type(&self, _t: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn return_field_from_args(&self, _args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new("typeof", DataType::Utf8, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(type_name(
            &args.arg_fields[0],
        )))))
    }
}
