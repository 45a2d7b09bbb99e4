//! The estimator seam: what an algorithm is, in one place.
//!
//! An algorithm has
//! - a tag ([`Algorithm`]) with its SQL name and the option keys it owns or refuses;
//! - validated parameters ([`Params`]), parsed from its own slice of the options object;
//! - a fit ([`Params::fit`]) from a [`FitInput`] to its preprocessing and a fitted
//!   [`Estimator`];
//! - the fitted estimator's output on one row of values and on a batch of design rows, its
//!   attribution for `fin_explain` and its training reference, its coefficients (if any),
//!   its parameter check, and its stored form ([`StoredEstimator`]).
//!
//! Adding an algorithm: a module of its own under estimator/ (params, fit, fitted type), one
//! arm in each `match` of this file, and its mapping to and from [`StoredEstimator`]. Nothing outside
//! this file matches on algorithms, except the scorecard-only SQL functions (through
//! `Model::scorecard`).

use crate::data::{Dataset, RawValue};
use crate::design::BLOCK_ROWS;
use crate::error::{Error, ErrorKind, Result};
use crate::explain::{self, Explanation, Reference};
use crate::fit::FitInput;
use crate::fit::Task;
use crate::preprocess::Preprocessor;
use crate::progress::Phase;
use crate::scoring_code;
use isolation_forest::{IsolationForest, IsolationForestParams, ISOLATION_FOREST_KEYS};
use kmeans::{KMeansModel, KMeansParams, KMEANS_KEYS, NOT_FOR_KMEANS, NOT_FOR_UNSUPERVISED_HINT};
use linear::{Coefficient, LinearEstimator, SolverParams, SOLVER_KEYS};
use mlp::{MlpParams, Network, MLP_KEYS};
use ndarray::{Array2, ArrayView1};
use scorecard::{Scorecard, ScorecardParams, NOT_FOR_SCORECARDS, SCORECARD_KEYS};

pub mod isolation_forest;
pub mod kmeans;
pub mod linear;
pub mod mlp;
pub mod scorecard;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

