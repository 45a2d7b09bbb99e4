//! The tree models (gbdt, random_forest, tree) on the real credit data
//! (examples/credit/credit_data.csv): quality against LightGBM and scikit-learn on the same
//! split (reference/credit_trees.py prints the reference numbers), monotone constraints
//! checked on every row, seeded determinism, the stored form, and TreeSHAP's completeness
//! on the fitted trees.

use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::estimator::tree::algorithm::TreeEstimator;
use finml_models::options::TrainOptions;
use finml_models::trees::Ensemble;
use finml_models::{format, train, ErrorKind, Limits, RawValue, TrainOutcome};
use serde_json::{json, Value};

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

fn load_credit(test_mask: impl Fn(usize) -> bool, with_mask: bool) -> Dataset {
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
    let mut mask = Vec::new();
    for (i, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        target.push(Some(fields[0]));
        for (f, raw) in features.iter_mut().zip(&fields[1..]) {
            let value = (!raw.is_empty()).then_some(*raw);
            match &mut f.column {
                Column::Numeric(c) => c.push(&f.name, value.map(|v| v.parse().unwrap())).unwrap(),
                Column::Categorical(c) => c.push(value),
            }
        }
        mask.push(test_mask(i));
    }
    Dataset {
        features,
        target_name: "Status".into(),
        target: TargetColumn::Text(target),
        test_mask: with_mask.then_some(mask),
        times: None,
        weights: None,
    }
}

const LIMITS: Limits = Limits {
    max_memory_bytes: 1 << 30,
    device: finml_models::mlp::DeviceChoice::Cpu,
    threads: 2,
};

/// Trains `algorithm` on the split of reference/credit_trees.py: rows with i % 10 >= 7 are
/// the test rows.
fn credit(algorithm: &str, options: Value) -> TrainOutcome {
    let data = load_credit(|i| i % 10 >= 7, true);
    let mut all = json!({"positive": "bad", "split": {"column": "row", "test_from": "7"}});
    for (k, v) in options.as_object().unwrap() {
        all[k] = v.clone();
    }
    let options = TrainOptions::from_json(&all).unwrap();
    let algorithm = finml_models::Algorithm::parse(algorithm).unwrap();
    train(&data, algorithm, &options, LIMITS).unwrap()
}

fn trees(out: &TrainOutcome) -> &Ensemble {
    &out.model
        .estimator
        .downcast_ref::<TreeEstimator>()
        .expect("a tree model")
        .ensemble
}

/// The design rows of every row of the credit data, as the model reads them.
fn design_rows(out: &TrainOutcome) -> Vec<Vec<f64>> {
    let data = load_credit(|_| false, false);
    let rows: Vec<usize> = (0..data.n_rows()).collect();
    let x = out.model.preprocessor.design_matrix(&data, &rows);
    x.rows().into_iter().map(|r| r.to_vec()).collect()
}

fn design_column(out: &TrainOutcome, name: &str) -> usize {
    out.model
        .preprocessor
        .term_names()
        .iter()
        .position(|t| t == name)
        .unwrap()
}

const BOOSTING: &str = r#"{"n_trees": 100, "learning_rate": 0.1, "num_leaves": 31}"#;

#[test]
fn gbdt_random_forest_and_tree_reach_lightgbm_and_scikit_learn() {
    // reference/credit_trees.py: LightGBM 4.7.0 (one-hot design, 100 trees, learning rate
    // 0.1, 31 leaves), scikit-learn 1.9.1 RandomForestClassifier (100 trees, sqrt features,
    // depth 12) and DecisionTreeClassifier (depth 5, 20 rows a leaf). Tolerances: the
    // issue's 0.005 AUC for boosting; 0.01 for the forest and the tree, whose bootstrap draws
    // and histogram cuts differ from scikit-learn's exact ones.
    let cases = [
        ("gbdt", BOOSTING, 0.8287336179734233, 0.005),
        ("random_forest", "{}", 0.8374269373030732, 0.01),
        ("tree", "{}", 0.7699024498835563, 0.01),
    ];
    for (algorithm, options, reference, tolerance) in cases {
        let out = credit(algorithm, serde_json::from_str(options).unwrap());
        let auc = out.metrics["auc"];
        println!("{algorithm}: test AUC {auc:.4}, reference {reference:.4}");
        assert!(
            (auc - reference).abs() < tolerance,
            "{algorithm}: {auc} vs {reference}"
        );
    }
}

