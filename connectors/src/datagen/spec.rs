//! The `datagen` table's options (Flink's names) parsed into a [`DatagenSpec`]: how many rows,
//! and for every column how its values are generated. The spec travels inside `DatagenExec`.

use std::time::{SystemTime, UNIX_EPOCH};

use arrow::datatypes::{DataType, TimeUnit};
use serde::{Deserialize, Serialize};
use weft_core::catalog::TableDef;
use weft_core::config::parse_duration;
use weft_core::{Result, WeftError};

use crate::exec_util::SerdeField;

/// Options the `datagen` connector accepts (`#` = a column name).
pub const DATAGEN_OPTIONS: &[&str] = &[
    "number-of-rows",
    "rows-per-second",
    "fields.#.kind",
    "fields.#.min",
    "fields.#.max",
    "fields.#.max-past",
    "fields.#.length",
    "fields.#.start",
    "fields.#.end",
    "fields.#.null-rate",
];

/// Everything needed to generate any row of the table, deterministically.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatagenSpec {
    pub table: String,
    /// Derived from the table name: the same table generates the same rows in every run.
    pub seed: u64,
    pub rows: u64,
    pub columns: Vec<ColumnSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnSpec {
    pub(crate) field: SerdeField,
    /// Position of the column in the declared table (part of the random seed, so projection
    /// does not change values).
    pub index: usize,
    pub null_rate: f64,
    pub generator: Generator,
}

/// How one column's values are made. Integers and decimals are carried as `i128`
/// (decimals unscaled), temporal values in the column's own unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Generator {
    RandomInt {
        min: i128,
        max: i128,
    },
    RandomFloat {
        min: f64,
        max: f64,
    },
    RandomBool,
    RandomString {
        length: usize,
    },
    /// `anchor - random(0..=max_past)`, the anchor fixed when the table was planned.
    RandomPast {
        anchor: i64,
        max_past: i64,
    },
    /// `start + row`, as the column's type (decimals step by one whole unit).
    Sequence {
        start: i128,
        end: i128,
    },
}

impl DatagenSpec {
    pub fn from_table(table: &TableDef) -> Result<Self> {
        table.check_options(DATAGEN_OPTIONS)?;
        let err = |msg: String| WeftError::table_option(&table.name, msg);
        if table.columns.is_empty() {
            return Err(err(
                "connector 'datagen' needs declared columns, e.g. CREATE TABLE t (id BIGINT, name STRING) WITH (...)".into(),
            ));
        }
        // Every `fields.X.*` must name a declared column.
        let names: Vec<&str> = table.columns.iter().map(|f| f.name().as_str()).collect();
        for key in table.options.keys() {
            if let Some(rest) = key.strip_prefix("fields.") {
                let col = rest.rsplit_once('.').map(|(c, _)| c).unwrap_or(rest);
                if !names.contains(&col) {
                    return Err(err(format!(
                        "option '{key}' refers to unknown field '{col}'; declared columns: {}",
                        names.join(", ")
                    )));
                }
            }
        }
        let rows_opt = table.option("number-of-rows").ok_or_else(|| {
            err("option 'number-of-rows' is required for a bounded (batch) datagen table".into())
        })?;
        let mut rows: u64 = rows_opt.trim().parse().map_err(|_| {
            err(format!(
                "option 'number-of-rows' must be a non-negative integer, got '{rows_opt}'"
            ))
        })?;
        if let Some(r) = table.option("rows-per-second") {
            r.trim().parse::<f64>().map_err(|_| {
                err(format!(
                    "option 'rows-per-second' must be a number, got '{r}'"
                ))
            })?;
        }
        let now_millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);

        let mut columns = Vec::with_capacity(table.columns.len());
        for (index, field) in table.columns.iter().enumerate() {
            let opt = |suffix: &str| -> Option<&str> {
                table.option(&format!("fields.{}.{suffix}", field.name()))
            };
            let ctx = FieldCtx {
                table: &table.name,
                column: field.name(),
            };
            let null_rate = match opt("null-rate") {
                None => 0.0,
                Some(v) => {
                    let r: f64 = v.trim().parse().map_err(|_| ctx.bad("null-rate", v))?;
                    if !(0.0..=1.0).contains(&r) {
                        return Err(ctx.err("null-rate must be between 0 and 1".into()));
                    }
                    if r > 0.0 && !field.is_nullable() {
                        return Err(ctx.err("null-rate > 0 on a NOT NULL column".into()));
                    }
                    r
                }
            };
            let kind = opt("kind").unwrap_or("random");
            let dt = field.data_type();
            let generator = match kind {
                "sequence" => {
                    let start = opt("start")
                        .ok_or_else(|| ctx.err("kind 'sequence' needs 'start' and 'end'".into()))?;
                    let end = opt("end")
                        .ok_or_else(|| ctx.err("kind 'sequence' needs 'start' and 'end'".into()))?;
                    let start: i128 = start.trim().parse().map_err(|_| ctx.bad("start", start))?;
                    let end: i128 = end.trim().parse().map_err(|_| ctx.bad("end", end))?;
                    if end < start {
                        return Err(ctx.err(format!("sequence end {end} is below start {start}")));
                    }
                    if !sequence_type(dt) {
                        return Err(ctx.err(format!(
                            "kind 'sequence' is not supported for type {dt}; use a numeric or string column"
                        )));
                    }
                    rows = rows.min((end - start + 1).min(u64::MAX as i128) as u64);
                    Generator::Sequence { start, end }
                }
                "random" => random_generator(dt, &ctx, &opt, now_millis)?,
                other => {
                    return Err(ctx.err(format!(
                        "unknown kind '{other}'; supported kinds: random, sequence"
                    )));
                }
            };
            columns.push(ColumnSpec {
                field: SerdeField::from_field(field),
                index,
                null_rate,
                generator,
            });
        }
        Ok(Self {
            table: table.name.clone(),
            seed: seed_of(&table.name),
            rows,
            columns,
        })
    }
}

