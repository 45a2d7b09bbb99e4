//! The tree algorithm behind the seam, and the estimator every tree algorithm fits: trees
//! that add up (`trees::Ensemble`), explained by TreeSHAP and written as SQL through
//! `Predictor::Trees`.

use super::{fit_tree, TreeParams, TREE_KEYS};
use crate::error::Result;
use crate::estimator::{
    Algorithm, Estimator, Fitted, Params, Predictor, Spec, StoredEstimator, TREES_FORMAT_VERSION,
};
use crate::fit::{FitInput, Task};
use crate::html::{escape, number};
use crate::preprocess::Preprocessor;
use crate::trees::rules::tree_rules;
use crate::trees::{Ensemble, PackedTrees};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One classification or regression tree (CART on histograms).
pub const TREE: Algorithm = Algorithm::of(&TreeSpec);

/// Keys of the shared options that tree models refuse.
pub const NOT_FOR_TREES: &[&str] = &["max_iter"];
pub const NOT_FOR_TREES_HINT: &str =
    "tree models grow a set number of trees (n_trees) instead of iterating a solver";

struct TreeSpec;

impl Spec for TreeSpec {
    fn name(&self) -> &'static str {
        "tree"
    }

    fn keys(&self) -> &'static [&'static str] {
        TREE_KEYS
    }

    fn refused(&self) -> (&'static [&'static str], &'static str) {
        (NOT_FOR_TREES, NOT_FOR_TREES_HINT)
    }

    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        Ok(Box::new(TreeParams::from_options(options)?))
    }

    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        TreeEstimator::read(TREE, stored)
    }
}

impl Params for TreeParams {
    fn algorithm(&self) -> Algorithm {
        TREE
    }

    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        let (preprocessor, fit) = fit_tree(input, self)?;
        Ok(Fitted::of(
            preprocessor,
            TreeEstimator::new(TREE, fit.ensemble, fit.out_of_bag),
        ))
    }

    fn class_weighted(&self) -> bool {
        self.forest.class_weight.is_some()
    }
}

/// A tree model: its algorithm, its trees, and what a forest measured out of the bag.
#[derive(Debug, Clone)]
pub struct TreeEstimator {
    pub algorithm: Algorithm,
    pub ensemble: Ensemble,
    pub out_of_bag: Vec<(String, f64)>,
    /// The trees packed for prediction.
    packed: PackedTrees,
}

/// Its stored fitted state.
#[derive(Serialize, Deserialize)]
struct StoredTrees {
    #[serde(flatten)]
    ensemble: Ensemble,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    out_of_bag: Vec<(String, f64)>,
}

impl TreeEstimator {
    pub fn new(
        algorithm: Algorithm,
        ensemble: Ensemble,
        out_of_bag: Vec<(String, f64)>,
    ) -> TreeEstimator {
        TreeEstimator {
            algorithm,
            packed: PackedTrees::of(&ensemble),
            ensemble,
            out_of_bag,
        }
    }

    /// The estimator of a stored tree model of `algorithm`.
    pub fn read(algorithm: Algorithm, stored: StoredEstimator) -> Result<Box<dyn Estimator>> {
        let trees: StoredTrees = stored.into_fitted(algorithm.as_str())?;
        Ok(Box::new(TreeEstimator::new(
            algorithm,
            trees.ensemble,
            trees.out_of_bag,
        )))
    }
}

impl Estimator for TreeEstimator {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    fn predictor(&self) -> Predictor<'_> {
        Predictor::Trees(&self.ensemble, &self.packed)
    }

    fn trains(&self, task: Task) -> bool {
        matches!(task, Task::Classification | Task::Regression)
    }

    fn first_invalid_parameter(&self) -> Option<String> {
        let e = &self.ensemble;
        if !e.base.is_finite() {
            return Some("base score".to_owned());
        }
        e.trees
            .iter()
            .any(|t| t.values.iter().any(|v| !v.is_finite()))
            .then(|| "tree leaf value".to_owned())
    }

    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        self.ensemble.structure_problem(preprocessor.width())
    }

    fn format_version(&self) -> u32 {
        TREES_FORMAT_VERSION
    }

    fn to_stored(&self, width: usize) -> StoredEstimator {
        StoredEstimator::of_fitted(
            width,
            &StoredTrees {
                ensemble: self.ensemble.clone(),
                out_of_bag: self.out_of_bag.clone(),
            },
        )
    }

    fn training_metrics(&self) -> Vec<(String, f64)> {
        self.out_of_bag.clone()
    }

    /// A single tree's leaves as rules (fin_tree_rules' table); an ensemble has too many.
    fn report_section(&self, preprocessor: &Preprocessor, html: &mut String) {
        let [tree] = self.ensemble.trees.as_slice() else {
            return;
        };
        html.push_str(
            "<section><h2>Rules</h2><p>Each leaf of the tree as the conditions a row meets to \
             end in it (what fin_tree_rules returns).</p><table><tr><th>leaf</th><th>rule</th>\
             <th>rows</th><th>event rate / mean</th><th>output</th></tr>\n",
        );
        for rule in tree_rules(preprocessor, tree) {
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                rule.leaf,
                escape(&rule.condition),
                number(rule.rows),
                rule.target_mean.map_or_else(String::new, number),
                number(self.ensemble.finish(rule.value))
            ));
        }
        html.push_str("</table></section>\n");
    }

    fn structure(&self) -> Option<(&'static str, String)> {
        let trees = &self.ensemble.trees;
        let leaves: usize = trees.iter().map(|t| t.leaves()).sum();
        let depth = trees.iter().map(|t| t.depth()).max().unwrap_or(0);
        Some((
            "Trees",
            format!(
                "{} tree{}, {leaves} leaves in all, {depth} levels at the deepest",
                trees.len(),
                if trees.len() == 1 { "" } else { "s" }
            ),
        ))
    }
}
