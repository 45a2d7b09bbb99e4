//! finml.max_training_memory is exact: a training's claim (`TrainOutcome::memory_bytes`,
//! stored as `metrics.memory_mb`) is the budget at which it still trains, and one byte less
//! refuses it with 54000 before the phase that would pass it. The claim's formula for a
//! logistic regression is written out (src/memory.rs's phases); how close it comes to the
//! backend's measured peak is bench/README.md's "The memory budget against the peak".

use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::mlp::DeviceChoice;
use finml_models::registry::{
    GBDT, ISOLATION_FOREST, KMEANS, LOGISTIC, MLP, RANDOM_FOREST, SCORECARD, TREE,
};
use finml_models::{train, Algorithm, ErrorKind, Limits, TrainOptions};
use serde_json::{json, Value};

const ROWS: usize = 4000;

fn limits(max_memory_bytes: usize) -> Limits {
    Limits {
        max_memory_bytes,
        device: DeviceChoice::Cpu,
        threads: 2,
    }
}

/// Three numbers, a category, a memo of a few words and a two-class target that depends on
/// them; rows generated from their index (no random state to share).
fn dataset(with_memo: bool) -> Dataset {
    let wave = |i: usize, k: f64| ((i as f64) * k).sin();
    let numbers: Vec<Vec<f64>> = [0.37, 1.91, 0.053]
        .iter()
        .map(|&k| {
            (0..ROWS)
                .map(|i| (wave(i, k) * 100.0).round() / 10.0)
                .collect()
        })
        .collect();
    let mut region = CategoricalColumn::default();
    let mut memo = CategoricalColumn::default();
    for i in 0..ROWS {
        region.push(Some(["north", "south", "east"][i % 3]));
        memo.push(Some(&format!(
            "merchant{} detail{} wire{}",
            i % 97,
            i % 13,
            i % 5
        )));
    }
    let target = (0..ROWS)
        .map(|i| Some(numbers[0][i] + numbers[1][i] * 0.5 + wave(i, 7.3) * 6.0 > 1.0))
        .collect();
    let mut features: Vec<Feature> = numbers
        .into_iter()
        .enumerate()
        .map(|(k, values)| Feature {
            name: format!("x{k}"),
            column: Column::Numeric(NumericColumn { values }),
        })
        .collect();
    features.push(Feature {
        name: "region".into(),
        column: Column::Categorical(region),
    });
    if with_memo {
        features.push(Feature {
            name: "memo".into(),
            column: Column::Categorical(memo),
        });
    }
    Dataset {
        features,
        target_name: "y".into(),
        target: TargetColumn::Boolean(target),
        test_mask: None,
        weights: None,
        times: None,
    }
}

fn options(value: Value) -> TrainOptions {
    TrainOptions::from_json(&value).unwrap()
}

/// The claim of `algorithm` on `data` under `budget`, or the error's kind.
fn claim(
    data: &Dataset,
    algorithm: Algorithm,
    value: &Value,
    budget: usize,
) -> Result<usize, ErrorKind> {
    match train(data, algorithm, &options(value.clone()), limits(budget)) {
        Ok(outcome) => Ok(outcome.memory_bytes.expect("an in-memory training claims")),
        Err(e) => Err(e.kind),
    }
}

/// Trains at the claim and refuses one byte below it (54000).
fn assert_exact(data: &Dataset, algorithm: Algorithm, value: Value) -> usize {
    let claimed = claim(data, algorithm, &value, 1 << 30).unwrap();
    assert_eq!(claim(data, algorithm, &value, claimed), Ok(claimed));
    assert_eq!(
        claim(data, algorithm, &value, claimed - 1),
        Err(ErrorKind::ResourceLimit),
        "{} under a budget one byte below its claim",
        algorithm.as_str()
    );
    claimed
}

#[test]
fn every_algorithm_trains_at_its_claim_and_not_a_byte_below() {
    let data = dataset(false);
    assert_exact(&data, LOGISTIC, json!({}));
    assert_exact(&data, SCORECARD, json!({}));
    assert_exact(&data, KMEANS, json!({"k": 4}));
    assert_exact(&data, ISOLATION_FOREST, json!({}));
    let text = dataset(true);
    assert_exact(
        &text,
        LOGISTIC,
        json!({"text": {"memo": {"max_features": 1024, "ngram": [1, 2]}}}),
    );
}

