//! How PostgreSQL types map onto model inputs.

use crate::error::{report, SqlResult};
use finml_models::{Error, ErrorKind};
use pgrx::pg_sys::{self, Oid};

/// What a column can be for a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// int2/4/8, float4/8, numeric: read as float8.
    Numeric,
    /// text, varchar, char(n): read as text.
    Text,
    /// boolean: a categorical feature ("true"/"false"), or a binary target.
    Boolean,
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

/// Checks that a column of type `type_oid` can feed a model feature that takes numbers
/// (`numeric`) or text; `whose` names the column's owner in the message ("of the row").
pub fn check_feature_type(
    name: &str,
    numeric: bool,
    type_oid: Oid,
    whose: &str,
) -> SqlResult<ValueKind> {
    match kind_of(type_oid) {
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