#[test]
fn a_forest_measures_itself_out_of_the_bag() {
    let out = credit("random_forest", json!({"n_trees": 50}));
    let oob = out.metrics["oob_auc"];
    assert!((0.8..0.9).contains(&oob), "{oob}");
    assert!(
        out.notes.iter().any(|n| n.starts_with("out-of-bag auc")),
        "{:?}",
        out.notes
    );
    // No bootstrap, no rows out of the bag.
    let out = credit("random_forest", json!({"n_trees": 5, "bootstrap": false}));
    assert!(!out.metrics.contains_key("oob_auc"));
}

/// For every row and each constrained column, the output over the column's grid (every
/// threshold any tree splits it at, with a value on each side) moves only in the
/// constraint's direction; true when some row moves against `direction` instead.
fn moves_against(out: &TrainOutcome, column: usize, direction: f64) -> bool {
    let ensemble = trees(out);
    let mut grid: Vec<f64> = ensemble
        .trees
        .iter()
        .flat_map(|t| {
            (0..t.len())
                .filter(|&n| !t.is_leaf(n) && t.features[n] as usize == column)
                .map(|n| t.thresholds[n])
                .collect::<Vec<_>>()
        })
        .flat_map(|t| [t - 1e-6 * t.abs().max(1.0), t])
        .collect();
    grid.sort_by(f64::total_cmp);
    grid.dedup();
    assert!(!grid.is_empty(), "no tree splits column {column}");
    let mut against = false;
    for mut row in design_rows(out) {
        let mut last = f64::NAN;
        for &x in &grid {
            row[column] = x;
            let output = ensemble.output(&row);
            if !last.is_nan() && direction * (output - last) < -1e-12 {
                against = true;
            }
            last = output;
        }
    }
    against
}

#[test]
fn monotone_constraints_hold_on_every_row() {
    let constrained = credit(
        "gbdt",
        json!({"monotone": {"Income": -1, "Seniority": -1, "Amount": 1}}),
    );
    for (name, direction) in [("Income", -1.0), ("Seniority", -1.0), ("Amount", 1.0)] {
        let column = design_column(&constrained, name);
        assert!(!moves_against(&constrained, column, direction), "{name}");
    }
    // The check can fail: without the constraint, more income raises some applicant's risk.
    let free = credit("gbdt", json!({}));
    assert!(moves_against(&free, design_column(&free, "Income"), -1.0));
    let e = finml_models::Algorithm::parse("gbdt")
        .unwrap()
        .params(json!({"monotone": {"Income": 0}}).as_object().unwrap())
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
}

#[test]
fn a_constraint_on_a_category_or_an_unknown_feature_is_refused() {
    let data = load_credit(|i| i % 10 >= 7, true);
    for monotone in [json!({"Home": 1}), json!({"Nonesuch": -1})] {
        let options = TrainOptions::from_json(&json!({
            "positive": "bad", "split": {"column": "row", "test_from": "7"}, "monotone": monotone
        }))
        .unwrap();
        let e = train(
            &data,
            finml_models::Algorithm::parse("gbdt").unwrap(),
            &options,
            LIMITS,
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption, "{e:?}");
    }
}

