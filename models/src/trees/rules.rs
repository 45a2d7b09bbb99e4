//! Trees as people and other databases read them: each leaf of a tree as a rule over the
//! feature columns (`fin_tree_rules`), and a whole ensemble as one SQL expression
//! (`fin_model_sql`) that repeats `Ensemble::output` operation for operation, so that it
//! gives the same double as fin_predict.

use super::{Combine, Ensemble, Tree};
use crate::error::{Error, ErrorKind, Result};
use crate::preprocess::{Preprocessor, Transform};
use crate::scoring_code::{column, float8, text_literal};

/// What one design column is, for a split on it.
enum Column<'a> {
    /// A number: its SQL value, the feature's name, and whether a NULL stays NULL (else it
    /// is imputed, and the rule never mentions it).
    Number {
        feature: &'a str,
        sql: String,
        keeps_missing: bool,
    },
    /// An indicator of a category's level (`None`: its NULL level).
    Level {
        feature: &'a str,
        level: Option<&'a str>,
    },
    /// A column with no SQL form (a date part, hashed text).
    Other { feature: &'a str },
}

/// Every design column, in order.
fn columns(preprocessor: &Preprocessor) -> Vec<Column<'_>> {
    let mut out = Vec::with_capacity(preprocessor.width());
    for f in &preprocessor.features {
        let name = column(&f.name);
        match &f.transform {
            Transform::Numeric(n) => {
                let value = if n.keep_missing {
                    format!("({name})::float8")
                } else {
                    format!("coalesce(({name})::float8, {})", float8(n.impute))
                };
                let sql = if n.mean == 0.0 && n.scale == 1.0 {
                    value
                } else {
                    format!("(({value} - {}) / {})", float8(n.mean), float8(n.scale))
                };
                out.push(Column::Number {
                    feature: &f.name,
                    sql,
                    keeps_missing: n.keep_missing,
                });
            }
            Transform::Categorical(c) => {
                let mut levels: Vec<Option<&str>> =
                    c.levels.iter().map(|l| Some(l.as_str())).collect();
                if let Some(missing) = c.missing_column {
                    levels.insert(missing.min(levels.len()), None);
                }
                out.extend(levels.into_iter().map(|level| Column::Level {
                    feature: &f.name,
                    level,
                }));
            }
            other => out.extend((0..other.width()).map(|_| Column::Other { feature: &f.name })),
        }
    }
    out
}

/// The SQL condition of an indicator being 1.
fn level_is_set(feature: &str, level: Option<&str>) -> String {
    let name = column(feature);
    match level {
        Some(level) => format!("({name})::text = {}", text_literal(level)),
        None => format!("{name} IS NULL"),
    }
}

/// The most tree nodes `fin_model_sql` writes.
pub const MAX_SQL_NODES: usize = 1 << 20;

