//! The training pipeline's unit tests.

use super::*;
use crate::format;
use crate::test_data::{dataset, options, LIMITS};

#[test]
fn the_stored_metrics_hold_every_metric_and_where_it_was_measured() {
    let outcome = train(&dataset(), crate::registry::LOGISTIC, &options(), LIMITS).unwrap();
    let json = outcome.metrics_json(1.5);
    for (name, value) in &outcome.metrics {
        assert_eq!(json[name].as_f64(), Some(*value), "{name}");
    }
    assert_eq!(json["evaluated_on"], outcome.evaluated_on);
    assert_eq!(json["train_seconds"], 1.5);
    assert!(
        json.get("device").is_none(),
        "a logistic regression has no device"
    );
}

#[test]
fn the_stored_form_reads_back_to_the_same_predictions_and_coefficients() {
    let data = dataset();
    let outcome = train(&data, crate::registry::LOGISTIC, &options(), LIMITS).unwrap();
    let (bytes, coefficients) = outcome.stored_form().unwrap();
    let back = format::from_bytes(&bytes).unwrap();
    let rows: Vec<usize> = (0..data.n_rows()).collect();
    assert_eq!(
        back.predict_rows(&data, &rows).unwrap(),
        outcome.model.predict_rows(&data, &rows).unwrap()
    );
    assert_eq!(coefficients, back.coefficients_json().unwrap());
    assert_eq!(
        coefficients.as_array().map(Vec::len),
        Some(outcome.model.preprocessor.width() + 1)
    );
}