#[test]
fn bad_options_are_refused_with_the_key_named() {
    let gbdt = finml_models::Algorithm::parse("gbdt").unwrap();
    for bad in [
        json!({"num_leaves": 1}),
        json!({"learning_rate": 0}),
        json!({"learning_rate": 1e308}),
        json!({"n_trees": 0}),
        json!({"n_trees": 65536}),
        json!({"max_depth": 65}),
        json!({"subsample": 0}),
        json!({"colsample": 1.5}),
        json!({"max_bins": 256}),
        json!({"l2": -1}),
        json!({"min_child_weight": "x"}),
        json!({"early_stopping_rounds": 0}),
        json!({"validation_fraction": 0.9}),
        json!({"monotone": ["Income"]}),
    ] {
        let key = bad.as_object().unwrap().keys().next().unwrap().clone();
        let e = gbdt.params(bad.as_object().unwrap()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption, "{bad}");
        assert!(e.message.contains(&key), "{bad}: {}", e.message);
    }
    let forest = finml_models::Algorithm::parse("random_forest").unwrap();
    for bad in [
        json!({"max_features": 0}),
        json!({"max_features": "most"}),
        json!({"bootstrap": 1}),
    ] {
        assert_eq!(
            forest.params(bad.as_object().unwrap()).unwrap_err().kind,
            ErrorKind::InvalidOption
        );
    }
}

#[test]
fn a_seed_gives_the_same_model_and_another_seed_another() {
    let options = json!({"subsample": 0.8, "colsample": 0.7, "seed": 7});
    let bytes = |o: Value| format::to_bytes(&credit("gbdt", o).model).unwrap();
    let first = bytes(options.clone());
    assert_eq!(first, bytes(options));
    assert_ne!(
        first,
        bytes(json!({"subsample": 0.8, "colsample": 0.7, "seed": 8}))
    );
    let forest = |seed| {
        format::to_bytes(&credit("random_forest", json!({"n_trees": 10, "seed": seed})).model)
            .unwrap()
    };
    assert_eq!(forest(1), forest(1));
}

#[test]
fn early_stopping_keeps_the_round_of_the_lowest_validation_loss() {
    let out = credit(
        "gbdt",
        json!({"n_trees": 1000, "learning_rate": 0.3, "early_stopping_rounds": 10}),
    );
    let kept = trees(&out).trees.len();
    assert!(kept < 990, "{kept}");
    let log = &out.training_log;
    assert!(log.iter().all(|e| e.valid_loss.is_some() && e.of == 1000));
    assert!(
        out.notes
            .iter()
            .any(|n| n.contains(&format!("keeps {kept} trees"))),
        "{:?}",
        out.notes
    );
    // The training loss falls round after round.
    assert!(log.windows(2).all(|w| w[1].train_loss <= w[0].train_loss));
}

#[test]
fn treeshap_contributions_add_up_to_each_rows_log_odds() {
    for algorithm in ["gbdt", "random_forest", "tree"] {
        let options = if algorithm == "tree" {
            json!({})
        } else {
            json!({"n_trees": 30})
        };
        let out = credit(algorithm, options);
        let ensemble = trees(&out);
        let mut worst: f64 = 0.0;
        for row in design_rows(&out).iter().step_by(7) {
            let phi = finml_models::trees::shap::ensemble_shap(ensemble, row);
            let total = ensemble.expected_value() + phi.iter().sum::<f64>();
            worst = worst.max((total - ensemble.output(row)).abs());
        }
        println!("{algorithm}: largest |expected + Σφ − output| {worst:e}");
        assert!(worst < 1e-9, "{algorithm}: {worst}");
        // fin_explain's per-feature form adds up the same way.
        let applicant = applicant();
        let e = out.model.explain(&applicant).unwrap();
        let output = out
            .model
            .estimator
            .output(&out.model.preprocessor, &applicant)
            .unwrap();
        assert!((e.baseline + e.contributions.iter().sum::<f64>() - output).abs() < 1e-9);
        let importance = out.model.importance().unwrap();
        assert_eq!(importance.len(), 13);
        assert!(importance[0].1 > 0.0);
    }
}

/// One applicant in feature order, with a NULL home and a NULL income.
fn applicant() -> Vec<RawValue<'static>> {
    vec![
        RawValue::Number(9.0),
        RawValue::Null,
        RawValue::Number(60.0),
        RawValue::Number(30.0),
        RawValue::Text("married"),
        RawValue::Text("no"),
        RawValue::Text("freelance"),
        RawValue::Number(73.0),
        RawValue::Null,
        RawValue::Number(0.0),
        RawValue::Number(0.0),
        RawValue::Number(800.0),
        RawValue::Number(846.0),
    ]
}

