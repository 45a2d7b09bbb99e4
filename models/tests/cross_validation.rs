//! Cross-validation folds and metrics against scikit-learn:
//! - reference/folds.py writes reference/folds.json, each row's test fold under scikit-learn
//!   1.9.1's `StratifiedKFold` / `KFold(shuffle=True, random_state=seed)`: finml's folds must
//!   be the same row for row;
//! - reference/credit_cv.py cross-validates logistic regression (C = 1, finml's l2 = 1) on the
//!   credit data over 5 stratified folds, preprocessing fitted per fold as finml fits it:
//!   finml's fold AUCs within 1e-6 and log losses within 1e-5 (Newton stops at a mean
//!   gradient of 1e-8);
//! - the same script scores l2 = 0.01, 1 and 100 by 5-fold AUC on fin_train's training split
//!   (GridSearchCV's mean and std of the fold scores): finml's search trials within 1e-5 (at
//!   l2 = 0.01, nearly unpenalized, Newton's stopping rule moves the AUC by 2e-6), the same
//!   best value, refitted on the whole training split.

use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::options::TrainOptions;
use finml_models::progress::Silent;
use finml_models::registry::{LINEAR, LOGISTIC};
use finml_models::train::cross_validate::{cross_validate, fold_summary};
use finml_models::tune::{tune, SearchSpec};
use finml_models::{split, ErrorKind, Limits};
use serde::Deserialize;
use serde_json::json;

const LIMITS: Limits = Limits {
    max_memory_bytes: 1 << 30,
    device: finml_models::mlp::DeviceChoice::Cpu,
    threads: 1,
};

fn reference<T: for<'de> Deserialize<'de>>(name: &str) -> T {
    let path = format!("{}/tests/reference/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[derive(Deserialize)]
struct FoldCases {
    cases: Vec<FoldCase>,
}

#[derive(Deserialize)]
struct FoldCase {
    name: String,
    folds: usize,
    seed: u64,
    classes: Option<Vec<u32>>,
    rows: Option<usize>,
    fold_of: Vec<usize>,
}

#[test]
fn folds_are_scikit_learns_row_for_row() {
    let cases: FoldCases = reference("folds.json");
    assert_eq!(cases.cases.len(), 5);
    for case in &cases.cases {
        let ours = match (&case.classes, case.rows) {
            (Some(classes), _) => split::stratified_kfold(classes, case.folds, case.seed),
            (None, Some(n)) => split::kfold(n, case.folds, case.seed),
            _ => panic!("{}: neither classes nor rows", case.name),
        };
        assert_eq!(ours, case.fold_of, "{}", case.name);
    }
}

const NUMERIC: [&str; 9] = [
    "Seniority",
    "Time",
    "Age",
    "Expenses",
    "Income",
    "Assets",
    "Debt",
    "Amount",
    "Price",
];

fn load_credit() -> Dataset {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/credit/credit_data.csv"
    );
    let text = std::fs::read_to_string(path).expect("examples/credit/credit_data.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut target = CategoricalColumn::default();
    let mut features: Vec<Feature> = header[1..]
        .iter()
        .map(|&name| Feature {
            name: name.to_owned(),
            column: if NUMERIC.contains(&name) {
                Column::Numeric(NumericColumn::default())
            } else {
                Column::Categorical(CategoricalColumn::default())
            },
        })
        .collect();
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        target.push(Some(fields[0]));
        for (f, raw) in features.iter_mut().zip(&fields[1..]) {
            let value = (!raw.is_empty()).then_some(*raw);
            match &mut f.column {
                Column::Numeric(c) => c.push(&f.name, value.map(|v| v.parse().unwrap())).unwrap(),
                Column::Categorical(c) => c.push(value),
            }
        }
    }
    Dataset {
        features,
        target_name: "Status".into(),
        target: TargetColumn::Text(target),
        test_mask: None,
        times: None,
        weights: None,
    }
}

#[derive(Deserialize)]
struct CreditCv {
    folds: Vec<CreditFold>,
    tuning: Vec<TuningScore>,
}

#[derive(Deserialize)]
struct TuningScore {
    l2: f64,
    mean_auc: f64,
    std_auc: f64,
}

#[derive(Deserialize)]
struct CreditFold {
    auc: f64,
    log_loss: f64,
    test_rows: usize,
}

#[test]
fn logistic_folds_match_scikit_learns_cross_validation_on_the_credit_data() {
    let data = load_credit();
    let training = TrainOptions::from_json(&json!({"positive": "bad"}))
        .and_then(|o| o.for_algorithm(LOGISTIC))
        .unwrap();
    let (folds, _) = cross_validate(&data, &training, 5, LIMITS, &mut Silent).unwrap();
    let expected: CreditCv = reference("credit_cv.json");
    assert_eq!(folds.len(), 5);
    for (ours, theirs) in folds.iter().zip(&expected.folds) {
        assert_eq!(ours.test_rows, theirs.test_rows, "fold {}", ours.fold);
        assert_eq!(ours.train_rows + ours.test_rows, 4454);
        let auc = ours.metrics["auc"];
        let log_loss = ours.metrics["log_loss"];
        assert!(
            (auc - theirs.auc).abs() < 1e-6,
            "fold {}: AUC {auc} vs {}",
            ours.fold,
            theirs.auc
        );
        assert!(
            (log_loss - theirs.log_loss).abs() < 1e-5,
            "fold {}: log loss {log_loss} vs {}",
            ours.fold,
            theirs.log_loss
        );
    }
    // The summary: numpy's mean and population standard deviation of the fold AUCs.
    let aucs: Vec<f64> = expected.folds.iter().map(|f| f.auc).collect();
    let mean = aucs.iter().sum::<f64>() / 5.0;
    let std = (aucs.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / 5.0).sqrt();
    let summary = fold_summary(&folds);
    let auc = summary.iter().find(|s| s.metric == "auc").unwrap();
    assert!(
        (auc.mean - mean).abs() < 1e-6 && (auc.std - std).abs() < 1e-6,
        "{auc:?}"
    );
}

/// A regression target of `n` rows: y = 2x + noise.
fn line(n: usize) -> Dataset {
    let mut x = NumericColumn::default();
    let mut y = NumericColumn::default();
    for i in 0..n {
        let noise = ((i * 7919) % 13) as f64 / 13.0 - 0.5;
        x.push("x", Some(i as f64)).unwrap();
        y.push("y", Some(2.0 * i as f64 + noise)).unwrap();
    }
    Dataset {
        features: vec![Feature {
            name: "x".into(),
            column: Column::Numeric(x),
        }],
        target_name: "y".into(),
        target: TargetColumn::Numeric(y),
        test_mask: None,
        times: None,
        weights: None,
    }
}

#[test]
fn a_regression_is_cut_by_kfold_and_measured_by_rmse() {
    let data = line(53);
    let training = TrainOptions::from_json(&json!({"seed": 7}))
        .and_then(|o| o.for_algorithm(LINEAR))
        .unwrap();
    let (folds, _) = cross_validate(&data, &training, 4, LIMITS, &mut Silent).unwrap();
    let fold_of = split::kfold(53, 4, 7);
    for fold in &folds {
        let expected = fold_of.iter().filter(|&&f| f == fold.fold - 1).count();
        assert_eq!(fold.test_rows, expected);
        // The noise is within ±0.5: a fitted line's error is below it.
        assert!(fold.metrics["rmse"] < 0.5, "{fold:?}");
    }
}

#[test]
fn folds_out_of_range_or_beyond_the_smallest_class_are_refused() {
    let data = load_credit();
    let training = TrainOptions::from_json(&json!({"positive": "bad"}))
        .and_then(|o| o.for_algorithm(LOGISTIC))
        .unwrap();
    for folds in [0, 1, 101] {
        let e = cross_validate(&data, &training, folds, LIMITS, &mut Silent).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption, "{folds}: {e:?}");
    }
    // 3 rows of the positive class: 4 stratified folds cannot each hold one.
    let mut small = line(40);
    let mut labels = NumericColumn::default();
    for i in 0..40 {
        labels
            .push("y", Some(f64::from(u8::from(i % 13 == 0 && i > 0))))
            .unwrap();
    }
    small.target = TargetColumn::Numeric(labels);
    let e = cross_validate(&small, &training_of(LOGISTIC), 4, LIMITS, &mut Silent).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
    assert!(
        e.message.contains("the smallest class has 3"),
        "{}",
        e.message
    );
    assert!(cross_validate(&small, &training_of(LOGISTIC), 3, LIMITS, &mut Silent).is_ok());
}

