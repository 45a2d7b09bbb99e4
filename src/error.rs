//! The one mapping from `finml_models::Error` to a PostgreSQL error report (SQLSTATE,
//! message, detail, hint). pgrx raises an `Err(ErrorReport)` returned by a `#[pg_extern]`
//! as that exact report, so every function returns `Result<_, ErrorReport>`.

use finml_models::{Error, ErrorKind};
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
    }
}

/// Converts a models-crate error into the report PostgreSQL raises.
pub fn report(error: Error) -> ErrorReport {
    let mut report = ErrorReport::new(sqlstate(error.kind), error.message, "finml");
    if let Some(detail) = error.detail {
        report = report.set_detail(detail);
    }
    if let Some(hint) = error.hint {
        report = report.set_hint(hint);
    }
    report
}

/// A report built here, for errors that arise in the SQL layer itself.
pub fn sql_error(
    code: PgSqlErrorCode,
    message: impl Into<String>,
    hint: impl Into<String>,
) -> ErrorReport {
    ErrorReport::new(code, message.into(), "finml").set_hint(hint.into())
}

/// The value of an argument that may not be NULL (in functions that are not STRICT because
/// another argument may be), or a 22004 error naming it.
pub fn required<T>(value: Option<T>, argument: &str) -> SqlResult<T> {
    value.ok_or_else(|| {
        sql_error(
            PgSqlErrorCode::ERRCODE_NULL_VALUE_NOT_ALLOWED,
            format!("{argument} must not be NULL"),
            format!("give {argument} a value (NULL is not a {argument})"),
        )
    })
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
            ErrorReport::new(
                PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
                format!("finml catalog access failed: {e}"),
                "finml",
            )
        })
    }
}
