//! Tree models: `fin_tree_rules`, one tree's leaves as rules (pg/trees.rs).

use crate::pg::trees;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Every leaf of tree number `tree` (from 1) of a `gbdt`, `random_forest` or `tree` model, in
/// node order: the rule a row meets to end there (conditions on the feature columns, joined
/// by AND), the training rows (weights) that reached it, their event rate (a classifier's
/// single tree or forest; NULL for a regression and for boosted trees, whose leaves fit
/// gradients), what the leaf adds to the output (log-odds of a classifier, value of a
/// regression), and, for a model of one tree, the prediction of a row that ends there.
// pgrx derives the SQL columns from the spelled-out tuple, so no type alias here.
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_safe)]
fn fin_tree_rules(
    model: &str,
    tree: default!(i32, 1),
) -> Result<
    TableIterator<
        'static,
        (
            name!(leaf, i32),
            name!(rule, String),
            name!(rows, f64),
            name!(event_rate, Option<f64>),
            name!(output, f64),
            name!(prediction, Option<f64>),
        ),
    >,
    ErrorReport,
> {
    Ok(TableIterator::new(trees::tree_rules(model, tree)?))
}
