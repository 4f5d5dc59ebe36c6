//! JSON_ARRAYAGG(v [ABSENT | NULL ON NULL]) and JSON_OBJECTAGG([KEY] k VALUE v [NULL |
//! ABSENT ON NULL]): the values (and keys) in the order rows arrive, as JSON text; no rows
//! give `[]` / `{}`. JSON_ARRAYAGG leaves NULLs out by default, JSON_OBJECTAGG keeps them;
//! a repeated or NULL key fails as in Flink. Flink ignores JSON_ARRAYAGG's ORDER BY.
//! [`super::rewrite_sql`] writes the calls as `flink_json_arrayagg(flags, v)` /
//! `flink_json_objectagg(flags, k, v)`, `flags` as for JSON_ARRAY / JSON_OBJECT.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, ListArray, StringArray};
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{ScalarValue, exec_err, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Signature, Volatility,
};

use super::value::Json;
use crate::functions::args::utf8;

pub const ARRAYAGG: &str = "flink_json_arrayagg";
pub const OBJECTAGG: &str = "flink_json_objectagg";

#[derive(Debug, PartialEq, Eq, Hash)]
struct JsonAgg {
    object: bool,
    signature: Signature,
}

pub fn aggregates() -> Vec<AggregateUDF> {
    [false, true]
        .into_iter()
        .map(|object| {
            AggregateUDF::new_from_impl(JsonAgg {
                object,
                signature: Signature::user_defined(Volatility::Immutable),
            })
        })
        .collect()
}

impl AggregateUDFImpl for JsonAgg {
    fn name(&self) -> &str {
        if self.object { OBJECTAGG } else { ARRAYAGG }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn coerce_types(&self, t: &[DataType]) -> Result<Vec<DataType>> {
        let n = if self.object { 3 } else { 2 };
        if t.len() != n {
            return plan_err!("{} takes {} arguments", self.name(), n - 1);
        }
        if !t.iter().skip(1).all(super::build::supported) {
            return plan_err!(
                "JSON_ARRAYAGG / JSON_OBJECTAGG: a value of type {} is not converted to JSON",
                t.iter()
                    .skip(1)
                    .map(crate::types::flink_name)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let mut out = t.to_vec();
        out[0] = DataType::Utf8;
        if self.object {
            out[1] = DataType::Utf8;
        }
        Ok(out)
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }
    fn is_nullable(&self) -> bool {
        false
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(JsonAcc {
            object: self.object,
            items: Vec::new(),
        }))
    }
    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format!("{}[items]", args.name),
            DataType::new_list(DataType::Utf8, true),
            true,
        ))])
    }
    fn default_value(&self, _: &DataType) -> Result<ScalarValue> {
        Ok(ScalarValue::Utf8(Some(
            if self.object { "{}" } else { "[]" }.into(),
        )))
    }
}

/// The items so far: JSON texts (an object's as key, value, key, value, …).
#[derive(Debug)]
struct JsonAcc {
    object: bool,
    items: Vec<String>,
}

impl JsonAcc {
    fn push_member(&mut self, key: String, value: String) -> Result<()> {
        if self.items.iter().step_by(2).any(|k| *k == key) {
            return exec_err!(
                "Key '{key}' is already present. Duplicate keys are not allowed in JSON_OBJECTAGG. Please ensure that keys are unique."
            );
        }
        self.items.push(key);
        self.items.push(value);
        Ok(())
    }
}

impl Accumulator for JsonAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let flags = utf8(&values[0])?;
        if flags.is_empty() {
            return Ok(());
        }
        let flags = flags.value(0).as_bytes().to_vec();
        let absent = flags.first() == Some(&b'A');
        let kind = flags.get(1).copied().unwrap_or(b'v');
        let v = values.last().expect("a value argument");
        let keys = if self.object {
            Some(utf8(&values[1])?)
        } else {
            None
        };
        for i in 0..v.len() {
            let Some(item) = super::member(v, i, kind, absent)? else {
                continue;
            };
            match &keys {
                None => self.items.push(item.to_text()),
                Some(k) => {
                    if k.is_null(i) {
                        return exec_err!("JSON_OBJECTAGG: a key is NULL");
                    }
                    self.push_member(k.value(i).to_string(), item.to_text())?;
                }
            }
        }
        Ok(())
    }
    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists: &ListArray = states[0].as_list::<i32>();
        for l in 0..lists.len() {
            if lists.is_null(l) {
                continue;
            }
            let items = lists.value(l);
            let items: &StringArray = items.as_string::<i32>();
            let texts: Vec<String> = items.iter().map(|s| s.unwrap_or("").to_string()).collect();
            if self.object {
                for kv in texts.chunks(2) {
                    self.push_member(kv[0].clone(), kv.get(1).cloned().unwrap_or_default())?;
                }
            } else {
                self.items.extend(texts);
            }
        }
        Ok(())
    }
    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let items: Vec<ScalarValue> = self
            .items
            .iter()
            .map(|s| ScalarValue::Utf8(Some(s.clone())))
            .collect();
        Ok(vec![ScalarValue::List(ScalarValue::new_list_nullable(
            &items,
            &DataType::Utf8,
        ))])
    }
    fn evaluate(&mut self) -> Result<ScalarValue> {
        let text = if self.object {
            let members: Vec<(String, Json)> = self
                .items
                .chunks(2)
                .map(|kv| (kv[0].clone(), Json::Raw(kv[1].clone())))
                .collect();
            Json::Obj(members).to_text()
        } else {
            let items: Vec<Json> = self.items.iter().map(|s| Json::Raw(s.clone())).collect();
            Json::Arr(items).to_text()
        };
        Ok(ScalarValue::Utf8(Some(text)))
    }
    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.items.iter().map(|s| s.capacity()).sum::<usize>()
    }
}
