//! `fin_profile`: screening candidate features before modelling (pg/profile.rs).

use crate::error::required;
use crate::pg::profile::profile_columns;
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
/// With `options.protected` (and `bands` for numeric attributes, `proxy_threshold`), the
/// proxy screen: the protected attributes are no candidates; each candidate's association
/// with each of them (Cramér's V, correlation ratio, AUC or |Pearson r|), the attributes it
/// is a likely proxy for, and a kept column to be reviewed as one.
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
            name!(protected_association, Option<String>),
            name!(proxy_for, Option<String>),
        ),
    >,
    ErrorReport,
> {
    let relation = required(relation, "relation")?;
    let target = required(target, "target")?;
    let options = options.map_or(serde_json::json!({}), |o| o.0);
    let rows = profile_columns(relation.oid(), target, &options)?;
    Ok(TableIterator::new(rows))
}