#[test]
fn a_null_income_follows_each_splits_default_side() {
    let out = credit("gbdt", json!({}));
    let ensemble = trees(&out);
    let income = design_column(&out, "Income");
    let mut row = design_rows(&out)[0].clone();
    row[income] = f64::NAN;
    // By hand: each tree's leaf found by following children_default at Income splits.
    let mut sum = 0.0;
    for t in &ensemble.trees {
        let mut node = 0;
        while !t.is_leaf(node) {
            let c = t.features[node] as usize;
            node = if c == income {
                t.children_default[node]
            } else if row[c] < t.thresholds[node] {
                t.children_left[node]
            } else {
                t.children_right[node]
            } as usize;
        }
        sum += t.values[node];
    }
    assert_eq!(ensemble.output(&row), ensemble.base + sum);
    let p = out.model.predict(&applicant()).unwrap();
    assert!(p.is_finite() && (0.0..=1.0).contains(&p));
}

#[test]
fn stored_tree_models_predict_as_trained_and_edited_trees_are_refused() {
    for algorithm in ["gbdt", "random_forest", "tree"] {
        let out = credit(algorithm, json!({}));
        let bytes = format::to_bytes(&out.model).unwrap();
        assert_eq!(
            u32::from_le_bytes(bytes[8..12].try_into().unwrap()),
            8,
            "format 8"
        );
        let back = format::from_bytes(&bytes).unwrap();
        let row = applicant();
        assert_eq!(
            back.predict(&row).unwrap(),
            out.model.predict(&row).unwrap()
        );
        let mut body: Value = serde_json::from_slice(&bytes[12..]).unwrap();
        type Edit = Box<dyn Fn(&mut Value)>;
        let edits: [(&str, Edit); 5] = [
            ("child", Box::new(|t| t["children_left"][0] = json!(0))),
            ("column", Box::new(|t| t["features"][0] = json!(1000))),
            ("value", Box::new(|t| t["values"][1] = json!(1e308))),
            (
                "weight",
                Box::new(|t| t["node_sample_weight"][0] = json!(1.0)),
            ),
            (
                "lengths",
                Box::new(|t| {
                    t["thresholds"]
                        .as_array_mut()
                        .unwrap()
                        .pop()
                        .map(|_| ())
                        .unwrap_or(())
                }),
            ),
        ];
        for (what, edit) in edits {
            let mut edited = body.clone();
            let tree = edited
                .pointer_mut("/estimator/trees/0")
                .expect("the stored trees");
            edit(tree);
            if what == "value" {
                // One large leaf in each tree adds past double precision.
                for t in edited
                    .pointer_mut("/estimator/trees")
                    .unwrap()
                    .as_array_mut()
                    .unwrap()
                {
                    t["values"][1] = json!(1e308);
                }
            }
            let mut stored = bytes[..12].to_vec();
            stored.extend(serde_json::to_vec(&edited).unwrap());
            let e = format::from_bytes(&stored).unwrap_err();
            assert_eq!(e.kind, ErrorKind::CorruptModel, "{algorithm} {what}: {e:?}");
        }
        body["estimator"]["trees"] = json!([]);
        let mut stored = bytes[..12].to_vec();
        stored.extend(serde_json::to_vec(&body).unwrap());
        assert_eq!(
            format::from_bytes(&stored).unwrap_err().kind,
            ErrorKind::CorruptModel
        );
    }
}

#[test]
fn a_trees_rules_cover_every_training_row_once() {
    let out = credit("tree", json!({"max_depth": 3}));
    let ensemble = trees(&out);
    let rules = finml_models::trees::rules::tree_rules(&out.model.preprocessor, &ensemble.trees[0]);
    assert!(rules.len() <= 8 && rules.len() >= 2);
    let rows: f64 = rules.iter().map(|r| r.rows).sum();
    assert_eq!(rows as usize, out.train_rows);
    for r in &rules {
        println!(
            "{:>3} {:<90} {:>5} {:.3}",
            r.leaf,
            r.condition,
            r.rows,
            r.target_mean.unwrap()
        );
        assert!(r.condition.split(" AND ").count() <= 3, "{}", r.condition);
        assert!((0.0..=1.0).contains(&r.target_mean.unwrap()));
    }
}

