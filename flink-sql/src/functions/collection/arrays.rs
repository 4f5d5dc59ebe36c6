//! `ARRAY_*` functions. Any NULL array argument gives NULL; NULL elements are values that
//! equal each other (`ARRAY_CONTAINS(ARRAY[1, NULL], NULL)` is TRUE).

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, Int32Array, Int64Array, StringArray, StringBuilder, UInt64Array,
};
use arrow::datatypes::DataType;
use datafusion::common::plan_err;
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use super::{
    arity, array_arg, as_list, build_list, casts_implicitly, common_of, comparable, elem_of,
    is_orderable, list_of, pool, range, type_name,
};
use crate::functions::args::{arrays, eval_rows, result};
use crate::functions::scalar;
use crate::functions::udf::{CoerceFn, EvalFn, ReturnFn};

pub fn functions() -> Vec<ScalarUDF> {
    let udf = |name: &'static str, ret: ReturnFn, eval: EvalFn, coerce: CoerceFn| {
        scalar(
            name,
            Signature::user_defined(Volatility::Immutable),
            ret,
            eval,
        )
        .coerced(coerce)
        .build()
    };
    let same: ReturnFn = |t| Ok(t[0].clone());
    let elem: ReturnFn = |t| Ok(elem_of(&t[0]).unwrap_or(DataType::Null));
    vec![
        udf(
            "array_append",
            same,
            |a, n, r| append(a, n, r, false),
            |t| needle("ARRAY_APPEND", t),
        ),
        udf(
            "array_prepend",
            same,
            |a, n, r| append(a, n, r, true),
            |t| needle("ARRAY_PREPEND", t),
        ),
        udf("array_concat", same, eval_concat, |t| {
            arrays_of("ARRAY_CONCAT", t, 1, usize::MAX)
        }),
        udf(
            "array_contains",
            |_| Ok(DataType::Boolean),
            eval_contains,
            |t| needle("ARRAY_CONTAINS", t),
        ),
        udf(
            "array_position",
            |_| Ok(DataType::Int32),
            eval_position,
            |t| needle("ARRAY_POSITION", t),
        ),
        udf("array_remove", same, eval_remove, |t| {
            needle("ARRAY_REMOVE", t)
        }),
        udf("array_distinct", same, eval_distinct, |t| {
            arrays_of("ARRAY_DISTINCT", t, 1, 1)
        }),
        udf(
            "array_except",
            same,
            |a, n, r| set_op(a, n, r, SetOp::Except),
            |t| arrays_of("ARRAY_EXCEPT", t, 2, 2),
        ),
        udf(
            "array_intersect",
            same,
            |a, n, r| set_op(a, n, r, SetOp::Intersect),
            |t| arrays_of("ARRAY_INTERSECT", t, 2, 2),
        ),
        udf(
            "array_union",
            same,
            |a, n, r| set_op(a, n, r, SetOp::Union),
            |t| arrays_of("ARRAY_UNION", t, 2, 2),
        ),
        udf("array_reverse", same, eval_reverse, |t| {
            arrays_of("ARRAY_REVERSE", t, 1, 1)
        }),
        udf("array_slice", same, eval_slice, coerce_slice),
        udf("array_sort", same, eval_sort, coerce_sort),
        udf(
            "array_max",
            elem,
            |a, n, r| extreme(a, n, r, true),
            |t| ordered("ARRAY_MAX", t),
        ),
        udf(
            "array_min",
            elem,
            |a, n, r| extreme(a, n, r, false),
            |t| ordered("ARRAY_MIN", t),
        ),
        udf("array_join", |_| Ok(DataType::Utf8), eval_join, coerce_join),
    ]
}

// ---- coercion ----------------------------------------------------------------------------

/// `f(array, element)`: the element must cast implicitly to the array's element type.
fn needle(name: &str, t: &[DataType]) -> Result<Vec<DataType>> {
    arity(name, t, 2, 2)?;
    let e = array_arg(name, t, 0)?;
    if !casts_implicitly(&t[1], &e) {
        return plan_err!(
            "Invalid input arguments for {name}: the element {} does not cast implicitly to the array's element type {}",
            type_name(&t[1]),
            type_name(&e)
        );
    }
    Ok(vec![list_of(e.clone()), e])
}

