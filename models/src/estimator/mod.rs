//! The estimator seam: what an algorithm is, and the one list of them (`registry`).
//!
//! An algorithm is three traits, each implemented in the algorithm's own folder:
//! - [`Spec`], its registry entry: its SQL name, the option keys it owns or refuses, the task
//!   it learns without a target (if any), the parser of its options (into [`Params`]) and the
//!   reader of its stored form (into an [`Estimator`]);
//! - [`Params`], its validated parameters (linfa's `ParamGuard` → valid params): the fit
//!   from a [`FitInput`], and what it can do besides (self-training, training from sums);
//! - [`Estimator`], the fitted model: its output on one row of values and on a batch of
//!   design rows, its attribution for `fin_explain`, coefficients, SQL form, parameter and
//!   shape checks and stored form. Default methods answer for what an algorithm does not do;
//!   an estimator whose output is a linear predictor ([`Predictor::Linear`]) gets the linear
//!   model's explanations, coefficients and SQL from it (the scorecard reuses the linear
//!   estimator this way, by composition).
//!
//! Adding an algorithm: its folder under estimator/ (the three traits and its tests), one line
//! in `registry::ALGORITHMS`, and a line in the README. Nothing else matches on algorithms.

use crate::data::{Dataset, RawValue};
use crate::design::BLOCK_ROWS;
use crate::disclosure::{tree_values, Disclosure};
use crate::error::{Error, ErrorKind, Result};
use crate::estimator::linear::{Coefficient, LinearEstimator};
use crate::explain::{self, Explanation, Reference, SummaryPoints};
use crate::fit::{FitInput, Task};
use crate::preprocess::Preprocessor;
use crate::scoring_code;
use crate::summed::{SummedRows, SumsInput, SumsPass};
use crate::trees::{Ensemble, PackedTrees};
use ndarray::Array2;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::any::Any;
use std::fmt;

pub mod cox;
pub mod gbdt;
pub mod isolation_forest;
pub mod kmeans;
pub mod linear;
pub mod mlp;
pub mod random_forest;
pub mod registry;
pub mod scorecard;
mod stored;
pub mod tree;

pub use stored::{
    corrupt, StoredEstimator, FEATURE_KINDS_FORMAT_VERSION, MULTI_CLASS_FORMAT_VERSION,
    NEWEST_FORMAT_VERSION, SPECIAL_CODES_FORMAT_VERSION, SURVIVAL_FORMAT_VERSION,
    TIME_OF_DAY_FORMAT_VERSION, TREES_FORMAT_VERSION, UNSUPERVISED_FORMAT_VERSION,
};

thread_local! {
    /// The design row of a per-row prediction that is not a linear predictor.
    static DESIGN_ROW: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// An algorithm's registry entry (one static value in its folder, listed once in
/// `registry::ALGORITHMS`).
pub trait Spec: Sync {
    /// Its SQL name (`algorithm => 'logistic'`), also its stored tag.
    fn name(&self) -> &'static str;
    /// The option keys it reads besides the training's own.
    fn keys(&self) -> &'static [&'static str];
    /// Keys of the training's own options that it would ignore, and why.
    fn refused(&self) -> (&'static [&'static str], &'static str) {
        (&[], "")
    }
    /// The task of an algorithm that learns without a target; `None` for the supervised
    /// ones (their task comes from the target).
    fn unsupervised_task(&self) -> Option<Task> {
        None
    }
    /// True for a survival algorithm: its target is an event column with options.duration
    /// (and options.entry), its task `Task::Survival`.
    fn survival(&self) -> bool {
        false
    }
    /// Its parameters from its keys of `options` (the other keys are not looked at).
    fn params(&self, options: &Map<String, Value>) -> Result<Box<dyn Params>>;
    /// Its fitted estimator from the stored form's fields (an error names what does not fit).
    fn read_stored(&self, stored: StoredEstimator) -> Result<Box<dyn Estimator>>;
}

