//! Explanations of a model's predictions.
//!
//! Linear models (logistic, linear, scorecard): the model's
//! linear predictor is a sum of one term per feature (Σ weight × design value over the
//! feature's design columns), so the exact additive attribution against the training mean is
//!
//!   contribution(feature) = term(feature, row) − mean of term(feature) over the training rows
//!   baseline              = intercept + Σ mean terms       (the linear predictor of the mean)
//!
//! and baseline + Σ contributions is the row's linear predictor: the log-odds of a
//! classifier, the predicted value of a regression. For a numeric feature this is the
//! original-scale coefficient × (value − training mean). A feature's global importance is the
//! standard deviation of its contribution over the training rows.
//!
//! MLPs (`estimator::mlp::explain`): integrated gradients (Sundararajan, Taly & Yan, 2017) from the training mean of the
//! design row to the row, on the output unit (log-odds, or the predicted value):
//!
//!   contribution(feature) = Σ over its design columns c of (x_c − m_c) · ∫₀¹ ∂f/∂x_c(m + α(x − m)) dα
//!   baseline              = f(m)
//!
//! The integral is the midpoint rule, its steps doubled from 64 (up to 4096) until
//! baseline + Σ contributions is within `IG_TOLERANCE` of f(x) (integrated gradients'
//! completeness; a ReLU network's gradient jumps along the path, so a fixed step count can
//! miss it by a few hundredths). The first layer's pre-activations are linear in α, so each
//! step runs only the layers above it, and the first layer's gradient is taken once per row
//! (`Network::mean_path_gradient`). A feature's global importance is the standard deviation of
//! its contribution over up to `IMPORTANCE_SAMPLE` training rows.

use crate::data::Dataset;
use crate::error::{Error, ErrorKind, Result};
use crate::preprocess::{Preprocessor, RawValue, Transform};
use crate::trees::shap::ensemble_shap;
use crate::trees::Ensemble;
use serde::{Deserialize, Serialize};

/// Rows per design-matrix chunk while measuring the reference, so that it needs little
/// memory beyond the dataset's.
pub const CHUNK_ROWS: usize = 8192;

/// What explanations are measured against: each feature's term over the training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    /// Mean of each feature's term (feature order); empty for an MLP.
    pub mean_terms: Vec<f64>,
    /// Standard deviation of each feature's contribution: its global importance.
    pub term_sd: Vec<f64>,
    /// An MLP's baseline: the mean design row over the training rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mean_design: Vec<f64>,
    /// A tree model's SHAP summary: per feature, training rows' values and contributions
    /// (the model report's chart of contributions against values).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub summary: Vec<SummaryPoints>,
}

/// One feature's points of the SHAP summary: `value` is a number's value, or a category's
/// indicator column + 1 (0: the reference level); rows with a NULL number are left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryPoints {
    pub value: Vec<f64>,
    pub contribution: Vec<f64>,
}

/// Training rows the SHAP summary keeps per feature.
pub const SUMMARY_ROWS: usize = 200;

impl SummaryPoints {
    /// What makes stored points unreadable: unequal lengths, too many, a number that is not
    /// finite.
    pub fn problem(&self) -> Option<String> {
        let n = self.value.len();
        if n != self.contribution.len() || n > SUMMARY_ROWS {
            return Some(format!(
                "a SHAP summary has {n} values and {} contributions (at most {SUMMARY_ROWS})",
                self.contribution.len()
            ));
        }
        self.value
            .iter()
            .chain(&self.contribution)
            .any(|v| !v.is_finite())
            .then(|| "a SHAP summary holds a number that is not finite".to_owned())
    }
}

