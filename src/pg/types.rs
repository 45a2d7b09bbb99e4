//! How PostgreSQL types map onto model inputs: which types a feature may have, and the one
//! decoder of a value (training reads, monitoring scans and fin_predict's rows all decode
//! through [`decode`], so a value means the same to a model wherever it comes from).

use crate::error::{report, SqlResult};
use finml_models::error::try_reserve;
use finml_models::preprocess::Input;
use finml_models::{Error, ErrorKind, RawValue};
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;
use pgrx::AnyNumeric;

pub use finml_models::plan::ValueKind;

/// Declares the C-level function `$name` in fmgr's version-1 convention (its `$finfo` record
/// and its entry point) whose work is `$work(fcinfo) -> SqlResult<pg_sys::Datum>`: an error
/// is raised as the ERROR it reports. For the functions pgrx cannot declare (an aggregate's
/// transition that changes its state in place and returns it).
macro_rules! c_level_function {
    ($(#[$doc:meta])* $name:ident, $finfo:ident, $work:expr) => {
        #[no_mangle]
        #[doc(hidden)]
        pub extern "C" fn $finfo() -> &'static pgrx::pg_sys::Pg_finfo_record {
            const V1: pgrx::pg_sys::Pg_finfo_record = pgrx::pg_sys::Pg_finfo_record { api_version: 1 };
            &V1
        }

        $(#[$doc])*
        #[no_mangle]
        #[pgrx::pg_guard]
        pub unsafe extern "C-unwind" fn $name(
            fcinfo: pgrx::pg_sys::FunctionCallInfo,
        ) -> pgrx::pg_sys::Datum {
            match ($work)(fcinfo) {
                Ok(datum) => datum,
                Err(e) => {
                    e.report(pgrx::PgLogLevel::ERROR);
                    unreachable!("an ERROR does not return")
                }
            }
        }
    };
}
pub(crate) use c_level_function;

/// How a scan reads a column of each kind.
pub trait ReadAs {
    /// The select-list expression that reads `reference` (a quoted column) as this kind: a
    /// cast, or for a date its seconds since the epoch (as fin_predict decodes a date).
    fn read_expression(self, reference: &str) -> String;
    /// The type oid `read_expression` gives, for [`decode`].
    fn read_as_oid(self) -> Oid;
}

impl ReadAs for ValueKind {
    fn read_expression(self, reference: &str) -> String {
        match self {
            ValueKind::Numeric => format!("{reference}::float8"),
            ValueKind::Text => format!("{reference}::text"),
            ValueKind::Boolean => format!("{reference}::bool"),
            ValueKind::Date => format!("EXTRACT(EPOCH FROM {reference})::float8"),
        }
    }

    fn read_as_oid(self) -> Oid {
        match self {
            ValueKind::Numeric | ValueKind::Date => pg_sys::FLOAT8OID,
            ValueKind::Text => pg_sys::TEXTOID,
            ValueKind::Boolean => pg_sys::BOOLOID,
        }
    }
}

/// Seconds from 1970-01-01 to PostgreSQL's epoch, 2000-01-01.
const POSTGRES_EPOCH_SECONDS: f64 = 946_684_800.0;

/// A date (days since 2000-01-01) as seconds since 1970-01-01; ±infinity stays infinite (and
/// is refused as non-finite, as in training).
fn date_seconds(days: i32) -> f64 {
    match days {
        i32::MIN => f64::NEG_INFINITY,
        i32::MAX => f64::INFINITY,
        days => f64::from(days) * 86_400.0 + POSTGRES_EPOCH_SECONDS,
    }
}

/// A timestamp or timestamptz (microseconds since 2000-01-01 UTC) as seconds since 1970-01-01
/// UTC: what `EXTRACT(EPOCH FROM ...)` gives.
fn timestamp_seconds(microseconds: i64) -> f64 {
    match microseconds {
        i64::MIN => f64::NEG_INFINITY,
        i64::MAX => f64::INFINITY,
        us => (us / 1_000_000) as f64 + (us % 1_000_000) as f64 / 1e6 + POSTGRES_EPOCH_SECONDS,
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
        // Dates and timestamps are pass-by-value integers (days, microseconds).
        pg_sys::DATEOID => RawValue::Number(date_seconds(datum.value() as i32)),
        pg_sys::TIMESTAMPOID | pg_sys::TIMESTAMPTZOID => {
            RawValue::Number(timestamp_seconds(datum.value() as i64))
        }
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
        pg_sys::DATEOID | pg_sys::TIMESTAMPOID | pg_sys::TIMESTAMPTZOID => Some(ValueKind::Date),
        _ => None,
    }
}

/// Quotes an identifier for SQL text (what `quote_ident` does, always quoting).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Checks that a column of kind `kind` can feed a model feature that takes `input`; `whose`
/// names the column's owner in the message ("of the row").
pub fn check_feature_type(
    name: &str,
    input: Input,
    kind: Option<ValueKind>,
    whose: &str,
) -> SqlResult<ValueKind> {
    match (input, kind) {
        (Input::Number, Some(ValueKind::Numeric)) => Ok(ValueKind::Numeric),
        (Input::Date, Some(ValueKind::Date)) => Ok(ValueKind::Date),
        (Input::Text, Some(kind @ (ValueKind::Text | ValueKind::Boolean))) => Ok(kind),
        _ => {
            let expected = match input {
                Input::Number => "a numeric",
                Input::Text => "a text or boolean",
                Input::Date => "a date or timestamp",
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

/// The memory context of the aggregate `fcinfo`'s transition runs for; 22023 when it is
/// called as a plain function (`transition` of `aggregate`; `hint` says what runs it).
///
/// # Safety
/// `fcinfo` is fmgr's.
pub unsafe fn aggregate_context(
    fcinfo: pg_sys::FunctionCallInfo,
    transition: &str,
    aggregate: &str,
    hint: &str,
) -> SqlResult<pg_sys::MemoryContext> {
    let mut context: pg_sys::MemoryContext = std::ptr::null_mut();
    if pg_sys::AggCheckCallContext(fcinfo, &mut context) == 0 {
        return Err(report(
            Error::invalid_option(format!(
                "{transition} is the transition of the aggregate {aggregate}"
            ))
            .with_hint(hint),
        ));
    }
    Ok(context)
}

/// A one-dimensional array of 8-byte, by-value `element`s (int8, float8) allocated in
/// `context`: an aggregate's state, which later calls of its transition change in place.
///
/// # Safety
/// `context` is a live memory context; `element` is an 8-byte by-value type.
pub unsafe fn array_in(
    context: pg_sys::MemoryContext,
    datums: &[pg_sys::Datum],
    element: Oid,
) -> Option<std::ptr::NonNull<pg_sys::ArrayType>> {
    let old = pg_sys::MemoryContextSwitchTo(context);
    let array = pg_sys::construct_array(
        datums.as_ptr().cast_mut(),
        i32::try_from(datums.len()).unwrap_or(i32::MAX),
        element,
        8,
        true,
        pg_sys::TYPALIGN_DOUBLE as std::ffi::c_char,
    );
    pg_sys::MemoryContextSwitchTo(old);
    std::ptr::NonNull::new(array)
}

/// The most values finml copies out of one array argument of its C-level aggregate functions
/// (a row's features): a caller's array can hold a gigabyte, whose copy must be refused.
pub const MAX_ROW_VALUES: usize = 1 << 20;

/// Room in `into` for `count` values of an array argument: 22023 past [`MAX_ROW_VALUES`],
/// else reserved fallibly (53200 where the server has not the memory, never an abort).
pub fn reserve_row_values<T>(into: &mut Vec<T>, count: usize, hint: &str) -> SqlResult<()> {
    if count > MAX_ROW_VALUES {
        return Err(report(
            Error::invalid_option(format!(
                "a row's feature array of {count} values is longer than the {MAX_ROW_VALUES} finml reads"
            ))
            .with_hint(hint),
        ));
    }
    try_reserve(into, count, "a row's features").map_err(report)
}

/// A float8[] built in one piece (`construct_array` over the values), for a function that
/// returns one a row (fin_predict_proba): pgrx's `Vec<f64>` appends element by element
/// (`accumArrayResult` with its working state), a tenth of such a call's time.
pub struct Float8Array(pub Vec<f64>);

pgrx::impl_sql_translatable!(Float8Array, "double precision[]");

// SAFETY: box_into returns the datum it builds to the function's caller, as BoxRet requires.
unsafe impl pgrx::callconv::BoxRet for Float8Array {
    unsafe fn box_into<'fcx>(
        self,
        fcinfo: &mut pgrx::callconv::FcInfo<'fcx>,
    ) -> pgrx::datum::Datum<'fcx> {
        let mut elements: Vec<pg_sys::Datum> = self
            .0
            .iter()
            .map(|v| pg_sys::Datum::from(v.to_bits()))
            .collect();
        // A prediction's probabilities: at most finml's 100 classes, far below i32::MAX.
        let count = i32::try_from(elements.len()).unwrap_or(i32::MAX);
        // float8 is passed by value on the 64-bit platforms finml builds for
        // (FLOAT8PASSBYVAL); construct_array copies the values into the new array.
        let array = unsafe {
            pg_sys::construct_array(
                elements.as_mut_ptr(),
                count,
                pg_sys::FLOAT8OID,
                8,
                true,
                pg_sys::TYPALIGN_DOUBLE as std::ffi::c_char,
            )
        };
        unsafe { fcinfo.return_raw_datum(pg_sys::Datum::from(array)) }
    }
}
