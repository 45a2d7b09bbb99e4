//! A trained model: its preprocessing, its estimator, and its documentation (coefficient
//! statistics). Everything `fin_predict` needs is here, so a model is self-contained data.

use crate::binning::Binning;
use crate::data::{Column, Dataset, MISSING_LEVEL, OTHER_LEVEL};
use crate::disclosure::{privacy_report, Disclosure, StoredParts, Storing};
use crate::drift::DriftReference;
use crate::error::{with_article, Error, ErrorKind, Result};
use crate::estimator::kmeans::KMeansModel;
pub use crate::estimator::Algorithm;
use crate::estimator::Estimator;
use crate::explain::{no_reference, Explanation, Reference};
use crate::linear::sigmoid;
use crate::metrics::{CalibrationBin, ClassHistogram};
use crate::options::Task;
use crate::preprocess::{Input, Preprocessor, RawValue, Transform};
use crate::scorecard::algorithm::ScorecardEstimator;
use crate::scorecard::{self, Baseline, Reason, Scorecard};
use crate::scoring_code;
use serde::{Deserialize, Serialize};

/// A trained model: what every algorithm shares (target, classes, preprocessing, training
/// reference, evaluation) and one estimator. Its stored form is in format.rs.
#[derive(Debug, Clone)]
pub struct Model {
    pub task: Task,
    /// Name of the target column.
    pub target: String,
    /// The positive class as text (classification only).
    pub positive_class: Option<String>,
    /// The other class as text (classification; since finml 0.3.0).
    pub negative_class: Option<String>,
    /// The classes of a multi-class classifier (3 or more, sorted), in the order of its
    /// probabilities; `None` for every other model (since finml 0.11.0).
    pub classes: Option<Vec<String>>,
    pub preprocessor: Preprocessor,
    pub estimator: Box<dyn Estimator>,
    /// Each feature's term over the training rows, for explanations (since finml 0.3.0).
    pub reference: Option<Reference>,
    /// How the model did where its metrics were measured, for the model report (since
    /// finml 0.3.0).
    pub evaluation: Option<EvaluationSummary>,
    /// The training population's distributions, for drift (since finml 0.5.0).
    pub drift: Option<DriftReference>,
}

/// The curves of the held-out evaluation at training, for the model report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationSummary {
    /// "test" or "train".
    pub evaluated_on: String,
    /// Classifiers: the ROC curve as (false positive rate, true positive rate) points
    /// (bounded), the calibration groups and the probability histogram of each class.
    /// Regressions (since finml 0.6.1): the calibration groups by predicted value, with the
    /// mean actual value as `observed_rate`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roc: Vec<(f64, f64)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calibration: Vec<CalibrationBin>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub histogram: Option<ClassHistogram>,
    /// Multi-class classifiers (since finml 0.11.0): the k×k counts, row the actual class,
    /// column the most probable one, classes in the model's order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confusion: Vec<Vec<u64>>,
}

impl Model {
    /// This model without what it keeps of single training rows and of the population (the
    /// drift reference, SHAP summary points, a k-means projection), and with no level of
    /// fewer than `min_level_rows` training rows named: a scorecard's join its bin of NULL and
    /// unseen levels, a reference level is renamed "(other)". A level with an indicator
    /// column of its own cannot leave a fitted model (22023: retrain with min_level_rows), nor
    /// can levels whose rows were not stored (0A000: trained before finml 0.16.0).
    pub fn redacted(mut self, min_level_rows: usize) -> Result<Model> {
        let min = min_level_rows as u64;
        self.drift = None;
        if let Some(reference) = &mut self.reference {
            reference.summary.clear();
        }
        self.estimator.forget_row_values();
        for f in &mut self.preprocessor.features {
            match &mut f.transform {
                Transform::Categorical(c) => {
                    if c.levels.len() != c.level_rows.len() {
                        return Err(uncounted_levels(&f.name));
                    }
                    if let Some((level, rows)) =
                        c.levels.iter().zip(&c.level_rows).find(|(_, &r)| r < min)
                    {
                        return Err(Error::invalid_option(format!(
                            "\"{}\" has an indicator column for level \"{level}\", seen in {rows} training rows, fewer than min_level_rows {min_level_rows}",
                            f.name
                        ))
                        .with_hint(format!(
                            "retrain with options.min_level_rows {min_level_rows}: the fit then folds such levels into the reference level"
                        )));
                    }
                    if c.reference_rows.is_none_or(|rows| rows < min)
                        && c.reference != MISSING_LEVEL
                    {
                        c.reference = OTHER_LEVEL.to_owned();
                        c.reference_rows = None;
                    }
                }
                Transform::Binned(b) => {
                    if !b.fold_levels_under(min) {
                        return Err(uncounted_levels(&f.name));
                    }
                }
                Transform::Numeric(_) | Transform::Date(_) | Transform::Text(_) => {}
            }
        }
        Ok(self)
    }

