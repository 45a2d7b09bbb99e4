//! finml.max_training_memory is exact: a training's claim (`TrainOutcome::memory_bytes`,
//! stored as `metrics.memory_mb`) is the budget at which it still trains, and one byte less
//! refuses it with 54000 before the phase that would pass it. The claim's formula for a
//! logistic regression is written out (src/memory.rs's phases); how close it comes to the
//! backend's measured peak is bench/README.md's "The memory budget against the peak".

use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::mlp::DeviceChoice;
use finml_models::registry::{ISOLATION_FOREST, KMEANS, LOGISTIC, MLP, SCORECARD};
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

#[test]
fn an_mlp_without_room_for_its_compact_design_trains_from_the_columns() {
    let data = dataset(false);
    let value = json!({"hidden": [8], "epochs": 2});
    let with_compact = claim(&data, MLP, &value, 1 << 30).unwrap();
    // One byte short of the compact f32 design: trained without it, claiming less, and
    // refused one byte below that.
    let without = claim(&data, MLP, &value, with_compact - 1).unwrap();
    assert!(without < with_compact);
    assert_eq!(claim(&data, MLP, &value, without), Ok(without));
    assert_eq!(
        claim(&data, MLP, &value, without - 1),
        Err(ErrorKind::ResourceLimit)
    );
}
