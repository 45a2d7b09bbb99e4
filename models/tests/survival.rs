//! The Cox model against lifelines 0.30.3's CoxPHFitter on the Rossi recidivism data that
//! lifelines ships: reference/cox_rossi.py wrote reference/rossi.csv and every number in
//! reference/cox_rossi.json. Tolerances: coefficients and standard errors 1e-4 (absolute),
//! the baseline cumulative hazard and survival probabilities 1e-6, the partial
//! log-likelihood 1e-6, Harrell's concordance 1e-12 (the same pairs counted).

use finml_models::data::{Column, Dataset, Feature, NumericColumn, SurvivalColumn, TargetColumn};
use finml_models::estimator::cox::CoxModel;
use finml_models::mlp::DeviceChoice;
use finml_models::options::TrainOptions;
use finml_models::{format, train, Algorithm, ErrorKind, Limits, RawValue, Task};
use serde_json::{json, Value};

const LIMITS: Limits = Limits {
    max_memory_bytes: 1 << 30,
    device: DeviceChoice::Cpu,
    threads: 2,
};

const COVARIATES: [&str; 7] = ["fin", "age", "race", "wexp", "mar", "paro", "prio"];

fn reference() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/reference/cox_rossi.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect(path)).expect("cox_rossi.json")
}

