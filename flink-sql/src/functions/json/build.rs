//! Flink's JSON nodes for SQL values (JSON_OBJECT, JSON_ARRAY, JSON_STRING): the node
//! Flink's code generation builds for each type, read from Arrow arrays.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type,
};
use base64::Engine;

use super::value::{Json, decimal_from_text};
use crate::cast_text::java_double;

/// Whether Flink turns values of type `t` into JSON (the types its code generation handles).
pub fn supported(t: &DataType) -> bool {
    match t {
        DataType::Null
        | DataType::Utf8
        | DataType::Utf8View
        | DataType::LargeUtf8
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(_, _)
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => true,
        // Not yet: timestamps (ISO text; no recorded case).
        DataType::List(f) | DataType::LargeList(f) => supported(f.data_type()),
        // a ROW is an object of its fields (a ROW(…) constructor's are EXPR$0, EXPR$1, …)
        DataType::Struct(fields) => fields.iter().all(|f| supported(f.data_type())),
        // a MAP with string keys is an object
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(kv) if kv.len() == 2 => {
                matches!(
                    kv[0].data_type(),
                    DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
                ) && supported(kv[1].data_type())
            }
            _ => false,
        },
        _ => false,
    }
}

/// The JSON node for row `i` of `a` (a JSON null for a SQL NULL).
pub fn node(a: &ArrayRef, i: usize) -> Json {
    if a.is_null(i) {
        return Json::Null;
    }
    match a.data_type() {
        DataType::Null => Json::Null,
        DataType::Utf8 => Json::Str(a.as_string::<i32>().value(i).to_string()),
        DataType::LargeUtf8 => Json::Str(a.as_string::<i64>().value(i).to_string()),
        DataType::Utf8View => Json::Str(a.as_string_view().value(i).to_string()),
        DataType::Boolean => Json::Bool(a.as_boolean().value(i)),
        DataType::Int8 => Json::Int(a.as_primitive::<Int8Type>().value(i).to_string()),
        DataType::Int16 => Json::Int(a.as_primitive::<Int16Type>().value(i).to_string()),
        DataType::Int32 => Json::Int(a.as_primitive::<Int32Type>().value(i).to_string()),
        DataType::Int64 => Json::Int(a.as_primitive::<Int64Type>().value(i).to_string()),
        // A DoubleNode is written through `BigDecimal.valueOf(double)`: Java's double text
        // read as a BigDecimal (so 1.0E20 prints as 1.0E+20).
        DataType::Float64 => {
            let v = a.as_primitive::<Float64Type>().value(i);
            decimal_from_text(&java_double(v)).unwrap_or(Json::Null)
        }
        DataType::Float32 => {
            let v = a.as_primitive::<Float32Type>().value(i);
            // A FloatNode's BigDecimal is made from the float widened to a double.
            decimal_from_text(&java_double(v as f64)).unwrap_or(Json::Null)
        }
        DataType::Decimal128(_, s) => {
            let v = a
                .as_primitive::<arrow::datatypes::Decimal128Type>()
                .value(i);
            Json::Dec(v.to_string(), *s as i64)
        }
        DataType::Binary => Json::Str(b64(a.as_binary::<i32>().value(i))),
        DataType::LargeBinary => Json::Str(b64(a.as_binary::<i64>().value(i))),
        DataType::BinaryView => Json::Str(b64(a.as_binary_view().value(i))),
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let items = l.value(i);
            Json::Arr((0..items.len()).map(|k| node(&items, k)).collect())
        }
        DataType::LargeList(_) => {
            let l = a.as_list::<i64>();
            let items = l.value(i);
            Json::Arr((0..items.len()).map(|k| node(&items, k)).collect())
        }
        DataType::Struct(_) => {
            let r = a.as_struct();
            Json::Obj(
                r.fields()
                    .iter()
                    .zip(r.columns())
                    .map(|(f, c)| (f.name().clone(), node(c, i)))
                    .collect(),
            )
        }
        DataType::Map(_, _) => {
            let m = a.as_map();
            let entries = m.value(i);
            let (keys, values) = (entries.column(0), entries.column(1));
            let Ok(keys) = arrow::compute::cast(keys, &DataType::Utf8) else {
                return Json::Null;
            };
            let keys = keys.as_string::<i32>();
            let mut members = Vec::new();
            for k in 0..entries.len() {
                Json::put(&mut members, keys.value(k).to_string(), node(values, k));
            }
            Json::Obj(members)
        }
        _ => Json::Null,
    }
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}
