//! Whether a newly trained version replaces the deployed one (the `deploy` option): the rule
//! behind `fin_retrain` and `fin_train`, free of the database so it is tested directly.

use crate::data::Dataset;
use crate::error::Result;
use crate::metrics;
use crate::model::Model;
use crate::options::DeployPolicy;
use crate::train::{HeldOut, TrainOutcome, Truth};

/// The metric a policy compares: AUC for classification (higher is better), RMSE for
/// regression (lower is better).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Headline {
    Auc,
    Rmse,
}

impl Headline {
    pub fn of(held_out: &HeldOut) -> Headline {
        match held_out.truth {
            Truth::Binary(_) | Truth::MultiClass { .. } => Headline::Auc,
            Truth::Numeric(_) => Headline::Rmse,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Headline::Auc => "auc",
            Headline::Rmse => "rmse",
        }
    }

    /// The metric of `predictions` (a multi-class model's k probabilities per row) against
    /// the held-out truth; `None` when undefined (AUC with one class only).
    pub fn measure(self, predictions: &[f64], truth: &Truth) -> Option<f64> {
        match truth {
            Truth::Binary(y) => metrics::auc(predictions, y),
            Truth::MultiClass { y, classes } => {
                metrics::multiclass_report(predictions, y, *classes)
                    .get("auc")
                    .copied()
            }
            Truth::Numeric(y) => metrics::rmse(y, predictions),
        }
    }

    /// `new` is not worse than `deployed` by more than `tolerance`.
    fn passes(self, new: f64, deployed: f64, tolerance: f64) -> bool {
        match self {
            Headline::Auc => new >= deployed - tolerance,
            Headline::Rmse => new <= deployed + tolerance,
        }
    }
}

/// The deployed version as measured on the new version's held-out rows.
#[derive(Debug, Clone)]
pub enum Incumbent {
    /// No version of the model is deployed.
    None,
    /// Its metric on the same rows (`None` when undefined).
    Measured { version: i32, value: Option<f64> },
    /// It cannot be applied to the new data (a column is gone or changed type).
    Unusable { version: i32, reason: String },
}

/// What the policy decided, and why, in words for the DBA.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub deploy: bool,
    pub metric: &'static str,
    pub new_value: Option<f64>,
    pub deployed_value: Option<f64>,
    pub reason: String,
}

/// Measures the deployed model on the rows the new version was evaluated on. A deployed model
/// of the other task, or trained for another positive class, cannot be compared.
pub fn measure_incumbent(
    outcome: &TrainOutcome,
    data: &Dataset,
    version: i32,
    deployed: &Model,
) -> Incumbent {
    if deployed.task != outcome.model.task
        || deployed.positive_class != outcome.model.positive_class
        || deployed.classes != outcome.model.classes
    {
        return Incumbent::Unusable {
            version,
            reason: format!(
                "it predicts {} of {:?}, the new version {} of {:?}",
                deployed.task.as_str(),
                deployed.positive_class.as_deref().unwrap_or("a value"),
                outcome.model.task.as_str(),
                outcome.model.positive_class.as_deref().unwrap_or("a value"),
            ),
        };
    }
    let measured: Result<Vec<f64>> = deployed.predict_rows(data, &outcome.held_out.rows);
    match measured {
        Ok(predictions) => Incumbent::Measured {
            version,
            value: Headline::of(&outcome.held_out).measure(&predictions, &outcome.held_out.truth),
        },
        Err(e) => Incumbent::Unusable {
            version,
            reason: e.message,
        },
    }
}

