//! Explanations: `fin_explain` (one row's prediction taken apart) and `fin_importance`
//! (pg/explain.rs).

use crate::error::required;
use crate::pg::explain;
use crate::pg::row::RecordArg;
use crate::pg::srf::MaterializedRows;
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
///
/// Its rows go straight into the executor's tuplestore (pg/srf.rs), hence the SQL written
/// out here: pgrx would declare the same function.
#[pg_extern(sql = r#"
CREATE FUNCTION "fin_explain"(
	"model" TEXT,
	"row" record,
	"top_k" INT DEFAULT 5,
	"class" TEXT DEFAULT NULL
) RETURNS TABLE (
	"feature" TEXT,
	"value" TEXT,
	"contribution" double precision
)
STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'fin_explain_wrapper';
"#)]
fn fin_explain(
    model: Option<&str>,
    row: Option<RecordArg>,
    top_k: Option<i32>,
    class: Option<&str>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> Result<(), ErrorReport> {
    let (model, row, top_k) = (
        required(model, "model")?,
        required(row, "row")?,
        required(top_k, "top_k")?,
    );
    // SAFETY: pgrx passes this call's fcinfo; the function returns a set of rows.
    let mut out = unsafe { MaterializedRows::begin(fcinfo)? };
    explain::explain(model, row, (top_k, class), &mut out)
}

/// Global importance of each feature: the standard deviation of its contribution over the
/// training rows (on the log-odds scale for a classifier), most important first.
#[pg_extern(stable, strict, parallel_safe)]
fn fin_importance(
    model: &str,
) -> Result<TableIterator<'static, (name!(feature, String), name!(importance, f64))>, ErrorReport> {
    Ok(TableIterator::new(explain::importance(model)?))
}