/// Arrays of one common element type.
fn arrays_of(name: &str, t: &[DataType], min: usize, max: usize) -> Result<Vec<DataType>> {
    arity(name, t, min, max)?;
    let elems = (0..t.len())
        .map(|i| array_arg(name, t, i))
        .collect::<Result<Vec<_>>>()?;
    match common_of(elems.iter()) {
        Some(e) => Ok(vec![list_of(e); t.len()]),
        None => plan_err!(
            "Could not find a common type for the arguments of {name}: {}",
            t.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn ordered(name: &str, t: &[DataType]) -> Result<Vec<DataType>> {
    arity(name, t, 1, 1)?;
    let e = array_arg(name, t, 0)?;
    if !is_orderable(&e) {
        return plan_err!(
            "{name}: Type '{}' should support both 'EQUALS' and 'ORDER' comparison with itself.",
            type_name(&e)
        );
    }
    Ok(vec![list_of(e)])
}

fn coerce_slice(t: &[DataType]) -> Result<Vec<DataType>> {
    arity("ARRAY_SLICE", t, 2, 3)?;
    let e = array_arg("ARRAY_SLICE", t, 0)?;
    for (i, x) in t.iter().enumerate().skip(1) {
        if !(x.is_integer() || *x == DataType::Null) {
            return plan_err!(
                "Invalid input arguments for ARRAY_SLICE: offset {i} must be an INT, got {}",
                type_name(x)
            );
        }
    }
    let mut out = vec![list_of(e)];
    out.extend(std::iter::repeat_n(DataType::Int64, t.len() - 1));
    Ok(out)
}

fn coerce_sort(t: &[DataType]) -> Result<Vec<DataType>> {
    arity("ARRAY_SORT", t, 1, 3)?;
    let e = array_arg("ARRAY_SORT", t, 0)?;
    if !is_orderable(&e) {
        return plan_err!(
            "Invalid input arguments for ARRAY_SORT: elements of type {} cannot be ordered",
            type_name(&e)
        );
    }
    for x in &t[1..] {
        if !matches!(x, DataType::Boolean | DataType::Null) {
            return plan_err!(
                "Invalid input arguments for ARRAY_SORT: the order flags must be BOOLEAN, got {}",
                type_name(x)
            );
        }
    }
    let mut out = vec![list_of(e)];
    out.extend(std::iter::repeat_n(DataType::Boolean, t.len() - 1));
    Ok(out)
}

fn coerce_join(t: &[DataType]) -> Result<Vec<DataType>> {
    arity("ARRAY_JOIN", t, 2, 3)?;
    let e = array_arg("ARRAY_JOIN", t, 0)?;
    let strings = |x: &DataType| {
        matches!(
            x,
            DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 | DataType::Null
        )
    };
    if !strings(&e) || !t[1..].iter().all(strings) {
        return plan_err!(
            "Invalid input arguments for ARRAY_JOIN: needs an ARRAY of strings and string delimiter / null replacement, got {}",
            t.iter().map(type_name).collect::<Vec<_>>().join(", ")
        );
    }
    let mut out = vec![list_of(DataType::Utf8)];
    out.extend(std::iter::repeat_n(DataType::Utf8, t.len() - 1));
    Ok(out)
}

// ---- evaluation --------------------------------------------------------------------------

fn elem_type(ret: &DataType) -> DataType {
    elem_of(ret).unwrap_or(DataType::Null)
}

fn append(
    args: &[ColumnarValue],
    rows: usize,
    ret: &DataType,
    front: bool,
) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let l = as_list(&a[0])?;
    let (p, starts) = pool(&[l.values(), &a[1]])?;
    let sel: Vec<Option<Vec<usize>>> = (0..n)
        .map(|i| {
            (!l.is_null(i)).then(|| {
                let mut v: Vec<usize> = range(l, i).collect();
                if front {
                    v.insert(0, starts[1] + i)
                } else {
                    v.push(starts[1] + i)
                }
                v
            })
        })
        .collect();
    result(args, build_list(&elem_type(ret), &p, &sel)?)
}

fn eval_concat(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let lists = a.iter().map(as_list).collect::<Result<Vec<_>>>()?;
    let parts: Vec<&ArrayRef> = lists.iter().map(|l| l.values()).collect();
    let (p, starts) = pool(&parts)?;
    let sel: Vec<Option<Vec<usize>>> = (0..n)
        .map(|i| {
            if lists.iter().any(|l| l.is_null(i)) {
                return None;
            }
            let starts = &starts;
            Some(
                lists
                    .iter()
                    .enumerate()
                    .flat_map(|(k, l)| range(l, i).map(move |j| starts[k] + j))
                    .collect(),
            )
        })
        .collect();
    result(args, build_list(&elem_type(ret), &p, &sel)?)
}

/// For each row: `None` for a NULL array, else the value indexes of the array and the
/// encodings of its values and of the needle (pool positions).
fn with_needle<T>(
    args: &[ColumnarValue],
    rows: usize,
    f: impl Fn(&arrow::row::Rows, std::ops::Range<usize>, usize, bool) -> T,
) -> Result<(Vec<Option<T>>, ArrayRef)> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let l = as_list(&a[0])?;
    let (p, starts) = pool(&[l.values(), &a[1]])?;
    let enc = comparable(&[&p])?.remove(0);
    let out = (0..n)
        .map(|i| (!l.is_null(i)).then(|| f(&enc, range(l, i), starts[1] + i, a[1].is_null(i))))
        .collect();
    Ok((out, p))
}

fn eval_contains(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let (out, _) = with_needle(args, rows, |enc, r, at, _| {
        r.into_iter().any(|j| enc.row(j) == enc.row(at))
    })?;
    result(args, Arc::new(BooleanArray::from(out)))
}

fn eval_position(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let (out, _) = with_needle(args, rows, |enc, r, at, null_needle| {
        if null_needle {
            return None;
        }
        let start = r.start;
        Some(
            r.into_iter()
                .find(|&j| enc.row(j) == enc.row(at))
                .map(|j| (j - start + 1) as i32)
                .unwrap_or(0),
        )
    })?;
    result(
        args,
        Arc::new(Int32Array::from(
            out.into_iter().map(Option::flatten).collect::<Vec<_>>(),
        )),
    )
}

fn eval_remove(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let (sel, p) = with_needle(args, rows, |enc, r, at, _| {
        r.into_iter()
            .filter(|&j| enc.row(j) != enc.row(at))
            .collect()
    })?;
    result(args, build_list(&elem_type(ret), &p, &sel)?)
}

fn eval_distinct(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let l = as_list(&a[0])?;
    let enc = comparable(&[l.values()])?.remove(0);
    let sel: Vec<Option<Vec<usize>>> = (0..n)
        .map(|i| {
            (!l.is_null(i)).then(|| {
                let mut seen = HashSet::new();
                range(l, i).filter(|&j| seen.insert(enc.row(j))).collect()
            })
        })
        .collect();
    result(args, build_list(&elem_type(ret), l.values(), &sel)?)
}

#[derive(Clone, Copy)]
enum SetOp {
    Except,
    Intersect,
    Union,
}

/// Set operations without duplicates, in the first array's order (then the second's).
fn set_op(args: &[ColumnarValue], rows: usize, ret: &DataType, op: SetOp) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let (l1, l2) = (as_list(&a[0])?, as_list(&a[1])?);
    let (p, starts) = pool(&[l1.values(), l2.values()])?;
    let enc = comparable(&[&p])?.remove(0);
    let sel: Vec<Option<Vec<usize>>> = (0..n)
        .map(|i| {
            if l1.is_null(i) || l2.is_null(i) {
                return None;
            }
            let second = range(l2, i).map(|j| starts[1] + j);
            let mut emitted = HashSet::new();
            let out = match op {
                SetOp::Union => range(l1, i)
                    .chain(second)
                    .filter(|&j| emitted.insert(enc.row(j)))
                    .collect(),
                SetOp::Except | SetOp::Intersect => {
                    let other: HashSet<_> = second.map(|j| enc.row(j)).collect();
                    let keep_if_in_other = matches!(op, SetOp::Intersect);
                    range(l1, i)
                        .filter(|&j| {
                            other.contains(&enc.row(j)) == keep_if_in_other
                                && emitted.insert(enc.row(j))
                        })
                        .collect()
                }
            };
            Some(out)
        })
        .collect();
    result(args, build_list(&elem_type(ret), &p, &sel)?)
}