#[test]
fn a_logistic_claim_is_its_largest_phase_written_out() {
    let data = dataset(false);
    let claimed = claim(&data, LOGISTIC, &json!({"test_size": 0.3}), 1 << 30).unwrap();
    // The dataset: 3 f64 numbers, a u32 code and the target counted as 8 bytes a row, and
    // the three levels (data::level_bytes: 2 chunks of 32, a String, an entry of 32 × 3/2 + 1).
    let dataset = ROWS * (3 * 8 + 4 + 8) + 3 * (2 * 32 + 24 + 49);
    // The lists: labelled rows, position, label, both parts (8 + 8 + 1 + 8 a row).
    let lists = ROWS * 25;
    // The evaluation of the 1,200 test rows: output, truth, probability, order, curve point.
    let evaluation = 1200 * (8 + 1 + 8 + 8 + 40);
    // The fit of the 2,800 training rows: their labels, the rows in table order with their
    // labels, truncated Newton's two f64 a row; 3 square matrices of the 5 terms and the
    // intercept, and 2 blocks of 1,024 design rows of 6 f64 each.
    let fit = 2800 * (1 + 9 + 16) + 3 * 8 * 6 * 6 + 2 * 1024 * 6 * 8;
    assert!(
        fit > evaluation,
        "at 4,000 rows the fit's blocks make it the peak"
    );
    assert_eq!(claimed, dataset + lists + fit.max(evaluation));
}

/// The credit-like data with a three-class target (x0 below -3, between, above 3).
fn three_classes() -> Dataset {
    let mut data = dataset(false);
    let Column::Numeric(x0) = &data.features[0].column else {
        unreachable!("x0 is a number")
    };
    let mut target = CategoricalColumn::default();
    for &v in &x0.values {
        target.push(Some(if v < -3.0 {
            "low"
        } else if v > 3.0 {
            "high"
        } else {
            "middle"
        }));
    }
    data.target = TargetColumn::Text(target);
    data
}

/// A fit that adapts to its budget (a tree's histogram cache) trains at its claim, and under
/// budgets 10% apart from there down holds no more than each, until one refuses it (54000).
fn assert_within_every_budget(data: &Dataset, algorithm: Algorithm, value: Value) {
    let mut budget = claim(data, algorithm, &value, 1 << 30).unwrap();
    assert_eq!(claim(data, algorithm, &value, budget), Ok(budget));
    loop {
        match claim(data, algorithm, &value, budget) {
            Ok(claimed) => {
                assert!(
                    claimed <= budget,
                    "{} claims {claimed} under {budget}",
                    algorithm.as_str()
                );
                budget = claimed - (claimed / 10).max(1);
            }
            Err(kind) => {
                assert_eq!(kind, ErrorKind::ResourceLimit);
                break;
            }
        }
    }
}

#[test]
fn trees_and_multi_class_fits_hold_no_more_than_their_budget() {
    let data = dataset(false);
    assert_exact(&data, MLP, json!({"hidden": [8], "epochs": 2}));
    for algorithm in [RANDOM_FOREST, GBDT] {
        assert_within_every_budget(&data, algorithm, json!({"n_trees": 5}));
    }
    assert_within_every_budget(&data, TREE, json!({}));
    let classes = three_classes();
    assert_exact(&classes, LOGISTIC, json!({}));
    assert_exact(&classes, MLP, json!({"hidden": [8], "epochs": 2}));
    assert_within_every_budget(&classes, GBDT, json!({"n_trees": 5}));
}

#[test]
fn a_binning_past_its_room_is_refused_with_54000_naming_its_feature() {
    use finml_models::binning::{
        fit_numeric_with, numeric_binning_bytes, BinningMemory, BinningParams, Monotonic,
        NumericControls, RowLabels,
    };
    let values: Vec<f64> = (0..1000).map(|i| (i % 250) as f64).collect();
    let y: Vec<bool> = (0..1000).map(|i| i % 7 == 0).collect();
    let rows: Vec<usize> = (0..1000).collect();
    let params = BinningParams {
        monotonic: Monotonic::Auto,
        max_bins: 10,
        min_bin_size: 0.05,
        min_bin_events: 1,
        min_level_rows: 1,
    };
    let bin = |room: usize| {
        let memory = BinningMemory::new(room);
        let controls = NumericControls {
            memory: Some(&memory),
            ..NumericControls::default()
        };
        let labels = RowLabels {
            y: &y,
            weights: None,
        };
        fit_numeric_with(&values, &rows, labels, params, controls).map(|_| memory.peak())
    };
    // 1,000 rows of 48 bytes, then 250 atoms of two 40-byte counts.
    let needed = numeric_binning_bytes(1000, 250);
    assert_eq!(needed, 1000 * 48 + 250 * 80);
    assert_eq!(bin(needed).unwrap(), needed);
    // Room for the rows but not the atoms: refused once the distinct values are known.
    let refused = bin(needed - 1).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::ResourceLimit);
    let named = finml_models::scorecard::in_feature("income", refused);
    assert_eq!(named.kind, ErrorKind::ResourceLimit);
    assert!(named.message.starts_with("feature \"income\": binning"));
    assert_eq!(
        bin(1000 * 48 - 1).unwrap_err().kind,
        ErrorKind::ResourceLimit
    );
}