#[test]
fn the_report_shows_the_shap_summary_the_learning_curve_and_a_trees_rules() {
    use finml_models::report::{render, ReportFacts};
    let out = credit("gbdt", json!({"n_trees": 30}));
    let facts = ReportFacts {
        training_log: out
            .training_log
            .iter()
            .map(|e| (e.epoch as i32, e.train_loss, e.valid_loss))
            .collect(),
        ..ReportFacts::default()
    };
    let html = render(&out.model, &facts);
    for section in [
        "<h2>Feature importance</h2>",
        "<h2>SHAP summary</h2>",
        "<h2>Training</h2>",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(!html.contains("<h2>Rules</h2>"));
    assert_eq!(out.training_log.len(), 3, "a log line per 10 rounds");
    let tree = credit("tree", json!({"max_depth": 3}));
    let html = render(&tree.model, &ReportFacts::default());
    assert!(html.contains("<h2>Rules</h2>") && html.contains("Seniority"));
    assert!(!html.contains("NaN"));
}

thread_local! {
    static CHECKS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    static CANCEL_AFTER: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) };
}

/// Counts interrupt checks on this thread and "cancels" (panics, as PostgreSQL's ERROR
/// unwinds in the extension) once armed.
fn counting_check() {
    let n = CHECKS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if CANCEL_AFTER
        .with(|c| c.get())
        .is_some_and(|limit| n > limit)
    {
        panic!("cancelled");
    }
}

#[test]
fn every_tree_fit_reaches_the_interrupt_check_and_stops_there() {
    finml_models::interrupt::set_check(counting_check);
    for (algorithm, options) in [
        ("gbdt", json!({"n_trees": 40})),
        ("random_forest", json!({"n_trees": 40})),
        ("tree", json!({})),
    ] {
        CHECKS.with(|c| c.set(0));
        credit(algorithm, options.clone());
        let checks = CHECKS.with(|c| c.get());
        // At least one per tree and one per split.
        assert!(checks >= 40, "{algorithm}: {checks} checks");
        CHECKS.with(|c| c.set(0));
        CANCEL_AFTER.with(|c| c.set(Some(checks / 2)));
        let stopped = std::panic::catch_unwind(|| credit(algorithm, options));
        CANCEL_AFTER.with(|c| c.set(None));
        assert!(stopped.is_err(), "{algorithm}");
        assert_eq!(CHECKS.with(|c| c.get()), checks / 2 + 1, "{algorithm}");
    }
}

#[test]
fn the_memory_budget_is_checked_before_anything_is_allocated() {
    let data = load_credit(|i| i % 10 >= 7, true);
    let options = TrainOptions::from_json(&json!({
        "positive": "bad", "split": {"column": "row", "test_from": "7"}
    }))
    .unwrap();
    let small = Limits {
        max_memory_bytes: data.bytes() + 100_000,
        ..LIMITS
    };
    for algorithm in ["gbdt", "random_forest", "tree"] {
        let algorithm = finml_models::Algorithm::parse(algorithm).unwrap();
        let e = train(&data, algorithm, &options, small).unwrap_err();
        assert_eq!(e.kind, ErrorKind::ResourceLimit, "{e:?}");
        assert!(
            e.message.contains("finml.max_training_memory"),
            "{}",
            e.message
        );
    }
}

#[test]
fn packed_trees_predict_the_stored_trees_double_on_every_row() {
    for algorithm in ["gbdt", "random_forest"] {
        let out = credit(algorithm, json!({"n_trees": 20}));
        let ensemble = trees(&out);
        let packed = finml_models::trees::PackedTrees::of(ensemble);
        for (k, mut row) in design_rows(&out).into_iter().enumerate() {
            if k % 3 == 0 {
                let column = k % row.len();
                row[column] = f64::NAN;
            }
            assert_eq!(
                packed.output(&row).to_bits(),
                ensemble.output(&row).to_bits()
            );
        }
    }
}
