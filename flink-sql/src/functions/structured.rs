//! Structured types built in SQL (Flink 2.1+): `OBJECT_OF('class', 'key', value, …)` makes a
//! value of the structured type named `class` with those attributes, and
//! `OBJECT_UPDATE(object, 'key', value, …)` replaces attributes of one. A structured value
//! prints as `(key=value, …)` and its type as `STRUCTURED<'class', `key` TYPE, …>`.
//!
//! Weft holds a structured value as an Arrow struct whose first field is a marker, named
//! `$weft_class:` followed by the class name, of Arrow's Null type (it holds nothing); the
//! attributes follow. Field access (`obj.key`) is DataFusion's struct access.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, NullArray, StructArray};
use arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::tree_node::Transformed;
use datafusion::common::{DFSchema, ScalarValue, plan_err};
use datafusion::error::Result;
use datafusion::logical_expr::{
    ColumnarValue, Expr, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
    Volatility,
};
use datafusion::sql::sqlparser::ast;

use crate::types::flink_name;

const MARKER: &str = "$weft_class:";

pub const DATAFUSION_AS_FLINK: &[&str] = &[];

/// The class name when `t` is a structured type.
pub fn class_of(t: &DataType) -> Option<&str> {
    match t {
        DataType::Struct(f) => f.first().and_then(|f| f.name().strip_prefix(MARKER)),
        _ => None,
    }
}

/// A structured type: the class and its attributes.
pub fn structured_type(class: &str, attributes: Vec<FieldRef>) -> DataType {
    let mut fields: Vec<FieldRef> = vec![Arc::new(Field::new(
        format!("{MARKER}{class}"),
        DataType::Null,
        true,
    ))];
    fields.extend(attributes);
    DataType::Struct(Fields::from(fields))
}

/// Flink's name of a structured type.
pub fn type_name(t: &DataType) -> Option<String> {
    let class = class_of(t)?;
    let DataType::Struct(fields) = t else {
        return None;
    };
    let attributes: Vec<String> = fields[1..]
        .iter()
        .map(|f| format!("`{}` {}", f.name(), flink_name(f.data_type())))
        .collect();
    Some(format!("STRUCTURED<'{class}', {}>", attributes.join(", ")))
}

pub fn functions() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::new_from_impl(Object {
            update: false,
            signature: Signature::variadic_any(Volatility::Immutable),
        }),
        ScalarUDF::new_from_impl(Object {
            update: true,
            signature: Signature::variadic_any(Volatility::Immutable),
        }),
    ]
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Object {
    update: bool,
    signature: Signature,
}

fn literal_text(s: Option<&ScalarValue>) -> Option<String> {
    match s? {
        ScalarValue::Utf8(v) | ScalarValue::Utf8View(v) | ScalarValue::LargeUtf8(v) => v.clone(),
        _ => None,
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8)
}

impl Object {
    fn sql_name(&self) -> &'static str {
        if self.update {
            "OBJECT_UPDATE"
        } else {
            "OBJECT_OF"
        }
    }

    /// The (key, value field) pairs from argument 1 on, checked as Flink checks them.
    fn pairs(&self, args: &ReturnFieldArgs) -> Result<Vec<(String, FieldRef)>> {
        let n = args.arg_fields.len();
        if n == 0 || (n - 1) % 2 != 0 {
            let types: Vec<String> = args
                .arg_fields
                .iter()
                .map(|f| flink_name(f.data_type()))
                .collect();
            return plan_err!(
                "No match found for function signature {}({}): it takes {}, then key / value pairs",
                self.sql_name(),
                types.join(", "),
                if self.update {
                    "an object"
                } else {
                    "a class name"
                }
            );
        }
        let mut out: Vec<(String, FieldRef)> = Vec::new();
        for k in (1..n).step_by(2) {
            let key_type = args.arg_fields[k].data_type();
            if !is_text(key_type) {
                return plan_err!(
                    "{}: the field key at position {} must be a non-nullable character string, but was {}",
                    self.sql_name(),
                    k + 1,
                    flink_name(key_type)
                );
            }
            let Some(key) = literal_text(args.scalar_arguments[k]) else {
                return plan_err!(
                    "{}: the field key at position {} must be a non-nullable character string literal",
                    self.sql_name(),
                    k + 1
                );
            };
            if out.iter().any(|(o, _)| *o == key) {
                return plan_err!(
                    "{}: the field name '{key}' at position {} is repeated",
                    self.sql_name(),
                    k + 1
                );
            }
            let value = &args.arg_fields[k + 1];
            out.push((
                key.clone(),
                Arc::new(Field::new(key, value.data_type().clone(), true)),
            ));
        }
        Ok(out)
    }
}

