//! One decision tree (CART): a forest of one tree grown on every training row and every
//! column, deepened while a split lowers the Gini impurity of a classifier or the variance
//! of a regression (the variance of the 0/1 target is half its Gini impurity), on the same
//! histograms as the boosted trees. Its leaves read as rules (`fin_tree_rules`).

pub mod algorithm;

use crate::error::Result;
use crate::estimator::random_forest::{
    fit_forest, forest_settings, ForestFit, ForestSettings, MaxFeatures,
};
use crate::fit::FitInput;
use crate::preprocess::Preprocessor;
use serde_json::{Map, Value};

/// The keys of algorithm "tree".
pub const TREE_KEYS: &[&str] = &["max_depth", "min_samples_leaf", "max_bins", "class_weight"];

/// Validated tree parameters: a forest's settings for one tree on every row and column.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeParams {
    pub forest: ForestSettings,
}

impl TreeParams {
    /// Defaults: max_depth 5, min_samples_leaf 20 (a tree that reads as a page of rules).
    pub fn from_options(options: &Map<String, Value>) -> Result<TreeParams> {
        let mut forest = forest_settings(options, 5, 20)?;
        forest.n_trees = 1;
        forest.bootstrap = false;
        forest.max_features = MaxFeatures::All;
        Ok(TreeParams { forest })
    }
}

pub fn fit_tree(
    input: &mut FitInput<'_>,
    params: &TreeParams,
) -> Result<(Preprocessor, ForestFit)> {
    fit_forest(input, &params.forest, "a decision tree")
}
