//! `fin_profile`'s service: screening candidate features before modelling. The relation is
//! read with training's column plan, and each column is profiled against the target as a
//! scorecard bins it (finml_models::profile).

use crate::error::{fail, ErrorKind, OrReport, SqlResult};
use crate::gucs;
use crate::pg::relation::{self, RelationColumn};
use finml_models::profile::{profile, ColumnProfile};
use finml_models::proxy::{screen, split_options, Association, Protected};
use finml_models::registry::SCORECARD;
use finml_models::scorecard::ScorecardParams;
use finml_models::TrainOptions;
use pgrx::pg_sys::Oid;
use serde_json::Value;

/// fin_profile's row, in its columns' order: column, type, NULL share, distinct values, min,
/// median, max, top levels, IV, AUC, correlated columns, action, association with each
/// protected attribute, the attributes it is a likely proxy for.
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
    Option<String>,
    Option<String>,
);

/// fin_profile: one row per candidate column of `relation` against the two-class `target`,
/// with `options` (fin_train's, "{}" when NULL); the columns finml does not read last.
pub fn profile_columns(relation: Oid, target: &str, options: &Value) -> SqlResult<Vec<ProfileRow>> {
    let (options, proxy) = split_options(options).or_report()?;
    let training = TrainOptions::from_json(&options)
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
    let candidates = plan.features.len();
    let mut plan = plan;
    relation::add_columns(
        &mut plan,
        &columns,
        parsed.protected.iter().map(String::as_str),
    );
    let mut data = relation::read(&relation_name, &plan, gucs::max_training_memory_bytes())?;
    let protected = data
        .features
        .split_off(candidates)
        .iter()
        .map(|f| {
            Protected::new(
                &f.name,
                &f.column,
                proxy.bands.get(&f.name).map(Vec::as_slice),
            )
        })
        .collect::<Result<Vec<_>, _>>()
        .or_report()?;
    let screened: Vec<_> = data
        .features
        .iter()
        .map(|f| screen(&f.column, &protected, proxy.threshold))
        .collect();
    let profiles = profile(&data, parsed, binning).or_report()?;
    let mut rows: Vec<_> = profiles
        .into_iter()
        .zip(screened)
        .map(|(p, screened)| profile_row(p, &columns, (!protected.is_empty()).then_some(screened)))
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
            None,
            None,
        )
    }));
    Ok(rows)
}

/// A profiled column's row, with its type's name from the relation's `columns`, and with
/// `options.protected` its proxy screen: each association, and the attributes it is a likely
/// proxy for (a kept column is then to be reviewed).
fn profile_row(
    mut p: ColumnProfile,
    columns: &[RelationColumn],
    screened: Option<(Vec<Association>, Vec<String>)>,
) -> ProfileRow {
    let (associations, proxy_for) = match screened {
        Some((associations, flagged)) => {
            let listed: Vec<String> = associations
                .iter()
                .map(|a| format!("{}: {} {:.4}", a.protected, a.measure.as_str(), a.value))
                .collect();
            if !flagged.is_empty() && p.action == "keep" {
                p.action = format!("review: likely proxy for {}", flagged.join(", "));
            }
            (
                Some(listed.join(", ")),
                (!flagged.is_empty()).then(|| flagged.join(", ")),
            )
        }
        None => (None, None),
    };
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
        associations,
        proxy_for,
    )
}