impl ScalarUDFImpl for Object {
    fn name(&self) -> &str {
        if self.update {
            "object_update"
        } else {
            "object_of"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        plan_err!(
            "{}'s type depends on its literal arguments",
            self.sql_name()
        )
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let pairs = self.pairs(&args)?;
        let first = args.arg_fields.first().map(|f| f.data_type().clone());
        let t = if self.update {
            let object = first.unwrap_or(DataType::Null);
            let (Some(class), DataType::Struct(fields)) = (class_of(&object), &object) else {
                return plan_err!(
                    "OBJECT_UPDATE: the first argument must be a structured type, but was {}",
                    flink_name(&object)
                );
            };
            let mut attributes: Vec<FieldRef> = fields[1..].to_vec();
            for (key, field) in pairs {
                match attributes.iter().position(|f| *f.name() == key) {
                    Some(i) => attributes[i] = field,
                    None => {
                        let names: Vec<&str> =
                            fields[1..].iter().map(|f| f.name().as_str()).collect();
                        return plan_err!(
                            "OBJECT_UPDATE: the field name '{key}' is not part of the structured type attributes. Available attributes: [{}]",
                            names.join(", ")
                        );
                    }
                }
            }
            structured_type(class, attributes)
        } else {
            let class = literal_text(args.scalar_arguments.first().copied().flatten());
            let class = match (class, first) {
                (Some(c), Some(t)) if is_text(&t) => c,
                _ => {
                    return plan_err!(
                        "OBJECT_OF: the first argument must be a non-nullable character string literal representing the class name"
                    );
                }
            };
            structured_type(&class, pairs.into_iter().map(|(_, f)| f).collect())
        };
        Ok(Arc::new(Field::new(self.name(), t, true)))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let all_scalar = args
            .args
            .iter()
            .all(|a| matches!(a, ColumnarValue::Scalar(_)));
        let n = if all_scalar { 1 } else { rows };
        let DataType::Struct(fields) = args.return_field.data_type().clone() else {
            return plan_err!("{} returns a struct", self.sql_name());
        };
        let values: Vec<ArrayRef> = args
            .args
            .iter()
            .map(|a| a.to_array(n))
            .collect::<Result<_>>()?;
        let mut columns: Vec<ArrayRef> = vec![Arc::new(NullArray::new(n))];
        let mut nulls = None;
        if self.update {
            let object = values[0]
                .as_any()
                .downcast_ref::<StructArray>()
                .expect("OBJECT_UPDATE's first argument is a struct");
            nulls = object.nulls().cloned();
            columns.extend(object.columns()[1..].iter().cloned());
        }
        for k in (1..values.len()).step_by(2) {
            let (ScalarValue::Utf8(Some(key)) | ScalarValue::Utf8View(Some(key))) =
                (match &args.args[k] {
                    ColumnarValue::Scalar(s) => s.clone(),
                    ColumnarValue::Array(_) => ScalarValue::Null,
                })
            else {
                return plan_err!("{}: keys must be string literals", self.sql_name());
            };
            let value = values[k + 1].clone();
            let at = fields[1..].iter().position(|f| *f.name() == key).unwrap() + 1;
            if self.update {
                columns[at] = value;
            } else {
                columns.push(value);
            }
        }
        let array = StructArray::try_new(fields, columns, nulls)?;
        Ok(if all_scalar {
            ColumnarValue::Scalar(ScalarValue::try_from_array(&array, 0)?)
        } else {
            ColumnarValue::Array(Arc::new(array))
        })
    }
}

pub fn rewrite_sql(_: &mut ast::Expr) {}

pub fn rewrite_expr(e: Expr, _: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(Transformed::no(e))
}
