//! Errors of the ML core. Each carries a [`ErrorKind`] that the extension maps, in one place
//! (`src/error.rs`), to a SQLSTATE; the message reads like PostgreSQL's own (lowercase, no
//! final period) and the hint says what to do.

use std::fmt;

/// What went wrong, in the categories that decide the SQLSTATE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A bad option value or an unknown option key (22023 invalid_parameter_value).
    InvalidOption,
    /// A named column does not exist (42703 undefined_column).
    UnknownColumn,
    /// A column has a type the model cannot use (42804 datatype_mismatch).
    WrongType,
    /// The data cannot train or feed the model: wrong feature count, NaN/Infinity, one-class
    /// target, empty relation (22000 data_exception).
    InvalidData,
    /// A feature that exists but is not available here (0A000 feature_not_supported).
    Unsupported,
    /// The training data would exceed the memory budget (54000 program_limit_exceeded).
    ResourceLimit,
    /// The model exists but is of a kind the function does not apply to, e.g. `fin_score` on a
    /// logistic model (42809 wrong_object_type).
    WrongModelKind,
    /// A stored model cannot be read (XX001 data_corrupted).
    CorruptModel,
    /// The solver failed for a reason that is not the user's input (XX000 internal_error).
    Internal,
    /// No such model, version or role (42704 undefined_object).
    NotFound,
    /// The relation a model was trained on is gone (42P01 undefined_table).
    NoSuchRelation,
    /// The caller may not do this with the model (42501 insufficient_privilege).
    PermissionDenied,
    /// The catalog is not in a state that allows it: extension not installed or not updated,
    /// nothing to roll back (55000 object_not_in_prerequisite_state).
    NotReady,
    /// The object is in use: dropping the deployed version (55006 object_in_use).
    InUse,
    /// A required argument is NULL (22004 null_value_not_allowed).
    NullArgument,
    /// A result outside its SQL type's range (22003 numeric_value_out_of_range).
    OutOfRange,
    /// The server's configured capacity is taken: every training slot of
    /// finml.max_concurrent_trainings stayed busy past finml.training_wait_timeout (53400
    /// configuration_limit_exceeded).
    Busy,
    /// An allocation the server could not give (53200 out_of_memory): finml allocates large
    /// buffers fallibly and raises this where an infallible allocation would abort the
    /// backend, and with it every session of the server.
    OutOfMemory,
}

/// `word` with its indefinite article: "a kmeans", "an isolation_forest".
pub fn with_article(word: &str) -> String {
    let vowel = word.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// An empty vector with room for `count` values, allocated fallibly: 53200 naming `what`
/// where the memory is not there. Rust aborts the process on a failed allocation (and
/// PostgreSQL restarts every session with it), so each buffer a caller can make large is
/// reserved here (DESIGN.md, "Allocation failure").
pub fn try_vec<T>(count: usize, what: &str) -> Result<Vec<T>> {
    let mut values = Vec::new();
    try_reserve(&mut values, count, what)?;
    Ok(values)
}

/// Room for `count` more values in `into`, allocated fallibly (53200 naming `what`).
pub fn try_reserve<T>(into: &mut Vec<T>, count: usize, what: &str) -> Result<()> {
    into.try_reserve(count).map_err(|_| {
        Error::new(
            ErrorKind::OutOfMemory,
            format!("out of memory for {what} of {count} values"),
        )
        .with_hint("free memory on the server (other sessions' work, or a lower finml.max_training_memory), then try again")
    })
}

/// An error with a message for people, and optional detail and hint.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            detail: None,
            hint: None,
        }
    }

    pub fn invalid_option(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidOption, message)
    }

    pub fn invalid_data(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidData, message)
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
