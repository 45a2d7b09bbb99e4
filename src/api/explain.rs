//! Explanations: `fin_explain` (one row's prediction taken apart) and `fin_importance`
//! (pg/explain.rs).

use crate::error::required;
use crate::pg::explain;
use crate::pg::row::RecordArg;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Why the model predicted what it did for `row`: a '(baseline)' row (the prediction at the
/// training mean), then the `top_k` features with the largest contributions, then
/// '(other features)' with the rest when some are left out. A text feature's value lists
/// its n-grams that weigh most, with their shares: 'crypto (+0.912), urgent (+0.481)'.
/// Contributions are exact and
/// additive on the log-odds scale (the predicted value for a regression): the rows sum to
/// the row's log-odds, ln(p / (1 − p)). A multi-class model's are of its most probable
/// class's score (its logit), or of `class`'s when named; a two-class model's `class` may name
/// its negative class (the log-odds of that class: every term negated). Not STRICT, so that
/// `class` can default to NULL: a NULL model, row or top_k is 22004.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_safe)]
fn fin_explain(
    model: Option<&str>,
    row: Option<RecordArg>,
    top_k: default!(Option<i32>, 5),
    class: default!(Option<&str>, "NULL"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(feature, String),
            name!(value, Option<String>),
            name!(contribution, f64),
        ),
    >,
    ErrorReport,
> {
    Ok(TableIterator::new(explain::explain(
        required(model, "model")?,
        required(row, "row")?,
        required(top_k, "top_k")?,
        class,
    )?))
}

/// Global importance of each feature: the standard deviation of its contribution over the
/// training rows (on the log-odds scale for a classifier), most important first.
#[pg_extern(stable, strict, parallel_safe)]
fn fin_importance(
    model: &str,
) -> Result<TableIterator<'static, (name!(feature, String), name!(importance, f64))>, ErrorReport> {
    Ok(TableIterator::new(explain::importance(model)?))
}
