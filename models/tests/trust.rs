//! What the models crate guarantees against hostile input: non-finite models are refused,
//! stored models are checked when read, predictions never return NaN, the network's memory is
//! counted before training, and the fits reach the interrupt check.

use finml_models::data::{Column, Dataset, Feature, NumericColumn, TargetColumn};
use finml_models::linear::fit_logistic;
use finml_models::mlp::{training_memory_bytes, DeviceChoice};
use finml_models::{format, interrupt, train, ErrorKind, Limits, TrainOptions};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use serde_json::json;
use std::cell::Cell;

const LIMITS: Limits = Limits {
    max_memory_bytes: 64 << 20,
    device: DeviceChoice::Cpu,
    threads: 1,
};

/// Two numeric features and a boolean target that depends on them, 400 rows.
fn small_data(scale_first: f64, target: impl Fn(f64, f64) -> bool) -> Dataset {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    let a: Vec<f64> = (0..400).map(|_| rng.gen::<f64>()).collect();
    let b: Vec<f64> = (0..400).map(|_| rng.gen::<f64>()).collect();
    let y = a
        .iter()
        .zip(&b)
        .map(|(&a, &b)| Some(target(a, b)))
        .collect();
    Dataset {
        features: vec![
            Feature {
                name: "a".into(),
                column: Column::Numeric(NumericColumn {
                    values: a.iter().map(|v| v * scale_first).collect(),
                }),
            },
            Feature {
                name: "b".into(),
                column: Column::Numeric(NumericColumn { values: b }),
            },
        ],
        target_name: "y".into(),
        target: TargetColumn::Boolean(y),
        test_mask: None,
        times: None,
        weights: None,
    }
}

fn options(value: serde_json::Value) -> TrainOptions {
    TrainOptions::from_json(&value).unwrap()
}

fn trained_bytes() -> Vec<u8> {
    let data = small_data(1.0, |a, b| a + b + 0.3 * (a * 13.0).sin() > 1.0);
    let out = train(
        &data,
        finml_models::registry::LOGISTIC,
        &options(json!({})),
        LIMITS,
    )
    .unwrap();
    format::to_bytes(&out.model).unwrap()
}

/// The stored model with `edit` applied to its JSON body (the bytes after the header).
fn edited(bytes: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    let mut body: serde_json::Value = serde_json::from_slice(&bytes[12..]).unwrap();
    edit(&mut body);
    let mut out = bytes[..12].to_vec();
    out.extend(serde_json::to_vec(&body).unwrap());
    out
}

#[test]
fn stored_models_with_invalid_parameters_are_refused_when_read() {
    let bytes = trained_bytes();
    assert!(format::from_bytes(&bytes).is_ok());
    let zero_scale = edited(&bytes, |m| {
        m["preprocessor"]["features"][0]["scale"] = json!(0.0);
    });
    let err = format::from_bytes(&zero_scale).unwrap_err();
    assert_eq!(err.kind, ErrorKind::CorruptModel);
    assert!(err.message.contains("scale of \"a\""), "{}", err.message);
    // An intercept edited in the bytes: fin_coefficients would show another model than the
    // one predicting.
    let intercept = edited(&bytes, |m| m["intercept"] = json!(3.5));
    let err = format::from_bytes(&intercept).unwrap_err();
    assert_eq!(err.kind, ErrorKind::CorruptModel);
    assert!(err.message.contains("coefficients"), "{}", err.message);
    // NaN and infinity serialize as null in JSON, which is not a number.
    let null_weight = edited(&bytes, |m| m["weights"][1] = serde_json::Value::Null);
    assert_eq!(
        format::from_bytes(&null_weight).unwrap_err().kind,
        ErrorKind::CorruptModel
    );
}

#[test]
fn predictions_that_overflow_are_errors_not_nan() {
    let model = format::from_bytes(&trained_bytes()).unwrap();
    let p = model.predict_numeric(&[Some(0.5), Some(0.5)]).unwrap();
    assert!((0.0..=1.0).contains(&p));
    // Opposite signs at 1e308 make the linear predictor ∞ − ∞ = NaN.
    let err = model
        .predict_numeric(&[Some(1e308), Some(-1e308)])
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidData);
    // One saturating term is a probability of 0 or 1, which is finite.
    let p = model.predict_numeric(&[Some(1e308), Some(0.5)]).unwrap();
    assert!(p == 0.0 || p == 1.0, "{p}");
}

#[test]
fn features_that_overflow_and_regressions_that_overflow_are_refused() {
    // Values near 1e308: their sum overflows, so mean and scale are not finite.
    let data = small_data(1.7e308, |a, b| a + b > 1.0);
    let err = train(
        &data,
        finml_models::registry::LOGISTIC,
        &options(json!({})),
        LIMITS,
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidData);
    assert!(err.message.contains("overflows"), "{}", err.message);
}