struct FieldCtx<'a> {
    table: &'a str,
    column: &'a str,
}

impl FieldCtx<'_> {
    fn err(&self, msg: String) -> WeftError {
        WeftError::table_option(self.table, format!("field '{}': {msg}", self.column))
    }
    fn bad(&self, option: &str, value: &str) -> WeftError {
        self.err(format!(
            "invalid value '{value}' for 'fields.{}.{option}'",
            self.column
        ))
    }
}

fn sequence_type(dt: &DataType) -> bool {
    dt.is_integer()
        || dt.is_floating()
        || matches!(
            dt,
            DataType::Decimal128(..) | DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        )
}

fn random_generator<'a>(
    dt: &DataType,
    ctx: &FieldCtx<'_>,
    opt: &dyn for<'k> Fn(&'k str) -> Option<&'a str>,
    now_millis: i64,
) -> Result<Generator> {
    use DataType::*;
    let int_bounds = |lo: i128, hi: i128| -> Result<Generator> {
        let min = match opt("min") {
            Some(v) => v.trim().parse().map_err(|_| ctx.bad("min", v))?,
            None => lo,
        };
        let max = match opt("max") {
            Some(v) => v.trim().parse().map_err(|_| ctx.bad("max", v))?,
            None => hi,
        };
        if min > max || min < lo || max > hi {
            return Err(ctx.err(format!(
                "random range [{min}, {max}] is empty or outside the type's range [{lo}, {hi}]"
            )));
        }
        Ok(Generator::RandomInt { min, max })
    };
    let max_past = |unit_per_ms: f64| -> Result<i64> {
        match opt("max-past") {
            None => Ok(0),
            Some(v) => {
                let d = parse_duration(v).map_err(|e| ctx.err(format!("max-past: {e}")))?;
                Ok((d.as_millis() as f64 * unit_per_ms) as i64)
            }
        }
    };
    Ok(match dt {
        Int8 => int_bounds(i8::MIN as i128, i8::MAX as i128)?,
        Int16 => int_bounds(i16::MIN as i128, i16::MAX as i128)?,
        Int32 => int_bounds(i32::MIN as i128, i32::MAX as i128)?,
        Int64 => int_bounds(i64::MIN as i128, i64::MAX as i128)?,
        UInt8 => int_bounds(0, u8::MAX as i128)?,
        UInt16 => int_bounds(0, u16::MAX as i128)?,
        UInt32 => int_bounds(0, u32::MAX as i128)?,
        UInt64 => int_bounds(0, u64::MAX as i128)?,
        Decimal128(p, s) => {
            let limit = 10i128.pow(*p as u32) - 1;
            let scale = 10f64.powi(*s as i32);
            let parse = |name: &str, default: i128| -> Result<i128> {
                match opt(name) {
                    None => Ok(default),
                    Some(v) => {
                        let x: f64 = v.trim().parse().map_err(|_| ctx.bad(name, v))?;
                        Ok((x * scale).round() as i128)
                    }
                }
            };
            let (min, max) = (parse("min", -limit)?, parse("max", limit)?);
            if min > max || min < -limit || max > limit {
                return Err(ctx.err(format!(
                    "random range is empty or outside DECIMAL({p}, {s})"
                )));
            }
            Generator::RandomInt { min, max }
        }
        Float16 | Float32 | Float64 => {
            let hi = if matches!(dt, Float64) {
                f64::MAX
            } else {
                f32::MAX as f64
            };
            let parse = |name: &str, default: f64| -> Result<f64> {
                match opt(name) {
                    None => Ok(default),
                    Some(v) => v.trim().parse().map_err(|_| ctx.bad(name, v)),
                }
            };
            let (min, max) = (parse("min", 0.0)?, parse("max", hi)?);
            if min > max {
                return Err(ctx.err(format!("random range [{min}, {max}] is empty")));
            }
            Generator::RandomFloat { min, max }
        }
        Boolean => Generator::RandomBool,
        Utf8 | LargeUtf8 | Utf8View => {
            let length = match opt("length") {
                None => 100,
                Some(v) => v.trim().parse().map_err(|_| ctx.bad("length", v))?,
            };
            Generator::RandomString { length }
        }
        Date32 => {
            let day_ms = 86_400_000f64;
            Generator::RandomPast {
                anchor: now_millis.div_euclid(86_400_000),
                max_past: max_past(1.0 / day_ms)?,
            }
        }
        Timestamp(unit, _) => {
            let per_ms = match unit {
                TimeUnit::Second => 1e-3,
                TimeUnit::Millisecond => 1.0,
                TimeUnit::Microsecond => 1e3,
                TimeUnit::Nanosecond => 1e6,
            };
            Generator::RandomPast {
                anchor: (now_millis as f64 * per_ms) as i64,
                max_past: max_past(per_ms)?,
            }
        }
        other => {
            return Err(ctx.err(format!(
                "type {other} is not supported by datagen; supported: TINYINT, SMALLINT, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, BOOLEAN, VARCHAR/STRING, DATE, TIMESTAMP"
            )));
        }
    })
}

/// FNV-1a of the table name: a stable seed (std's hasher is not stable across releases).
fn seed_of(name: &str) -> u64 {
    name.bytes().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}
