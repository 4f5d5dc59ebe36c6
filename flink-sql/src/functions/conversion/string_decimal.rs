//! `TRY_CAST(s AS DECIMAL(p, s))` as Flink parses it (`BinaryStringDataUtil.toDecimal`). For
//! a precision and a text of at most 18 it reads the text itself: blanks around, a sign, digits
//! with at most one point, an exponent, rounding HALF_UP to the scale, and NULL when the
//! digits before rounding are more than the precision allows. That reader stops at the
//! first other character without checking it, so one stray last character is ignored
//! (`'x'` is 0, `'1x'` is 1) — Flink's answer, kept. Longer precisions or texts go through
//! Java's BigDecimal, strictly.

use std::sync::Arc;

use arrow::array::{ArrayRef, Decimal128Builder};
use arrow::datatypes::DataType;
use datafusion::common::exec_err;
use datafusion::error::Result;
use datafusion::logical_expr::ColumnarValue;

use crate::functions::args::{arrays, eval_rows, result, utf8};

pub const TRY_PARSE_DECIMAL: &str = "flink_try_cast_string_to_decimal";

/// The unscaled DECIMAL(precision, scale) Flink's TRY_CAST gives for `text`, None for NULL.
pub fn try_decimal(text: &str, precision: u8, scale: i8) -> Option<i128> {
    if precision > 18 || text.len() > 18 {
        let v = super::parse_decimal(text.trim_matches([' ', '\n', '\t']), scale)?;
        return (v.unsigned_abs() < 10u128.pow(precision as u32)).then_some(v);
    }
    let b = text.as_bytes();
    let blank = |c: u8| c == b' ' || c == b'\n' || c == b'\t';
    let mut i = 0;
    while i < b.len() && blank(b[i]) {
        i += 1;
    }
    if i == b.len() {
        return None;
    }
    let mut c = b[i];
    let negative = c == b'-';
    if negative || c == b'+' {
        i += 1;
        if i == b.len() {
            return None;
        }
    }
    let (mut significand, mut len, mut point) = (0i64, 0i32, -1i32);
    while i < b.len() {
        c = b[i];
        i += 1;
        if c.is_ascii_digit() {
            significand = significand * 10 + (c - b'0') as i64;
            len += 1;
        } else if c == b'.' {
            if point >= 0 {
                return None;
            }
            point = len;
        } else {
            break;
        }
    }
    if point < 0 {
        point = len;
    }
    if negative {
        significand = -significand;
    }
    let mut exp = 0i32;
    if (c == b'e' || c == b'E') && i < b.len() {
        c = b[i];
        let exp_negative = c == b'-';
        if exp_negative || c == b'+' {
            i += 1;
            if i == b.len() {
                return None;
            }
        }
        let mut digits = 0i32;
        while i < b.len() {
            c = b[i];
            i += 1;
            if c.is_ascii_digit() {
                if digits < 40 {
                    digits = digits * 10 + (c - b'0') as i32;
                }
            } else {
                break;
            }
        }
        exp = if exp_negative { -digits } else { digits };
    }
    exp -= len - point;
    while i < b.len() {
        c = b[i];
        i += 1;
        if !blank(c) {
            return None;
        }
    }
    let change = exp + scale as i32;
    if len + change > precision as i32 {
        return None;
    }
    let pow = |n: i32| 10i64.checked_pow(n as u32);
    let v = if change >= 0 {
        significand.checked_mul(pow(change)?)?
    } else {
        let k: i64 = if negative { -5 } else { 5 };
        let d = pow(-change)?;
        (significand + k * pow(-change - 1)?) / d
    };
    Some(v as i128)
}

pub fn eval(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let DataType::Decimal128(p, sc) = ret else {
        return exec_err!("TRY_CAST to DECIMAL: bad target {ret}");
    };
    let n = eval_rows(args, rows);
    let a = arrays(&args[..1], n)?;
    let s = utf8(&a[0])?;
    let mut out = Decimal128Builder::with_capacity(n);
    for v in s.iter() {
        out.append_option(v.and_then(|v| try_decimal(v, *p, *sc)));
    }
    let arr: ArrayRef = Arc::new(out.finish().with_precision_and_scale(*p, *sc)?);
    result(&args[..1], arr)
}

#[cfg(test)]
mod tests {
    use super::try_decimal;

    #[test]
    fn flinks_answers() {
        // recorded from Flink 2.3: TRY_CAST(s AS DECIMAL(5, 2))
        let cases: &[(&str, Option<i128>)] = &[
            ("x", Some(0)),
            ("", None),
            ("1.2.3", None),
            ("abc1", None),
            ("1abc", None),
            (" 1.5 ", Some(150)),
            ("1e2", Some(10000)),
            ("-", None),
            ("12.345", Some(1235)),
            ("999.995", Some(100000)),
            ("-0.5", Some(-50)),
            ("+3", Some(300)),
            (".5", Some(50)),
            ("5.", Some(500)),
            ("12345", None),
        ];
        for (s, want) in cases {
            assert_eq!(try_decimal(s, 5, 2), *want, "{s:?}");
        }
        assert_eq!(try_decimal("x", 10, 0), Some(0));
        assert_eq!(
            try_decimal("123456789012345678901.5", 38, 1),
            Some(1234567890123456789015)
        );
        assert_eq!(try_decimal("1x3456789012345678901", 38, 1), None);
    }
}