thread_local! {
    /// The design row of a network's per-row prediction.
    static DESIGN_ROW: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The estimator family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Algorithm {
    /// Logistic regression (binary classification).
    Logistic,
    /// Linear least squares, ridge when `l2 > 0` (regression).
    Linear,
    /// Logistic regression on the weights of evidence of binned features, scaled to points.
    Scorecard,
    /// A multi-layer perceptron (classification or regression).
    Mlp,
    /// k-means segmentation (no target).
    Kmeans,
    /// Isolation-forest anomaly scores (no target).
    #[serde(rename = "isolation_forest")]
    IsolationForest,
}

/// Every algorithm, in the order error hints list them.
pub const ALL: [Algorithm; 6] = [
    Algorithm::Logistic,
    Algorithm::Linear,
    Algorithm::Scorecard,
    Algorithm::Mlp,
    Algorithm::Kmeans,
    Algorithm::IsolationForest,
];

/// Keys of the shared options that MLPs refuse (their penalty is weight_decay).
const NOT_FOR_MLP: &[&str] = &["l2", "max_iter", "weight_column"];
const NOT_FOR_MLP_HINT: &str = "an MLP trains for \"epochs\", is penalized by \"weight_decay\" and weighs its classes by \"class_weight\"";

/// "logistic, linear, scorecard, mlp": every algorithm this build trains, for error hints.
fn names_of_all() -> String {
    ALL.map(Algorithm::as_str).join(", ")
}

impl Algorithm {
    pub fn parse(name: &str) -> Result<Algorithm> {
        ALL.into_iter().find(|a| a.as_str() == name).ok_or_else(|| {
            Error::invalid_option(format!("unknown algorithm \"{name}\""))
                .with_hint(format!("available algorithms: {}", names_of_all()))
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Logistic => "logistic",
            Algorithm::Linear => "linear",
            Algorithm::Scorecard => "scorecard",
            Algorithm::Mlp => "mlp",
            Algorithm::Kmeans => "kmeans",
            Algorithm::IsolationForest => "isolation_forest",
        }
    }

    /// The task of an algorithm that learns without a target; `None` for the supervised
    /// ones (their task comes from the target).
    pub fn unsupervised_task(self) -> Option<Task> {
        match self {
            Algorithm::Kmeans => Some(Task::Clustering),
            Algorithm::IsolationForest => Some(Task::AnomalyDetection),
            Algorithm::Logistic | Algorithm::Linear | Algorithm::Scorecard | Algorithm::Mlp => None,
        }
    }

    /// The option keys this algorithm reads besides the training's own.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Algorithm::Logistic | Algorithm::Linear => SOLVER_KEYS,
            Algorithm::Scorecard => SCORECARD_KEYS,
            Algorithm::Mlp => MLP_KEYS,
            Algorithm::Kmeans => KMEANS_KEYS,
            Algorithm::IsolationForest => ISOLATION_FOREST_KEYS,
        }
    }

    /// Keys of the training's own options that this algorithm would ignore, and why.
    pub fn refused(self) -> (&'static [&'static str], &'static str) {
        match self {
            Algorithm::Logistic | Algorithm::Linear => (&[], ""),
            Algorithm::Scorecard => (NOT_FOR_SCORECARDS, scorecard::NOT_FOR_SCORECARDS_HINT),
            Algorithm::Mlp => (NOT_FOR_MLP, NOT_FOR_MLP_HINT),
            Algorithm::Kmeans | Algorithm::IsolationForest => {
                (NOT_FOR_KMEANS, NOT_FOR_UNSUPERVISED_HINT)
            }
        }
    }

    /// Rejects a key that this algorithm would ignore: one another algorithm owns, or one
    /// it refuses. `training_keys` are the options every algorithm reads.
    pub fn check_key(self, key: &str, training_keys: &[&str]) -> Result<()> {
        let (refused, why) = self.refused();
        if refused.contains(&key) {
            return Err(Error::invalid_option(format!(
                "option \"{key}\" does not apply to algorithm \"{}\"",
                self.as_str()
            ))
            .with_hint(why));
        }
        if training_keys.contains(&key) || self.keys().contains(&key) {
            return Ok(());
        }
        match ALL.into_iter().find(|a| a.keys().contains(&key)) {
            Some(owner) => Err(Error::invalid_option(format!(
                "option \"{key}\" applies to algorithm \"{}\" only",
                owner.as_str()
            ))
            .with_hint(format!(
                "use algorithm => '{}', or remove the option",
                owner.as_str()
            ))),
            None => Err(Error::invalid_option(format!("unknown option \"{key}\""))
                .with_hint("README, \"fin_train\", lists every option")),
        }
    }
}

/// An algorithm's validated parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Params {
    Logistic(SolverParams),
    Linear(SolverParams),
    Scorecard(ScorecardParams),
    Mlp(MlpParams),
    Kmeans(KMeansParams),
    IsolationForest(IsolationForestParams),
}

