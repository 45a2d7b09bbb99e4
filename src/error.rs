//! The SQL layer's one error vocabulary: every error, from the models crate or from the SQL
//! layer itself ([`fail`]), is a `finml_models::Error` of an [`ErrorKind`], mapped here, in
//! one table, to its SQLSTATE (DESIGN.md, "Errors"). pgrx raises an `Err(ErrorReport)`
//! returned by a `#[pg_extern]` as that exact report, so every function returns
//! `Result<_, ErrorReport>`.

use finml_models::Error;
pub use finml_models::ErrorKind;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::PgSqlErrorCode;

pub type SqlResult<T> = Result<T, ErrorReport>;

/// The SQLSTATE of each kind (see DESIGN.md).
fn sqlstate(kind: ErrorKind) -> PgSqlErrorCode {
    match kind {
        ErrorKind::InvalidOption => PgSqlErrorCode::ERRCODE_INVALID_PARAMETER_VALUE,
        ErrorKind::UnknownColumn => PgSqlErrorCode::ERRCODE_UNDEFINED_COLUMN,
        ErrorKind::WrongType => PgSqlErrorCode::ERRCODE_DATATYPE_MISMATCH,
        ErrorKind::InvalidData => PgSqlErrorCode::ERRCODE_DATA_EXCEPTION,
        ErrorKind::Unsupported => PgSqlErrorCode::ERRCODE_FEATURE_NOT_SUPPORTED,
        ErrorKind::ResourceLimit => PgSqlErrorCode::ERRCODE_PROGRAM_LIMIT_EXCEEDED,
        ErrorKind::WrongModelKind => PgSqlErrorCode::ERRCODE_WRONG_OBJECT_TYPE,
        ErrorKind::CorruptModel => PgSqlErrorCode::ERRCODE_DATA_CORRUPTED,
        ErrorKind::Internal => PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
        ErrorKind::NotFound => PgSqlErrorCode::ERRCODE_UNDEFINED_OBJECT,
        ErrorKind::NoSuchRelation => PgSqlErrorCode::ERRCODE_UNDEFINED_TABLE,
        ErrorKind::PermissionDenied => PgSqlErrorCode::ERRCODE_INSUFFICIENT_PRIVILEGE,
        ErrorKind::NotReady => PgSqlErrorCode::ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
        ErrorKind::InUse => PgSqlErrorCode::ERRCODE_OBJECT_IN_USE,
        ErrorKind::NullArgument => PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
        ErrorKind::OutOfRange => PgSqlErrorCode::ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE,
        ErrorKind::Busy => PgSqlErrorCode::ERRCODE_CONFIGURATION_LIMIT_EXCEEDED,
        ErrorKind::OutOfMemory => PgSqlErrorCode::ERRCODE_OUT_OF_MEMORY,
    }
}

/// Converts a models-crate error into the report PostgreSQL raises.
pub fn report(error: Error) -> ErrorReport {
    let mut report = ErrorReport::new(sqlstate(error.kind), error.message, "finml");
    if let Some(detail) = error.detail {
        report = report.set_detail(detail);
    }
    let hint = error
        .hint
        .or_else(|| default_hint(error.kind).map(str::to_owned));
    if let Some(hint) = hint {
        report = report.set_hint(hint);
    }
    report
}

/// What to do about an error raised without a hint of its own, by kind: every error tells
/// the caller where to go next.
fn default_hint(kind: ErrorKind) -> Option<&'static str> {
    match kind {
        ErrorKind::Internal => Some("this is a defect in finml: report it with the statement and the server log's lines around it"),
        ErrorKind::CorruptModel => Some("retrain the model (fin_retrain), or import the version again (fin_import of a fin_export)"),
        ErrorKind::InvalidOption => Some("README, \"fin_train\", lists every option and its valid values"),
        _ => None,
    }
}

/// An error that arises in the SQL layer itself, in the same vocabulary.
pub fn fail(kind: ErrorKind, message: impl Into<String>, hint: impl Into<String>) -> ErrorReport {
    report(Error::new(kind, message).with_hint(hint))
}

/// The value of an argument that may not be NULL (in functions that are not STRICT because
/// another argument may be), or a 22004 error naming it.
pub fn required<T>(value: Option<T>, argument: &str) -> SqlResult<T> {
    value.ok_or_else(|| {
        fail(
            ErrorKind::NullArgument,
            format!("{argument} must not be NULL"),
            format!("give {argument} a value (NULL is not a {argument})"),
        )
    })
}

/// An integer argument in `low..=high` (`high` `None`: no upper bound), or 22023 naming the
/// argument, its range and the value given: the one range check of the SQL surface.
pub fn check_argument(
    argument: &str,
    value: i32,
    low: i32,
    high: Option<i32>,
    hint: &str,
) -> SqlResult<i32> {
    let inside = value >= low && high.is_none_or(|high| value <= high);
    if inside {
        return Ok(value);
    }
    let range = match high {
        Some(high) => format!("between {low} and {high}"),
        None => format!("at least {low}"),
    };
    Err(fail(
        ErrorKind::InvalidOption,
        format!("{argument} must be {range}, got {value}"),
        hint,
    ))
}

/// `?`-friendly conversion of models-crate results.
pub trait OrReport<T> {
    fn or_report(self) -> SqlResult<T>;
}

impl<T> OrReport<T> for Result<T, Error> {
    fn or_report(self) -> SqlResult<T> {
        self.map_err(report)
    }
}

/// SPI failures that PostgreSQL did not already raise itself (those arrive as ERRORs).
impl<T> OrReport<T> for Result<T, pgrx::spi::SpiError> {
    fn or_report(self) -> SqlResult<T> {
        self.map_err(|e| {
            report(Error::new(
                ErrorKind::Internal,
                format!("finml catalog access failed: {e}"),
            ))
        })
    }
}