impl Reference {
    /// Measures the terms of `weights` over `rows` of `data`.
    pub fn measure(
        preprocessor: &Preprocessor,
        weights: &[f64],
        data: &Dataset,
        rows: &[usize],
    ) -> Reference {
        let n_features = preprocessor.features.len();
        let mut moments = vec![RunningMoments::default(); n_features];
        preprocessor.linear_terms(data, rows, weights, |_, terms| {
            for (m, &term) in moments.iter_mut().zip(terms) {
                m.add(term);
            }
        });
        Reference {
            mean_terms: moments.iter().map(|m| m.mean).collect(),
            term_sd: moments.iter().map(RunningMoments::population_sd).collect(),
            mean_design: Vec::new(),
            summary: Vec::new(),
        }
    }
}

/// Training rows whose tree contributions measure the global importance: at most this many,
/// and fewer for deep forests, whose TreeSHAP costs Σ leaves × depth² steps a row: as many
/// as `TREE_SHAP_STEPS` allow, but at least `TREE_IMPORTANCE_FLOOR`.
pub const TREE_IMPORTANCE_SAMPLE: usize = 1000;
pub const TREE_IMPORTANCE_FLOOR: usize = 100;
pub const TREE_SHAP_STEPS: f64 = 3e8;

impl Reference {
    /// A tree model's reference: the spread of each feature's TreeSHAP contribution over up
    /// to `TREE_IMPORTANCE_SAMPLE` of `rows` (evenly spaced). Its baseline is the trees'
    /// own expected value, which they store.
    pub fn measure_trees(
        preprocessor: &Preprocessor,
        trees: &Ensemble,
        data: &Dataset,
        rows: &[usize],
    ) -> Reference {
        let wanted = trees.shap_rows(
            TREE_SHAP_STEPS,
            TREE_IMPORTANCE_FLOOR,
            TREE_IMPORTANCE_SAMPLE,
        );
        let step = rows.len().div_ceil(wanted).max(1);
        let sample: Vec<usize> = rows.iter().step_by(step).copied().collect();
        let x = preprocessor.design_matrix(data, &sample);
        let features = preprocessor.features.len();
        let mut moments = vec![RunningMoments::default(); features];
        let mut summary = vec![
            SummaryPoints {
                value: Vec::new(),
                contribution: Vec::new(),
            };
            features
        ];
        let summary_step = (sample.len() / SUMMARY_ROWS).max(1);
        for (r, row) in x.rows().into_iter().enumerate() {
            crate::interrupt::check();
            let row = row.to_vec();
            let phi = ensemble_shap(trees, &row);
            let contributions = per_feature(preprocessor, &phi);
            let keep = r % summary_step == 0;
            let mut offset = 0;
            for (k, (c, f)) in contributions
                .into_iter()
                .zip(&preprocessor.features)
                .enumerate()
            {
                moments[k].add(c);
                let width = f.transform.width();
                let value = match &f.transform {
                    Transform::Categorical(_) => row[offset..offset + width]
                        .iter()
                        .position(|&v| v == 1.0)
                        .map_or(0.0, |i| (i + 1) as f64),
                    _ if width == 1 => row[offset],
                    _ => f64::NAN,
                };
                let points = &mut summary[k];
                if keep && value.is_finite() && points.value.len() < SUMMARY_ROWS {
                    points.value.push(value);
                    points.contribution.push(c);
                }
                offset += width;
            }
        }
        Reference {
            mean_terms: Vec::new(),
            term_sd: moments.iter().map(RunningMoments::population_sd).collect(),
            mean_design: Vec::new(),
            summary,
        }
    }
}

