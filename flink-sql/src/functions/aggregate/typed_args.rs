//! Aggregates over casts of one column (`MIN(CAST(a AS TINYINT)), MIN(CAST(a AS DOUBLE))`)
//! get distinct column names: DataFusion names a cast as its operand, so both would be
//! `min(t.a)` and the Aggregate's schema would hold a duplicate. An aggregate's cast
//! argument is wrapped, in the SQL, in the identity function `flink_typed`, named as the
//! cast with its type; the optimizer's simplification removes the call again (the names
//! stay, as aliases).

use std::sync::{Arc, OnceLock};

use arrow::datatypes::{DataType, FieldRef};
use datafusion::common::HashSet;
use datafusion::error::Result;
use datafusion::logical_expr::simplify::{ExprSimplifyResult, SimplifyContext};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::sql::sqlparser::ast;

pub const TYPED: &str = "flink_typed";

#[derive(Debug, PartialEq, Eq, Hash)]
struct Typed {
    signature: Signature,
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![ScalarUDF::new_from_impl(Typed {
        signature: Signature::any(1, Volatility::Immutable),
    })]
}

impl ScalarUDFImpl for Typed {
    fn name(&self) -> &str {
        TYPED
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    /// The argument's own text, casts included (`CAST(t.a AS Int8)`).
    fn schema_name(&self, args: &[Expr]) -> Result<String> {
        Ok(args
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(","))
    }

    fn return_type(&self, t: &[DataType]) -> Result<DataType> {
        Ok(t[0].clone())
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        Ok(args.arg_fields[0].clone())
    }

    fn simplify(&self, mut args: Vec<Expr>, _info: &SimplifyContext) -> Result<ExprSimplifyResult> {
        Ok(ExprSimplifyResult::Simplified(args.remove(0)))
    }

    fn invoke_with_args(&self, mut args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        Ok(args.args.remove(0))
    }
}

/// The names (and aliases) of every aggregate function, DataFusion's and Weft's.
fn aggregate_names() -> &'static HashSet<String> {
    static NAMES: OnceLock<HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut all: Vec<Arc<datafusion::logical_expr::AggregateUDF>> =
            datafusion::functions_aggregate::all_default_aggregate_functions();
        all.extend(crate::functions::aggregate_udfs().iter().cloned());
        all.iter()
            .flat_map(|f| {
                std::iter::once(f.name().to_ascii_lowercase())
                    .chain(f.aliases().iter().map(|a| a.to_ascii_lowercase()))
            })
            .collect()
    })
}

/// Wrap the cast arguments of an aggregate call in `flink_typed`.
pub fn rewrite_sql(e: &mut ast::Expr) {
    let ast::Expr::Function(f) = e else { return };
    if !aggregate_names().contains(&f.name.to_string().to_ascii_lowercase()) {
        return;
    }
    let ast::FunctionArguments::List(list) = &mut f.args else {
        return;
    };
    for a in &mut list.args {
        let (ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(x))
        | ast::FunctionArg::Named {
            arg: ast::FunctionArgExpr::Expr(x),
            ..
        }) = a
        else {
            continue;
        };
        if matches!(x, ast::Expr::Cast { .. }) {
            let cast = std::mem::replace(x, ast::Expr::value(ast::Value::Null));
            *x = crate::sql_ast::call(TYPED, vec![cast]);
        }
    }
}
