//! Functions of the session: CURRENT_DATABASE(), the database unqualified names resolve in —
//! Flink's `default_database` in the default catalog (DataFusion's `datafusion.public`), else
//! the current catalog's database. A constant of the plan: the optimizer folds it from the
//! planning session's options.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::config::ConfigOptions;
use datafusion::error::Result;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility, lit,
};

#[derive(Debug, PartialEq, Eq, Hash)]
struct CurrentDatabase {
    signature: Signature,
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![ScalarUDF::new_from_impl(CurrentDatabase {
        signature: Signature::exact(vec![], Volatility::Stable),
    })]
}

/// Flink's name of the current database under DataFusion's options.
pub fn current_database(options: &ConfigOptions) -> String {
    let c = &options.catalog;
    if c.default_catalog == "datafusion" && c.default_schema == "public" {
        "default_database".into()
    } else {
        c.default_schema.clone()
    }
}

impl ScalarUDFImpl for CurrentDatabase {
    fn name(&self) -> &str {
        "current_database"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn return_field_from_args(&self, _: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(Arc::new(Field::new(self.name(), DataType::Utf8, false)))
    }
    fn simplify(&self, _args: Vec<Expr>, info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        Ok(ExprSimplifyResult::Simplified(lit(current_database(
            info.config_options(),
        ))))
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(
            current_database(&args.config_options),
        ))))
    }
}
