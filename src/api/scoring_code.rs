//! `fin_model_sql`: a model as one SQL expression, to run it where finml is not installed.

use crate::error::{fail, ErrorKind, OrReport};
use crate::pg::cache::with_model;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// One SQL expression over the model's feature columns (unqualified, quoted) that computes
/// what `fin_predict` returns (`output => 'prediction'`, the default) or, for a scorecard,
/// what `fin_score` returns (`output => 'score'`): imputation, scaling, one-hot indicators
/// and coefficients, or the scorecard's CASE per characteristic with its NULL bin (which
/// also takes levels unseen in training). It uses only built-in float8 arithmetic, CASE,
/// coalesce, exp, least, greatest and floor. An MLP has none: 0A000.
#[pg_extern(stable, strict, parallel_safe)]
fn fin_model_sql(
    model: &str,
    output: default!(&str, "'prediction'"),
) -> Result<String, ErrorReport> {
    let score = match output {
        "prediction" => false,
        "score" => true,
        other => return Err(fail(
            ErrorKind::InvalidOption,
            format!("unknown output \"{other}\""),
            "output is 'prediction' (what fin_predict returns) or 'score' (fin_score, scorecards)",
        )),
    };
    with_model(model, |m| m.model.sql_expression(score).or_report())
}