/// A tree model's explanation of one row: exact path-dependent TreeSHAP, against the trees'
/// expected output over their training rows.
pub fn explain_trees(
    preprocessor: &Preprocessor,
    trees: &Ensemble,
    values: &[RawValue<'_>],
) -> Result<Explanation> {
    let mut row = Vec::with_capacity(preprocessor.width());
    preprocessor.design_row(values, &mut row)?;
    let phi = ensemble_shap(trees, &row);
    Ok(Explanation {
        baseline: trees.expected_value(),
        contributions: per_feature(preprocessor, &phi),
        column_terms: phi,
    })
}

/// Design-column attributions summed per feature.
pub fn per_feature(preprocessor: &Preprocessor, columns: &[f64]) -> Vec<f64> {
    let mut offset = 0;
    preprocessor
        .features
        .iter()
        .map(|f| {
            let width = f.transform.width();
            let sum = columns[offset..offset + width].iter().sum();
            offset += width;
            sum
        })
        .collect()
}

/// Welford's running mean and variance (stable where sums of squares cancel).
#[derive(Debug, Clone, Copy, Default)]
pub struct RunningMoments {
    count: f64,
    mean: f64,
    sum_squared_deviations: f64,
}

impl RunningMoments {
    pub fn add(&mut self, x: f64) {
        self.count += 1.0;
        let delta = x - self.mean;
        self.mean += delta / self.count;
        self.sum_squared_deviations += delta * (x - self.mean);
    }

    pub fn population_sd(&self) -> f64 {
        if self.count > 0.0 {
            (self.sum_squared_deviations / self.count).sqrt()
        } else {
            0.0
        }
    }
}

/// One row's prediction taken apart.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// The linear predictor at the training mean.
    pub baseline: f64,
    /// One contribution per feature, in feature order.
    pub contributions: Vec<f64>,
    /// Each design column's share of the row's output: weight × value for a linear model,
    /// the integrated gradient for an MLP (what names a text feature's n-grams).
    pub column_terms: Vec<f64>,
}

impl Explanation {
    /// baseline + Σ contributions: the row's log-odds (classifiers) or predicted value.
    pub fn linear_predictor(&self) -> f64 {
        self.baseline + self.contributions.iter().sum::<f64>()
    }

    /// The `k` features with the largest |contribution|, largest first (ties in feature
    /// order): a selection, then a sort of the `k` alone.
    pub fn largest(&self, k: usize) -> Vec<usize> {
        let by_size = |a: &usize, b: &usize| {
            self.contributions[*b]
                .abs()
                .total_cmp(&self.contributions[*a].abs())
                .then(a.cmp(b))
        };
        let mut order: Vec<usize> = (0..self.contributions.len()).collect();
        if k < order.len() {
            order.select_nth_unstable_by(k, by_size);
            order.truncate(k);
        }
        order.sort_unstable_by(by_size);
        order
    }
}

