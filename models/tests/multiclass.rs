//! Multi-class targets: multinomial logistic regression on a 7-grade rating target of the
//! credit data against scikit-learn (reference/credit_grades.py writes the grades and
//! reference/credit_grades.json: scikit-learn 1.9.1's LogisticRegression(C=1, tol=1e-10) on
//! the same split and preprocessing). Tolerances: 1e-4 on the standardized coefficients and
//! the intercepts (centered to sum to zero; L-BFGS stops at a mean gradient of 1e-8), 1e-4 on
//! the test metrics; the test confusion matrix equal.

use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::linear::algorithm::MultinomialModel;
use finml_models::options::TrainOptions;
use finml_models::{format, train, ErrorKind, Limits, RawValue};
use serde::Deserialize;
use serde_json::json;

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

const LIMITS: Limits = Limits {
    max_memory_bytes: 1 << 30,
    device: finml_models::mlp::DeviceChoice::Cpu,
    threads: 1,
};

/// The credit data with the grades as the target, rows with i % 10 >= 7 as the test part
/// (an out-of-time split on a "row" column).
fn credit_grades() -> Dataset {
    let dir = env!("CARGO_MANIFEST_DIR");
    let text = std::fs::read_to_string(format!("{dir}/../examples/credit/credit_data.csv"))
        .expect("examples/credit/credit_data.csv");
    let grades = std::fs::read_to_string(format!("{dir}/tests/reference/credit_grades.csv"))
        .expect("reference/credit_grades.csv");
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
    let mut mask = Vec::new();
    for (i, (line, grade)) in lines.zip(grades.lines().skip(1)).enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        target.push(Some(grade));
        for (f, raw) in features.iter_mut().zip(&fields[1..]) {
            let value = (!raw.is_empty()).then_some(*raw);
            match &mut f.column {
                Column::Numeric(c) => c.push(&f.name, value.map(|v| v.parse().unwrap())).unwrap(),
                Column::Categorical(c) => c.push(value),
            }
        }
        mask.push(i % 10 >= 7);
    }
    Dataset {
        features,
        target_name: "grade".into(),
        target: TargetColumn::Text(target),
        test_mask: Some(mask),
        times: None,
        weights: None,
    }
}

/// Row `i` of `data` as values in feature order.
fn row_values(data: &Dataset, i: usize) -> Vec<RawValue<'_>> {
    data.features
        .iter()
        .map(|f| match &f.column {
            Column::Numeric(c) if c.values[i].is_nan() => RawValue::Null,
            Column::Numeric(c) => RawValue::Number(c.values[i]),
            Column::Categorical(c) => c.level(i).map_or(RawValue::Null, RawValue::Text),
        })
        .collect()
}

#[derive(Deserialize)]
struct Reference {
    classes: Vec<String>,
    terms: Vec<String>,
    intercepts: Vec<f64>,
    weights: Vec<Vec<f64>>,
    metrics: std::collections::BTreeMap<String, f64>,
    confusion: Vec<Vec<u64>>,
    first_test_probabilities: Vec<Vec<f64>>,
}