/// One tree as a nested CASE giving its output.
fn tree_sql(tree: &Tree, columns: &[Column<'_>], node: usize) -> Result<String> {
    if tree.is_leaf(node) {
        return Ok(float8(tree.values[node]));
    }
    let (left, right) = (
        tree.children_left[node] as usize,
        tree.children_right[node] as usize,
    );
    let default_left = tree.children_default[node] as usize == left;
    let threshold = tree.thresholds[node];
    let condition = match &columns[tree.features[node] as usize] {
        Column::Number { sql, .. } if default_left => {
            format!("{sql} < {} OR {sql} IS NULL", float8(threshold))
        }
        // A NULL compares as NULL, which CASE takes as false: the right (default) side.
        Column::Number { sql, .. } => format!("{sql} < {}", float8(threshold)),
        Column::Level { feature, level } => {
            // An indicator is 1 or 0: which of them goes left is fixed by the threshold.
            let set = level_is_set(feature, *level);
            match (1.0 < threshold, 0.0 < threshold) {
                (true, true) => "true".to_owned(),
                (false, false) => "false".to_owned(),
                (true, false) => set,
                (false, true) => format!("({set}) IS NOT TRUE"),
            }
        }
        Column::Other { feature } => {
            return Err(Error::new(
                ErrorKind::Unsupported,
                format!("feature \"{feature}\" (a date or hashed text) has no SQL expression in a tree model"),
            )
            .with_hint("score it with fin_predict or fin_score_table, or export it with fin_export"))
        }
    };
    Ok(format!(
        "CASE WHEN {condition} THEN {} ELSE {} END",
        tree_sql(tree, columns, left)?,
        tree_sql(tree, columns, right)?
    ))
}

/// The ensemble's output unit as one SQL expression: the trees added left to right, then
/// weighed and added to the base, as `Ensemble::output` does.
pub fn ensemble_sql(preprocessor: &Preprocessor, ensemble: &Ensemble) -> Result<String> {
    // Some 100 bytes of SQL a node: a stored model of many more (an import may hold 10,000
    // trees of 2^20 nodes) would ask for gigabytes before PostgreSQL's 1 GB text limit.
    let nodes: usize = ensemble.trees.iter().map(Tree::len).sum();
    if nodes > MAX_SQL_NODES {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("the model's {nodes} tree nodes are more than its SQL expression may hold ({MAX_SQL_NODES})"),
        )
        .with_hint("score it with fin_predict or fin_score_table, or export it with fin_export"));
    }
    let columns = columns(preprocessor);
    let trees = ensemble
        .trees
        .iter()
        .map(|t| {
            // Up to 2^20 nodes in all: cancellable between trees.
            crate::interrupt::check();
            tree_sql(t, &columns, 0).map(|sql| format!("({sql})"))
        })
        .collect::<Result<Vec<_>>>()?;
    let sum = trees.join("\n  + ");
    Ok(match ensemble.combine {
        Combine::Sum => format!("{} + ({sum})", float8(ensemble.base)),
        Combine::Mean => format!(
            "{} + ({sum}) / {}",
            float8(ensemble.base),
            float8(ensemble.trees.len() as f64)
        ),
    })
}

/// One leaf of a tree as a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The leaf's node number.
    pub leaf: usize,
    /// The conditions a row meets to end in it, joined by AND ("all rows" for a tree of one
    /// leaf).
    pub condition: String,
    /// The training weight that reached it (rows, when none is weighed).
    pub rows: f64,
    /// The mean target of its training rows (the event rate of a classifier), when the tree
    /// keeps it.
    pub target_mean: Option<f64>,
    /// What the leaf adds to the output unit.
    pub value: f64,
}

/// What a path says of one feature so far.
#[derive(Clone)]
enum Said<'a> {
    /// A number in [lower, upper), NULL allowed or not.
    Range { lower: f64, upper: f64, null: bool },
    /// Levels a category is or is not.
    Levels {
        is: Option<Option<&'a str>>,
        is_not: Vec<Option<&'a str>>,
    },
}

/// Every leaf of `tree` as a rule, in node order.
pub fn tree_rules(preprocessor: &Preprocessor, tree: &Tree) -> Vec<Rule> {
    let columns = columns(preprocessor);
    let mut rules = Vec::new();
    let mut path: Vec<(usize, bool)> = Vec::new();
    walk(tree, &columns, 0, &mut path, &mut rules);
    rules.sort_by_key(|r| r.leaf);
    rules
}