#[test]
fn a_diverging_network_stops_with_an_error() {
    let data = small_data(1.0, |a, b| a > b);
    let err = train(
        &data,
        finml_models::registry::MLP,
        &options(json!({"class_weight": {"1": 1e308}, "epochs": 3})),
        LIMITS,
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidData);
    assert!(err.message.contains("diverged"), "{}", err.message);
}

#[test]
fn the_network_is_counted_in_the_memory_budget() {
    // PyTorch-style parameter count: 25·50+50 + 50·50+50 + 50+1 = 3,901 parameters.
    let recipe = training_memory_bytes(25, &[50, 50], 1, 32);
    assert!(recipe < 1 << 20, "{recipe}");
    // The reported runaway: three 65,536-wide layers are 8.6e9 parameters.
    assert!(training_memory_bytes(25, &[65536, 65536, 65536], 1, 32) > 300 << 30);
    // Refused before training, with the budget in the message (54000 in SQL).
    let data = small_data(1.0, |a, b| a > b);
    let err = train(
        &data,
        finml_models::registry::MLP,
        &options(json!({"hidden": [4096, 4096]})),
        Limits {
            max_memory_bytes: 4 << 20,
            device: DeviceChoice::Cpu,
            threads: 1,
        },
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::ResourceLimit);
    assert!(
        err.message.contains("max_training_memory (4 MB)"),
        "{}",
        err.message
    );
}

#[test]
fn a_linear_fits_square_matrices_count_in_the_memory_budget() {
    // 400 rows × 300 features: the design matrix is under 1 MB, but the information matrix,
    // its factor and its inverse are 3 × 301² × 8 bytes = 2.1 MB.
    let mut rng = rand::rngs::SmallRng::seed_from_u64(11);
    let features = (0..300)
        .map(|k| Feature {
            name: format!("x{k}"),
            column: Column::Numeric(NumericColumn {
                values: (0..400).map(|_| rng.gen::<f64>()).collect(),
            }),
        })
        .collect();
    let data = Dataset {
        features,
        target_name: "y".into(),
        target: TargetColumn::Boolean((0..400).map(|i| Some(i % 3 == 0)).collect()),
        test_mask: None,
        times: None,
        weights: None,
    };
    let err = train(
        &data,
        finml_models::registry::LOGISTIC,
        &options(json!({})),
        Limits {
            max_memory_bytes: 2 << 20,
            device: DeviceChoice::Cpu,
            threads: 1,
        },
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::ResourceLimit);
    assert!(err.message.contains("solver's matrices"), "{}", err.message);
}

#[test]
fn options_that_cannot_be_honoured_are_refused() {
    for bad in [
        json!({"seed": 4294967296_u64}),
        json!({"pdo": 1e308}),
        json!({"base_score": 1e308}),
        json!({"base_odds": 0}),
    ] {
        let err = TrainOptions::from_json(&bad)
            .and_then(|o| o.for_algorithm(finml_models::registry::SCORECARD))
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidOption, "{bad}");
    }
    // positive names a class; a target with many numeric values is a regression.
    let mut data = small_data(1.0, |a, _| a > 0.5);
    data.target = TargetColumn::Numeric(NumericColumn {
        values: (0..400).map(f64::from).collect(),
    });
    let err = train(
        &data,
        finml_models::registry::LOGISTIC,
        &options(json!({"positive": 1})),
        LIMITS,
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidOption);
}

thread_local! {
    static CHECKS: Cell<usize> = const { Cell::new(0) };
    static CANCEL_AFTER: Cell<Option<usize>> = const { Cell::new(None) };
}

/// The test's interrupt check: counts calls on this thread and "cancels" (panics, as
/// PostgreSQL's ERROR unwinds in the extension) once armed.
fn counting_check() {
    let n = CHECKS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if CANCEL_AFTER.with(Cell::get).is_some_and(|limit| n > limit) {
        panic!("cancelled");
    }
}

#[test]
fn logistic_fits_reach_the_interrupt_check_and_stop_there() {
    interrupt::set_check(counting_check);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(3);
    let (n, p) = (600, 120);
    let x = Array2::from_shape_fn((n, p), |_| rng.gen::<f64>() - 0.5);
    let y: Vec<bool> = (0..n).map(|_| rng.gen::<bool>()).collect();
    CHECKS.with(|c| c.set(0));
    fit_logistic(&x, &y, 1.0, 100).unwrap();
    // Every solver evaluation, every 64 rows of the information matrix and every column of
    // its factorization and inverse.
    let checks = CHECKS.with(Cell::get);
    assert!(checks >= n / 64 + 2 * (p + 1) + 2, "{checks} checks");
    // Armed: the fit stops at the next check instead of running to the end.
    CHECKS.with(|c| c.set(0));
    CANCEL_AFTER.with(|c| c.set(Some(3)));
    let stopped = std::panic::catch_unwind(|| fit_logistic(&x, &y, 1.0, 100));
    CANCEL_AFTER.with(|c| c.set(None));
    assert!(stopped.is_err());
    assert_eq!(CHECKS.with(Cell::get), 4);
}
