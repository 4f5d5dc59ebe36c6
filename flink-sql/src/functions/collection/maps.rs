//! `MAP_*` functions. Entries keep their order; a NULL map gives NULL.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, ListArray};
use arrow::buffer::NullBuffer;
use arrow::datatypes::{DataType, Field};
use datafusion::common::{exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarUDF, Signature, Volatility};

use super::construct::make_map;
use super::{
    arity, array_arg, as_list, as_map, common_of, comparable, key_value_of, list_of, map_arg,
    map_of, pool, range, type_name,
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
    vec![
        udf(
            "map_keys",
            |t| Ok(list_of(key_value_of(&t[0]).unwrap().0)),
            |a, n, r| part(a, n, r, Part::Keys),
            |t| one_map("MAP_KEYS", t),
        ),
        udf(
            "map_values",
            |t| Ok(list_of(key_value_of(&t[0]).unwrap().1)),
            |a, n, r| part(a, n, r, Part::Values),
            |t| one_map("MAP_VALUES", t),
        ),
        udf(
            "map_entries",
            ret_entries,
            |a, n, r| part(a, n, r, Part::Entries),
            |t| one_map("MAP_ENTRIES", t),
        ),
        udf(
            "map_from_arrays",
            |t| {
                Ok(map_of(
                    super::elem_of(&t[0]).unwrap(),
                    super::elem_of(&t[1]).unwrap(),
                ))
            },
            eval_from_arrays,
            coerce_from_arrays,
        ),
        udf("map_union", |t| Ok(t[0].clone()), eval_union, coerce_union),
    ]
}

fn one_map(name: &str, t: &[DataType]) -> Result<Vec<DataType>> {
    arity(name, t, 1, 1)?;
    let (k, v) = map_arg(name, t, 0)?;
    Ok(vec![map_of(k, v)])
}

fn ret_entries(t: &[DataType]) -> Result<DataType> {
    let DataType::Map(f, _) = &t[0] else {
        unreachable!("coerced to a map")
    };
    Ok(list_of(f.data_type().clone()))
}

enum Part {
    Keys,
    Values,
    Entries,
}

/// MAP_KEYS / MAP_VALUES / MAP_ENTRIES: the map's entries as an array, in the map's order.
fn part(args: &[ColumnarValue], rows: usize, ret: &DataType, part: Part) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let m = as_map(&a[0])?;
    let values: ArrayRef = match part {
        Part::Keys => m.keys().clone(),
        Part::Values => m.values().clone(),
        Part::Entries => Arc::new(m.entries().clone()),
    };
    let DataType::List(field) = ret else {
        unreachable!()
    };
    let values = if values.data_type() == field.data_type() {
        values
    } else {
        arrow::compute::cast(&values, field.data_type())?
    };
    result(
        args,
        Arc::new(ListArray::try_new(
            Arc::new(Field::new_list_field(field.data_type().clone(), true)),
            m.offsets().clone(),
            values,
            m.nulls().cloned(),
        )?),
    )
}

fn coerce_from_arrays(t: &[DataType]) -> Result<Vec<DataType>> {
    arity("MAP_FROM_ARRAYS", t, 2, 2)?;
    let k = array_arg("MAP_FROM_ARRAYS", t, 0)?;
    let v = array_arg("MAP_FROM_ARRAYS", t, 1)?;
    Ok(vec![list_of(k), list_of(v)])
}

/// MAP_FROM_ARRAYS(keys, values): entry i is (keys[i], values[i]); the arrays must have the
/// same length. As in Flink, a key given twice is kept twice.
fn eval_from_arrays(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let (k, v) = (as_list(&a[0])?, as_list(&a[1])?);
    let (mut kidx, mut vidx, mut lens, mut valid) = (vec![], vec![], vec![], vec![]);
    for i in 0..n {
        if k.is_null(i) || v.is_null(i) {
            lens.push(0);
            valid.push(false);
            continue;
        }
        let (rk, rv) = (range(k, i), range(v, i));
        if rk.len() != rv.len() {
            return exec_err!(
                "Invalid function MAP_FROM_ARRAYS call: the key array has {} elements and the value array {}; they must have the same length",
                rk.len(),
                rv.len()
            );
        }
        lens.push(rk.len());
        valid.push(true);
        kidx.extend(rk.map(|j| j as u64));
        vidx.extend(rv.map(|j| j as u64));
    }
    result(
        args,
        make_map(
            ret,
            k.values(),
            v.values(),
            kidx,
            vidx,
            lens,
            Some(NullBuffer::from(valid)),
        )?,
    )
}

fn coerce_union(t: &[DataType]) -> Result<Vec<DataType>> {
    arity("MAP_UNION", t, 1, usize::MAX)?;
    for i in 0..t.len() {
        map_arg("MAP_UNION", t, i)?;
    }
    match common_of(t.iter()) {
        Some(m) => Ok(vec![m; t.len()]),
        None => plan_err!(
            "Could not find a common type for the arguments of MAP_UNION: {}",
            t.iter().map(type_name).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// MAP_UNION(map1, …): folded left to right; each step gives the next map's entries, then
/// the entries of the result so far whose key the next map does not have (an empty map
/// changes nothing). Any NULL map gives NULL.
fn eval_union(args: &[ColumnarValue], rows: usize, ret: &DataType) -> Result<ColumnarValue> {
    let n = eval_rows(args, rows);
    let a = arrays(args, n)?;
    let maps = a.iter().map(as_map).collect::<Result<Vec<_>>>()?;
    let keys: Vec<&ArrayRef> = maps.iter().map(|m| m.keys()).collect();
    let values: Vec<&ArrayRef> = maps.iter().map(|m| m.values()).collect();
    let (kp, starts) = pool(&keys)?;
    let (vp, _) = pool(&values)?;
    let enc = comparable(&[&kp])?.remove(0);
    let (mut idx, mut lens, mut valid) = (Vec::<u64>::new(), vec![], vec![]);
    for i in 0..n {
        if maps.iter().any(|m| m.is_null(i)) {
            lens.push(0);
            valid.push(false);
            continue;
        }
        let starts = &starts;
        let entries = |k: usize| {
            let o = maps[k].value_offsets();
            (o[i] as usize..o[i + 1] as usize)
                .map(move |j| starts[k] + j)
                .collect::<Vec<_>>()
        };
        let mut acc: Vec<usize> = entries(0);
        for k in 1..maps.len() {
            let next: Vec<usize> = entries(k);
            if next.is_empty() {
                continue;
            }
            let has_null_key = next.iter().any(|&j| kp.is_null(j));
            let mut merged = next.clone();
            for &j in &acc {
                if kp.is_null(j) {
                    if !has_null_key {
                        merged.push(j);
                    }
                } else if !next
                    .iter()
                    .any(|&x| !kp.is_null(x) && enc.row(x) == enc.row(j))
                {
                    merged.push(j);
                }
            }
            acc = merged;
        }
        lens.push(acc.len());
        valid.push(true);
        idx.extend(acc.iter().map(|&j| j as u64));
    }
    result(
        args,
        make_map(
            ret,
            &kp,
            &vp,
            idx.clone(),
            idx,
            lens,
            Some(NullBuffer::from(valid)),
        )?,
    )
}