/// Applies `policy` to a new version whose headline metric is `new_value` (measured on
/// `evaluated_on` rows).
pub fn decide(
    policy: DeployPolicy,
    tolerance: f64,
    headline: Headline,
    new_value: Option<f64>,
    evaluated_on: &str,
    incumbent: &Incumbent,
) -> Decision {
    let metric = headline.as_str();
    let deployed_value = match incumbent {
        Incumbent::Measured { value, .. } => *value,
        _ => None,
    };
    let decision = |deploy: bool, reason: String| Decision {
        deploy,
        metric,
        new_value,
        deployed_value,
        reason,
    };
    let fmt = |v: Option<f64>| v.map_or("undefined".to_owned(), |v| format!("{v:.4}"));
    match policy {
        DeployPolicy::Always => decision(true, "deploy policy is always".into()),
        DeployPolicy::Never => decision(
            false,
            "deploy policy is never: deploy it with fin_deploy".into(),
        ),
        DeployPolicy::IfBetter => match incumbent {
            Incumbent::None => decision(true, "no version was deployed".into()),
            Incumbent::Unusable { version, reason } => decision(
                false,
                format!("deployed version {version} cannot be measured on the new data ({reason}); kept it: deploy the new version with fin_deploy if intended"),
            ),
            Incumbent::Measured { version, value } => match (new_value, value) {
                (Some(new), Some(old)) if headline.passes(new, *old, tolerance) => decision(
                    true,
                    format!(
                        "{metric} {} on the {evaluated_on} rows, deployed version {version} {}: within tolerance {tolerance}",
                        fmt(new_value),
                        fmt(*value)
                    ),
                ),
                (Some(_), Some(_)) => decision(
                    false,
                    format!(
                        "{metric} {} on the {evaluated_on} rows is worse than deployed version {version}'s {} by more than tolerance {tolerance}; kept version {version}",
                        fmt(new_value),
                        fmt(*value)
                    ),
                ),
                _ => decision(
                    false,
                    format!(
                        "{metric} is undefined on the {evaluated_on} rows (new {}, deployed version {version} {}); kept version {version}",
                        fmt(new_value),
                        fmt(*value)
                    ),
                ),
            },
        },
    }
}

