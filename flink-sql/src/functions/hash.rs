//! Hash functions: `MD5`, `SHA1`, `SHA224`, `SHA256`, `SHA384`, `SHA512`, `SHA2` — each
//! returns the digest as lower-case hex text (Flink's CHAR(n)), NULL for a NULL input.

use arrow::array::{Array, ArrayRef, Int32Array, StringBuilder};
use arrow::datatypes::DataType;
use datafusion::common::DFSchema;
use datafusion::common::exec_err;
use datafusion::common::tree_node::Transformed;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, Expr, ScalarUDF, Signature, Volatility};
use datafusion::sql::sqlparser::ast;
use md5::Digest;

use super::args::{arrays, eval_rows, result, strings_to_utf8};
use super::scalar;

pub fn functions() -> Vec<ScalarUDF> {
    fn utf8_or_binary(t: &[DataType]) -> Result<Vec<DataType>> {
        Ok(strings_to_utf8(t)
            .into_iter()
            .map(|t| match t {
                DataType::Binary | DataType::LargeBinary | DataType::BinaryView => DataType::Binary,
                DataType::Utf8 => DataType::Utf8,
                t if t.is_integer() => t,
                _ => DataType::Utf8,
            })
            .collect())
    }
    let one = |name: &'static str, eval: super::udf::EvalFn| {
        scalar(
            name,
            Signature::user_defined(Volatility::Immutable),
            |_| Ok(DataType::Utf8),
            eval,
        )
        .coerced(utf8_or_binary)
        .build()
    };
    vec![
        one("md5", |a, n, _| {
            digest(a, n, |b| hex::encode(md5::Md5::digest(b)))
        }),
        one("sha1", |a, n, _| {
            digest(a, n, |b| hex::encode(sha1::Sha1::digest(b)))
        }),
        one("sha224", |a, n, _| {
            digest(a, n, |b| hex::encode(sha2::Sha224::digest(b)))
        }),
        one("sha256", |a, n, _| {
            digest(a, n, |b| hex::encode(sha2::Sha256::digest(b)))
        }),
        one("sha384", |a, n, _| {
            digest(a, n, |b| hex::encode(sha2::Sha384::digest(b)))
        }),
        one("sha512", |a, n, _| {
            digest(a, n, |b| hex::encode(sha2::Sha512::digest(b)))
        }),
        one("sha2", eval_sha2),
    ]
}

/// The bytes of row `i` of a Utf8 or Binary array.
fn bytes_at(a: &ArrayRef, i: usize) -> &[u8] {
    match a.data_type() {
        DataType::Binary => a
            .as_any()
            .downcast_ref::<arrow::array::BinaryArray>()
            .unwrap()
            .value(i),
        _ => a
            .as_any()
            .downcast_ref::<arrow::array::StringArray>()
            .unwrap()
            .value(i)
            .as_bytes(),
    }
}

fn digest(
    args: &[ColumnarValue],
    rows: usize,
    f: impl Fn(&[u8]) -> String,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let mut out = StringBuilder::with_capacity(n, n * 64);
    for i in 0..n {
        if a[0].is_null(i) {
            out.append_null();
        } else {
            out.append_value(f(bytes_at(&a[0], i)));
        }
    }
    result(args, std::sync::Arc::new(out.finish()))
}

/// SHA2(s, bits): bits 224, 256, 384 or 512; another length fails, as in Flink (0 too).
fn eval_sha2(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    if args.len() != 2 {
        return exec_err!("SHA2 takes 2 arguments (string, bit length)");
    }
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let bits = arrow::compute::cast(&a[1], &DataType::Int32)?;
    let bits = bits.as_any().downcast_ref::<Int32Array>().unwrap();
    let mut out = StringBuilder::with_capacity(n, n * 64);
    for i in 0..n {
        if a[0].is_null(i) || bits.is_null(i) {
            out.append_null();
            continue;
        }
        let b = bytes_at(&a[0], i);
        match bits.value(i) {
            224 => out.append_value(hex::encode(sha2::Sha224::digest(b))),
            256 => out.append_value(hex::encode(sha2::Sha256::digest(b))),
            384 => out.append_value(hex::encode(sha2::Sha384::digest(b))),
            512 => out.append_value(hex::encode(sha2::Sha512::digest(b))),
            // Flink: `RuntimeException: Unsupported algorithm.` (0 too)
            other => {
                return exec_err!(
                    "SHA2: Unsupported algorithm (bit length {other}; Flink takes 224, 256, 384 or 512)"
                );
            }
        }
    }
    result(args, std::sync::Arc::new(out.finish()))
}

/// DataFusion functions of this family used unchanged as Flink's (see `crate::check`).
pub const DATAFUSION_AS_FLINK: &[&str] = &[];

/// Rewrites of this family's SQL syntax before DataFusion plans it (see `crate::rewrite`).
pub fn rewrite_sql(_e: &mut ast::Expr) {}

/// Rewrites of planned expressions after type coercion (see `crate::rewrite::FlinkSemantics`).
pub fn rewrite_expr(e: Expr, _schema: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(Transformed::no(e))
}
