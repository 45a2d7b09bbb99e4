//! `fin_profile`'s service: screening candidate features before modelling. The relation is
//! read with training's column plan, and each column is profiled against the target as a
//! scorecard bins it (finml_models::profile).

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::relation::{self, RelationColumn};
use finml_models::profile::{profile, ColumnProfile};
use finml_models::registry::SCORECARD;
use finml_models::scorecard::ScorecardParams;
use finml_models::TrainOptions;
use pgrx::pg_sys::Oid;
use serde_json::Value;

/// fin_profile's row, in its columns' order: column, type, NULL share, distinct values, min,
/// median, max, top levels, IV, AUC, correlated columns, action.
pub type ProfileRow = (
    String,
    String,
    Option<f64>,
    Option<i64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<String>,
    String,
);

/// fin_profile: one row per candidate column of `relation` against the two-class `target`,
/// with `options` (fin_train's, "{}" when NULL); the columns finml does not read last.
pub fn profile_columns(relation: Oid, target: &str, options: &Value) -> SqlResult<Vec<ProfileRow>> {
    let training = TrainOptions::from_json(options)
        .and_then(|parsed| parsed.for_algorithm(SCORECARD))
        .or_report()?;
    let parsed = &training.options;
    let Some(binning) = training.params.downcast_ref::<ScorecardParams>() else {
        return Err(fail(
            ErrorKind::Internal,
            "scorecard options parsed as another algorithm's",
            "report this as a finml bug",
        ));
    };
    let relation_name = relation::relation_name(relation)?;
    let columns = relation::columns_of(relation)?;
    let primary_key = relation::primary_key_of(relation)?;
    let plan = relation::plan(
        &columns,
        primary_key,
        &relation_name,
        Some(target),
        None,
        parsed,
    )
    .or_report()?;
    let data = relation::read(&relation_name, &plan, gucs::max_training_memory_bytes())?;
    let profiles = profile(&data, parsed, binning).or_report()?;
    let mut rows: Vec<_> = profiles
        .into_iter()
        .map(|p| profile_row(p, &columns))
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
    Ok(rows)
}

/// A profiled column's row, with its type's name from the relation's `columns`.
fn profile_row(p: ColumnProfile, columns: &[RelationColumn]) -> ProfileRow {
    let type_of = |name: &str| {
        columns
            .iter()
            .find(|c| c.name == name)
            .map_or(String::new(), |c| c.type_name.clone())
    };
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
}