/// The handle of an algorithm: its registry entry. Copied freely, compared by name, stored as
/// its name.
#[derive(Clone, Copy)]
pub struct Algorithm(&'static dyn Spec);

impl Algorithm {
    /// The handle of a registry entry (each algorithm's folder names its own as a constant).
    pub const fn of(spec: &'static dyn Spec) -> Algorithm {
        Algorithm(spec)
    }

    pub fn as_str(self) -> &'static str {
        self.0.name()
    }

    pub fn spec(self) -> &'static dyn Spec {
        self.0
    }

    pub fn unsupervised_task(self) -> Option<Task> {
        self.0.unsupervised_task()
    }

    pub fn keys(self) -> &'static [&'static str] {
        self.0.keys()
    }

    pub fn survival(self) -> bool {
        self.0.survival()
    }

    /// Its validated parameters from `options` (its own keys; nothing else is read).
    pub fn params(self, options: &Map<String, Value>) -> Result<Box<dyn Params>> {
        self.0.params(options)
    }
}

impl PartialEq for Algorithm {
    fn eq(&self, other: &Algorithm) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Algorithm {}

impl fmt::Debug for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Algorithm {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// An algorithm's validated parameters.
pub trait Params: fmt::Debug + Send + Sync + ParamsClone + AsAny {
    fn algorithm(&self) -> Algorithm;

    /// The parameters for a target of `task`: by default these, when the algorithm trains
    /// that task (logistic regression turns into a linear one on a regression target, said
    /// in `notes` with `why_regression`).
    fn for_task(
        &self,
        _task: Task,
        _why_regression: &dyn Fn() -> String,
        _notes: &mut Vec<String>,
    ) -> Result<Box<dyn Params>> {
        Ok(self.clone_params())
    }

    /// Fits the preprocessing and the estimator on the training rows, within the memory
    /// budget.
    fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted>;

    /// True when the classes are weighed (`class_weight`): a classification's option.
    fn class_weighted(&self) -> bool {
        false
    }

    /// True when it fits targets of 3 or more classes.
    fn trains_multi_class(&self) -> bool {
        false
    }

    /// True when the algorithm can self-train on unlabelled rows (it must weigh its rows and
    /// give a probability).
    fn self_trains(&self) -> bool {
        false
    }

    /// The budget of a private (DP-SGD) training, `options.privacy`.
    fn privacy(&self) -> Option<crate::dp_sgd::PrivacyBudget> {
        None
    }

