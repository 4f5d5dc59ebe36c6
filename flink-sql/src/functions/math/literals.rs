//! Flink's (Calcite's) types for numeric literals, as casts in the SQL before DataFusion
//! types them: `1` is INT (BIGINT when it does not fit, DECIMAL(p, 0) beyond that), `1.5`
//! is DECIMAL(2, 1) (exact: digits as written), `1e0` is DOUBLE. DataFusion would give
//! BIGINT and DOUBLE.
//!
//! A literal is typed where it is an operand or argument (by its parent expression), in a
//! SELECT list and in VALUES rows — never as a bare ORDER BY / GROUP BY position or LIMIT.

use datafusion::sql::sqlparser::ast::{
    self, CastKind, DataType, ExactNumberInfo, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, SelectItem, SetExpr, UnaryOperator, Value,
};

/// The typed form of a numeric literal (`negative`: under a unary minus), or None when
/// `text` is not one Weft types.
fn typed(text: &str, negative: bool) -> Option<Expr> {
    if text.contains(['e', 'E']) {
        // DOUBLE, as DataFusion types it; Calcite reads the literal as a BigDecimal, so
        // `-0.0e0` is 0.0 (no negative zero)
        if negative && text.parse::<f64>().is_ok_and(|v| v == 0.0) {
            return Some(Expr::value(Value::Number(text.to_string(), false)));
        }
        return None;
    }
    let signed = if negative {
        format!("-{text}")
    } else {
        text.to_string()
    };
    let (data_type, inner) = if let Some(dot) = text.find('.') {
        // Calcite: precision = all digits written (without leading zeros of the integer
        // part), scale = digits after the point.
        let int_part = text[..dot].trim_start_matches('0');
        let frac = &text[dot + 1..];
        let scale = frac.len() as u64;
        let precision = (int_part.len() as u64 + scale).max(1);
        if precision > MAX_LITERAL_DIGITS {
            return Some(out_of_range(&signed));
        }
        (
            DataType::Decimal(ExactNumberInfo::PrecisionAndScale(precision, scale as i64)),
            Expr::value(Value::SingleQuotedString(signed)),
        )
    } else if let Ok(v) = signed.parse::<i64>() {
        let t = if i32::try_from(v).is_ok() {
            DataType::Int(None)
        } else {
            DataType::BigInt(None)
        };
        (t, number(&signed))
    } else {
        // an integer literal beyond BIGINT
        return Some(out_of_range(&signed));
    };
    Some(Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(inner),
        data_type,
        array: false,
        format: None,
    })
}

/// Flink (Calcite's parser) rejects exact numeric literals of more than 19 digits.
const MAX_LITERAL_DIGITS: u64 = 19;

/// A call that fails planning, naming the literal: Flink's "Numeric literal '…' out of range".
fn out_of_range(signed: &str) -> Expr {
    Expr::Function(ast::Function {
        name: ast::ObjectName::from(vec![ast::Ident::new("numeric_literal_out_of_range")]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(ast::FunctionArgumentList {
            duplicate_treatment: None,
            args: vec![FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::value(
                Value::SingleQuotedString(signed.to_string()),
            )))],
            clauses: vec![],
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: vec![],
    })
}

fn number(signed: &str) -> Expr {
    match signed.strip_prefix('-') {
        Some(u) => Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: Box::new(Expr::value(Value::Number(u.to_string(), false))),
        },
        None => Expr::value(Value::Number(signed.to_string(), false)),
    }
}

fn literal_text(e: &Expr) -> Option<(&str, bool)> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, false) => Some((n.as_str(), false)),
            _ => None,
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            Expr::Value(v) => match &v.value {
                Value::Number(n, false) => Some((n.as_str(), true)),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// Type `e` in place when it is a numeric literal (or a negated one).
pub fn type_literal(e: &mut Expr) {
    if let Some((text, neg)) = literal_text(e)
        && let Some(t) = typed(text, neg)
    {
        *e = t;
    }
}

/// Functions whose literal arguments stay literals, their type being no part of the answer:
/// ROUND's and TRUNCATE's digits (read as a constant for a DECIMAL's result type) and
/// COUNT's argument (`COUNT(1)` would be named as `COUNT(*)` is, a duplicate column).
fn keeps_literal_args(name: &ast::ObjectName) -> bool {
    let name = name.to_string();
    ["round", "truncate", "count"]
        .iter()
        .any(|k| name.eq_ignore_ascii_case(k))
}

/// Type the numeric literals that are direct operands or arguments of `e`.
pub fn type_children(e: &mut Expr) {
    match e {
        Expr::BinaryOp { left, right, .. } => {
            type_literal(left);
            type_literal(right);
        }
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => {
            // `-1` as a whole is typed by its parent; `-(x)` types nothing here
            if !matches!(expr.as_ref(), Expr::Value(_)) {
                type_literal(expr);
            }
        }
        Expr::Nested(inner) => type_literal(inner),
        Expr::Cast { expr, .. } => type_literal(expr),
        Expr::IsDistinctFrom(a, b) | Expr::IsNotDistinctFrom(a, b) => {
            type_literal(a);
            type_literal(b);
        }
        Expr::Between {
            expr, low, high, ..
        } => {
            type_literal(expr);
            type_literal(low);
            type_literal(high);
        }
        Expr::InList { expr, list, .. } => {
            type_literal(expr);
            list.iter_mut().for_each(type_literal);
        }
        Expr::Case {
            operand,
            conditions,
            else_result,
            ..
        } => {
            if let Some(o) = operand {
                type_literal(o);
            }
            for c in conditions {
                type_literal(&mut c.condition);
                type_literal(&mut c.result);
            }
            if let Some(e) = else_result {
                type_literal(e);
            }
        }
        Expr::Function(f) if f.over.is_none() && !keeps_literal_args(&f.name) => {
            if let FunctionArguments::List(list) = &mut f.args {
                for a in &mut list.args {
                    if let FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) = a {
                        type_literal(e);
                    }
                }
            }
        }
        Expr::Ceil { expr, .. } | Expr::Floor { expr, .. } => type_literal(expr),
        Expr::Array(a) => a.elem.iter_mut().for_each(type_literal),
        Expr::Tuple(items) => items.iter_mut().for_each(type_literal),
        _ => {}
    }
}

/// Type the literals that are whole SELECT items or VALUES entries of a query body.
pub fn type_query(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            // GROUP BY expressions are matched against the SELECT list's: their literals are
            // typed as operands and arguments by the family rewrites, which visit them as
            // every expression (positions `GROUP BY 1` stay positions). Running a rewrite on
            // them again typed them twice (`CAST(CAST(4 AS INT) AS INT)`), so `GROUP BY id % 4`
            // no longer matched `SELECT id % 4`.
            for item in &mut select.projection {
                match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        type_literal(e)
                    }
                    _ => {}
                }
            }
        }
        SetExpr::Values(values) => {
            for row in &mut values.rows {
                row.content.iter_mut().for_each(type_literal);
            }
            crate::functions::temporal::widen_time_literals(values);
        }
        SetExpr::SetOperation { left, right, .. } => {
            type_query(left);
            type_query(right);
        }
        SetExpr::Query(q) => type_query(&mut q.body),
        _ => {}
    }
}