fn training_of(algorithm: finml_models::Algorithm) -> finml_models::options::Training {
    TrainOptions::from_json(&json!({}))
        .and_then(|o| o.for_algorithm(algorithm))
        .unwrap()
}

#[test]
fn a_grid_search_scores_each_value_as_scikit_learns_grid_search_and_refits_the_best() {
    let data = load_credit();
    // scikit-learn's OneHotEncoder names every level: "ignore" (20 rows in all) has fewer
    // than min_level_rows' default 10 in some of the 3 folds' training rows.
    let base = json!({"positive": "bad", "min_level_rows": 1});
    let spec = SearchSpec::parse(&json!({"l2": [0.01, 1, 100]}), LOGISTIC).unwrap();
    let mut heard = Vec::new();
    let tuned = tune(
        &data,
        LOGISTIC,
        &base,
        &spec,
        LIMITS,
        &mut Silent,
        &mut |t, of| heard.push((t.trial, of)),
    )
    .unwrap();
    assert_eq!(heard, vec![(1, 3), (2, 3), (3, 3)]);
    assert_eq!(tuned.metric, "auc");
    let expected: CreditCv = reference("credit_cv.json");
    for (trial, theirs) in tuned.trials.iter().zip(&expected.tuning) {
        assert_eq!(trial.options["l2"].as_f64(), Some(theirs.l2));
        assert!((trial.mean - theirs.mean_auc).abs() < 1e-5, "{trial:?}");
        assert!((trial.std - theirs.std_auc).abs() < 1e-5, "{trial:?}");
    }
    assert_eq!(
        tuned.best, 1,
        "l2 = 1 has the best mean AUC in scikit-learn too"
    );
    assert_eq!(
        tuned.options,
        json!({"positive": "bad", "min_level_rows": 1, "l2": 1})
    );
    // The refit is an ordinary training with the chosen options: fin_train's split and test.
    assert_eq!(
        (tuned.outcome.train_rows, tuned.outcome.test_rows),
        (3563, 891)
    );
    let plain = finml_models::train(
        &data,
        LOGISTIC,
        &TrainOptions::from_json(&tuned.options).unwrap(),
        LIMITS,
    )
    .unwrap();
    assert_eq!(plain.metrics, tuned.outcome.metrics);
}

#[test]
fn max_seconds_stops_starting_trials_but_the_first_always_runs() {
    let data = load_credit();
    let spec = SearchSpec::parse(
        &json!({"l2": [0.01, 1, 100], "max_seconds": 1e-9}),
        LOGISTIC,
    )
    .unwrap();
    let tuned = tune(
        &data,
        LOGISTIC,
        &json!({"positive": "bad"}),
        &spec,
        LIMITS,
        &mut Silent,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!((tuned.trials.len(), tuned.planned), (1, 3));
}