    /// Its training from sums where the rows are stored, if it has one.
    fn summed(&self) -> Option<&dyn SummedFit> {
        None
    }
}

/// An algorithm's training from sums (DESIGN.md, "Training from sums"): its passes over the
/// rows where they are stored, each summed there; the pipeline around it (classes, split,
/// metrics, drift, stored form) is `train::summed`'s.
pub trait SummedFit {
    fn fit_from_sums(
        &self,
        input: &SumsInput<'_>,
        rows: &mut dyn SummedRows,
        notes: &mut Vec<String>,
    ) -> Result<SummedFitted>;
}

/// What a fit from sums produced.
pub struct SummedFitted {
    pub preprocessor: Preprocessor,
    pub estimator: Box<dyn Estimator>,
    /// The training rows' count.
    pub rows: f64,
    /// The explanation reference, measured by its last pass.
    pub reference: Reference,
    /// The pass whose per-row output is the model's output unit (for the metrics).
    pub output_pass: SumsPass,
}

/// Cloning a boxed [`Params`] (implemented for every `Clone` parameter type).
pub trait ParamsClone {
    fn clone_params(&self) -> Box<dyn Params>;
}

impl<P: Params + Clone + 'static> ParamsClone for P {
    fn clone_params(&self) -> Box<dyn Params> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn Params> {
    fn clone(&self) -> Self {
        self.clone_params()
    }
}

/// Reaching a trait object's concrete type (a scorecard's points, a k-means model's
/// centres) for the functions of one algorithm.
pub trait AsAny {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any> AsAny for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// What a fit produced.
pub struct Fitted {
    pub preprocessor: Preprocessor,
    pub estimator: Box<dyn Estimator>,
    /// One entry per epoch (iterative estimators).
    pub log: Vec<crate::progress::EpochLog>,
    /// Where it trained ("cpu", "cuda:0"), for estimators that choose.
    pub device: Option<String>,
    /// How an iterative linear solver ended (stored in the version's metrics).
    pub solver: Option<crate::estimator::linear::SolverRun>,
    /// The privacy budget a DP-SGD training spent (stored in the version's metrics).
    pub privacy: Option<crate::dp_sgd::PrivacySpent>,
}

impl Fitted {
    /// A fit with no log and no device choice.
    pub fn of(preprocessor: Preprocessor, estimator: impl Estimator + 'static) -> Fitted {
        Fitted {
            preprocessor,
            estimator: Box::new(estimator),
            log: Vec::new(),
            device: None,
            solver: None,
            privacy: None,
        }
    }
}

/// How an estimator computes its output unit from a design row.
pub enum Predictor<'a> {
    /// `intercept + weights · design row`: explanations, the explanation reference,
    /// coefficients and the SQL expression follow from it.
    Linear(&'a LinearEstimator),
    /// Trees added up (`trees::Ensemble`), and the same trees packed for prediction
    /// (`trees::PackedTrees`, which gives the ensemble's double): explanations by exact
    /// TreeSHAP, the SQL expression of the trees; a NULL number reaches them as NaN (a split's
    /// default side).
    Trees(&'a Ensemble, &'a PackedTrees),
    /// Any other function of the design row.
    Design(&'a dyn DesignOutput),
    /// A multi-class model's k class scores (logits; the probabilities are their softmax):
    /// no single output, explanation or SQL expression.
    Classes(&'a dyn ClassScores),
}

/// The class scores of a multi-class estimator.
pub trait ClassScores {
    /// k, the classes (3 or more).
    fn classes(&self) -> usize;
    /// The k scores of one design row, into `scores`.
    fn scores_of_row(&self, row: &[f64], scores: &mut [f64]);
}

/// A survival model's curve: what turns its output unit (the log relative hazard) into the
/// survival by period.
pub trait SurvivalCurve {
    /// S(t) after periods t = 1..=horizon of a loan of output `eta`, into `out` (cleared).
    fn survival(&self, eta: f64, horizon: usize, out: &mut Vec<f64>);
    /// S(t) of one period `t` (>= 1).
    fn survival_at(&self, eta: f64, t: usize) -> f64;
    /// The periods of the PD that fin_predict returns (options.horizon).
    fn horizon(&self) -> usize;
    /// That PD as SQL, from the SQL of the output unit.
    fn cumulative_pd_sql(&self, linear_predictor: &str) -> String;
}

/// The output of an estimator that is not a linear predictor.
pub trait DesignOutput {
    /// The output unit of one design row.
    fn output_of_row(&self, row: &[f64]) -> f64;
    /// The output unit of every row of a design matrix.
    fn outputs(&self, x: &Array2<f64>) -> Vec<f64>;
}

/// A fitted estimator.
pub trait Estimator: fmt::Debug + Send + Sync + EstimatorClone + AsAny {
    fn algorithm(&self) -> Algorithm;

    /// How its output is computed.
    fn predictor(&self) -> Predictor<'_>;

    /// True when it trains models of `task` (the task picks the link function and the
    /// functions that apply).
    fn trains(&self, task: Task) -> bool;

    /// The first parameter that is not a finite, valid number, named for the error message.
    fn first_invalid_parameter(&self) -> Option<String>;

    /// A stored estimator whose shape does not fit the preprocessing it reads (the stored
    /// bytes may have been edited): what does not fit.
    fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String>;

    /// Output units per row: 1, or a multi-class model's k class scores.
    fn n_outputs(&self) -> usize {
        match self.predictor() {
            Predictor::Classes(classes) => classes.classes(),
            Predictor::Linear(_) | Predictor::Trees(..) | Predictor::Design(_) => 1,
        }
    }

    /// A multi-class model's k class scores of one row of values in feature order, into
    /// `scores` (cleared first); 42809 for a model of one output.
    fn class_scores(
        &self,
        preprocessor: &Preprocessor,
        values: &[RawValue<'_>],
        scores: &mut Vec<f64>,
    ) -> Result<()> {
        let Predictor::Classes(classes) = self.predictor() else {
            return Err(Error::new(
                ErrorKind::Internal,
                "class scores of a model of one output",
            ));
        };
        scores.clear();
        scores.resize(classes.classes(), 0.0);
        with_design_row(preprocessor, values, |row| {
            classes.scores_of_row(row, scores);
            0.0
        })?;
        Ok(())
    }

    /// True when its design rows may hold NaN (a NULL number the preprocessing kept for the
    /// trees' default directions); no other estimator reads a preprocessing that keeps them.
    fn reads_missing(&self) -> bool {
        matches!(self.predictor(), Predictor::Trees(..))
    }

    /// The oldest stored-format version that can hold this estimator.
    fn format_version(&self) -> u32;

    /// The stored form's estimator fields.
    fn to_stored(&self, width: usize) -> StoredEstimator;

    /// The output unit (log-odds of a classifier, value of a regression) for one row of
    /// values in feature order.
    fn output(&self, preprocessor: &Preprocessor, values: &[RawValue<'_>]) -> Result<f64> {
        match self.predictor() {
            Predictor::Linear(linear) => linear.output(preprocessor, values),
            Predictor::Trees(_, packed) => {
                with_design_row(preprocessor, values, |row| packed.output(row))
            }
            Predictor::Design(design) => {
                with_design_row(preprocessor, values, |row| design.output_of_row(row))
            }
            Predictor::Classes(_) => Err(one_output_of_multi_class()),
        }
    }

    /// The output units of every row of a design matrix: one per row, or a multi-class
    /// model's k class scores per row, row after row.
    fn outputs(&self, x: &Array2<f64>) -> Vec<f64> {
        match self.predictor() {
            Predictor::Linear(linear) => linear.outputs(x),
            Predictor::Trees(_, packed) => x
                .rows()
                .into_iter()
                .map(|row| packed.output(row.as_slice().expect("a design matrix is row-major")))
                .collect(),
            Predictor::Design(design) => design.outputs(x),
            Predictor::Classes(classes) => {
                let k = classes.classes();
                let mut scores = vec![0.0; x.nrows() * k];
                for (row, out) in x.rows().into_iter().zip(scores.chunks_mut(k)) {
                    classes
                        .scores_of_row(row.as_slice().expect("a design matrix is row-major"), out);
                }
                scores
            }
        }
    }

    /// Each feature's contribution to one row's output, against `reference`.
    fn explain(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
        values: &[RawValue<'_>],
    ) -> Result<Explanation> {
        match self.predictor() {
            Predictor::Linear(l) => {
                explain::explain_linear(preprocessor, l.intercept, &l.weights, reference, values)
            }
            Predictor::Trees(trees, _) => explain::explain_trees(preprocessor, trees, values),
            Predictor::Classes(_) => {
                // A multi-class model explains its most probable class.
                let mut scores = Vec::new();
                self.class_scores(preprocessor, values, &mut scores)?;
                let class = crate::metrics::most_probable(&scores);
                self.explain_class(preprocessor, reference, values, class)
            }
            Predictor::Design(_) => Err(explain::not_explained(self.algorithm().as_str())),
        }
    }

    /// Each feature's contribution to class `class`'s score (below `n_outputs`) of a
    /// multi-class model, against `reference`.
    fn explain_class(
        &self,
        _preprocessor: &Preprocessor,
        _reference: &Reference,
        _values: &[RawValue<'_>],
        _class: usize,
    ) -> Result<Explanation> {
        Err(explain::not_explained(self.algorithm().as_str()))
    }

    /// What explanations are measured against, over the training rows (`None`: the
    /// estimator is not explained).
    fn measure_reference(
        &self,
        preprocessor: &Preprocessor,
        data: &Dataset,
        rows: &[usize],
    ) -> Option<Reference> {
        match self.predictor() {
            Predictor::Linear(l) => Some(Reference::measure(preprocessor, &l.weights, data, rows)),
            Predictor::Trees(trees, _) => {
                Some(Reference::measure_trees(preprocessor, trees, data, rows))
            }
            Predictor::Design(_) | Predictor::Classes(_) => None,
        }
    }

    /// A stored explanation reference that does not fit the preprocessing (a linear
    /// model's explanations read one term mean and spread per feature): what does not fit.
    /// Estimators that are not explained do not read theirs.
    fn reference_mismatch(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
    ) -> Option<String> {
        match self.predictor() {
            Predictor::Linear(_) => {
                let features = preprocessor.features.len();
                let means = reference.mean_terms.len();
                if means != features {
                    return Some(format!(
                        "its explanation reference has {means} term means for {features} features"
                    ));
                }
                importance_mismatch(preprocessor, reference)
            }
            Predictor::Trees(..) => {
                let features = preprocessor.features.len();
                if !(reference.summary.is_empty() || reference.summary.len() == features) {
                    return Some(format!(
                        "its SHAP summary has {} features for {features}",
                        reference.summary.len()
                    ));
                }
                reference
                    .summary
                    .iter()
                    .find_map(SummaryPoints::problem)
                    .or_else(|| importance_mismatch(preprocessor, reference))
            }
            Predictor::Design(_) | Predictor::Classes(_) => None,
        }
    }

    /// Metrics the estimator measures on its training rows: an unsupervised model's, a
    /// forest's out-of-bag ones (a supervised model is also measured on its held-out rows).
    fn training_metrics(&self) -> Vec<(String, f64)> {
        Vec::new()
    }

    /// The coefficient table fin_coefficients shows (empty but for linear predictors).
    fn coefficients(&self) -> &[Coefficient] {
        match self.predictor() {
            Predictor::Linear(l) => &l.coefficients,
            Predictor::Trees(..) | Predictor::Design(_) | Predictor::Classes(_) => &[],
        }
    }

    /// True when the coefficients fin_coefficients shows are not the ones prediction uses.
    fn coefficients_disagree(&self, preprocessor: &Preprocessor) -> bool {
        match self.predictor() {
            Predictor::Linear(l) => l.coefficients_disagree(preprocessor),
            Predictor::Trees(..) | Predictor::Design(_) | Predictor::Classes(_) => false,
        }
    }

    /// A survival model's curve (`None` for the others).
    fn survival_curve(&self) -> Option<&dyn SurvivalCurve> {
        None
    }

    /// What the coefficient table's estimates are measured on, for the model report.
    fn coefficients_scale(&self) -> &'static str {
        "on the original feature scale"
    }

    /// A line for the model report's facts (label, text) describing the fitted structure,
    /// when the algorithm has one worth stating (a network's shape).
    fn structure(&self) -> Option<(&'static str, String)> {
        None
    }

    /// The model report's section of what the estimator found, if it has one (the
    /// unsupervised models': clusters, the forest).
    fn report_section(&self, _preprocessor: &Preprocessor, _html: &mut String) {}

    /// Drops what the estimator keeps of single training rows for its report (a redacted
    /// export).
    fn forget_row_values(&mut self) {}

    /// The training-data values the estimator stores beyond statistics of all rows (a tree's
    /// thresholds and leaves, k-means centres), for the privacy report.
    fn stored_values(&self, preprocessor: &Preprocessor) -> Vec<Disclosure> {
        match self.predictor() {
            Predictor::Trees(trees, _) => tree_values(preprocessor, &[trees]),
            Predictor::Linear(_) | Predictor::Design(_) | Predictor::Classes(_) => Vec::new(),
        }
    }

    /// The output unit as one SQL expression over the feature columns (scoring_code.rs), for
    /// running the model where finml is not installed.
    fn output_sql(&self, preprocessor: &Preprocessor) -> Result<String> {
        match self.predictor() {
            Predictor::Linear(l) => {
                scoring_code::linear_predictor(preprocessor, l.intercept, &l.weights)
            }
            Predictor::Trees(trees, _) => crate::trees::rules::ensemble_sql(preprocessor, trees),
            Predictor::Design(_) => Err(no_sql(format!(
                "{} model has no SQL expression: only linear models and scorecards are written as scoring code",
                crate::error::with_article(self.algorithm().as_str())
            ))),
            Predictor::Classes(_) => Err(Error::new(
                ErrorKind::Unsupported,
                "a multi-class model has no SQL expression yet",
            )
            .with_hint("score it with fin_predict_class or fin_predict_proba, or export it with fin_export")),
        }
    }
}

/// Cloning a boxed [`Estimator`] (implemented for every `Clone` estimator type).
pub trait EstimatorClone {
    fn clone_estimator(&self) -> Box<dyn Estimator>;
}

impl<E: Estimator + Clone + 'static> EstimatorClone for E {
    fn clone_estimator(&self) -> Box<dyn Estimator> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn Estimator> {
    fn clone(&self) -> Self {
        self.clone_estimator()
    }
}

impl dyn Estimator {
    /// The output of each of `rows` of `data`, built and computed a block of design rows at
    /// a time (no design matrix of all of them; a linear model's from its design values
    /// alone, so that a hashed text feature costs its non-zero columns).
    pub fn outputs_of_rows(
        &self,
        preprocessor: &Preprocessor,
        data: &Dataset,
        rows: &[usize],
    ) -> Vec<f64> {
        let mut outputs = Vec::with_capacity(rows.len());
        if let Predictor::Linear(linear) = self.predictor() {
            preprocessor.linear_terms(data, rows, &linear.weights, |_, terms| {
                outputs.push(linear.intercept + terms.iter().sum::<f64>());
            });
            return outputs;
        }
        for block in rows.chunks(BLOCK_ROWS) {
            outputs.extend(self.outputs(&preprocessor.design_matrix(data, block)));
        }
        outputs
    }

    /// A stored task that this algorithm does not train: what does not fit.
    pub fn task_mismatch(&self, task: Task) -> Option<String> {
        (!self.trains(task)).then(|| {
            format!(
                "its task {} is not one algorithm {} trains",
                task.as_str(),
                self.algorithm().as_str()
            )
        })
    }

    /// The estimator as its concrete type `E`, when it is one (functions of one algorithm:
    /// a scorecard's points, a k-means model's clusters).
    pub fn downcast_ref<E: Estimator + 'static>(&self) -> Option<&E> {
        self.as_any().downcast_ref::<E>()
    }
}

impl dyn Params {
    /// The parameters as their concrete type `P`, when they are (a scorecard's binning
    /// options for fin_profile).
    pub fn downcast_ref<P: Params + 'static>(&self) -> Option<&P> {
        self.as_any().downcast_ref::<P>()
    }
}

/// The importance list of a stored reference that does not have one value per feature.
pub fn importance_mismatch(preprocessor: &Preprocessor, reference: &Reference) -> Option<String> {
    let features = preprocessor.features.len();
    (reference.term_sd.len() != features).then(|| {
        format!(
            "its explanation reference has {} importances for {features} features",
            reference.term_sd.len()
        )
    })
}

/// A single output asked of a multi-class model (42809, with the functions that apply).
pub fn one_output_of_multi_class() -> Error {
    Error::new(
        ErrorKind::WrongModelKind,
        "the model is a multi-class model: it predicts a class and a probability per class, not one number",
    )
    .with_hint("use fin_predict_class(model, row) for the most probable class, fin_predict_proba(model, row) for the probabilities")
}

/// The error of `fin_model_sql` on a model it cannot write.
pub fn no_sql(message: String) -> Error {
    Error::new(ErrorKind::Unsupported, message)
        .with_hint("score it with fin_predict or fin_score_table, or export it with fin_export")
}

/// Runs `f` on the design row of `values` (one buffer per thread: a prediction per table
/// row allocates nothing).
fn with_design_row(
    preprocessor: &Preprocessor,
    values: &[RawValue<'_>],
    f: impl FnOnce(&[f64]) -> f64,
) -> Result<f64> {
    DESIGN_ROW.with(|row| {
        let mut row = row.borrow_mut();
        row.clear();
        preprocessor.design_row(values, &mut row)?;
        Ok(f(&row))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_parses_back_from_its_name_and_the_hint_lists_them() {
        for algorithm in registry::all() {
            assert_eq!(Algorithm::parse(algorithm.as_str()).unwrap(), algorithm);
        }
        let e = Algorithm::parse("svm").unwrap_err();
        assert!(e.hint.unwrap().contains(
            "logistic, linear, scorecard, mlp, gbdt, random_forest, tree, kmeans, isolation_forest"
        ));
    }

    #[test]
    fn an_algorithm_is_stored_as_its_name_and_an_unknown_name_is_refused() {
        let logistic = Algorithm::parse("logistic").unwrap();
        assert_eq!(serde_json::to_string(&logistic).unwrap(), "\"logistic\"");
        let back: Algorithm = serde_json::from_str("\"isolation_forest\"").unwrap();
        assert_eq!(back.as_str(), "isolation_forest");
        let e = serde_json::from_str::<Algorithm>("\"svm\"").unwrap_err();
        assert!(
            e.to_string().starts_with(
                "unknown variant `svm`, expected one of `logistic`, `linear`, `scorecard`, `mlp`"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_stored_estimator_must_fit_its_algorithm() {
        // A linear model's fields only: no points, no network.
        let stored = || StoredEstimator {
            intercept: 0.0,
            weights: Vec::new(),
            coefficients: Vec::new(),
            scorecard: None,
            network: None,
            fitted: None,
        };
        let named = |name| Algorithm::parse(name).unwrap().spec();
        assert!(named("logistic").read_stored(stored()).is_ok());
        for algorithm in ["scorecard", "mlp", "kmeans", "isolation_forest"] {
            let e = named(algorithm).read_stored(stored()).unwrap_err();
            assert_eq!(e.kind, ErrorKind::CorruptModel, "{algorithm}");
        }
        let mut newer = stored();
        newer.fitted = Some(serde_json::json!({"trees": []}));
        assert!(named("linear").read_stored(newer).is_err());
    }

    #[test]
    fn a_key_of_another_algorithm_or_a_refused_one_is_named_in_the_error() {
        let training = ["test_size", "impute"];
        let named = |name| Algorithm::parse(name).unwrap();
        assert!(named("scorecard").check_key("pdo", &training).is_ok());
        assert!(named("scorecard").check_key("l2", &training).is_ok());
        assert!(named("logistic").check_key("test_size", &training).is_ok());
        let e = named("logistic").check_key("pdo", &training).unwrap_err();
        assert_eq!(
            e.message,
            "option \"pdo\" applies to algorithm \"scorecard\" only"
        );
        let e = named("scorecard")
            .check_key("impute", &training)
            .unwrap_err();
        assert_eq!(
            e.message,
            "option \"impute\" does not apply to algorithm \"scorecard\""
        );
        let e = named("mlp").check_key("l2", &training).unwrap_err();
        assert_eq!(
            e.message,
            "option \"l2\" does not apply to algorithm \"mlp\""
        );
    }
}
