//! The proxy screen (proxy.rs) on the real credit data against scipy (Cramér's V),
//! scikit-learn (AUC), numpy (|Pearson r|) and the correlation ratio's formula, within 1e-9:
//! models/tests/reference/proxy.py and its output proxy.json.

use finml_models::data::{CategoricalColumn, Column, NumericColumn};
use finml_models::proxy::{association, screen, split_options, Measure, Protected};
use serde_json::json;
use serde_json::Value;
use std::collections::HashMap;

const CATEGORICAL: [&str; 3] = ["Home", "Records", "Job"];
const NUMERIC: [&str; 5] = ["Seniority", "Time", "Expenses", "Income", "Amount"];

/// The credit data's columns by name, as the reader builds them (NULL: NaN or NULL_CODE).
fn credit_columns() -> HashMap<String, Column> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/credit/credit_data.csv"
    );
    let text = std::fs::read_to_string(path).expect("examples/credit/credit_data.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let mut columns: HashMap<String, Column> = HashMap::new();
    for name in &header {
        let column = if CATEGORICAL.contains(name) || ["Marital", "Status"].contains(name) {
            Column::Categorical(CategoricalColumn::default())
        } else {
            Column::Numeric(NumericColumn::default())
        };
        columns.insert(name.to_string(), column);
    }
    for line in lines {
        for (name, value) in header.iter().zip(line.split(',')) {
            let value = (!value.is_empty()).then_some(value);
            match columns.get_mut(*name).unwrap() {
                Column::Categorical(c) => c.push(value),
                Column::Numeric(n) => n
                    .push(name, value.map(|v| v.parse::<f64>().unwrap()))
                    .unwrap(),
            }
        }
    }
    columns
}

fn measure_name(m: Measure) -> &'static str {
    m.as_str()
}

#[test]
fn associations_equal_scipy_sklearn_and_numpy() {
    let reference: Value = serde_json::from_str(include_str!("reference/proxy.json")).unwrap();
    let columns = credit_columns();
    let protected = [
        (
            "marital",
            Protected::new("marital", &columns["Marital"], None).unwrap(),
        ),
        (
            "age_bands",
            Protected::new("age", &columns["Age"], Some(&[25.0, 35.0, 50.0, 65.0])).unwrap(),
        ),
        (
            "age_two",
            Protected::new("age", &columns["Age"], Some(&[40.0])).unwrap(),
        ),
        ("age", Protected::new("age", &columns["Age"], None).unwrap()),
    ];
    let mut compared = 0;
    for (key, attribute) in &protected {
        for candidate in CATEGORICAL.iter().chain(&NUMERIC) {
            let theirs = &reference[key][candidate];
            let ours = association(&columns[*candidate], attribute).expect("defined");
            assert_eq!(
                measure_name(ours.measure),
                theirs[0].as_str().unwrap(),
                "{key} {candidate}"
            );
            let expected = theirs[1].as_f64().unwrap();
            assert!(
                (ours.value - expected).abs() < 1e-9,
                "{key} {candidate}: {} vs {expected}",
                ours.value
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 32);
}

#[test]
fn undefined_pairs_are_none_and_strength_reads_an_auc_as_its_gini() {
    let mut constant = CategoricalColumn::default();
    let mut groups = CategoricalColumn::default();
    for i in 0..10 {
        constant.push(Some("same"));
        groups.push(Some(if i % 2 == 0 { "a" } else { "b" }));
    }
    let protected = Protected::new("g", &Column::Categorical(groups), None).unwrap();
    assert!(association(&Column::Categorical(constant), &protected).is_none());
    let mut x = NumericColumn::default();
    for i in 0..10 {
        x.push("x", Some(i as f64)).unwrap();
    }
    let a = association(&Column::Numeric(x), &protected).unwrap();
    assert_eq!(a.measure, Measure::Auc);
    assert!((a.strength() - (2.0 * a.value - 1.0)).abs() < 1e-15);
    let mut nulls = NumericColumn::default();
    for _ in 0..10 {
        nulls.push("n", None).unwrap();
    }
    assert!(association(&Column::Numeric(nulls), &protected).is_none());
}

#[test]
fn options_split_into_fin_trains_with_the_attributes_excluded_and_the_screens() {
    let (train, settings) = split_options(&json!({
        "positive": "bad", "exclude": ["id"], "protected": ["age", "marital"],
        "bands": {"age": [25, 35]}, "proxy_threshold": 0.25
    }))
    .unwrap();
    assert_eq!(
        train,
        json!({"positive": "bad", "exclude": ["id", "age", "marital"], "protected": ["age", "marital"]})
    );
    assert_eq!(settings.bands["age"], vec![25.0, 35.0]);
    assert_eq!(settings.threshold, 0.25);
    for bad in [
        json!({"protected": ["age"], "bands": {"income": [1]}}),
        json!({"protected": ["age"], "bands": {"age": [35, 25]}}),
        json!({"protected": ["age"], "bands": {"age": []}}),
        json!({"protected": ["age"], "bands": {"age": [1e308, "x"]}}),
        json!({"protected": ["age"], "bands": [1, 2]}),
        json!({"protected": ["age"], "proxy_threshold": 0}),
        json!({"protected": ["age"], "proxy_threshold": 1.5}),
    ] {
        let e = split_options(&bad).unwrap_err();
        assert!(e.to_string().contains("fin_profile options"), "{bad}: {e}");
    }
}

#[test]
fn the_screen_flags_strong_associations_strongest_first() {
    let columns = credit_columns();
    let protected = [
        Protected::new("marital", &columns["Marital"], None).unwrap(),
        Protected::new("age", &columns["Age"], None).unwrap(),
    ];
    // Seniority: |r| with age 0.51 (numpy), η by marital below 0.3.
    let (associations, flagged) = screen(&columns["Seniority"], &protected, 0.3);
    assert_eq!(associations.len(), 2);
    assert_eq!(flagged, vec!["age".to_owned()]);
    let (_, none) = screen(&columns["Amount"], &protected, 0.3);
    assert!(none.is_empty());
    let mut ids = CategoricalColumn::default();
    for i in 0..200 {
        ids.push(Some(&i.to_string()));
    }
    let e = Protected::new("id", &Column::Categorical(ids), None).unwrap_err();
    assert!(e.to_string().contains("more than 100 groups"));
}