impl Params {
    /// `algorithm`'s parameters from its keys of `options` (the rest are not looked at).
    pub fn parse(algorithm: Algorithm, options: &Map<String, Value>) -> Result<Params> {
        let name = algorithm.as_str();
        Ok(match algorithm {
            Algorithm::Logistic => Params::Logistic(SolverParams::from_options(
                options,
                name,
                linear::LOGISTIC_DEFAULT_L2,
            )?),
            Algorithm::Linear => Params::Linear(SolverParams::from_options(
                options,
                name,
                linear::LINEAR_DEFAULT_L2,
            )?),
            Algorithm::Scorecard => Params::Scorecard(ScorecardParams::from_options(options)?),
            Algorithm::Mlp => Params::Mlp(MlpParams::from_json(options)?),
            Algorithm::Kmeans => Params::Kmeans(KMeansParams::from_options(options)?),
            Algorithm::IsolationForest => {
                Params::IsolationForest(IsolationForestParams::from_options(options)?)
            }
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        match self {
            Params::Logistic(_) => Algorithm::Logistic,
            Params::Linear(_) => Algorithm::Linear,
            Params::Scorecard(_) => Algorithm::Scorecard,
            Params::Mlp(_) => Algorithm::Mlp,
            Params::Kmeans(_) => Algorithm::Kmeans,
            Params::IsolationForest(_) => Algorithm::IsolationForest,
        }
    }

    /// The parameters for a target of `task`: a logistic regression on a regression target
    /// becomes a linear regression (said in `notes`, with the same l2 when one was given);
    /// other mismatches are errors.
    pub fn for_task(
        self,
        task: Task,
        options: &Map<String, Value>,
        why_regression: impl FnOnce() -> String,
        notes: &mut Vec<String>,
    ) -> Result<Params> {
        let class_weighted = match &self {
            Params::Logistic(p) | Params::Linear(p) => p.class_weight.is_some(),
            Params::Scorecard(_)
            | Params::Mlp(_)
            | Params::Kmeans(_)
            | Params::IsolationForest(_) => false,
        };
        if class_weighted && task == Task::Regression {
            return Err(Error::invalid_option(
                "class_weight weighs the classes of a classification target; this one trains a regression",
            )
            .with_hint("remove class_weight, or train a two-class target"));
        }
        match (self, task) {
            (Params::Logistic(_), Task::Regression) => {
                notes.push(why_regression());
                Ok(Params::Linear(SolverParams::from_options(
                    options,
                    "linear",
                    linear::LINEAR_DEFAULT_L2,
                )?))
            }
            (Params::Scorecard(_), Task::Regression) => Err(Error::invalid_option(
                "algorithm \"scorecard\" needs a two-class target",
            )
            .with_hint(
                "a scorecard ranks the risk of an event: use a boolean, 0/1 or two-valued text target",
            )),
            (Params::Linear(_), Task::Classification) => Err(Error::invalid_option(
                "algorithm \"linear\" trains regressions only",
            )
            .with_hint("use algorithm => 'logistic' for a classification target")),
            (params, _) => Ok(params),
        }
    }

    /// Fits the preprocessing (or the scorecard's binning) and the estimator on the training
    /// rows, within the memory budget.
    pub fn fit(&self, input: &mut FitInput<'_>) -> Result<Fitted> {
        input.progress.phase(Phase::Preprocessing);
        let (preprocessor, estimator, log, device) = match self {
            Params::Logistic(p) => {
                let (pre, est) = linear::fit(input, *p)?;
                (pre, Estimator::Logistic(est), Vec::new(), None)
            }
            Params::Linear(p) => {
                let (pre, est) = linear::fit(input, *p)?;
                (pre, Estimator::Linear(est), Vec::new(), None)
            }
            Params::Scorecard(p) => {
                let fitted = scorecard::fit_estimator(input, p)?;
                let estimator = Estimator::Scorecard(ScorecardEstimator {
                    linear: LinearEstimator::from_fit(&fitted.fit, &fitted.preprocessor, true),
                    points: fitted.scorecard,
                });
                (fitted.preprocessor, estimator, Vec::new(), None)
            }
            Params::Mlp(p) => {
                let (pre, fit) = mlp::fit_estimator(input, p)?;
                (pre, Estimator::Mlp(fit.network), fit.log, Some(fit.device))
            }
            Params::Kmeans(p) => {
                let (pre, model) = kmeans::fit_estimator(input, p)?;
                (pre, Estimator::Kmeans(model), Vec::new(), None)
            }
            Params::IsolationForest(p) => {
                let (pre, forest) = isolation_forest::fit_estimator(input, p)?;
                (pre, Estimator::IsolationForest(forest), Vec::new(), None)
            }
        };
        Ok(Fitted {
            preprocessor,
            estimator,
            log,
            device,
        })
    }
}

/// What a fit produced.
pub struct Fitted {
    pub preprocessor: Preprocessor,
    pub estimator: Estimator,
    /// One entry per epoch (iterative estimators).
    pub log: Vec<crate::progress::EpochLog>,
    /// Where it trained ("cpu", "cuda:0"), for estimators that choose.
    pub device: Option<String>,
}

/// A scorecard: the regression on WoE values and its points.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorecardEstimator {
    pub linear: LinearEstimator,
    pub points: Scorecard,
}

/// A fitted estimator.
#[derive(Debug, Clone, PartialEq)]
pub enum Estimator {
    Logistic(LinearEstimator),
    Linear(LinearEstimator),
    Scorecard(ScorecardEstimator),
    Mlp(Network),
    Kmeans(KMeansModel),
    IsolationForest(IsolationForest),
}

impl Estimator {
    pub fn algorithm(&self) -> Algorithm {
        match self {
            Estimator::Logistic(_) => Algorithm::Logistic,
            Estimator::Linear(_) => Algorithm::Linear,
            Estimator::Scorecard(_) => Algorithm::Scorecard,
            Estimator::Mlp(_) => Algorithm::Mlp,
            Estimator::Kmeans(_) => Algorithm::Kmeans,
            Estimator::IsolationForest(_) => Algorithm::IsolationForest,
        }
    }

