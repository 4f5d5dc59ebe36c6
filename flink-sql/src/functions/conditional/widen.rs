//! Flink's common type of several values (`LogicalTypeMerging.findCommonType`), as COALESCE,
//! IFNULL, GREATEST and LEAST type their results: NULL takes the other type; integers widen
//! to the wider one; a DECIMAL with an exact numeric keeps the most whole digits and the
//! largest scale (`d = max(p1 - s1, p2 - s2)`, `s = max(s1, s2)`, at most 38 digits, whole
//! digits first); an approximate number (FLOAT, DOUBLE) makes the result approximate;
//! strings stay strings; dates and timestamps widen to the finer timestamp. Anything else
//! has a common type only with itself.

use arrow::datatypes::{DataType, TimeUnit};

const MAX_PRECISION: u8 = 38;

/// The common type of `types`, or None when Flink has none (e.g. INT and STRING).
pub fn common_type(types: &[DataType]) -> Option<DataType> {
    types
        .iter()
        .try_fold(DataType::Null, |acc, t| common_of_two(&acc, t))
}

/// An exact numeric as DECIMAL (precision, scale); integers by their digits.
fn as_decimal(t: &DataType) -> Option<(u8, i8)> {
    Some(match t {
        DataType::Int8 => (3, 0),
        DataType::Int16 => (5, 0),
        DataType::Int32 => (10, 0),
        DataType::Int64 => (19, 0),
        DataType::Decimal128(p, s) => (*p, *s),
        _ => return None,
    })
}

fn integer_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::Int8 => 1,
        DataType::Int16 => 2,
        DataType::Int32 => 3,
        DataType::Int64 => 4,
        _ => return None,
    })
}

fn finer(a: &TimeUnit, b: &TimeUnit) -> TimeUnit {
    let rank = |u: &TimeUnit| match u {
        TimeUnit::Second => 0,
        TimeUnit::Millisecond => 1,
        TimeUnit::Microsecond => 2,
        TimeUnit::Nanosecond => 3,
    };
    if rank(a) >= rank(b) { *a } else { *b }
}

fn common_of_two(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    if a == b {
        return Some(a.clone());
    }
    let text = |t: &DataType| matches!(t, Utf8 | Utf8View | LargeUtf8);
    let bytes = |t: &DataType| matches!(t, Binary | BinaryView | LargeBinary | FixedSizeBinary(_));
    Some(match (a, b) {
        (Null, t) | (t, Null) => t.clone(),
        (x, y) if text(x) && text(y) => Utf8,
        (x, y) if bytes(x) && bytes(y) => Binary,
        (Float64, y) | (y, Float64) if y.is_numeric() => Float64,
        (Float32, y) | (y, Float32) if y.is_numeric() => Float32,
        (x, y) if integer_rank(x).is_some() && integer_rank(y).is_some() => {
            if integer_rank(x) >= integer_rank(y) {
                x.clone()
            } else {
                y.clone()
            }
        }
        (x, y) if as_decimal(x).is_some() && as_decimal(y).is_some() => {
            let ((p1, s1), (p2, s2)) = (as_decimal(x)?, as_decimal(y)?);
            let whole = (p1 as i16 - s1 as i16)
                .max(p2 as i16 - s2 as i16)
                .min(MAX_PRECISION as i16);
            let scale = (s1.max(s2) as i16).min(MAX_PRECISION as i16 - whole);
            Decimal128((whole + scale) as u8, scale as i8)
        }
        (Date32, Timestamp(u, tz)) | (Timestamp(u, tz), Date32) => Timestamp(*u, tz.clone()),
        (Timestamp(u1, z1), Timestamp(u2, z2)) if z1.is_some() == z2.is_some() => {
            Timestamp(finer(u1, u2), z1.clone())
        }
        (Time32(u1) | Time64(u1), Time32(u2) | Time64(u2)) => match finer(u1, u2) {
            u @ (TimeUnit::Second | TimeUnit::Millisecond) => Time32(u),
            u => Time64(u),
        },
        _ => return None,
    })
}
