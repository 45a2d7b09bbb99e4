//! Drift and ongoing monitoring: `fin_psi` (a population against the training split) and
//! `fin_monitor` (per period: stability, discrimination, calibration; optionally kept as
//! history in finml.monitoring). The services are pg/monitor.rs's; the aggregate
//! `fin_drift_counts` is declared here, its C-level transition is pg/drift_aggregate.rs's.

use crate::error::required;
use crate::pg::drift_aggregate;
use crate::pg::monitor;
use pgrx::datum::Array;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

/// Population stability of `relation` against the training split: the PSI of the model's
/// output (feature '(score)': a scorecard's score over its training score bands, another
/// model's prediction over its training deciles) and the characteristic stability index of
/// each feature (a scorecard's over its bins; otherwise over the training deciles, or
/// levels); status stable < 0.1 <= watch <= 0.25 < shifted. Versions trained before finml
/// 0.5.0 that are not scorecards: 0A000 (retrain to measure them).
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_restricted)]
fn fin_psi(
    model: &str,
    relation: PgRelation,
) -> Result<
    TableIterator<
        'static,
        (
            name!(feature, String),
            name!(psi, f64),
            name!(status, String),
        ),
    >,
    ErrorReport,
> {
    Ok(TableIterator::new(monitor::psi(model, relation.oid())?))
}

// fin_drift_counts_step(counts int8[], model text, numbers float8[], texts text[]): one row
// into fin_psi's counts, the transition of the aggregate below, declared here because pgrx
// cannot declare a function that returns its argument.
pgrx::extension_sql!(
    r#"
CREATE FUNCTION fin_drift_counts_step(counts int8[], model text, numbers float8[], texts text[])
RETURNS int8[] STABLE STRICT PARALLEL SAFE COST 100
LANGUAGE c AS 'MODULE_PATHNAME', 'fin_drift_counts_step';
"#,
    name = "fin_drift_counts_step_function"
);

/// Two partial counts of `fin_drift_counts` added: its combine function, with which
/// PostgreSQL's parallel workers and Citus's workers each count a part of the rows.
#[pg_extern(immutable, strict, parallel_safe)]
fn fin_drift_counts_add(a: Array<'_, i64>, b: Array<'_, i64>) -> Result<Vec<i64>, ErrorReport> {
    drift_aggregate::add_counts(a, b)
}

pgrx::extension_sql!(
    r#"
CREATE AGGREGATE fin_drift_counts(model text, numbers float8[], texts text[]) (
    SFUNC = fin_drift_counts_step,
    STYPE = int8[],
    INITCOND = '{}',
    COMBINEFUNC = fin_drift_counts_add,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE fin_drift_counts(text, float8[], text[]) IS
    'the counts behind fin_psi of rows given as their numeric and text features (rows, then the output''s and each feature''s buckets); parallel and Citus workers count parts, added by fin_drift_counts_add';
"#,
    name = "fin_drift_counts_aggregate",
    requires = ["fin_drift_counts_step_function", fin_drift_counts_add]
);

/// One row per period of `relation`: the rows of the period column `period` (a date or
/// timestamp truncated to the month by default, see options "truncate"; any other column by
/// its values) with rows, labelled rows (where the model's target column is present and not
/// NULL), event rate, mean predicted probability, AUC, KS, Gini, Brier and the
/// Hosmer–Lemeshow p-value of the labelled rows, the PSI of the output against the training
/// split, the feature with the highest CSI, and the worse status of the two. With
/// `{"store": true}` (the model's owner only) the rows are kept in finml.monitoring.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_monitor(
    model: Option<&str>,
    relation: Option<PgRelation>,
    period: Option<&str>,
    options: default!(Option<JsonB>, "'{}'"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(period, Option<String>),
            name!(rows, i64),
            name!(labelled_rows, i64),
            name!(event_rate, Option<f64>),
            name!(mean_predicted, f64),
            name!(auc, Option<f64>),
            name!(ks, Option<f64>),
            name!(gini, Option<f64>),
            name!(brier, Option<f64>),
            name!(hosmer_lemeshow_p, Option<f64>),
            name!(psi, f64),
            name!(max_csi_feature, Option<String>),
            name!(max_csi, Option<f64>),
            name!(status, String),
        ),
    >,
    ErrorReport,
> {
    let model = required(model, "model")?;
    let relation = required(relation, "relation")?;
    let period = required(period, "period")?;
    let options = options.map_or(serde_json::json!({}), |o| o.0);
    let rows = monitor::monitor(model, relation.oid(), period, &options)?;
    Ok(TableIterator::new(rows))
}
