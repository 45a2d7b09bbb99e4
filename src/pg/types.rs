//! How PostgreSQL types map onto model inputs: which types a feature may have, and the one
//! decoder of a value (training reads, monitoring scans and fin_predict's rows all decode
//! through [`decode`], so a value means the same to a model wherever it comes from).

use crate::error::{report, SqlResult};
use finml_models::{Error, ErrorKind, RawValue};
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;
use pgrx::AnyNumeric;

pub use finml_models::plan::ValueKind;

/// How a scan reads a column of each kind.
pub trait ReadAs {
    /// The SQL type a column of this kind is read as (`column::type`).
    fn read_as(self) -> &'static str;
    /// The type oid of `read_as`, for [`decode`].
    fn read_as_oid(self) -> Oid;
}

impl ReadAs for ValueKind {
    fn read_as(self) -> &'static str {
        match self {
            ValueKind::Numeric => "float8",
            ValueKind::Text => "text",
            ValueKind::Boolean => "bool",
        }
    }

    fn read_as_oid(self) -> Oid {
        match self {
            ValueKind::Numeric => pg_sys::FLOAT8OID,
            ValueKind::Text => pg_sys::TEXTOID,
            ValueKind::Boolean => pg_sys::BOOLOID,
        }
    }
}

/// How a boolean reads as a category, in training and in prediction alike.
pub fn bool_text(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// Reads one non-NULL datum of base type `type_oid` (a type [`kind_of`] accepts) as a model
/// input; text is borrowed, not copied.
///
/// # Safety
/// `datum` must be a valid, non-NULL value of `type_oid` that outlives the result.
pub unsafe fn decode<'a>(datum: pg_sys::Datum, type_oid: Oid) -> RawValue<'a> {
    let number = |v: Option<f64>| v.map_or(RawValue::Null, RawValue::Number);
    let text = |v: Option<&'a str>| v.map_or(RawValue::Null, RawValue::Text);
    match type_oid {
        pg_sys::FLOAT8OID => number(f64::from_datum(datum, false)),
        pg_sys::FLOAT4OID => number(f32::from_datum(datum, false).map(f64::from)),
        pg_sys::INT4OID => number(i32::from_datum(datum, false).map(f64::from)),
        pg_sys::INT8OID => number(i64::from_datum(datum, false).map(|v| v as f64)),
        pg_sys::INT2OID => number(i16::from_datum(datum, false).map(f64::from)),
        // NaN and ±Infinity numerics become non-finite floats, which predict rejects.
        pg_sys::NUMERICOID => number(
            AnyNumeric::from_datum(datum, false).map(|n| f64::try_from(n).unwrap_or(f64::NAN)),
        ),
        pg_sys::BOOLOID => text(bool::from_datum(datum, false).map(bool_text)),
        // char(n) pads with blanks; a scan reads it through ::text, which strips them.
        pg_sys::BPCHAROID => {
            text(<&str>::from_datum(datum, false).map(|s| s.trim_end_matches(' ')))
        }
        _ => text(<&str>::from_datum(datum, false)),
    }
}

/// The kind of a type (domains resolve to their base type), `None` if finml cannot use it.
pub fn kind_of(type_oid: Oid) -> Option<ValueKind> {
    // SAFETY: getBaseType only reads the syscache; unknown oids come back unchanged.
    let base = unsafe { pg_sys::getBaseType(type_oid) };
    match base {
        pg_sys::INT2OID
        | pg_sys::INT4OID
        | pg_sys::INT8OID
        | pg_sys::FLOAT4OID
        | pg_sys::FLOAT8OID
        | pg_sys::NUMERICOID => Some(ValueKind::Numeric),
        pg_sys::TEXTOID | pg_sys::VARCHAROID | pg_sys::BPCHAROID => Some(ValueKind::Text),
        pg_sys::BOOLOID => Some(ValueKind::Boolean),
        _ => None,
    }
}

/// Quotes an identifier for SQL text (what `quote_ident` does, always quoting).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Checks that a column of kind `kind` can feed a model feature that takes numbers
/// (`numeric`) or text; `whose` names the column's owner in the message ("of the row").
pub fn check_feature_type(
    name: &str,
    numeric: bool,
    kind: Option<ValueKind>,
    whose: &str,
) -> SqlResult<ValueKind> {
    match kind {
        Some(ValueKind::Numeric) if numeric => Ok(ValueKind::Numeric),
        Some(kind @ (ValueKind::Text | ValueKind::Boolean)) if !numeric => Ok(kind),
        _ => {
            let expected = if numeric {
                "a numeric"
            } else {
                "a text or boolean"
            };
            Err(report(
                Error::new(
                    ErrorKind::WrongType,
                    format!("column \"{name}\" {whose} has the wrong type for the model"),
                )
                .with_hint(format!(
                    "the model was trained on {expected} \"{name}\"; cast the column"
                )),
            ))
        }
    }
}