    /// The training-data values this model stores, kind by kind, with its DP budget and
    /// k-anonymity (fin_privacy_report).
    pub fn privacy_report(&self, storing: Storing<'_>) -> Vec<Disclosure> {
        let parts = StoredParts {
            preprocessor: &self.preprocessor,
            drift: self.drift.as_ref(),
            reference: self.reference.as_ref(),
        };
        privacy_report(
            parts,
            self.estimator.stored_values(&self.preprocessor),
            storing,
        )
    }

    pub fn algorithm(&self) -> Algorithm {
        self.estimator.algorithm()
    }

    /// The oldest stored-format version that can hold this model: the newer of the
    /// estimator's and its features' (7 with a date's hour or minute, 6 with a date or text
    /// feature, 4 when a scorecard characteristic has special codes).
    pub fn format_version(&self) -> u32 {
        let any = |needs: fn(&Transform) -> bool| {
            self.preprocessor
                .features
                .iter()
                .any(|f| needs(&f.transform))
        };
        let features = if any(Transform::needs_format_7) {
            crate::estimator::TIME_OF_DAY_FORMAT_VERSION
        } else if any(Transform::needs_format_6) {
            crate::estimator::FEATURE_KINDS_FORMAT_VERSION
        } else if any(|t| matches!(t, Transform::Binned(b) if !b.special.is_empty())) {
            crate::estimator::SPECIAL_CODES_FORMAT_VERSION
        } else {
            0
        };
        let classes = if self.classes.is_some() {
            crate::estimator::MULTI_CLASS_FORMAT_VERSION
        } else {
            0
        };
        features.max(classes).max(self.estimator.format_version())
    }

    /// Feature (column) names in the order predict expects them.
    pub fn feature_names(&self) -> impl Iterator<Item = &str> {
        self.preprocessor.features.iter().map(|f| f.name.as_str())
    }

    pub fn n_features(&self) -> usize {
        self.preprocessor.features.len()
    }

    /// True when every feature is numeric, so the array form of predict applies.
    pub fn is_all_numeric(&self) -> bool {
        self.preprocessor
            .features
            .iter()
            .all(|f| f.transform.takes_numbers())
    }

