//! Path-dependent TreeSHAP against the shap package: reference/tree_shap.py (shap 0.51.0,
//! scikit-learn 1.9.1) writes reference/tree_shap.json, ensembles in finml's stored form
//! (a decision tree, a random forest, gradient boosting from scikit-learn, random hand-made
//! trees), test rows with NULLs, and shap's SHAP values and expected value for each row.
//! Tolerances: 1e-6 against shap, 1e-9 for completeness (expected value + Σ SHAP = output).

use finml_models::trees::shap::{ensemble_shap, tree_shap};
use finml_models::trees::{Ensemble, Tree};
use serde::Deserialize;
use serde_json::Value;

const SHAP_TOLERANCE: f64 = 1e-6;
const COMPLETENESS_TOLERANCE: f64 = 1e-9;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    width: usize,
    ensemble: Value,
    rows: Vec<Vec<Option<f64>>>,
    outputs: Vec<f64>,
    shap_values: Vec<Vec<f64>>,
    expected_value: f64,
}

fn reference() -> Reference {
    let path = format!(
        "{}/tests/reference/tree_shap.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn tree_shap_matches_the_shap_package() {
    let mut largest = 0.0f64;
    let mut largest_completeness = 0.0f64;
    let mut rows_seen = 0;
    for case in reference().cases {
        let name = &case.name;
        let ensemble: Ensemble =
            serde_json::from_value(case.ensemble.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ensemble.structure_problem(case.width), None, "{name}");
        // Tree's serde form is the JSON's, key for key and number for number.
        for (tree, written) in ensemble
            .trees
            .iter()
            .zip(case.ensemble["trees"].as_array().unwrap())
        {
            assert_eq!(&serde_json::to_value(tree).unwrap(), written, "{name}");
            let back: Tree = serde_json::from_value(written.clone()).unwrap();
            assert_eq!(&back, tree);
        }
        assert!(
            (ensemble.expected_value() - case.expected_value).abs() < SHAP_TOLERANCE,
            "{name}: expected value {} vs shap's {}",
            ensemble.expected_value(),
            case.expected_value
        );
        assert_eq!(case.rows.len(), case.shap_values.len());
        for (r, row) in case.rows.iter().enumerate() {
            let row: Vec<f64> = row.iter().map(|x| x.unwrap_or(f64::NAN)).collect();
            assert_eq!(row.len(), case.width);
            let output = ensemble.output(&row);
            assert!(
                (output - case.outputs[r]).abs() < 1e-12,
                "{name} row {r}: output {output} vs {}",
                case.outputs[r]
            );
            let phi = ensemble_shap(&ensemble, &row);
            for (c, (a, b)) in phi.iter().zip(&case.shap_values[r]).enumerate() {
                let difference = (a - b).abs();
                assert!(
                    difference < SHAP_TOLERANCE,
                    "{name} row {r} column {c}: {a} vs shap's {b}"
                );
                largest = largest.max(difference);
            }
            let completeness = (ensemble.expected_value() + phi.iter().sum::<f64>() - output).abs();
            assert!(
                completeness < COMPLETENESS_TOLERANCE,
                "{name} row {r}: expected value + Σφ is {completeness} from the output"
            );
            largest_completeness = largest_completeness.max(completeness);
            // tree_shap tree by tree, weighed, adds up to the same.
            let mut each = vec![0.0; case.width];
            for tree in &ensemble.trees {
                tree_shap(tree, &row, ensemble.tree_weight(), &mut each);
            }
            assert_eq!(each, phi, "{name} row {r}");
            rows_seen += 1;
        }
    }
    assert!(rows_seen >= 100);
    println!(
        "tree_shap vs shap 0.51.0: largest difference {largest:e} over {rows_seen} rows; \
         largest completeness gap {largest_completeness:e}"
    );
}