fn numbers(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("an array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

/// rossi.csv: the covariates as features, arrest as the event, week as the duration (and the
/// added entry column when `with_entry`).
fn rossi(with_entry: bool) -> Dataset {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/rossi.csv");
    let text = std::fs::read_to_string(path).expect(path);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect();
    let column = |name: &str| -> Vec<f64> {
        let j = header.iter().position(|h| *h == name).expect(name);
        rows.iter().map(|r| r[j]).collect()
    };
    Dataset {
        features: COVARIATES
            .iter()
            .map(|&name| Feature {
                name: name.to_owned(),
                column: Column::Numeric(NumericColumn {
                    values: column(name),
                }),
            })
            .collect(),
        target_name: "arrest".to_owned(),
        target: TargetColumn::Survival(SurvivalColumn {
            events: column("arrest"),
            durations: column("week"),
            entries: with_entry.then(|| column("entry")),
        }),
        test_mask: None,
        weights: None,
        times: None,
    }
}

fn train_cox(data: &Dataset, options: Value) -> finml_models::TrainOutcome {
    let options = TrainOptions::from_json(&options).unwrap();
    train(data, Algorithm::parse("cox").unwrap(), &options, LIMITS).unwrap()
}

fn cox(outcome: &finml_models::TrainOutcome) -> &CoxModel {
    outcome
        .model
        .estimator
        .downcast_ref::<CoxModel>()
        .expect("a Cox model")
}

fn assert_close(what: &str, ours: &[f64], theirs: &[f64], tolerance: f64) {
    assert_eq!(ours.len(), theirs.len(), "{what}");
    let largest = ours
        .iter()
        .zip(theirs)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    // The agreement table of the closing notes (cargo test --test survival -- --nocapture).
    eprintln!("{what}: largest difference {largest:.2e} (tolerance {tolerance:.0e})");
    for (j, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!(
            (a - b).abs() <= tolerance,
            "{what}[{j}]: finml {a} lifelines {b}"
        );
    }
}

fn check_fit(outcome: &finml_models::TrainOutcome, expected: &Value, baseline: bool) {
    let model = cox(outcome);
    let estimates: Vec<f64> = model
        .linear
        .coefficients
        .iter()
        .map(|c| c.estimate)
        .collect();
    let errors: Vec<f64> = model
        .linear
        .coefficients
        .iter()
        .map(|c| c.std_error.expect("a standard error"))
        .collect();
    assert_close(
        "coefficients",
        &estimates,
        &numbers(&expected["coefficients"]),
        1e-4,
    );
    assert_close(
        "standard errors",
        &errors,
        &numbers(&expected["standard_errors"]),
        1e-4,
    );
    if !baseline {
        return;
    }
    let times = numbers(&expected["baseline_times"]);
    let ours: Vec<f64> = times.iter().map(|&t| model.baseline_at(t)).collect();
    assert_close(
        "baseline cumulative hazard",
        &ours,
        &numbers(&expected["baseline_cumulative_hazard"]),
        1e-6,
    );
    // lifelines' log_likelihood_ of a penalized fit has the penalty taken off; finml
    // stores the partial likelihood itself, so only the plain fit's are the same number.
    if expected_plain(expected) {
        assert!(
            (model.log_likelihood - expected["log_likelihood"].as_f64().unwrap()).abs() < 1e-6,
            "log-likelihood {}",
            model.log_likelihood
        );
    }
    let concordance = outcome.metrics["train_concordance"];
    assert!(
        (concordance - expected["concordance"].as_f64().unwrap()).abs() < 1e-12,
        "concordance {concordance}"
    );
}

fn expected_plain(expected: &Value) -> bool {
    expected == &reference()["plain"]
}

#[test]
fn cox_equals_lifelines_on_rossi() {
    let reference = reference();
    let outcome = train_cox(&rossi(false), json!({"duration": "week", "test_size": 0}));
    assert_eq!(outcome.model.task, Task::Survival);
    check_fit(&outcome, &reference["plain"], true);
}

#[test]
fn ridge_cox_equals_lifelines_penalizer() {
    let reference = reference();
    let outcome = train_cox(
        &rossi(false),
        json!({"duration": "week", "test_size": 0, "l2": 0.1}),
    );
    check_fit(&outcome, &reference["ridge"], true);
}

#[test]
fn left_truncated_cox_equals_lifelines_entry_col() {
    let reference = reference();
    let outcome = train_cox(
        &rossi(true),
        json!({"duration": "week", "entry": "entry", "test_size": 0}),
    );
    check_fit(&outcome, &reference["entry"], false);
}

fn first_rows_values(data: &Dataset, row: usize) -> Vec<f64> {
    data.features
        .iter()
        .map(|f| match &f.column {
            Column::Numeric(c) => c.values[row],
            Column::Categorical(_) => unreachable!("rossi is numeric"),
        })
        .collect()
}

#[test]
fn predicted_survival_and_pd_equal_lifelines_and_survive_the_stored_form() {
    let reference = reference();
    let data = rossi(false);
    let outcome = train_cox(
        &data,
        json!({"duration": "week", "test_size": 0, "horizon": 52}),
    );
    let bytes = format::to_bytes(&outcome.model).unwrap();
    let back = format::from_bytes(&bytes).unwrap();
    let expected = &reference["plain"]["survival_first_rows_at_12_52"];
    for row in 0..3 {
        let values = first_rows_values(&data, row);
        let raw: Vec<RawValue<'_>> = values.iter().map(|&v| RawValue::Number(v)).collect();
        for model in [&outcome.model, &back] {
            let curve = model.pd_curve(&raw, 52).unwrap();
            let theirs = numbers(&expected[row]);
            let ours = [curve[11].survival, curve[51].survival];
            assert_close("survival at 12 and 52", &ours, &theirs, 1e-6);
            // fin_predict is the PD at the horizon (52).
            let pd = model.predict(&raw).unwrap();
            assert!((pd - (1.0 - theirs[1])).abs() < 1e-6, "pd {pd}");
            // The curve's hazards chain into its survival.
            let chained: f64 = curve.iter().map(|p| 1.0 - p.hazard).product();
            assert!((chained - curve[51].survival).abs() < 1e-12);
        }
    }
}

#[test]
fn held_out_metrics_are_concordance_and_the_pd_against_kaplan_meier() {
    let outcome = train_cox(&rossi(false), json!({"duration": "week", "seed": 7}));
    assert_eq!(outcome.evaluated_on, "test");
    let m = &outcome.metrics;
    for name in [
        "concordance",
        "events",
        "predicted_pd",
        "observed_pd",
        "auc_at_horizon",
    ] {
        assert!(m.contains_key(name), "{name}: {m:?}");
    }
    assert!(m["concordance"] > 0.55 && m["concordance"] < 0.8, "{m:?}");
    // 114 of 432 were arrested within 52 weeks; by week 12, about 5%.
    assert!((m["predicted_pd"] - m["observed_pd"]).abs() < 0.05, "{m:?}");
}

#[test]
fn a_survival_target_is_checked_and_duration_belongs_to_survival_models() {
    let mut data = rossi(false);
    if let TargetColumn::Survival(c) = &mut data.target {
        c.durations[4] = -1.0;
    }
    let options = TrainOptions::from_json(&json!({"duration": "week"})).unwrap();
    let e = train(&data, Algorithm::parse("cox").unwrap(), &options, LIMITS).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidData);
    assert_eq!(e.message, "duration column \"week\" holds -1 in row 5");

    let none = TrainOptions::from_json(&json!({})).unwrap();
    let e = none
        .for_algorithm(Algorithm::parse("cox").unwrap())
        .unwrap_err();
    assert!(
        e.message.contains("needs options.duration"),
        "{}",
        e.message
    );
    let e = options
        .clone()
        .for_algorithm(Algorithm::parse("logistic").unwrap())
        .unwrap_err();
    assert!(
        e.message.contains("apply to survival models"),
        "{}",
        e.message
    );
    let e = TrainOptions::from_json(&json!({"duration": "week", "horizon": 0}))
        .unwrap()
        .for_algorithm(Algorithm::parse("cox").unwrap())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
}

#[test]
fn a_classifier_has_no_pd_curve() {
    let mut data = rossi(false);
    let TargetColumn::Survival(c) = &data.target else {
        unreachable!()
    };
    data.target = TargetColumn::Boolean(c.events.iter().map(|&e| Some(e == 1.0)).collect());
    let options = TrainOptions::from_json(&json!({})).unwrap();
    let outcome = train(
        &data,
        Algorithm::parse("logistic").unwrap(),
        &options,
        LIMITS,
    )
    .unwrap();
    let values = first_rows_values(&data, 0);
    let raw: Vec<RawValue<'_>> = values.iter().map(|&v| RawValue::Number(v)).collect();
    let e = outcome.model.pd_curve(&raw, 12).unwrap_err();
    assert_eq!(e.kind, ErrorKind::WrongModelKind);
    assert!(outcome.model.estimator.survival_curve().is_none());
}

#[test]
fn an_overflowing_row_is_a_clear_error_never_a_panic() {
    let data = rossi(false);
    let outcome = train_cox(&data, json!({"duration": "week", "test_size": 0}));
    // fin and race have coefficients of opposite signs: their terms overflow to -inf and +inf.
    let mut values = first_rows_values(&data, 0);
    values[0] = 1.7e308;
    values[2] = 1.7e308;
    let raw: Vec<RawValue<'_>> = values.iter().map(|&v| RawValue::Number(v)).collect();
    let e = outcome.model.pd_curve(&raw, 52).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidData);
    // One huge term: the hazard overflows to a certain default, every number finite.
    let mut values = first_rows_values(&data, 0);
    values[6] = 1e6;
    let raw: Vec<RawValue<'_>> = values.iter().map(|&v| RawValue::Number(v)).collect();
    let curve = outcome.model.pd_curve(&raw, 52).unwrap();
    assert!(curve
        .iter()
        .all(|p| p.survival == 0.0 && p.cumulative_pd == 1.0));
    assert_eq!(curve[0].hazard, 1.0);
}