/// The deploy decision for a new version, in one call: the version deployed now
/// (`deployed_now`, read under the model's lock) is measured on the new version's held-out
/// rows if it is the one read before training (`read_before`: version and model, whose
/// columns `data` holds), and `policy` is applied. A version deployed while this one trained
/// was not read, so under if_better it cannot be compared and the new one is not deployed.
pub fn judge(
    policy: DeployPolicy,
    tolerance: f64,
    outcome: &TrainOutcome,
    data: &Dataset,
    deployed_now: Option<i32>,
    read_before: Option<(i32, &Model)>,
) -> Decision {
    let incumbent = match (deployed_now, read_before) {
        (None, _) => Incumbent::None,
        (Some(version), Some((read, deployed))) if version == read => {
            measure_incumbent(outcome, data, version, deployed)
        }
        (Some(version), _) if policy == DeployPolicy::IfBetter => Incumbent::Unusable {
            version,
            reason: "it was deployed while this version trained".to_owned(),
        },
        (Some(version), _) => Incumbent::Measured {
            version,
            value: None,
        },
    };
    let headline = Headline::of(&outcome.held_out);
    decide(
        policy,
        tolerance,
        headline,
        outcome.metrics.get(headline.as_str()).copied(),
        outcome.evaluated_on,
        &incumbent,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(value: f64) -> Incumbent {
        Incumbent::Measured {
            version: 3,
            value: Some(value),
        }
    }

    #[test]
    fn if_better_compares_auc_upwards_with_tolerance() {
        let d = decide(
            DeployPolicy::IfBetter,
            0.0,
            Headline::Auc,
            Some(0.80),
            "test",
            &measured(0.80),
        );
        assert!(d.deploy, "an equal AUC passes: {}", d.reason);
        let d = decide(
            DeployPolicy::IfBetter,
            0.0,
            Headline::Auc,
            Some(0.7999),
            "test",
            &measured(0.80),
        );
        assert!(!d.deploy);
        assert!(d.reason.contains("kept version 3"), "{}", d.reason);
        let d = decide(
            DeployPolicy::IfBetter,
            0.01,
            Headline::Auc,
            Some(0.791),
            "test",
            &measured(0.80),
        );
        assert!(d.deploy);
        let d = decide(
            DeployPolicy::IfBetter,
            0.01,
            Headline::Auc,
            Some(0.789),
            "test",
            &measured(0.80),
        );
        assert!(!d.deploy);
        assert_eq!(
            (d.metric, d.new_value, d.deployed_value),
            ("auc", Some(0.789), Some(0.80))
        );
    }

    #[test]
    fn if_better_compares_rmse_downwards() {
        let d = decide(
            DeployPolicy::IfBetter,
            0.0,
            Headline::Rmse,
            Some(9.0),
            "test",
            &measured(10.0),
        );
        assert!(d.deploy);
        let d = decide(
            DeployPolicy::IfBetter,
            0.5,
            Headline::Rmse,
            Some(10.6),
            "test",
            &measured(10.0),
        );
        assert!(!d.deploy);
        let d = decide(
            DeployPolicy::IfBetter,
            0.5,
            Headline::Rmse,
            Some(10.4),
            "test",
            &measured(10.0),
        );
        assert!(d.deploy);
    }

    #[test]
    fn undefined_or_unusable_keeps_the_deployed_version() {
        let undefined = Incumbent::Measured {
            version: 2,
            value: None,
        };
        assert!(
            !decide(
                DeployPolicy::IfBetter,
                0.0,
                Headline::Auc,
                Some(0.9),
                "test",
                &undefined
            )
            .deploy
        );
        assert!(
            !decide(
                DeployPolicy::IfBetter,
                0.0,
                Headline::Auc,
                None,
                "test",
                &measured(0.5)
            )
            .deploy
        );
        let gone = Incumbent::Unusable {
            version: 2,
            reason: "the data has no column \"x\"".into(),
        };
        let d = decide(
            DeployPolicy::IfBetter,
            0.0,
            Headline::Auc,
            Some(0.9),
            "test",
            &gone,
        );
        assert!(!d.deploy && d.reason.contains("no column"), "{}", d.reason);
        // Nothing deployed: the first version is deployed whatever its metric.
        assert!(
            decide(
                DeployPolicy::IfBetter,
                0.0,
                Headline::Auc,
                Some(0.5),
                "test",
                &Incumbent::None
            )
            .deploy
        );
        // always and never do not look at metrics.
        assert!(
            decide(
                DeployPolicy::Always,
                0.0,
                Headline::Auc,
                Some(0.1),
                "test",
                &measured(0.9)
            )
            .deploy
        );
        assert!(
            !decide(
                DeployPolicy::Never,
                0.0,
                Headline::Auc,
                Some(0.9),
                "test",
                &measured(0.1)
            )
            .deploy
        );
    }

    #[test]
    fn rmse_by_hand() {
        // errors 1, -1, 2, 0 -> sqrt((1 + 1 + 4 + 0) / 4) = sqrt(1.5)
        let truth = Truth::Numeric(vec![1.0, 2.0, 3.0, 4.0]);
        let rmse = Headline::Rmse
            .measure(&[0.0, 3.0, 1.0, 4.0], &truth)
            .unwrap();
        assert!((rmse - 1.5f64.sqrt()).abs() < 1e-15);
    }
}

#[cfg(test)]
mod judge_tests {
    use super::*;

    use crate::test_data::{dataset, options, LIMITS};
    use crate::train::train;

    #[test]
    fn the_version_read_before_training_is_measured_on_the_same_rows() {
        let data = dataset();
        let deployed = train(&data, crate::registry::LOGISTIC, &options(), LIMITS).unwrap();
        let new = train(&data, crate::registry::LOGISTIC, &options(), LIMITS).unwrap();
        let d = judge(
            DeployPolicy::IfBetter,
            0.0,
            &new,
            &data,
            Some(4),
            Some((4, &deployed.model)),
        );
        // The same data and options give the same model: its AUC on the same rows is equal.
        assert_eq!(d.new_value, d.deployed_value);
        assert!(d.deploy, "{}", d.reason);
        assert_eq!(d.metric, "auc");
    }

    #[test]
    fn a_version_deployed_during_training_is_not_replaced_under_if_better() {
        let data = dataset();
        let read = train(&data, crate::registry::LOGISTIC, &options(), LIMITS).unwrap();
        let new = train(&data, crate::registry::LOGISTIC, &options(), LIMITS).unwrap();
        let during = |policy| judge(policy, 0.0, &new, &data, Some(5), Some((4, &read.model)));
        let d = during(DeployPolicy::IfBetter);
        assert!(!d.deploy);
        assert!(
            d.reason.contains("deployed while this version trained"),
            "{}",
            d.reason
        );
        assert!(during(DeployPolicy::Always).deploy);
        let first = judge(DeployPolicy::IfBetter, 0.0, &new, &data, None, None);
        assert!(first.deploy, "{}", first.reason);
    }
}