    /// The output unit (log-odds of a classifier, value of a regression) for one row of
    /// values in feature order.
    pub fn output(&self, preprocessor: &Preprocessor, values: &[RawValue<'_>]) -> Result<f64> {
        match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => e.output(preprocessor, values),
            Estimator::Scorecard(s) => s.linear.output(preprocessor, values),
            Estimator::Mlp(network) => {
                with_design_row(preprocessor, values, |row| network.output(row))
            }
            Estimator::Kmeans(k) => with_design_row(preprocessor, values, |row| {
                k.cluster_of(ArrayView1::from(row))
            }),
            Estimator::IsolationForest(f) => {
                with_design_row(preprocessor, values, |row| f.score(ArrayView1::from(row)))
            }
        }
    }

    /// The output of each of `rows` of `data`, built and computed a block of design rows at
    /// a time (no design matrix of all of them).
    pub fn outputs_of_rows(
        &self,
        preprocessor: &Preprocessor,
        data: &Dataset,
        rows: &[usize],
    ) -> Vec<f64> {
        let mut outputs = Vec::with_capacity(rows.len());
        for block in rows.chunks(BLOCK_ROWS) {
            outputs.extend(self.outputs(&preprocessor.design_matrix(data, block)));
        }
        outputs
    }

    /// The output unit of every row of a design matrix.
    pub fn outputs(&self, x: &Array2<f64>) -> Vec<f64> {
        match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => e.outputs(x),
            Estimator::Scorecard(s) => s.linear.outputs(x),
            Estimator::Mlp(network) => network.outputs(x),
            Estimator::Kmeans(k) => k.outputs(x),
            Estimator::IsolationForest(f) => f.outputs(x),
        }
    }

    /// Each feature's contribution to one row's output, against `reference`.
    pub fn explain(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
        values: &[RawValue<'_>],
    ) -> Result<Explanation> {
        match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => {
                explain::explain_linear(preprocessor, e.intercept, &e.weights, reference, values)
            }
            Estimator::Scorecard(s) => explain::explain_linear(
                preprocessor,
                s.linear.intercept,
                &s.linear.weights,
                reference,
                values,
            ),
            Estimator::Mlp(network) => {
                explain::explain_network(preprocessor, network, reference, values)
            }
            Estimator::Kmeans(_) | Estimator::IsolationForest(_) => {
                Err(explain::not_explained(self.algorithm().as_str()))
            }
        }
    }

