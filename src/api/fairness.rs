//! Fair-lending tests: `fin_fairness` (pg/fairness.rs).

use crate::pg::fairness;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

/// The model's decisions on the labelled rows of `relation` (read with the caller's rights)
/// compared across the groups of each `protected` column, as fairlearn's `MetricFrame`
/// measures them with the approval as the prediction and the favourable outcome as the
/// truth. `options`: `cutoff` (required: the probability of the model's positive class at
/// which an application is declined), `approve` ("below", the default, or "above" for a
/// model of the favourable outcome), `reference` (a group per attribute; default: the group
/// with the highest approval rate), `bands` (a numeric attribute's band edges, e.g.
/// `{"age": [25, 35, 50, 65]}`), `impact_ratio_threshold` (0.8, the four-fifths rule).
/// Per group: rows, events (the model's positive class), the approval rate, its ratio to
/// the reference group's (adverse impact, flagged under the threshold) and difference
/// (statistical parity), the true and false positive rates of the approval and their
/// differences (equal opportunity, average odds), AUC, mean predicted against observed event
/// rate, and the standardized mean difference of scores; per attribute, on each of its rows,
/// fairlearn's demographic parity and equalized odds differences and ratios.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted)]
fn fin_fairness(
    model: &str,
    relation: PgRelation,
    protected: Vec<Option<String>>,
    options: JsonB,
) -> Result<
    TableIterator<
        'static,
        (
            name!(attribute, String),
            name!(grp, Option<String>),
            name!(is_reference, bool),
            name!(rows, i64),
            name!(events, i64),
            name!(approval_rate, f64),
            name!(adverse_impact_ratio, Option<f64>),
            name!(adverse_impact, Option<bool>),
            name!(parity_difference, f64),
            name!(tpr, Option<f64>),
            name!(fpr, Option<f64>),
            name!(equal_opportunity_difference, Option<f64>),
            name!(average_odds_difference, Option<f64>),
            name!(auc, Option<f64>),
            name!(mean_predicted, f64),
            name!(observed_rate, f64),
            name!(standardized_mean_difference, Option<f64>),
            name!(demographic_parity_difference, Option<f64>),
            name!(demographic_parity_ratio, Option<f64>),
            name!(equalized_odds_difference, Option<f64>),
            name!(equalized_odds_ratio, Option<f64>),
        ),
    >,
    ErrorReport,
> {
    Ok(TableIterator::new(fairness::fairness(
        model,
        relation.oid(),
        &protected,
        &options.0,
    )?))
}
