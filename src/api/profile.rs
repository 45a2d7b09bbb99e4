//! `fin_profile`: screening candidate features before modelling.

use crate::error::{fail, required, ErrorKind, OrReport};
use crate::gucs;
use crate::pg::relation;
use finml_models::estimator::Params;
use finml_models::profile::profile;
use finml_models::{Algorithm, TrainOptions};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{JsonB, PgRelation};

/// One row per candidate column of `relation` (every column but the target and
/// `options.exclude`, as fin_train chooses them) against the
/// two-class `target`: its type, NULL share, distinct values, min / median / max (numeric)
/// or top levels with their shares (text, boolean), the information value and univariate
/// AUC of the column binned as a scorecard bins it (the scorecard's options apply:
/// max_bins, min_bin_size, monotonic, min_iv), the numeric columns correlated with it beyond
/// |r| = 0.8 (Pearson, as corr()), and a suggested action: keep, or drop as constant, mostly
/// NULL (95% or more), IV below min_iv, or a duplicate of a stronger column that is kept.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, parallel_restricted)]
fn fin_profile(
    relation: Option<PgRelation>,
    target: Option<&str>,
    options: default!(Option<JsonB>, "'{}'"),
) -> Result<
    TableIterator<
        'static,
        (
            name!(column_name, String),
            name!(type_name, String),
            name!(null_share, Option<f64>),
            name!(distinct_values, Option<i64>),
            name!(min, Option<f64>),
            name!(median, Option<f64>),
            name!(max, Option<f64>),
            name!(top_levels, Option<String>),
            name!(iv, Option<f64>),
            name!(auc, Option<f64>),
            name!(correlated_with, Option<String>),
            name!(action, String),
        ),
    >,
    ErrorReport,
> {
    let relation = required(relation, "relation")?;
    let target = required(target, "target")?;
    let options = options.map_or(serde_json::json!({}), |o| o.0);
    let parsed = TrainOptions::from_json(&options).or_report()?;
    let Params::Scorecard(binning) = parsed.params(Algorithm::Scorecard).or_report()? else {
        return Err(fail(
            ErrorKind::Internal,
            "scorecard options parsed as another algorithm's",
            "report this as a finml bug",
        ));
    };
    let relation_name = relation::relation_name(relation.oid())?;
    let columns = relation::columns_of(relation.oid())?;
    let primary_key = relation::primary_key_of(relation.oid())?;
    let plan = relation::plan(
        &columns,
        primary_key,
        &relation_name,
        Some(target),
        None,
        &parsed,
    )
    .or_report()?;
    let data = relation::read(&relation_name, &plan, gucs::max_training_memory_bytes())?;
    let profiles = profile(&data, &parsed, &binning).or_report()?;
    let type_of = |name: &str| {
        columns
            .iter()
            .find(|c| c.name == name)
            .map_or(String::new(), |c| c.type_name.clone())
    };
    let mut rows: Vec<_> = profiles
        .into_iter()
        .map(|p| {
            let correlated: Vec<String> = p
                .correlated
                .iter()
                .map(|(other, r)| format!("{other} {r:.4}"))
                .collect();
            (
                p.name.clone(),
                type_of(&p.name),
                Some(p.null_share),
                Some(p.distinct as i64),
                p.min,
                p.median,
                p.max,
                p.top_levels,
                Some(p.iv),
                p.auc,
                (!correlated.is_empty()).then(|| correlated.join(", ")),
                p.action,
            )
        })
        .collect();
    rows.extend(plan.skipped.iter().map(|c| {
        (
            c.name.clone(),
            c.type_name.clone(),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            format!("drop: finml does not read {}", c.type_name),
        )
    }));
    Ok(TableIterator::new(rows))
}
