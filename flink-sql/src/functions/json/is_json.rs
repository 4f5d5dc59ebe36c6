//! `s IS [NOT] JSON [VALUE | SCALAR | ARRAY | OBJECT]`: whether s is JSON text of that
//! kind (VALUE: any). NULL is not JSON (FALSE; IS NOT JSON is TRUE). sqlparser cannot parse
//! the predicate: `crate::sql_text` writes it as `s IS [NOT] DISTINCT FROM
//! flink_json_kind('KIND')` (NOT DISTINCT for IS JSON), which [`rewrite_sql`] turns into
//! `[NOT] flink_is_json(s, 'KIND')`.

use arrow::array::BooleanArray;
use arrow::datatypes::DataType;
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};
use datafusion::sql::sqlparser::ast;

use super::value::{self, Json};
use crate::functions::args::{arc, arrays, const_str, eval_rows, result, utf8};
use crate::functions::scalar;

pub const KIND_MARKER: &str = "flink_json_kind";
const IS_JSON: &str = "flink_is_json";

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        scalar(
            IS_JSON,
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Boolean),
            eval,
        )
        .coerced(|t| match t {
            [s, k]
                if crate::functions::args::is_string(k)
                    && (crate::functions::args::is_string(s) || *s == DataType::Null) =>
            {
                Ok(vec![DataType::Utf8, DataType::Utf8])
            }
            _ => plan_err!("IS JSON takes a STRING"),
        })
        .build(),
    ]
}

/// Whether `text` is JSON of `kind` (VALUE, SCALAR, ARRAY or OBJECT).
pub fn is_json(text: &str, kind: &str) -> bool {
    match value::parse(text) {
        Err(_) => false,
        Ok(v) => match kind {
            "SCALAR" => v.is_scalar(),
            "ARRAY" => matches!(v, Json::Arr(_)),
            "OBJECT" => matches!(v, Json::Obj(_)),
            _ => true,
        },
    }
}

fn eval(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let Some(Some(kind)) = const_str(&args[1]) else {
        return exec_err!("IS JSON: the kind must be a constant");
    };
    let n = eval_rows(args, rows);
    let s = utf8(&arrays(&args[..1], n)?[0])?;
    let out: BooleanArray = s
        .iter()
        .map(|v| Some(v.is_some_and(|v| is_json(v, &kind))))
        .collect();
    result(args, arc(out))
}

fn kind_of(e: &ast::Expr) -> Option<ast::Expr> {
    let ast::Expr::Function(f) = e else {
        return None;
    };
    if !f.name.to_string().eq_ignore_ascii_case(KIND_MARKER) {
        return None;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.as_slice() {
        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(k))] => Some(k.clone()),
        _ => None,
    }
}

/// `s IS [NOT] DISTINCT FROM flink_json_kind(k)` as `[NOT] flink_is_json(s, k)`.
pub fn rewrite_sql(e: &mut ast::Expr) {
    let (s, marker, negated) = match e {
        ast::Expr::IsNotDistinctFrom(s, m) => (s, m, false),
        ast::Expr::IsDistinctFrom(s, m) => (s, m, true),
        _ => return,
    };
    let Some(kind) = kind_of(marker) else { return };
    let call = crate::sql_ast::call(IS_JSON, vec![(**s).clone(), kind]);
    *e = if negated {
        ast::Expr::UnaryOp {
            op: ast::UnaryOperator::Not,
            expr: Box::new(ast::Expr::Nested(Box::new(call))),
        }
    } else {
        call
    };
}