fn eval_reverse(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let l = as_list(&a[0])?;
    let sel: Vec<Option<Vec<usize>>> = (0..n)
        .map(|i| (!l.is_null(i)).then(|| range(l, i).rev().collect()))
        .collect();
    result(args, build_list(&elem_type(ret), l.values(), &sel)?)
}

/// ARRAY_SLICE(array, start[, end]): 1-based and inclusive; 0 is the first element, negative
/// offsets count from the end; out of bounds is clamped, an empty range gives `[]`.
fn eval_slice(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let l = as_list(&a[0])?;
    let start = a[1]
        .as_any()
        .downcast_ref::<Int64Array>()
        .expect("coerced to BIGINT");
    let end = a.get(2).map(|e| {
        e.as_any()
            .downcast_ref::<Int64Array>()
            .expect("coerced to BIGINT")
    });
    let sel: Vec<Option<Vec<usize>>> = (0..n)
        .map(|i| {
            if l.is_null(i) || start.is_null(i) || end.is_some_and(|e| e.is_null(i)) {
                return None;
            }
            let r = range(l, i);
            let size = r.len() as i64;
            if size == 0 {
                return Some(vec![]);
            }
            let mut s = start.value(i);
            let mut e = end.map(|e| e.value(i)).unwrap_or(size);
            if s < 0 {
                s += size + 1;
            }
            if e < 0 {
                e += size + 1;
            }
            let s = s.max(1);
            let e = if e == 0 { 1 } else { e.min(size) };
            if e < s {
                return Some(vec![]);
            }
            Some(((r.start as i64 + s - 1) as usize..(r.start as i64 + e) as usize).collect())
        })
        .collect();
    result(args, build_list(&elem_type(ret), l.values(), &sel)?)
}