    /// What explanations are measured against, over the training rows (`None`: the
    /// estimator is not explained).
    pub fn measure_reference(
        &self,
        preprocessor: &Preprocessor,
        data: &Dataset,
        rows: &[usize],
    ) -> Option<Reference> {
        match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => {
                Some(Reference::measure(preprocessor, &e.weights, data, rows))
            }
            Estimator::Scorecard(s) => Some(Reference::measure(
                preprocessor,
                &s.linear.weights,
                data,
                rows,
            )),
            Estimator::Mlp(network) => Some(Reference::measure_network(
                preprocessor,
                network,
                data,
                rows,
            )),
            Estimator::Kmeans(_) | Estimator::IsolationForest(_) => None,
        }
    }

    /// Metrics an unsupervised estimator measures on its training rows (a supervised one is
    /// measured against its target instead: none here).
    pub fn training_metrics(&self) -> Vec<(String, f64)> {
        match self {
            Estimator::Kmeans(k) => k.metrics(),
            Estimator::IsolationForest(f) => f.metrics(),
            Estimator::Logistic(_)
            | Estimator::Linear(_)
            | Estimator::Scorecard(_)
            | Estimator::Mlp(_) => Vec::new(),
        }
    }

    /// The coefficient table fin_coefficients shows (empty for a network).
    pub fn coefficients(&self) -> &[Coefficient] {
        match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => &e.coefficients,
            Estimator::Scorecard(s) => &s.linear.coefficients,
            Estimator::Mlp(_) | Estimator::Kmeans(_) | Estimator::IsolationForest(_) => &[],
        }
    }

    /// The first parameter that is not a finite, valid number, named for the error message.
    pub fn first_invalid_parameter(&self) -> Option<String> {
        match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => e.first_invalid_parameter(),
            Estimator::Scorecard(s) => s
                .points
                .first_invalid_value()
                .or_else(|| s.linear.first_invalid_parameter()),
            Estimator::Mlp(network) => network.first_invalid_parameter(),
            Estimator::Kmeans(k) => k.first_invalid_parameter(),
            Estimator::IsolationForest(f) => f.first_invalid_parameter(),
        }
    }

    /// A stored estimator whose shape does not fit the preprocessing it reads (the stored
    /// bytes may have been edited): what does not fit.
    pub fn shape_mismatch(&self, preprocessor: &Preprocessor) -> Option<String> {
        let width = preprocessor.width();
        let weights = match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => &e.weights,
            Estimator::Scorecard(s) => &s.linear.weights,
            Estimator::Mlp(network) => return network.shape_problem(width),
            Estimator::Kmeans(k) => {
                // Prediction measures every centre: no training makes more than MAX_K.
                if k.k() > kmeans::MAX_K {
                    return Some(format!(
                        "{} centres, more than the {} k-means trains",
                        k.k(),
                        kmeans::MAX_K
                    ));
                }
                return k.shape_mismatch(width);
            }
            Estimator::IsolationForest(f) => return f.shape_mismatch(width),
        };
        (weights.len() != width)
            .then(|| format!("{} weights for {width} design columns", weights.len()))
    }

    /// A stored task that this algorithm does not train (the task picks the link function
    /// and the functions that apply): what does not fit.
    pub fn task_mismatch(&self, task: Task) -> Option<String> {
        let fits = match self {
            Estimator::Logistic(_) | Estimator::Scorecard(_) => task == Task::Classification,
            Estimator::Linear(_) => task == Task::Regression,
            Estimator::Mlp(_) => matches!(task, Task::Classification | Task::Regression),
            Estimator::Kmeans(_) => task == Task::Clustering,
            Estimator::IsolationForest(_) => task == Task::AnomalyDetection,
        };
        (!fits).then(|| {
            format!(
                "its task {} is not one algorithm {} trains",
                task.as_str(),
                self.algorithm().as_str()
            )
        })
    }

    /// A stored explanation reference that does not fit the preprocessing (explanations
    /// read one term mean and spread per feature, an MLP's baseline one value per design
    /// column): what does not fit. Unsupervised models are not explained, so theirs is not
    /// read.
    pub fn reference_mismatch(
        &self,
        preprocessor: &Preprocessor,
        reference: &Reference,
    ) -> Option<String> {
        let features = preprocessor.features.len();
        let (means, expected, what, of) = match self {
            Estimator::Logistic(_) | Estimator::Linear(_) | Estimator::Scorecard(_) => (
                reference.mean_terms.len(),
                features,
                "term means",
                "features",
            ),
            Estimator::Mlp(_) => (
                reference.mean_design.len(),
                preprocessor.width(),
                "baseline values",
                "design columns",
            ),
            Estimator::Kmeans(_) | Estimator::IsolationForest(_) => return None,
        };
        if means != expected {
            return Some(format!(
                "its explanation reference has {means} {what} for {expected} {of}"
            ));
        }
        (reference.term_sd.len() != features).then(|| {
            format!(
                "its explanation reference has {} importances for {features} features",
                reference.term_sd.len()
            )
        })
    }

    /// True when the coefficients fin_coefficients shows are not the ones prediction uses.
    pub fn coefficients_disagree(&self, preprocessor: &Preprocessor) -> bool {
        match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => e.coefficients_disagree(preprocessor),
            Estimator::Scorecard(s) => s.linear.coefficients_disagree(preprocessor),
            Estimator::Mlp(_) | Estimator::Kmeans(_) | Estimator::IsolationForest(_) => false,
        }
    }

    /// A line for the model report's facts (label, text) describing the fitted structure,
    /// when the algorithm has one worth stating (a network's shape).
    pub fn structure(&self) -> Option<(&'static str, String)> {
        match self {
            Estimator::Logistic(_) | Estimator::Linear(_) | Estimator::Scorecard(_) => None,
            Estimator::Mlp(network) => Some(("Network", network.shape())),
            Estimator::Kmeans(k) => Some((
                "Clusters",
                format!("k = {}, {} Lloyd iterations", k.k(), k.iterations),
            )),
            Estimator::IsolationForest(f) => Some((
                "Forest",
                format!(
                    "{} trees of {} rows, flagging scores above {:.4}",
                    f.trees.len(),
                    f.sample_size,
                    f.threshold
                ),
            )),
        }
    }

    /// The output unit as one SQL expression over the feature columns (scoring_code.rs), for
    /// running the model where finml is not installed.
    pub fn output_sql(&self, preprocessor: &Preprocessor) -> Result<String> {
        match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => {
                scoring_code::linear_predictor(preprocessor, e.intercept, &e.weights)
            }
            Estimator::Scorecard(s) => {
                scoring_code::linear_predictor(preprocessor, s.linear.intercept, &s.linear.weights)
            }
            Estimator::Mlp(_) => Err(no_sql(
                "an MLP has no SQL expression: its hidden layers are not written as scoring code"
                    .to_owned(),
            )),
            Estimator::Kmeans(_) | Estimator::IsolationForest(_) => Err(no_sql(format!(
                "{} model has no SQL expression: only linear models and scorecards are written as scoring code",
                crate::error::with_article(self.algorithm().as_str())
            ))),
        }
    }

    /// What the coefficient table's estimates are measured on, for the model report.
    pub fn coefficients_scale(&self) -> &'static str {
        match self {
            Estimator::Logistic(_)
            | Estimator::Linear(_)
            | Estimator::Mlp(_)
            | Estimator::Kmeans(_)
            | Estimator::IsolationForest(_) => "on the original feature scale",
            Estimator::Scorecard(_) => "on the weights of evidence",
        }
    }

    /// The oldest stored-format version that can hold this estimator: 2 added scorecards,
    /// 3 MLPs, 5 the unsupervised models; every other model is still written as version 1,
    /// readable by finml 0.1.
    pub fn format_version(&self) -> u32 {
        match self {
            Estimator::Logistic(_) | Estimator::Linear(_) => 1,
            Estimator::Scorecard(_) => 2,
            Estimator::Mlp(_) => 3,
            Estimator::Kmeans(_) | Estimator::IsolationForest(_) => UNSUPERVISED_FORMAT_VERSION,
        }
    }

    /// The stored form's estimator fields.
    pub fn to_stored(&self, width: usize) -> StoredEstimator {
        let linear = |e: &LinearEstimator| StoredEstimator {
            intercept: e.intercept,
            weights: e.weights.clone(),
            coefficients: e.coefficients.clone(),
            scorecard: None,
            network: None,
            fitted: None,
        };
        match self {
            Estimator::Logistic(e) | Estimator::Linear(e) => linear(e),
            Estimator::Scorecard(s) => StoredEstimator {
                scorecard: Some(s.points.clone()),
                ..linear(&s.linear)
            },
            // Formats 1-3 keep a linear model's fields for every model: a network stores a
            // zero intercept and zero weights.
            Estimator::Mlp(network) => StoredEstimator {
                network: Some(network.clone()),
                ..StoredEstimator::no_linear_part(width)
            },
            Estimator::Kmeans(k) => StoredEstimator {
                fitted: serde_json::to_value(k).ok(),
                ..StoredEstimator::no_linear_part(width)
            },
            Estimator::IsolationForest(f) => StoredEstimator {
                fitted: serde_json::to_value(f).ok(),
                ..StoredEstimator::no_linear_part(width)
            },
        }
    }

    /// The estimator of a stored `algorithm` (an error names what does not fit).
    pub fn from_stored(algorithm: Algorithm, stored: StoredEstimator) -> Result<Estimator> {
        let StoredEstimator {
            intercept,
            weights,
            coefficients,
            scorecard,
            network,
            fitted,
        } = stored;
        let unreadable = |e: serde_json::Error| {
            Error::new(
                ErrorKind::CorruptModel,
                format!("the fitted state of a {} model: {e}", algorithm.as_str()),
            )
        };
        match (algorithm, fitted) {
            (Algorithm::Kmeans, Some(f)) => {
                return serde_json::from_value(f)
                    .map(Estimator::Kmeans)
                    .map_err(unreadable)
            }
            (Algorithm::IsolationForest, Some(f)) => {
                return serde_json::from_value(f)
                    .map(Estimator::IsolationForest)
                    .map_err(unreadable)
            }
            (Algorithm::Kmeans | Algorithm::IsolationForest, None) => {
                return Err(Error::new(
                    ErrorKind::CorruptModel,
                    format!("a {} model without its fitted state", algorithm.as_str()),
                ))
            }
            (_, Some(_)) => {
                return Err(Error::new(
                    ErrorKind::CorruptModel,
                    format!(
                        "a {} model with the fitted state of a newer algorithm",
                        algorithm.as_str()
                    ),
                ))
            }
            (_, None) => {}
        }
        let linear = LinearEstimator {
            intercept,
            weights,
            coefficients,
        };
        let misplaced = |what: &str| {
            Err(Error::new(
                ErrorKind::CorruptModel,
                format!("a {} model with {what}", algorithm.as_str()),
            ))
        };
        match (algorithm, scorecard, network) {
            (Algorithm::Logistic, None, None) => Ok(Estimator::Logistic(linear)),
            (Algorithm::Linear, None, None) => Ok(Estimator::Linear(linear)),
            (Algorithm::Scorecard, Some(points), None) => {
                Ok(Estimator::Scorecard(ScorecardEstimator { linear, points }))
            }
            (Algorithm::Mlp, None, Some(network)) => Ok(Estimator::Mlp(network)),
            (Algorithm::Scorecard, None, _) => misplaced("no points"),
            (Algorithm::Mlp, _, None) => misplaced("no network"),
            (Algorithm::Kmeans | Algorithm::IsolationForest, _, _) => misplaced("a linear model"),
            (_, Some(_), _) => misplaced("a scorecard's points"),
            (_, _, Some(_)) => misplaced("a network"),
        }
    }
}