    /// Probability of the positive class, or the regression value, for one row whose values
    /// are in feature order (42809 for a multi-class model: it has no one number).
    pub fn predict(&self, values: &[RawValue<'_>]) -> Result<f64> {
        let output = self.estimator.output(&self.preprocessor, values)?;
        finite_prediction(self.link(output))
    }

    /// True for a classifier of 3 or more classes.
    pub fn is_multi_class(&self) -> bool {
        self.classes.is_some()
    }

    /// The prediction from the model's output unit (log-odds of a classifier; the sigmoid
    /// maps ±∞ to 0 or 1 without overflow, see [`sigmoid`]).
    pub fn link(&self, output: f64) -> f64 {
        match self.task {
            Task::Classification => sigmoid(output),
            Task::Regression | Task::Clustering | Task::AnomalyDetection => output,
            // The PD within the model's horizon.
            Task::Survival => match self.estimator.survival_curve() {
                Some(curve) => 1.0 - curve.survival_at(output, curve.horizon()),
                None => f64::NAN,
            },
        }
    }

    /// Predictions for `rows` of a dataset read for another training (a multi-class model's
    /// k probabilities per row, row after row; the deployed version
    /// measured on a new version's test rows). Every feature must be a dataset column of the
    /// kind the model was trained on.
    pub fn predict_rows(&self, data: &Dataset, rows: &[usize]) -> Result<Vec<f64>> {
        for f in &self.preprocessor.features {
            let column = data.feature(&f.name).ok_or_else(|| {
                Error::new(
                    ErrorKind::UnknownColumn,
                    format!("the data has no column \"{}\"", f.name),
                )
                .with_hint("the relation must keep the columns the model was trained on (fin_coefficients and finml.models list them)")
            })?;
            if (f.transform.input() == Input::Text) == matches!(column.column, Column::Numeric(_)) {
                return Err(Error::new(
                    ErrorKind::WrongType,
                    format!("column \"{}\" changed between numeric and text", f.name),
                )
                .with_hint("cast the column back to its training type in a view, or retrain the model (fin_retrain)"));
            }
        }
        let outputs = self
            .estimator
            .outputs_of_rows(&self.preprocessor, data, rows);
        if let Some(classes) = &self.classes {
            // k probabilities per row, row after row.
            let p = crate::linear::multinomial::class_probabilities(&outputs, classes.len());
            return p.into_iter().map(finite_prediction).collect();
        }
        outputs
            .into_iter()
            .map(|o| finite_prediction(self.link(o)))
            .collect()
    }

    /// The coefficient table as the catalog stores it (`finml.model_versions.coefficients`),
    /// taken from the model itself, for training and import alike.
    pub fn coefficients_json(&self) -> Result<serde_json::Value> {
        serde_json::to_value(self.estimator.coefficients()).map_err(|e| {
            Error::new(
                ErrorKind::Internal,
                format!("cannot serialize the coefficients: {e}"),
            )
        })
    }

    /// The array form: numeric features in feature order, NULL elements imputed.
    pub fn predict_numeric(&self, values: &[Option<f64>]) -> Result<f64> {
        self.with_numeric_values(values, |raw| self.predict(raw))
    }

    /// Runs `f` on the array form's values as a row of values in feature order.
    pub(crate) fn with_numeric_values<R>(
        &self,
        values: &[Option<f64>],
        f: impl FnOnce(&[RawValue<'_>]) -> Result<R>,
    ) -> Result<R> {
        if !self.is_all_numeric() {
            return Err(Error::new(
                ErrorKind::Unsupported,
                "the array form of the prediction functions needs a model whose features are all numeric",
            )
            .with_hint("pass a row instead: SELECT fin_predict('model', t) FROM t"));
        }
        if values.len() != self.n_features() {
            let names: Vec<&str> = self.feature_names().collect();
            return Err(Error::invalid_data(format!(
                "model expects {} features, got {}",
                self.n_features(),
                values.len()
            ))
            .with_hint(format!(
                "pass the features in this order: {}",
                names.join(", ")
            )));
        }
        // Small, but avoid a heap allocation per row for typical widths.
        let mut buffer = [RawValue::Null; 64];
        let mut heap = Vec::new();
        let raw: &mut [RawValue] = if values.len() <= buffer.len() {
            &mut buffer[..values.len()]
        } else {
            heap.resize(values.len(), RawValue::Null);
            &mut heap
        };
        for (slot, v) in raw.iter_mut().zip(values) {
            *slot = v.map_or(RawValue::Null, RawValue::Number);
        }
        f(raw)
    }

    /// The k-means state of a clustering model; 42809 for any other model.
    pub fn kmeans(&self) -> Result<&KMeansModel> {
        self.require_task(Task::Clustering, "kmeans")?;
        match self.estimator.downcast_ref::<KMeansModel>() {
            Some(k) => Ok(k),
            None => Err(Error::new(
                ErrorKind::CorruptModel,
                "a clustering model without k-means",
            )),
        }
    }

    /// 42809 unless the model is of `task` (a function that applies to one kind of model,
    /// trained by `algorithm`).
    pub fn require_task(&self, task: Task, algorithm: &str) -> Result<()> {
        if self.task == task {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::WrongModelKind,
            format!(
                "the model is {} model ({}), not {} model",
                with_article(self.algorithm().as_str()),
                self.task.as_str(),
                with_article(task.as_str())
            ),
        )
        .with_hint(format!(
            "train one with fin_train(..., target => NULL, algorithm => '{algorithm}')"
        )))
    }

    fn not_a_scorecard(&self) -> Error {
        Error::new(
            ErrorKind::WrongModelKind,
            format!(
                "the model is a {} model, not a scorecard",
                self.algorithm().as_str()
            ),
        )
        .with_hint("train one with fin_train(..., algorithm => 'scorecard')")
    }

    /// The scorecard's points and the binning of each feature, or an error for another
    /// kind of model.
    pub fn scorecard(&self) -> Result<(&Scorecard, Vec<(&str, &Binning)>)> {
        let points = self.points().ok_or_else(|| self.not_a_scorecard())?;
        let binnings = self
            .preprocessor
            .features
            .iter()
            .map(|f| match &f.transform {
                Transform::Binned(b) => Ok((f.name.as_str(), b)),
                _ => Err(self.not_a_scorecard()),
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((points, binnings))
    }

    /// The bin of each feature for one row (values in feature order), lazily, so that
    /// scoring allocates nothing.
    fn bins<'a>(
        &'a self,
        values: &'a [RawValue<'a>],
    ) -> Result<impl Iterator<Item = Result<usize>> + 'a> {
        if self.points().is_none() {
            return Err(self.not_a_scorecard());
        }
        if values.len() != self.n_features() {
            return Err(Error::invalid_data(format!(
                "model expects {} features, got {}",
                self.n_features(),
                values.len()
            ))
            .with_hint("pass one value per feature, in the order finml.models lists them"));
        }
        Ok(self
            .preprocessor
            .features
            .iter()
            .zip(values)
            .map(|(f, &v)| match &f.transform {
                Transform::Binned(b) => b.bin_of(&f.name, v),
                _ => Err(self.not_a_scorecard()),
            }))
    }

    /// The bin of each feature for one row (values in feature order).
    pub fn bins_of(&self, values: &[RawValue<'_>]) -> Result<Vec<usize>> {
        self.bins(values)?.collect()
    }

    /// The scorecard's total points for one row (the hot path of `fin_score`).
    pub fn score(&self, values: &[RawValue<'_>]) -> Result<f64> {
        let card = self.points().ok_or_else(|| self.not_a_scorecard())?;
        let mut total = 0.0;
        for (bin, feature_points) in self.bins(values)?.zip(&card.points) {
            total += feature_points[bin?];
        }
        Ok(total)
    }

    /// The model as one SQL expression over its feature columns (see scoring_code.rs):
    /// fin_predict's value, or with `score` a scorecard's fin_score.
    pub fn sql_expression(&self, score: bool) -> Result<String> {
        if score {
            let (card, binnings) = self.scorecard()?;
            return Ok(card.score_sql(&binnings));
        }
        let linear_predictor = self.estimator.output_sql(&self.preprocessor)?;
        Ok(match self.task {
            Task::Classification => scoring_code::logistic(&linear_predictor),
            Task::Regression | Task::Clustering | Task::AnomalyDetection => linear_predictor,
            Task::Survival => match self.estimator.survival_curve() {
                Some(curve) => curve.cumulative_pd_sql(&linear_predictor),
                None => {
                    return Err(crate::survival::not_a_survival_model(
                        self.algorithm().as_str(),
                    ))
                }
            },
        })
    }

    /// A scorecard's prediction, total points and up to `n` principal reasons (against the
    /// best points) for one row, with its bins found once: what fin_score_row returns, equal
    /// to fin_predict, fin_score and fin_reason_codes (tested).
    pub fn scorecard_row(
        &self,
        values: &[RawValue<'_>],
        n: usize,
    ) -> Result<(f64, f64, Vec<Reason>)> {
        let Some(ScorecardEstimator { linear, points }) =
            self.estimator.downcast_ref::<ScorecardEstimator>()
        else {
            return Err(self.not_a_scorecard());
        };
        let bins = self.bins_of(values)?;
        let (_, binnings) = self.scorecard()?;
        // fin_predict's arithmetic: the intercept, then each feature's weight × WoE in order.
        let mut eta = linear.intercept;
        let mut total = 0.0;
        for (j, (_, binning)) in binnings.iter().enumerate() {
            eta += linear.weights[j] * binning.bins[bins[j]].woe;
            total += points.points[j][bins[j]];
        }
        let reasons = if n > 0 {
            principal_reasons(points, &binnings, &bins, Baseline::Best, n)
        } else {
            Vec::new()
        };
        Ok((finite_prediction(self.link(eta))?, total, reasons))
    }

    /// A scorecard's points; `None` for other models.
    pub fn points(&self) -> Option<&Scorecard> {
        self.estimator
            .downcast_ref::<ScorecardEstimator>()
            .map(|card| &card.points)
    }

    /// The training reference explanations are measured against.
    pub(crate) fn reference(&self) -> Result<&Reference> {
        if self.task.is_unsupervised() {
            return Err(crate::explain::not_explained(self.algorithm().as_str()));
        }
        self.reference.as_ref().ok_or_else(no_reference)
    }

    /// Contributions of each feature of one row (values in feature order): exact and
    /// additive for linear models, integrated gradients for an MLP.
    pub fn explain(&self, values: &[RawValue<'_>]) -> Result<Explanation> {
        let reference = self.reference()?;
        let explanation = self
            .estimator
            .explain(&self.preprocessor, reference, values)?;
        refuse_non_finite_terms(&explanation)?;
        Ok(explanation)
    }

    /// Each feature's global importance: the standard deviation of its contribution over
    /// the training rows (log-odds for classifiers), most important first.
    pub fn importance(&self) -> Result<Vec<(&str, f64)>> {
        let reference = self.reference()?;
        let mut importance: Vec<(&str, f64)> = self
            .feature_names()
            .zip(reference.term_sd.iter().copied())
            .collect();
        importance.sort_by(|a, b| b.1.total_cmp(&a.1));
        Ok(importance)
    }

    /// Reason codes for one row, most points lost first, at most `n`.
    pub fn reasons(
        &self,
        values: &[RawValue<'_>],
        baseline: Baseline,
        n: usize,
    ) -> Result<Vec<Reason>> {
        let bins = self.bins_of(values)?;
        let (points, binnings) = self.scorecard()?;
        Ok(principal_reasons(points, &binnings, &bins, baseline, n))
    }

    /// At most `n` features that raised this row's output (the risk of a classifier, the
    /// value of a regression) the most against the training reference, largest first: the
    /// reason codes of a model without points. Each feature's contribution is its
    /// explanation's (`explain`): coefficient × deviation from the training mean for a
    /// linear model, integrated gradients for an MLP, TreeSHAP for trees. Features that
    /// lowered it are not reasons.
    pub fn contribution_reasons(
        &self,
        values: &[RawValue<'_>],
        n: usize,
    ) -> Result<Vec<ContributionReason>> {
        self.class_reasons(values, n, None)
    }

    /// The other class's name, for decisions and confusion tables: models trained before
    /// finml 0.3 do not store it and get `not <positive>`. `None` for a regression.
    pub fn negative_class_name(&self) -> Option<String> {
        let positive = self.positive_class.as_ref()?;
        Some(
            self.negative_class
                .clone()
                .unwrap_or_else(|| format!("not {positive}")),
        )
    }
}

/// A reason code of a model without points: a feature and how much it raised the output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContributionReason {
    /// Index of the feature in the model.
    pub feature: usize,
    /// Its contribution to the output unit (log-odds of a classifier), > 0.
    pub contribution: f64,
}

/// Points to double the odds in which a classifier's contribution reasons are reported (a
/// scorecard's default `pdo`).
pub const REASON_PDO: f64 = 20.0;

impl ContributionReason {
    /// A classifier's contribution as points lost at [`REASON_PDO`] points to double the
    /// odds: contribution × 20 / ln 2 (the log-odds it added, in a scorecard's units).
    pub fn points_lost(&self) -> f64 {
        self.contribution * REASON_PDO / std::f64::consts::LN_2
    }
}

/// At most `n` reason codes of one row's bins, most points lost first. Points are reported
/// as integers, so a loss that rounds to 0 is not a reason.
fn principal_reasons(
    points: &Scorecard,
    binnings: &[(&str, &Binning)],
    bins: &[usize],
    baseline: Baseline,
    n: usize,
) -> Vec<Reason> {
    let mut reasons = scorecard::reasons(points, binnings, bins, baseline);
    reasons.retain(|r| r.points_lost.round() >= 1.0);
    reasons.truncate(n);
    reasons
}

/// A prediction, or 22000 when it is not a finite number: features of order 1e308 can make
/// the linear predictor ∞ − ∞. Nothing non-finite is returned (DESIGN.md, principle 6).
pub(crate) fn finite_prediction(p: f64) -> Result<f64> {
    if p.is_finite() {
        Ok(p)
    } else {
        Err(Error::invalid_data(format!(
            "the prediction for this row is not a finite number ({p})"
        ))
        .with_hint("a feature value is far outside the range the model was trained on (e.g. 1e308): check the row's values"))
    }
}

/// The first structural problem of a model read from stored bytes (a hand-edited one),
/// named for the error message: an index, count or size that prediction, explanation or
/// drift would read out of range, loop on or allocate by. Checked before anything else is,
/// since the other checks walk the same structures.
pub fn first_structure_problem(model: &Model) -> Option<String> {
    if let Some(problem) = model.preprocessor.structure_problem() {
        return Some(problem);
    }
    if let Some(problem) = model.estimator.shape_mismatch(&model.preprocessor) {
        return Some(problem);
    }
    if !model.estimator.reads_missing() && model.preprocessor.keeps_missing() {
        return Some(format!(
            "its preprocessing keeps NULL numbers, which only tree models read, for a {} model",
            model.algorithm().as_str()
        ));
    }
    if let Some(problem) = model.estimator.task_mismatch(model.task) {
        return Some(problem);
    }
    if let Some(problem) = classes_problem(model) {
        return Some(problem);
    }
    if let Some(reference) = &model.reference {
        if let Some(problem) = model
            .estimator
            .reference_mismatch(&model.preprocessor, reference)
        {
            return Some(problem);
        }
    }
    if let Some(drift) = &model.drift {
        if let Some(problem) = drift.structure_problem(&model.preprocessor) {
            return Some(problem);
        }
    }
    model
        .evaluation
        .as_ref()
        .and_then(EvaluationSummary::structure_problem)
}

/// A multi-class model's classes must be 3 to 100 distinct names, one per output of its
/// estimator (whose class scores prediction reads by index); a model of one output has none.
fn classes_problem(model: &Model) -> Option<String> {
    let outputs = model.estimator.n_outputs();
    let Some(classes) = &model.classes else {
        return (outputs != 1).then(|| format!("{outputs} class scores without class names"));
    };
    let max = crate::fit::MAX_CLASSES;
    if classes.len() < 3 || classes.len() > max {
        return Some(format!(
            "{} classes (a multi-class model has 3 to {max})",
            classes.len()
        ));
    }
    if outputs != classes.len() {
        return Some(format!(
            "{outputs} class scores for {} classes",
            classes.len()
        ));
    }
    if model.task != Task::Classification || model.positive_class.is_some() {
        return Some("classes on a model that is not a multi-class classifier".to_owned());
    }
    let mut sorted: Vec<&String> = classes.iter().collect();
    sorted.sort();
    sorted.dedup();
    if sorted.len() != classes.len() {
        return Some("a class named twice".to_owned());
    }
    let confusion = model.evaluation.as_ref().map(|e| &e.confusion);
    if let Some(counts) = confusion.filter(|c| !c.is_empty()) {
        if counts.len() != classes.len() || counts.iter().any(|row| row.len() != classes.len()) {
            return Some("its evaluation's confusion counts are not classes × classes".to_owned());
        }
        let total = counts
            .iter()
            .flatten()
            .try_fold(0u64, |sum, &c| sum.checked_add(c));
        if total.is_none() {
            return Some(
                "its evaluation's confusion counts more rows than a count holds".to_owned(),
            );
        }
    }
    None
}

impl EvaluationSummary {
    /// The report adds the histogram's counts up: a hand-edited count must not wrap.
    fn structure_problem(&self) -> Option<String> {
        let histogram = self.histogram.as_ref()?;
        [
            ("positives", &histogram.positives),
            ("negatives", &histogram.negatives),
        ]
        .into_iter()
        .find(|(_, counts)| {
            counts
                .iter()
                .try_fold(0u64, |sum, &c| sum.checked_add(c))
                .is_none()
        })
        .map(|(class, _)| {
            format!("the evaluation's histogram of {class} counts more rows than a count holds")
        })
    }
}

/// The first parameter of a model that is not a finite number (or not a valid value), named
/// for the error message; `None` when every one is. A model is refused before it is stored
/// (training, import) and when it is read (a stored one edited by hand) if this finds
/// anything (DESIGN.md, principle 6: nothing non-finite is stored, deployed or returned).
pub fn first_invalid_parameter(model: &Model) -> Option<String> {
    if let Some(what) = model.estimator.first_invalid_parameter() {
        return Some(what);
    }
    for f in &model.preprocessor.features {
        match &f.transform {
            Transform::Numeric(t) => match t.invalid_part() {
                Some("scale") => return Some(format!("the scale of \"{}\" ({})", f.name, t.scale)),
                Some(part) => return Some(format!("the {part} of \"{}\"", f.name)),
                None => {}
            },
            Transform::Categorical(_) => {}
            Transform::Binned(b) => {
                if b.bins.iter().any(|bin| !bin.woe.is_finite()) {
                    return Some(format!("a weight of evidence of \"{}\"", f.name));
                }
            }
            Transform::Date(d) => {
                if !d.origin.is_finite() {
                    return Some(format!("the origin of \"{}\"", f.name));
                }
                if let Some(p) = d.parts.iter().find(|p| p.scaling.invalid_part().is_some()) {
                    return Some(format!("the scaling of \"{}\" {}", f.name, p.part.as_str()));
                }
            }
            Transform::Text(t) => {
                if t.is_invalid() {
                    return Some(format!("the IDF weights of \"{}\"", f.name));
                }
            }
        }
    }
    if let Some(reference) = &model.reference {
        let mut values = reference
            .mean_terms
            .iter()
            .chain(&reference.term_sd)
            .chain(&reference.mean_design);
        if values.any(|x| !x.is_finite()) {
            return Some("the explanation reference (term means)".to_owned());
        }
    }
    if model
        .drift
        .as_ref()
        .is_some_and(DriftReference::has_invalid_number)
    {
        return Some("the drift reference (decile edges and shares)".to_owned());
    }
    None
}

/// Values of order 1e308 can make an explanation's term ∞ (or ∞ − ∞): refused as a
/// prediction is.
pub(crate) fn refuse_non_finite_terms(explanation: &Explanation) -> Result<()> {
    if let Some(&bad) = std::iter::once(&explanation.baseline)
        .chain(&explanation.contributions)
        .find(|t| !t.is_finite())
    {
        finite_prediction(bad)?;
    }
    Ok(())
}

/// A version trained before finml 0.16.0 stored no rows per level.
fn uncounted_levels(feature: &str) -> Error {
    Error::new(
        ErrorKind::Unsupported,
        format!("the levels of \"{feature}\" were stored without their training rows (before finml 0.16.0)"),
    )
    .with_hint("retrain the model to export it redacted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contribution_of_ln_2_costs_the_points_that_double_the_odds() {
        let reason = ContributionReason {
            feature: 0,
            contribution: std::f64::consts::LN_2,
        };
        assert!((reason.points_lost() - REASON_PDO).abs() < 1e-12);
        let half = ContributionReason {
            feature: 0,
            contribution: std::f64::consts::LN_2 / 2.0,
        };
        assert!((half.points_lost() - 10.0).abs() < 1e-12);
    }
}