/// A linear model's explanation of one row (values in feature order): each feature's term
/// minus its mean term over the training rows; exact and additive.
pub fn explain_linear(
    preprocessor: &Preprocessor,
    intercept: f64,
    weights: &[f64],
    reference: &Reference,
    values: &[RawValue<'_>],
) -> Result<Explanation> {
    let mut row = Vec::with_capacity(preprocessor.width());
    preprocessor.design_row(values, &mut row)?;
    let column_terms: Vec<f64> = row.iter().zip(weights).map(|(x, w)| x * w).collect();
    // A feature's term is the sum of its columns' terms (zeros add nothing).
    let contributions = per_feature(preprocessor, &column_terms)
        .into_iter()
        .zip(&reference.mean_terms)
        .map(|(term, mean)| term - mean)
        .collect();
    Ok(Explanation {
        baseline: intercept + reference.mean_terms.iter().sum::<f64>(),
        contributions,
        column_terms,
    })
}

/// A linear multi-class model's explanation of one class's score (`intercept + weights ·
/// design row`) against the training rows' mean design row: exact and additive, as
/// [`explain_linear`] (a linear term's mean is the term of the mean).
pub fn explain_linear_class(
    preprocessor: &Preprocessor,
    (intercept, weights): (f64, &[f64]),
    mean_design: &[f64],
    values: &[RawValue<'_>],
) -> Result<Explanation> {
    let mean_column_terms: Vec<f64> = mean_design
        .iter()
        .zip(weights)
        .map(|(m, w)| m * w)
        .collect();
    let reference = Reference {
        mean_terms: per_feature(preprocessor, &mean_column_terms),
        term_sd: Vec::new(),
        mean_design: Vec::new(),
        summary: Vec::new(),
    };
    explain_linear(preprocessor, intercept, weights, &reference, values)
}

impl Reference {
    /// A linear multi-class model's reference over `rows`: the mean design row (each class's
    /// baseline), and as each feature's importance the mean over the classes of the standard
    /// deviation of its term in the class's score.
    pub fn measure_classes(
        preprocessor: &Preprocessor,
        class_weights: &[Vec<f64>],
        data: &Dataset,
        rows: &[usize],
    ) -> Reference {
        let features = preprocessor.features.len();
        let mut moments = vec![vec![RunningMoments::default(); features]; class_weights.len()];
        let mut sums = vec![0.0; preprocessor.width()];
        for chunk in rows.chunks(CHUNK_ROWS) {
            let x = preprocessor.design_matrix(data, chunk);
            for row in x.rows() {
                sums.iter_mut().zip(row).for_each(|(s, v)| *s += v);
            }
            for (class, weights) in moments.iter_mut().zip(class_weights) {
                preprocessor.design_terms(&x, weights, |_, feature, term| class[feature].add(term));
            }
        }
        let n = rows.len().max(1) as f64;
        let classes = class_weights.len().max(1) as f64;
        Reference {
            mean_terms: Vec::new(),
            term_sd: (0..features)
                .map(|j| moments.iter().map(|m| m[j].population_sd()).sum::<f64>() / classes)
                .collect(),
            mean_design: sums.iter().map(|s| s / n).collect(),
            summary: Vec::new(),
        }
    }
}

/// The n-grams of a text feature's value that weigh most in one row's explanation, as
/// `"late fee (+0.412), overdue (+0.305)"`: the text's n-grams by the |column term| of their
/// hashed column (n-grams that share a column are shown together, `a | b`), at most `top`.
/// `None` when feature `k` is not a text feature.
pub fn top_ngrams(
    preprocessor: &Preprocessor,
    k: usize,
    text: &str,
    explanation: &Explanation,
    top: usize,
) -> Option<String> {
    let Transform::Text(t) = &preprocessor.features[k].transform else {
        return None;
    };
    let offset: usize = preprocessor.features[..k]
        .iter()
        .map(|f| f.transform.width())
        .sum();
    let mut columns: Vec<(usize, Vec<String>)> = Vec::new();
    for (ngram, column) in t.ngrams_of(text) {
        match columns.iter_mut().find(|(c, _)| *c == column) {
            Some((_, names)) => names.push(ngram),
            None => columns.push((column, vec![ngram])),
        }
    }
    let term = |column: usize| explanation.column_terms[offset + column];
    columns.sort_by(|a, b| term(b.0).abs().total_cmp(&term(a.0).abs()));
    Some(
        columns
            .iter()
            .take(top)
            .map(|(column, names)| format!("{} ({:+.3})", names.join(" | "), term(*column)))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// Explanations of a model that predicts no outcome (k-means, isolation forest).
pub fn not_explained(algorithm: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!(
            "fin_explain and fin_importance attribute a supervised model's prediction; {} model has none",
            crate::error::with_article(algorithm)
        ),
    )
    .with_hint("fin_clusters shows what sets each cluster apart")
}

/// The error of a model stored without a reference (trained before finml 0.3.0).
pub fn no_reference() -> Error {
    Error::new(
        ErrorKind::Unsupported,
        "this model version was trained before finml 0.3.0 and has no training reference to explain against",
    )
    .with_hint("train a new version with fin_retrain(model) and deploy it")
}

#[cfg(test)]
mod tests {
    use crate::data::Column;
    use crate::linear::sigmoid;

    use crate::preprocess::RawValue;
    use crate::test_data::{dataset, options, row, LIMITS};
    use crate::train::train;

    #[test]
    fn contributions_add_up_to_the_log_odds() {
        let outcome = train(&dataset(), crate::registry::LOGISTIC, &options(), LIMITS).unwrap();
        let model = &outcome.model;
        for row in [
            [RawValue::Number(42.0), RawValue::Text("south")],
            [RawValue::Null, RawValue::Text("east")],
            [RawValue::Number(120.0), RawValue::Null],
            [RawValue::Number(10.0), RawValue::Text("unseen")],
        ] {
            let e = model.explain(&row).unwrap();
            let p = model.predict(&row).unwrap();
            assert!((sigmoid(e.linear_predictor()) - p).abs() < 1e-12);
            assert!((e.linear_predictor() - (p / (1.0 - p)).ln()).abs() < 1e-9);
        }
    }

    #[test]
    fn a_numeric_contribution_is_coefficient_times_distance_from_the_mean() {
        let data = dataset();
        let outcome = train(&data, crate::registry::LOGISTIC, &options(), LIMITS).unwrap();
        let model = &outcome.model;
        let slope = model
            .estimator
            .coefficients()
            .iter()
            .find(|c| c.term == "income")
            .unwrap()
            .estimate;
        // The training mean of the income as the model sees it: the NULL imputed with the
        // median of the known incomes (the default imputation).
        let Column::Numeric(income) = &data.features[0].column else {
            unreachable!()
        };
        let mut known: Vec<f64> = income
            .values
            .iter()
            .copied()
            .filter(|v| !v.is_nan())
            .collect();
        known.sort_by(f64::total_cmp);
        assert_eq!(known.len(), 15);
        let median = known[7];
        let seen: Vec<f64> = income
            .values
            .iter()
            .map(|&v| if v.is_nan() { median } else { v })
            .collect();
        let mean = seen.iter().sum::<f64>() / seen.len() as f64;
        let e = model
            .explain(&[RawValue::Number(70.0), RawValue::Text("north")])
            .unwrap();
        assert!((e.contributions[0] - slope * (70.0 - mean)).abs() < 1e-9);
    }

    #[test]
    fn contributions_average_zero_over_the_training_rows() {
        let data = dataset();
        let model = train(&data, crate::registry::LOGISTIC, &options(), LIMITS)
            .unwrap()
            .model;
        let mut sums = [0.0; 2];
        let mut squares = [0.0; 2];
        for i in 0..data.n_rows() {
            let (row, _) = row(&data, i);
            let e = model.explain(&row).unwrap();
            for k in 0..2 {
                sums[k] += e.contributions[k];
                squares[k] += e.contributions[k].powi(2);
            }
        }
        let n = data.n_rows() as f64;
        let importance = model.importance().unwrap();
        for (k, name) in ["income", "region"].iter().enumerate() {
            assert!(
                sums[k].abs() < 1e-9,
                "{name}: mean contribution {}",
                sums[k] / n
            );
            let sd = (squares[k] / n).sqrt();
            let reported = importance.iter().find(|(f, _)| f == name).unwrap().1;
            assert!((reported - sd).abs() < 1e-12, "{name}: {reported} != {sd}");
        }
    }

    #[test]
    fn the_largest_contributions_come_first_with_ties_in_feature_order() {
        let explanation = super::Explanation {
            baseline: 0.0,
            contributions: vec![0.5, -2.0, 0.5, 1.0, -0.5],
            column_terms: Vec::new(),
        };
        assert_eq!(explanation.largest(2), vec![1, 3]);
        assert_eq!(explanation.largest(4), vec![1, 3, 0, 2]);
        assert_eq!(explanation.largest(10), vec![1, 3, 0, 2, 4]);
    }

    #[test]
    fn a_model_without_reference_says_to_retrain() {
        let mut model = train(&dataset(), crate::registry::LOGISTIC, &options(), LIMITS)
            .unwrap()
            .model;
        model.reference = None;
        let err = model
            .explain(&[RawValue::Null, RawValue::Null])
            .unwrap_err();
        assert!(err.hint.unwrap().contains("fin_retrain"));
        assert!(model.importance().is_err());
    }
}