/// The newest stored-format version this build reads and writes: the largest
/// [`Estimator::format_version`] or feature kind's. An algorithm added later raises it, so
/// that older finml refuses its models instead of misreading them.
pub const NEWEST_FORMAT_VERSION: u32 = TIME_OF_DAY_FORMAT_VERSION;

/// The format version of a model with a date's hour or minute part (finml 0.9.1).
pub const TIME_OF_DAY_FORMAT_VERSION: u32 = 7;

/// The format version of a model with a date or text feature (finml 0.6.1): a preprocessing
/// older readers cannot decode.
pub const FEATURE_KINDS_FORMAT_VERSION: u32 = 6;

/// The format version of the unsupervised models (k-means, isolation forest): their task
/// and fitted state are unknown to finml before 0.6.
pub const UNSUPERVISED_FORMAT_VERSION: u32 = 5;

/// The format version of a scorecard with special codes (bins an older reader would
/// misread as value bins).
pub const SPECIAL_CODES_FORMAT_VERSION: u32 = 4;

/// The estimator's fields of the stored form (format.rs holds them flat in the model object,
/// as formats 1-3 laid them out).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredEstimator {
    pub intercept: f64,
    pub weights: Vec<f64>,
    pub coefficients: Vec<Coefficient>,
    pub scorecard: Option<Scorecard>,
    pub network: Option<Network>,
    /// The fitted state of an algorithm added after format 3, as its own JSON (its
    /// `to_stored` arm writes it, its `from_stored` arm reads it): a new algorithm needs no
    /// new field here or in format.rs.
    pub fitted: Option<serde_json::Value>,
}

