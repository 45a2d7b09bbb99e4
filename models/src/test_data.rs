//! A small two-feature dataset (one numeric, one categorical, with NULLs) for unit tests.

use crate::data::{CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn};
use crate::options::TrainOptions;
use crate::preprocess::RawValue;
use crate::train::Limits;

pub fn dataset() -> Dataset {
    // y depends on income and on the region; one NULL income and one NULL region.
    let income = [
        20.0, 35.0, 50.0, 65.0, 80.0, 95.0, 30.0, 45.0, 60.0, 75.0, 90.0, 25.0, 40.0, 55.0, 70.0,
        85.0,
    ];
    let region = [
        "north", "south", "east", "north", "south", "east", "north", "south", "east", "north",
        "south", "east", "north", "south", "east", "north",
    ];
    let y = [
        true, true, false, true, false, false, true, false, true, false, false, true, true, false,
        false, false,
    ];
    let mut income_values: Vec<f64> = income.to_vec();
    income_values[3] = f64::NAN;
    let mut region_values: Vec<Option<&str>> = region.iter().map(|&r| Some(r)).collect();
    region_values[5] = None;
    Dataset {
        features: vec![
            Feature {
                name: "income".into(),
                column: Column::Numeric(NumericColumn {
                    values: income_values,
                }),
            },
            Feature {
                name: "region".into(),
                column: Column::Categorical({
                    let mut c = CategoricalColumn::default();
                    region_values.iter().for_each(|&v| c.push(v));
                    c
                }),
            },
        ],
        target_name: "y".into(),
        target: TargetColumn::Boolean(y.iter().map(|&v| Some(v)).collect()),
        test_mask: None,
        times: None,
        weights: None,
    }
}

pub fn options() -> TrainOptions {
    TrainOptions::from_json(&serde_json::json!({"test_size": 0})).unwrap()
}

pub const LIMITS: Limits = Limits {
    max_memory_bytes: 1 << 30,
    device: crate::mlp::DeviceChoice::Cpu,
    threads: 1,
};

/// Row `i` of [`dataset`] as model inputs (income, region) and its label.
pub fn row(data: &Dataset, i: usize) -> ([RawValue<'_>; 2], bool) {
    let (Column::Numeric(income), Column::Categorical(region), TargetColumn::Boolean(y)) = (
        &data.features[0].column,
        &data.features[1].column,
        &data.target,
    ) else {
        unreachable!("dataset() has a numeric income, a categorical region and a boolean target")
    };
    let x = income.values[i];
    let income = if x.is_nan() {
        RawValue::Null
    } else {
        RawValue::Number(x)
    };
    let region = region.level(i).map_or(RawValue::Null, RawValue::Text);
    ([income, region], y[i] == Some(true))
}

/// The HTML report of `algorithm` trained on [`dataset`] with `options`.
pub fn report_of(algorithm: crate::Algorithm, options: serde_json::Value) -> String {
    let options = TrainOptions::from_json(&options).unwrap();
    let outcome = crate::train::train(&dataset(), algorithm, &options, LIMITS).unwrap();
    let facts = crate::report::ReportFacts {
        metrics: outcome.metrics.clone(),
        ..crate::report::ReportFacts::default()
    };
    crate::report::render(&outcome.model, &facts)
}