/// ARRAY_SORT(array[, ascending[, nulls_first]]): ascending with NULLs first by default; with
/// only `ascending` given, NULLs go first when ascending and last when descending.
fn eval_sort(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let l = as_list(&a[0])?;
    let flag = |k: usize| {
        a.get(k).map(|f| {
            f.as_any()
                .downcast_ref::<BooleanArray>()
                .expect("coerced to BOOLEAN")
        })
    };
    let (asc, nulls_first) = (flag(1), flag(2));
    let enc = comparable(&[l.values()])?.remove(0);
    let values = l.values();
    let sel: Vec<Option<Vec<usize>>> = (0..n)
        .map(|i| {
            if l.is_null(i)
                || asc.is_some_and(|f| f.is_null(i))
                || nulls_first.is_some_and(|f| f.is_null(i))
            {
                return None;
            }
            let ascending = asc.is_none_or(|f| f.value(i));
            let first = nulls_first.map(|f| f.value(i)).unwrap_or(ascending);
            let (nulls, mut vals): (Vec<usize>, Vec<usize>) =
                range(l, i).partition(|&j| values.is_null(j));
            vals.sort_by(|&x, &y| {
                if ascending {
                    enc.row(x).cmp(&enc.row(y))
                } else {
                    enc.row(y).cmp(&enc.row(x))
                }
            });
            Some(if first {
                nulls.into_iter().chain(vals).collect()
            } else {
                vals.into_iter().chain(nulls).collect()
            })
        })
        .collect();
    result(args, build_list(&elem_type(ret), values, &sel)?)
}

/// ARRAY_MAX / ARRAY_MIN over the non-NULL elements (NULL when there are none).
fn extreme(args: &[ColumnarValue], rows: usize, _: &DataType, max: bool) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let l = as_list(&a[0])?;
    let values = l.values();
    let enc = comparable(&[values])?.remove(0);
    let pick: Vec<Option<u64>> = (0..n)
        .map(|i| {
            if l.is_null(i) {
                return None;
            }
            let it = range(l, i).filter(|&j| !values.is_null(j));
            let best = if max {
                it.max_by(|&x, &y| enc.row(x).cmp(&enc.row(y)))
            } else {
                it.min_by(|&x, &y| enc.row(x).cmp(&enc.row(y)))
            };
            best.map(|j| j as u64)
        })
        .collect();
    result(
        args,
        arrow::compute::take(values.as_ref(), &UInt64Array::from(pick), None)?,
    )
}

/// ARRAY_JOIN(array, delimiter[, null_replacement]): NULL elements are left out unless a
/// replacement is given; a NULL delimiter or replacement gives NULL.
fn eval_join(args: &[ColumnarValue], rows: usize, _: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let l = as_list(&a[0])?;
    let values = l
        .values()
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("coerced to strings");
    let delim = a[1]
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("coerced to a string");
    let repl = a.get(2).map(|r| {
        r.as_any()
            .downcast_ref::<StringArray>()
            .expect("coerced to a string")
    });
    let mut out = StringBuilder::with_capacity(n, n * 16);
    for i in 0..n {
        if l.is_null(i) || delim.is_null(i) || repl.is_some_and(|r| r.is_null(i)) {
            out.append_null();
            continue;
        }
        let mut s = String::new();
        let mut first = true;
        for j in range(l, i) {
            let v = if values.is_null(j) {
                match repl {
                    Some(r) => r.value(i),
                    None => continue,
                }
            } else {
                values.value(j)
            };
            if !first {
                s.push_str(delim.value(i));
            }
            first = false;
            s.push_str(v);
        }
        out.append_value(s);
    }
    result(args, Arc::new(out.finish()))
}