impl StoredEstimator {
    /// The fields of a model with no linear part (formats 1-3 keep a linear model's fields
    /// for every model: a zero intercept and zero weights).
    fn no_linear_part(width: usize) -> StoredEstimator {
        StoredEstimator {
            intercept: 0.0,
            weights: vec![0.0; width],
            coefficients: Vec::new(),
            scorecard: None,
            network: None,
            fitted: None,
        }
    }
}

/// The error of `fin_model_sql` on a model it cannot write.
fn no_sql(message: String) -> Error {
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
        for algorithm in ALL {
            assert_eq!(Algorithm::parse(algorithm.as_str()).unwrap(), algorithm);
        }
        let e = Algorithm::parse("svm").unwrap_err();
        assert!(e
            .hint
            .unwrap()
            .contains("logistic, linear, scorecard, mlp, kmeans, isolation_forest"));
    }

    #[test]
    fn a_key_of_another_algorithm_or_a_refused_one_is_named_in_the_error() {
        let training = ["test_size", "impute"];
        assert!(Algorithm::Scorecard.check_key("pdo", &training).is_ok());
        assert!(Algorithm::Scorecard.check_key("l2", &training).is_ok());
        assert!(Algorithm::Logistic
            .check_key("test_size", &training)
            .is_ok());
        let e = Algorithm::Logistic.check_key("pdo", &training).unwrap_err();
        assert_eq!(
            e.message,
            "option \"pdo\" applies to algorithm \"scorecard\" only"
        );
        let e = Algorithm::Scorecard
            .check_key("impute", &training)
            .unwrap_err();
        assert_eq!(
            e.message,
            "option \"impute\" does not apply to algorithm \"scorecard\""
        );
        let e = Algorithm::Mlp.check_key("l2", &training).unwrap_err();
        assert_eq!(
            e.message,
            "option \"l2\" does not apply to algorithm \"mlp\""
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
        assert!(Estimator::from_stored(Algorithm::Logistic, stored()).is_ok());
        for algorithm in [Algorithm::Scorecard, Algorithm::Mlp] {
            let e = Estimator::from_stored(algorithm, stored()).unwrap_err();
            assert_eq!(e.kind, ErrorKind::CorruptModel, "{algorithm:?}");
        }
        let mut newer = stored();
        newer.fitted = Some(serde_json::json!({"trees": []}));
        assert!(Estimator::from_stored(Algorithm::Linear, newer).is_err());
    }
}