fn walk(
    tree: &Tree,
    columns: &[Column<'_>],
    node: usize,
    path: &mut Vec<(usize, bool)>,
    rules: &mut Vec<Rule>,
) {
    if tree.is_leaf(node) {
        rules.push(Rule {
            leaf: node,
            condition: describe(tree, columns, path),
            rows: tree.node_sample_weight[node],
            target_mean: tree.target_mean.get(node).copied(),
            value: tree.values[node],
        });
        return;
    }
    for (child, went_left) in [
        (tree.children_left[node] as usize, true),
        (tree.children_right[node] as usize, false),
    ] {
        path.push((node, went_left));
        walk(tree, columns, child, path, rules);
        path.pop();
    }
}

/// A path's conditions, one per feature in the order the path first meets them.
fn describe<'a>(tree: &Tree, columns: &[Column<'a>], path: &[(usize, bool)]) -> String {
    let mut said: Vec<(&'a str, Said<'a>)> = Vec::new();
    for &(node, went_left) in path {
        let threshold = tree.thresholds[node];
        let default_left = tree.children_default[node] == tree.children_left[node];
        let (feature, fresh) = match &columns[tree.features[node] as usize] {
            Column::Number {
                feature,
                keeps_missing,
                ..
            } => (
                *feature,
                Said::Range {
                    lower: f64::NEG_INFINITY,
                    upper: f64::INFINITY,
                    null: *keeps_missing,
                },
            ),
            Column::Level { feature, .. } | Column::Other { feature } => (
                *feature,
                Said::Levels {
                    is: None,
                    is_not: Vec::new(),
                },
            ),
        };
        let position = said
            .iter()
            .position(|(f, _)| *f == feature)
            .unwrap_or_else(|| {
                said.push((feature, fresh));
                said.len() - 1
            });
        match (
            &columns[tree.features[node] as usize],
            &mut said[position].1,
        ) {
            (Column::Number { keeps_missing, .. }, Said::Range { lower, upper, null }) => {
                if went_left {
                    *upper = upper.min(threshold);
                } else {
                    *lower = lower.max(threshold);
                }
                *null &= *keeps_missing && default_left == went_left;
            }
            (Column::Level { level, .. }, Said::Levels { is, is_not }) => {
                // The indicator values (0, 1) that take this side: only 1 means the level.
                let this_side = |v: f64| (v < threshold) == went_left;
                match (this_side(1.0), this_side(0.0)) {
                    (true, false) => *is = Some(*level),
                    (false, true) => is_not.push(*level),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let parts: Vec<String> = said
        .iter()
        .filter_map(|(feature, s)| condition_text(feature, s))
        .collect();
    if parts.is_empty() {
        "all rows".to_owned()
    } else {
        parts.join(" AND ")
    }
}

fn condition_text(feature: &str, said: &Said<'_>) -> Option<String> {
    let name = feature.to_owned();
    match said {
        Said::Range { lower, upper, null } => {
            let mut bounds = Vec::new();
            if lower.is_finite() {
                bounds.push(format!("{name} >= {lower}"));
            }
            if upper.is_finite() {
                bounds.push(format!("{name} < {upper}"));
            }
            match (bounds.is_empty(), null) {
                (true, true) => None,
                (true, false) => Some(format!("{name} IS NOT NULL")),
                (false, false) => Some(bounds.join(" AND ")),
                (false, true) => Some(format!("({} OR {name} IS NULL)", bounds.join(" AND "))),
            }
        }
        Said::Levels {
            is: Some(level), ..
        } => Some(match level {
            Some(level) => format!("{name} = {}", text_literal(level)),
            None => format!("{name} IS NULL"),
        }),
        Said::Levels { is: None, is_not } if is_not.is_empty() => None,
        Said::Levels { is: None, is_not } => Some(
            is_not
                .iter()
                .map(|level| match level {
                    Some(level) => format!("{name} IS DISTINCT FROM {}", text_literal(level)),
                    None => format!("{name} IS NOT NULL"),
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A full tree of `depth` levels on design column 0.
    fn full_tree(depth: u32) -> Tree {
        let n = (1usize << (depth + 1)) - 1;
        let inner = (1usize << depth) - 1;
        let child = |k: usize, side: usize| if k < inner { (2 * k + side) as i32 } else { -1 };
        let mut weight = vec![1.0; n];
        for k in (0..inner).rev() {
            weight[k] = weight[2 * k + 1] + weight[2 * k + 2];
        }
        Tree {
            children_left: (0..n).map(|k| child(k, 1)).collect(),
            children_right: (0..n).map(|k| child(k, 2)).collect(),
            children_default: (0..n).map(|k| child(k, 1)).collect(),
            features: vec![0; n],
            thresholds: vec![0.5; n],
            values: vec![0.25; n],
            node_sample_weight: weight,
            target_mean: Vec::new(),
        }
    }

    fn one_number() -> Preprocessor {
        serde_json::from_value(serde_json::json!({"features": [{
            "name": "x", "kind": "numeric", "impute": 0.0, "mean": 0.0, "scale": 1.0,
            "keep_missing": true
        }]}))
        .unwrap()
    }

    #[test]
    fn a_model_of_more_nodes_than_its_sql_may_hold_is_refused_before_writing_it() {
        let tree = full_tree(16);
        let fits = Ensemble {
            base: 0.0,
            combine: Combine::Sum,
            trees: vec![tree.clone(); MAX_SQL_NODES / tree.len()],
        };
        assert!(ensemble_sql(&one_number(), &fits).is_ok());
        let too_many = Ensemble {
            trees: vec![tree; MAX_SQL_NODES / full_tree(16).len() + 1],
            ..fits
        };
        let e = ensemble_sql(&one_number(), &too_many).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unsupported);
        assert!(
            e.message.contains("more than its SQL expression may hold"),
            "{}",
            e.message
        );
    }
}
