//! Tree models, the service of api/trees.rs: one tree of a gradient-boosted, random-forest or
//! single-tree model as rules, one row per leaf ([`tree_rules`]).

use crate::error::{check_argument, fail, ErrorKind, SqlResult};
use crate::pg::cache::with_model;
use finml_models::estimator::tree::algorithm::TreeEstimator;
use finml_models::trees::rules;
use finml_models::Task;

/// fin_tree_rules's row: leaf, rule, rows, event rate, output, prediction.
pub type RuleRow = (i32, String, f64, Option<f64>, f64, Option<f64>);

/// fin_tree_rules: every leaf of tree number `tree` (from 1) of a tree model, in node order.
pub fn tree_rules(model: &str, tree: i32) -> SqlResult<Vec<RuleRow>> {
    with_model(model, |m| {
        let Some(trees) = m.model.estimator.downcast_ref::<TreeEstimator>() else {
            return Err(fail(
                ErrorKind::WrongModelKind,
                format!(
                    "fin_tree_rules reads the trees of a tree model; \"{model}\" is {} model",
                    finml_models::error::with_article(m.model.algorithm().as_str())
                ),
                "train one with algorithm => 'tree' (one tree that reads as rules), 'random_forest' or 'gbdt'; fin_explain explains any supervised model's prediction",
            ));
        };
        let ensemble = &trees.ensemble;
        let count = i32::try_from(ensemble.trees.len()).unwrap_or(i32::MAX);
        let index = check_argument(
            "tree",
            tree,
            1,
            Some(count),
            &format!(
                "the model has {count} tree{}, numbered from 1",
                if count == 1 { "" } else { "s" }
            ),
        )?;
        let classifier = m.model.task == Task::Classification;
        // A row's prediction is one leaf's only when the model is that one tree.
        let single = ensemble.trees.len() == 1;
        let chosen = &ensemble.trees[(index - 1) as usize];
        Ok(rules::tree_rules(&m.model.preprocessor, chosen)
            .into_iter()
            .map(|rule| {
                (
                    i32::try_from(rule.leaf).unwrap_or(i32::MAX),
                    rule.condition,
                    rule.rows,
                    rule.target_mean.filter(|_| classifier),
                    rule.value,
                    single.then(|| m.model.link(ensemble.finish(rule.value))),
                )
            })
            .collect())
    })
}