fn reference() -> Reference {
    let path = format!(
        "{}/tests/reference/credit_grades.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

/// Multinomial logistic regression of the grades on the split of [`split_options`].
fn logistic_on(data: &Dataset) -> finml_models::TrainOutcome {
    train(
        data,
        finml_models::registry::LOGISTIC,
        &split_options(),
        LIMITS,
    )
    .unwrap()
}

fn split_options() -> TrainOptions {
    TrainOptions::from_json(&json!({"split": {"column": "row", "test_from": "7"}})).unwrap()
}

#[test]
fn multinomial_logistic_matches_scikit_learn_on_seven_grades() {
    let data = credit_grades();
    let expected = reference();
    let out = logistic_on(&data);
    assert_eq!(out.model.classes.as_deref(), Some(&expected.classes[..]));
    assert_eq!((out.train_rows, out.test_rows), (3119, 1335));
    let Some(MultinomialModel(fitted)) = out.model.estimator.downcast_ref::<MultinomialModel>()
    else {
        panic!("not a multinomial model")
    };
    let terms = out.model.preprocessor.term_names();
    assert_eq!(terms.len(), expected.terms.len());
    for (c, class) in expected.classes.iter().enumerate() {
        let b = fitted.intercepts[c];
        assert!(
            (b - expected.intercepts[c]).abs() < 1e-4,
            "{class}: intercept {b}"
        );
        for (k, term) in expected.terms.iter().enumerate() {
            let j = terms.iter().position(|t| t == term).expect(term);
            let (ours, theirs) = (fitted.weights[c][j], expected.weights[c][k]);
            assert!(
                (ours - theirs).abs() < 1e-4,
                "{class} {term}: {ours} vs {theirs}"
            );
        }
    }
    for (name, theirs) in &expected.metrics {
        let ours = out.metrics[name];
        assert!((ours - theirs).abs() < 1e-4, "{name}: {ours} vs {theirs}");
    }
    let evaluation = out.model.evaluation.as_ref().unwrap();
    assert_eq!(evaluation.confusion, expected.confusion);
    // Standard errors from the information matrix: every coefficient has one.
    assert!(fitted
        .coefficients
        .iter()
        .all(|c| c.std_error.is_some_and(|s| s > 0.0)));
    assert_eq!(fitted.coefficients.len(), 7 * (terms.len() + 1));
    assert_eq!(fitted.coefficients[0].term, "A: (intercept)");
}

#[test]
fn probabilities_classes_and_the_stored_form() {
    let data = credit_grades();
    let out = logistic_on(&data);
    let model = &out.model;
    // The second test row (file row 8) of reference/credit_grades.json.
    let row = row_values(&data, 8);
    let p = model.predict_proba(&row).unwrap();
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    for (ours, theirs) in p.iter().zip(&reference().first_test_probabilities[1]) {
        assert!((ours - theirs).abs() < 1e-4, "{ours} vs {theirs}");
    }
    let best = p
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .unwrap()
        .0;
    assert_eq!(
        model.predict_class(&row).unwrap(),
        model.classes.as_ref().unwrap()[best]
    );
    let e = model.predict(&row).unwrap_err();
    assert_eq!(e.kind, ErrorKind::WrongModelKind);
    assert!(e.hint.unwrap().contains("fin_predict_class"));
    // The stored form: format 9, the same probabilities after a round trip.
    let bytes = format::to_bytes(model).unwrap();
    assert_eq!(format::stored_version(&bytes), Some(9));
    let back = format::from_bytes(&bytes).unwrap();
    assert_eq!(back.predict_proba(&row).unwrap(), p);
    assert_eq!(back.classes, model.classes);
}

#[test]
fn other_algorithms_options_and_class_counts_are_refused_clearly() {
    let data = credit_grades();
    for algorithm in ["scorecard", "random_forest", "tree"] {
        let algorithm = finml_models::Algorithm::parse(algorithm).unwrap();
        let e = train(&data, algorithm, &split_options(), LIMITS).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Unsupported, "{algorithm:?}: {e:?}");
    }
    let positive = TrainOptions::from_json(&json!({"positive": "A"})).unwrap();
    let e = train(&data, finml_models::registry::LOGISTIC, &positive, LIMITS).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
    let weighted = TrainOptions::from_json(&json!({"class_weight": {"1": 2}})).unwrap();
    let e = train(&data, finml_models::registry::LOGISTIC, &weighted, LIMITS).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
    // 101 classes: one per row for the first 101 rows, the rest "z".
    let mut many = credit_grades();
    let mut target = CategoricalColumn::default();
    for i in 0..many.n_rows() {
        let name = if i < 101 {
            format!("c{i:03}")
        } else {
            "z".into()
        };
        target.push(Some(&name));
    }
    many.target = TargetColumn::Text(target);
    let e = train(
        &many,
        finml_models::registry::LOGISTIC,
        &split_options(),
        LIMITS,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidData);
    assert!(
        e.message.contains("classifies at most 100"),
        "{}",
        e.message
    );
}

#[test]
fn balanced_class_weights_and_an_integer_target() {
    let mut data = credit_grades();
    // Grades as integers 1..7 with "task": "classification": the classes are the numbers.
    let TargetColumn::Text(grades) = &data.target else {
        unreachable!()
    };
    let mut numbers = NumericColumn::default();
    for i in 0..data.n_rows() {
        let g = grades.level(i).unwrap().as_bytes()[0] - b'A' + 1;
        numbers.push("grade", Some(f64::from(g))).unwrap();
    }
    data.target = TargetColumn::Numeric(numbers);
    let options = TrainOptions::from_json(&json!({
        "task": "classification", "class_weight": "balanced",
        "split": {"column": "row", "test_from": "7"}
    }))
    .unwrap();
    let out = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
    let classes: Vec<String> = (1..=7).map(|g| g.to_string()).collect();
    assert_eq!(out.model.classes, Some(classes));
    // Balanced weights raise the rare grades' recall: macro F1 above the unweighted fit's.
    let plain = TrainOptions::from_json(&json!({
        "task": "classification", "split": {"column": "row", "test_from": "7"}
    }))
    .unwrap();
    let unweighted = train(&data, finml_models::registry::LOGISTIC, &plain, LIMITS).unwrap();
    assert!(
        out.metrics["f1_macro"] > unweighted.metrics["f1_macro"],
        "{} vs {}",
        out.metrics["f1_macro"],
        unweighted.metrics["f1_macro"]
    );
}

#[test]
fn cross_validation_and_search_rank_a_multi_class_target_by_log_loss() {
    use finml_models::progress::Silent;
    use finml_models::train::cross_validate::{cross_validate, fold_summary};
    use finml_models::tune::{tune, SearchSpec};
    let mut data = credit_grades();
    data.test_mask = None;
    let training = TrainOptions::from_json(&json!({}))
        .and_then(|o| o.for_algorithm(finml_models::registry::LOGISTIC))
        .unwrap();
    let (folds, _) = cross_validate(&data, &training, 3, LIMITS, &mut Silent).unwrap();
    assert_eq!(folds.len(), 3);
    let summary = fold_summary(&folds);
    for metric in ["accuracy", "f1_macro", "log_loss", "auc"] {
        assert!(summary.iter().any(|s| s.metric == metric), "{metric}");
    }
    let spec = SearchSpec::parse(
        &json!({"l2": [1, 1000], "folds": 3}),
        finml_models::registry::LOGISTIC,
    )
    .unwrap();
    let tuned = tune(
        &data,
        finml_models::registry::LOGISTIC,
        &json!({}),
        &spec,
        LIMITS,
        &mut Silent,
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(tuned.metric, "log_loss");
    let best = tuned
        .trials
        .iter()
        .map(|t| t.mean)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(tuned.trials[tuned.best].mean, best);
    let ks = SearchSpec::parse(
        &json!({"l2": [1], "metric": "ks"}),
        finml_models::registry::LOGISTIC,
    )
    .unwrap();
    let e = tune(
        &data,
        finml_models::registry::LOGISTIC,
        &json!({}),
        &ks,
        LIMITS,
        &mut Silent,
        &mut |_, _| {},
    )
    .err()
    .unwrap();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
}

#[test]
fn the_report_lists_the_classes_and_tables_the_confusion() {
    let data = credit_grades();
    let out = logistic_on(&data);
    let facts = finml_models::report::ReportFacts {
        name: "grades".into(),
        version: 1,
        metrics: out.metrics.clone(),
        ..Default::default()
    };
    let html = finml_models::report::render(&out.model, &facts);
    assert!(html.contains("grade (7 classes: A, B, C, D, E, F, G)"));
    assert!(html.contains("<h3>Confusion</h3>"));
    assert!(
        html.contains("<td>f1_macro</td>"),
        "the multi-class metrics are listed"
    );
    assert!(!html.contains("threshold of 0.5"));
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert!(html.contains("feature importance"), "importance is charted");
}

#[test]
fn an_explanation_adds_up_to_the_most_probable_class_score() {
    let data = credit_grades();
    let out = logistic_on(&data);
    let model = &out.model;
    let Some(MultinomialModel(fitted)) = model.estimator.downcast_ref::<MultinomialModel>() else {
        panic!("not a multinomial model")
    };
    for i in [0, 8, 99, 1000] {
        let row = row_values(&data, i);
        let p = model.predict_proba(&row).unwrap();
        let class = p
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0;
        let mut design = Vec::new();
        model.preprocessor.design_row(&row, &mut design).unwrap();
        let score = fitted.intercepts[class]
            + design
                .iter()
                .zip(&fitted.weights[class])
                .map(|(x, w)| x * w)
                .sum::<f64>();
        let explanation = model.explain(&row).unwrap();
        // Completeness (a formula: the linear score's terms against the mean design row).
        assert!(
            (explanation.linear_predictor() - score).abs() < 1e-9,
            "row {i}"
        );
        let reasons = model.contribution_reasons(&row, 4).unwrap();
        assert!(reasons.iter().all(|r| r.contribution > 0.0));
    }
    let importance = model.importance().unwrap();
    assert_eq!(importance.len(), model.n_features());
    assert!(importance.iter().all(|(_, v)| v.is_finite() && *v >= 0.0));
}

#[test]
fn gbdt_boosts_one_tree_per_class_and_round_as_lightgbm() {
    // reference/credit_grades_gbdt.py: LightGBM 4.7.0 multiclass, 100 rounds of 31 leaves at
    // learning rate 0.1 on the one-hot design: test log loss 1.7153, one-vs-rest macro AUC
    // 0.7326. Tolerances: 0.01 AUC and 0.05 log loss (histogram cuts and tie-breaking differ;
    // at 100 rounds both overfit these 3,119 rows, and the loss grows with the difference).
    let data = credit_grades();
    let options = TrainOptions::from_json(&json!({
        "split": {"column": "row", "test_from": "7"},
        "n_trees": 100, "learning_rate": 0.1, "num_leaves": 31
    }))
    .unwrap();
    let out = train(&data, finml_models::registry::GBDT, &options, LIMITS).unwrap();
    let (auc, log_loss) = (out.metrics["auc"], out.metrics["log_loss"]);
    println!("gbdt 7 grades: test AUC {auc:.4}, log loss {log_loss:.4}");
    assert!((auc - 0.7326117239043816).abs() < 0.01, "{auc}");
    assert!((log_loss - 1.715256422333387).abs() < 0.05, "{log_loss}");
    assert_eq!(out.model.estimator.n_outputs(), 7);
    // The stored form reads back to the same probabilities; explanations are the most
    // probable class's TreeSHAP, adding up to its score.
    let back = format::from_bytes(&format::to_bytes(&out.model).unwrap()).unwrap();
    let row = row_values(&data, 5);
    let p = out.model.predict_proba(&row).unwrap();
    assert_eq!(back.predict_proba(&row).unwrap(), p);
    let explanation = out.model.explain(&row).unwrap();
    let best = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // softmax: the best class's score minus ln Σ exp(scores) is ln p.
    let mut scores = Vec::new();
    out.model
        .estimator
        .class_scores(&out.model.preprocessor, &row, &mut scores)
        .unwrap();
    let log_sum = scores.iter().map(|s| s.exp()).sum::<f64>().ln();
    assert!((explanation.linear_predictor() - log_sum - best.ln()).abs() < 1e-9);
}

#[test]
fn an_mlp_classifies_the_grades_through_a_softmax_output() {
    // One output unit per grade, softmax cross-entropy (PyTorch's CrossEntropyLoss; the loss
    // itself is checked against the formula in mlp/training.rs). The reference is the
    // multinomial logistic regression of scikit-learn on the same split (credit_grades.json):
    // the network, trained 30 epochs, ranks the grades at least as well less 0.03 macro AUC.
    let data = credit_grades();
    let options = TrainOptions::from_json(&json!({
        "split": {"column": "row", "test_from": "7"},
        "hidden": [32], "epochs": 30, "dropout": 0.0, "learning_rate": 0.003
    }))
    .unwrap();
    let out = train(&data, finml_models::registry::MLP, &options, LIMITS).unwrap();
    let expected = reference();
    let (auc, log_loss) = (out.metrics["auc"], out.metrics["log_loss"]);
    println!("mlp 7 grades: test AUC {auc:.4}, log loss {log_loss:.4}");
    assert!(auc > expected.metrics["auc"] - 0.03, "{auc}");
    assert!(log_loss < expected.metrics["log_loss"] + 0.1, "{log_loss}");
    assert_eq!(out.model.estimator.n_outputs(), 7);
    let row = row_values(&data, 8);
    let p = out.model.predict_proba(&row).unwrap();
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // Stored as format 9 and read back to the same probabilities.
    let bytes = format::to_bytes(&out.model).unwrap();
    assert_eq!(format::stored_version(&bytes), Some(9));
    let back = format::from_bytes(&bytes).unwrap();
    assert_eq!(back.predict_proba(&row).unwrap(), p);
    // The explanation (integrated gradients of the most probable class's unit) adds up to
    // its score within the integrated-gradients tolerance.
    let mut scores = Vec::new();
    out.model
        .estimator
        .class_scores(&out.model.preprocessor, &row, &mut scores)
        .unwrap();
    let best = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let explanation = out.model.explain(&row).unwrap();
    assert!(
        (explanation.linear_predictor() - best).abs() <= finml_models::mlp::explain::IG_TOLERANCE,
        "{} vs {best}",
        explanation.linear_predictor()
    );
}

#[test]
fn monitoring_by_period_measures_each_period_over_every_class() {
    // Per period: the one-vs-rest macro AUC (metrics::multiclass_report, scikit-learn's
    // roc_auc_score ovr, checked in metrics/multiclass.rs), the Brier score over the classes
    // (the formula mean Σ_c (p_c − [y = c])², scikit-learn 1.7's multi-class
    // brier_score_loss), the mean probability of the most probable class, and the PSI of the
    // predicted classes' shares. Tolerance 1e-12 (the same sums in another order).
    use finml_models::monitor::{Monitor, PeriodKey};
    let data = credit_grades();
    let model = logistic_on(&data).model;
    let TargetColumn::Text(grades) = &data.target else {
        panic!("a text target")
    };
    let mut monitor = Monitor::new(&model, 1 << 30).unwrap();
    let mut expected: Vec<(Vec<f64>, Vec<u32>, f64)> = vec![(Vec::new(), Vec::new(), 0.0); 2];
    let classes = model.classes.clone().unwrap();
    for i in 0..data.n_rows() {
        let values = row_values(&data, i);
        let grade = grades.level(i).unwrap();
        monitor
            .add(
                &model,
                PeriodKey::Number((i % 2) as f64),
                &values,
                RawValue::Text(grade),
            )
            .unwrap();
        let p = model.predict_proba(&values).unwrap();
        let part = &mut expected[i % 2];
        part.2 += p.iter().copied().fold(0.0, f64::max);
        part.0.extend(p);
        part.1
            .push(classes.iter().position(|c| c == grade).unwrap() as u32);
    }
    let rows = monitor.rows(&model).unwrap();
    assert_eq!(rows.len(), 2);
    for (row, (p, y, top)) in rows.iter().zip(&expected) {
        let auc = finml_models::metrics::multiclass_report(p, y, 7)["auc"];
        let brier: f64 = p
            .chunks(7)
            .zip(y)
            .map(|(row, &c)| {
                (0..7)
                    .map(|k| (row[k] - if k == c as usize { 1.0 } else { 0.0 }).powi(2))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / y.len() as f64;
        assert_eq!(row.labelled_rows, y.len() as u64);
        assert!((row.auc.unwrap() - auc).abs() < 1e-12);
        assert!((row.gini.unwrap() - (2.0 * auc - 1.0)).abs() < 1e-12);
        assert!((row.brier.unwrap() - brier).abs() < 1e-12);
        assert!((row.mean_predicted - top / y.len() as f64).abs() < 1e-12);
        // Half of the training population each: stable.
        assert!(row.psi < 0.1, "{}", row.psi);
        assert_eq!(
            (row.ks, row.event_rate, row.hosmer_lemeshow_p),
            (None, None, None)
        );
    }
}

#[test]
fn one_class_against_the_rest_for_curves_and_explanations() {
    // A named class turns the evaluation into that class against the rest: its gains table
    // (scikit-learn's one-vs-rest: the class's probability as the score, the class as the
    // event) and calibration; its explanation adds up to that class's score (the formula
    // b_c + w_c·x), whichever class is most probable.
    use finml_models::evaluate::Scored;
    let data = credit_grades();
    let model = logistic_on(&data).model;
    let Some(MultinomialModel(fitted)) = model.estimator.downcast_ref::<MultinomialModel>() else {
        panic!("not a multinomial model")
    };
    let TargetColumn::Text(grades) = &data.target else {
        panic!("a text target")
    };
    let mut scored = Scored::new(&model, 1 << 30);
    let (mut p_g, mut is_g) = (Vec::new(), Vec::new());
    for i in (0..data.n_rows()).filter(|i| i % 10 >= 7) {
        let values = row_values(&data, i);
        scored
            .add(&model, &values, RawValue::Text(grades.level(i).unwrap()))
            .unwrap();
        p_g.push(model.predict_proba(&values).unwrap()[6]);
        is_g.push(grades.level(i) == Some("G"));
    }
    // Without a class the two-class tables are refused, with a hint to name one.
    let e = scored.gains(10, None).unwrap_err();
    assert_eq!(e.kind, ErrorKind::WrongModelKind);
    assert!(e.hint.unwrap().contains("class =>"));
    let g = scored.for_class(&model, Some("G")).unwrap();
    let table = g.gains(10, None).unwrap();
    let events: u64 = table.iter().map(|b| b.events).sum();
    assert_eq!(events as usize, is_g.iter().filter(|&&l| l).count());
    // Grade G against the rest ranks as the one-vs-rest AUC says, and the seven classes' AUCs
    // average to the macro AUC (scikit-learn's 0.7750, credit_grades.json, within 1e-4).
    let g_auc = g.metrics(0.5, &[]).unwrap()["auc"];
    assert!((g_auc - finml_models::metrics::auc(&p_g, &is_g).unwrap()).abs() < 1e-12);
    let classes = model.classes.clone().unwrap();
    let mean_auc = classes
        .iter()
        .map(|c| {
            scored
                .for_class(&model, Some(c))
                .unwrap()
                .metrics(0.5, &[])
                .unwrap()["auc"]
        })
        .sum::<f64>()
        / classes.len() as f64;
    assert!(
        (mean_auc - reference().metrics["auc"]).abs() < 1e-4,
        "{mean_auc}"
    );
    assert!(g.roc(1000).unwrap().len() > 2);
    let calibration = g.calibration(10).unwrap();
    assert_eq!(
        calibration.iter().map(|b| b.count).sum::<u64>(),
        is_g.len() as u64
    );
    let e = scored.for_class(&model, Some("Z")).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
    // Grade A's score explained on a row whose most probable grade is another.
    let row = (0..data.n_rows())
        .map(|i| row_values(&data, i))
        .find(|v| model.predict_class(v).unwrap() != "A")
        .unwrap();
    let mut design = Vec::new();
    model.preprocessor.design_row(&row, &mut design).unwrap();
    let score_a = fitted.intercepts[0]
        + design
            .iter()
            .zip(&fitted.weights[0])
            .map(|(x, w)| x * w)
            .sum::<f64>();
    let explained = model.explain_class(&row, Some("A")).unwrap();
    assert!((explained.linear_predictor() - score_a).abs() < 1e-9);
    let reasons = model.class_reasons(&row, 4, Some("A")).unwrap();
    assert!(reasons.iter().all(|r| r.contribution > 0.0));
}

#[test]
fn numeric_classes_are_found_by_value_past_nine() {
    // "10" sorts before "9" as text: the classes of a 12-valued target are found by value.
    let mut data = credit_grades();
    let mut numbers = NumericColumn::default();
    for i in 0..data.n_rows() {
        numbers.push("grade", Some((i % 12 + 1) as f64)).unwrap();
    }
    data.target = TargetColumn::Numeric(numbers);
    let options = TrainOptions::from_json(&json!({
        "task": "classification", "split": {"column": "row", "test_from": "7"}
    }))
    .unwrap();
    let out = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
    let classes: Vec<String> = (1..=12).map(|g| g.to_string()).collect();
    assert_eq!(out.model.classes, Some(classes));
    // Row i's class is i % 12 + 1: the confusion's row sums are the test rows per class.
    let confusion = &out.model.evaluation.as_ref().unwrap().confusion;
    let counts: Vec<u64> = confusion.iter().map(|row| row.iter().sum()).collect();
    let expected: Vec<u64> = (0..12)
        .map(|c| {
            (0..data.n_rows())
                .filter(|i| i % 10 >= 7 && i % 12 == c)
                .count() as u64
        })
        .collect();
    assert_eq!(counts, expected);
}
