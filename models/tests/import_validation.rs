//! Stored models edited by hand are refused when read (fin_import, and every model read from
//! the catalog): each test starts from a golden model (tests/golden/), edits one field of its
//! JSON to a value training never writes, and expects XX001 (ErrorKind::CorruptModel) naming
//! the field, where prediction would otherwise panic, loop for minutes, allocate by the
//! stored number or quietly answer wrong.

use base64::Engine;
use finml_models::format;
use finml_models::mlp::{Activation, DenseLayer, Network};
use finml_models::preprocess::{FeatureTransform, Preprocessor, Transform, MAX_DESIGN_WIDTH};
use finml_models::text::{TextSpec, TextTransform, MAX_FEATURES_LIMIT};
use finml_models::{ErrorKind, RawValue};
use serde_json::{json, Value};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/");

const ALL_GOLDEN: [&str; 9] = [
    "credit_risk",
    "credit_card",
    "loan_amount",
    "card_special_codes",
    "segments",
    "outliers",
    "dated_notes",
    "grades",
    "grades_mlp",
];

fn golden_document(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{GOLDEN}{name}.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The stored model bytes inside a golden export.
fn golden_bytes(name: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(golden_document(name)["model"].as_str().unwrap())
        .unwrap()
}

/// A golden model's bytes with `edit` applied to its JSON body (after the 12-byte header).
fn edited(name: &str, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let bytes = golden_bytes(name);
    let mut body: Value = serde_json::from_slice(&bytes[12..]).unwrap();
    edit(&mut body);
    let mut out = bytes[..12].to_vec();
    out.extend(serde_json::to_vec(&body).unwrap());
    out
}

/// Asserts that the golden model `name` with `edit` is refused as corrupt, with a message
/// that names `field`.
fn refused(name: &str, field: &str, edit: impl FnOnce(&mut Value)) {
    let bytes = edited(name, edit);
    match format::from_bytes(&bytes) {
        Ok(_) => panic!("{name}: an edited {field} was accepted"),
        Err(e) => {
            assert_eq!(e.kind, ErrorKind::CorruptModel, "{name}: {}", e.message);
            assert!(
                e.message.contains(field),
                "{name}: the message does not name {field}: {}",
                e.message
            );
            let first = e.message.chars().next().unwrap();
            assert!(!first.is_uppercase(), "{}", e.message);
        }
    }
}

/// The feature object named `feature` of a model body.
fn feature<'a>(body: &'a mut Value, feature: &str) -> &'a mut Value {
    body["preprocessor"]["features"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["name"] == feature)
        .unwrap()
}

fn feature_index(body: &Value, feature: &str) -> usize {
    body["preprocessor"]["features"]
        .as_array()
        .unwrap()
        .iter()
        .position(|f| f["name"] == feature)
        .unwrap()
}

#[test]
fn the_untouched_golden_models_still_read_and_write_back() {
    for name in ALL_GOLDEN {
        let bytes = golden_bytes(name);
        let model = format::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert!(format::to_bytes(&model).unwrap() == bytes, "{name}");
        // The edit helper itself changes nothing a reader sees.
        assert!(format::from_bytes(&edited(name, |_| {})).is_ok(), "{name}");
    }
}

// Text features: TextSpec::parse's bounds.

#[test]
fn a_text_ngram_longer_than_training_allows_is_refused() {
    // 5,000 words at [1, 100000] hashed every n-gram up to the whole memo: 91 s per row.
    refused("dated_notes", "ngram", |m| {
        feature(m, "notes")["ngram"] = json!([1, 100_000]);
    });
    refused("dated_notes", "ngram", |m| {
        feature(m, "notes")["ngram"] = json!([0, 2]);
    });
    refused("dated_notes", "ngram", |m| {
        feature(m, "notes")["ngram"] = json!([3, 2]);
    });
}

#[test]
fn a_text_max_features_outside_training_bounds_is_refused() {
    for max_features in [0, MAX_FEATURES_LIMIT + 1] {
        refused("dated_notes", "max_features", |m| {
            let notes = feature(m, "notes");
            notes["max_features"] = json!(max_features);
            notes["idf"] = json!(vec![1.0; max_features]);
        });
    }
}

// Drift reference (fin_psi, fin_monitor).

#[test]
fn drift_edges_that_do_not_increase_are_refused() {
    refused("dated_notes", "drift edges of \"seniority\"", |m| {
        m["drift"]["features"][0]["edges"]
            .as_array_mut()
            .unwrap()
            .swap(1, 2);
    });
    refused("outliers", "drift edges of the prediction", |m| {
        let edges = m["drift"]["prediction"]["edges"].as_array_mut().unwrap();
        edges[1] = edges[0].clone();
    });
}

#[test]
fn drift_shares_that_do_not_match_the_edges_or_levels_are_refused() {
    refused("dated_notes", "shares for", |m| {
        m["drift"]["features"][1]["shares"]
            .as_array_mut()
            .unwrap()
            .pop();
    });
    refused("segments", "shares for", |m| {
        let home = feature_index(m, "home");
        m["drift"]["features"][home]["levels"]
            .as_array_mut()
            .unwrap()
            .push(json!("castle"));
    });
}

#[test]
fn drift_shares_that_are_not_shares_are_refused() {
    refused("outliers", "drift share", |m| {
        m["drift"]["features"][0]["shares"][0] = json!(8.28);
    });
    refused("outliers", "add up to", |m| {
        m["drift"]["features"][0]["null_share"] = json!(0.5);
    });
}

#[test]
fn a_drift_level_listed_twice_is_refused() {
    refused("segments", "twice", |m| {
        let home = feature_index(m, "home");
        let levels = m["drift"]["features"][home]["levels"]
            .as_array_mut()
            .unwrap();
        levels[1] = levels[0].clone();
    });
}

#[test]
fn a_drift_distribution_of_the_wrong_kind_is_refused() {
    // Deciles for a categorical feature: every text would fall in the NULL bucket.
    refused("segments", "not the kind", |m| {
        let home = feature_index(m, "home");
        m["drift"]["features"][home] = m["drift"]["features"][0].clone();
    });
    // A text feature's reference holds only the NULL share.
    refused("dated_notes", "not the kind", |m| {
        let notes = feature_index(m, "notes");
        m["drift"]["features"][notes] = json!({
            "kind": "levels", "levels": ["a"], "shares": [0.5], "other_share": 0.5,
            "null_share": 0.0
        });
    });
    refused("dated_notes", "drift reference of the prediction", |m| {
        m["drift"]["prediction"] = json!({
            "kind": "levels", "levels": [], "shares": [], "other_share": 1.0,
            "null_share": 0.0
        });
    });
}

// The isolation forest.

#[test]
fn an_isolation_forest_sample_size_beyond_training_is_refused() {
    // c(1e19) ≈ 88 makes every score near 1: every row flagged.
    refused("outliers", "sample_size", |m| {
        m["estimator"]["sample_size"] = json!(10_000_000_000_000_000_000u64);
    });
    refused("outliers", "sample_size", |m| {
        m["estimator"]["sample_size"] = json!(1);
    });
}

#[test]
fn an_isolation_forest_tree_without_nodes_is_refused() {
    refused("outliers", "no nodes", |m| {
        m["estimator"]["trees"][3] =
            json!({"feature": [], "threshold": [], "left": [], "right": []});
    });
    refused("outliers", "trees", |m| {
        m["estimator"]["trees"] = json!([]);
    });
}

#[test]
fn an_isolation_forest_with_more_trees_than_training_grows_is_refused() {
    refused("outliers", "trees", |m| {
        let leaf = json!({"feature": [-1], "threshold": [1.0], "left": [0], "right": [0]});
        m["estimator"]["trees"] = Value::Array(vec![leaf; 10_001]);
    });
}

#[test]
fn an_isolation_forest_split_outside_the_design_is_refused() {
    // −7 was read as a leaf; a column past the width indexes past the design row.
    refused("outliers", "design column -7", |m| {
        m["estimator"]["trees"][0]["feature"][0] = json!(-7);
    });
    refused("outliers", "design column 25 of 25", |m| {
        m["estimator"]["trees"][0]["feature"][0] = json!(25);
    });
}

#[test]
fn an_isolation_forest_child_outside_its_tree_or_not_after_its_parent_is_refused() {
    refused("outliers", "child outside the tree", |m| {
        let nodes = m["estimator"]["trees"][0]["left"].as_array().unwrap().len();
        m["estimator"]["trees"][0]["left"][0] = json!(nodes);
    });
    refused("outliers", "child outside the tree", |m| {
        // The root's right child pointing back at the root: a walk that never ends.
        m["estimator"]["trees"][0]["right"][0] = json!(0);
    });
}

#[test]
fn an_isolation_forest_leaf_larger_than_its_sample_is_refused() {
    refused("outliers", "leaf of", |m| {
        let tree = &mut m["estimator"]["trees"][0];
        let leaf = tree["feature"]
            .as_array()
            .unwrap()
            .iter()
            .position(|f| f == -1)
            .unwrap();
        tree["threshold"][leaf] = json!(1e308);
    });
}

#[test]
fn an_isolation_forest_threshold_or_share_outside_0_to_1_is_refused() {
    refused("outliers", "threshold", |m| {
        m["estimator"]["threshold"] = json!(2.0)
    });
    refused("outliers", "flagged_share", |m| {
        m["estimator"]["flagged_share"] = json!(-0.5)
    });
    refused("outliers", "contamination", |m| {
        m["estimator"]["contamination"] = json!(0.9)
    });
}

// Date features.

#[test]
fn a_date_origin_that_is_no_postgresql_timestamp_is_refused() {
    for origin in [1e308, -1e308, 1e15, -3e11] {
        refused("dated_notes", "origin of \"applied\"", |m| {
            feature(m, "applied")["origin"] = json!(origin);
        });
    }
}

#[test]
fn date_parts_listed_twice_or_none_are_refused() {
    refused("dated_notes", "listed twice", |m| {
        let parts = feature(m, "applied")["parts"].as_array_mut().unwrap();
        parts[1] = parts[0].clone();
    });
    refused("dated_notes", "parts", |m| {
        feature(m, "applied")["parts"] = json!([]);
    });
}

#[test]
fn a_date_input_outside_postgresql_dates_is_an_error_not_a_panic() {
    let model = format::from_bytes(&golden_bytes("dated_notes")).unwrap();
    for seconds in [1e300, -1e300, 1e15, -2.2e11] {
        let row = [
            RawValue::Number(1.0),
            RawValue::Null,
            RawValue::Number(seconds),
            RawValue::Text("a memo"),
        ];
        let e = model.predict(&row).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidData, "{seconds}: {}", e.message);
        assert!(e.message.contains("\"applied\""), "{}", e.message);
    }
    // The last date PostgreSQL stores (5874897-12-31) still predicts.
    let last = [
        RawValue::Number(1.0),
        RawValue::Null,
        RawValue::Number(185_331_707_078_400.0 - 86_400.0),
        RawValue::Null,
    ];
    assert!(model.predict(&last).unwrap().is_finite());
}

// Categorical features.

#[test]
fn a_categorical_missing_column_outside_the_feature_is_refused() {
    refused("credit_risk", "missing_column of \"home\"", |m| {
        feature(m, "home")["missing_column"] = json!(1_000_000_000_000u64);
    });
    // Inside the width but on a level's indicator: NULL would read as that level.
    refused("credit_risk", "missing_column of \"home\"", |m| {
        feature(m, "home")["missing_column"] = json!(0);
    });
}

#[test]
fn a_categorical_level_listed_twice_is_refused() {
    refused("segments", "twice", |m| {
        let levels = feature(m, "home")["levels"].as_array_mut().unwrap();
        levels[1] = levels[0].clone();
    });
}

// Binned features and scorecards.

#[test]
fn a_binned_feature_without_bins_is_refused_outside_a_scorecard_too() {
    // A logistic model's numeric feature turned into a binning of no bins: its NULL bin
    // would be bin −1.
    refused("credit_risk", "binning of \"seniority\"", |m| {
        *feature(m, "seniority") = json!({
            "name": "seniority", "kind": "binned", "input": "numeric", "cuts": [], "bins": []
        });
        m["coefficients"] = json!([]);
    });
    refused("credit_card", "binning of \"seniority\"", |m| {
        feature(m, "seniority")["bins"] = json!([]);
    });
}

#[test]
fn bin_counts_that_overflow_or_have_more_events_than_rows_are_refused() {
    refused("credit_card", "binning of \"seniority\"", |m| {
        let bins = &mut feature(m, "seniority")["bins"];
        bins[0]["rows"] = json!(u64::MAX);
        bins[1]["rows"] = json!(u64::MAX);
    });
    refused("credit_card", "more events than rows", |m| {
        feature(m, "seniority")["bins"][0]["events"] = json!(1_000_000);
    });
}

#[test]
fn scorecard_score_cuts_that_do_not_increase_are_refused() {
    refused("card_special_codes", "cuts do not increase", |m| {
        m["scorecard"]["score_cuts"]
            .as_array_mut()
            .unwrap()
            .swap(0, 1);
    });
}

// k-means.

#[test]
fn more_kmeans_centres_than_training_makes_are_refused() {
    refused("segments", "centres", |m| {
        let centre = m["estimator"]["centers"][0].clone();
        let profile = m["estimator"]["profiles"][0].clone();
        m["estimator"]["centers"] = Value::Array(vec![centre; 1001]);
        m["estimator"]["profiles"] = Value::Array(vec![profile; 1001]);
    });
}

// The network of an MLP (no golden MLP: the golden logistic model's preprocessing with a
// network put in).

fn as_mlp(m: &mut Value, network: &Network) {
    let width = m["weights"].as_array().unwrap().len();
    m["algorithm"] = json!("mlp");
    m["intercept"] = json!(0.0);
    m["weights"] = json!(vec![0.0; width]);
    m["coefficients"] = json!([]);
    m["network"] = serde_json::to_value(network).unwrap();
}

fn layer(in_dim: usize, out_dim: usize) -> DenseLayer {
    DenseLayer {
        in_dim,
        out_dim,
        weights: vec![0.01; in_dim * out_dim],
        bias: vec![0.0; out_dim],
    }
}

#[test]
fn an_mlp_layer_without_units_is_refused() {
    let network = |hidden: usize| Network {
        activation: Activation::Relu,
        layers: vec![layer(25, hidden), layer(hidden, 1)],
    };
    let valid = edited("credit_risk", |m| as_mlp(m, &network(3)));
    let model = format::from_bytes(&valid).unwrap();
    let row: Vec<RawValue> = vec![RawValue::Null; model.n_features()];
    assert!(model.predict(&row).unwrap().is_finite());
    // A hidden layer of 0 units: the next layer's rows of weights are empty chunks.
    refused("credit_risk", "layer 1 of the network", |m| {
        as_mlp(m, &network(0))
    });
}

// The explanation reference and the task.

#[test]
fn an_explanation_reference_of_another_shape_is_refused() {
    refused("dated_notes", "explanation reference", |m| {
        m["reference"]["mean_terms"].as_array_mut().unwrap().pop();
    });
    refused("card_special_codes", "explanation reference", |m| {
        m["reference"]["term_sd"]
            .as_array_mut()
            .unwrap()
            .push(json!(0.5));
    });
}

#[test]
fn a_task_the_algorithm_does_not_train_is_refused() {
    refused("credit_risk", "task", |m| m["task"] = json!("regression"));
    refused("segments", "task", |m| {
        m["task"] = json!("anomaly_detection")
    });
    refused("loan_amount", "task", |m| {
        m["task"] = json!("classification")
    });
}

// The import path itself.

#[test]
fn fin_import_of_an_edited_export_with_a_matching_checksum_is_refused_as_corrupt() {
    use sha2::{Digest, Sha256};
    let bytes = edited("dated_notes", |m| {
        feature(m, "notes")["ngram"] = json!([1, 100_000]);
    });
    let mut doc = golden_document("dated_notes");
    doc["model"] = json!(base64::engine::general_purpose::STANDARD.encode(&bytes));
    let sha: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    doc["model_sha256"] = json!(sha);
    let e = finml_models::export::read_export(&doc).unwrap_err();
    assert_eq!(e.kind, ErrorKind::CorruptModel, "{}", e.message);
    assert!(e.message.contains("ngram"), "{}", e.message);
}

// The design width (a preprocessing made up by a caller, as a training pass's).

#[test]
fn a_design_wider_than_the_limit_is_refused() {
    let text = |k: usize| FeatureTransform {
        name: format!("memo{k}"),
        transform: Transform::Text(TextTransform {
            spec: TextSpec {
                max_features: MAX_FEATURES_LIMIT,
                ngram: (1, 1),
                sublinear_tf: false,
                l2_norm: true,
            },
            idf: vec![1.0; MAX_FEATURES_LIMIT],
        }),
    };
    let at_limit = MAX_DESIGN_WIDTH / MAX_FEATURES_LIMIT;
    let mut preprocessor = Preprocessor {
        features: (0..at_limit).map(text).collect(),
    };
    assert_eq!(preprocessor.structure_problem(), None);
    preprocessor.features.push(text(at_limit));
    let problem = preprocessor.structure_problem().unwrap();
    assert!(problem.contains("wider than"), "{problem}");
}

// Level row counts (since 0.16.0, the privacy report).

#[test]
fn level_rows_that_do_not_match_the_levels_are_refused() {
    refused("credit_risk", "level_rows", |m| {
        feature(m, "home")["level_rows"] = json!([20, 300]);
    });
    refused("credit_card", "level_rows", |m| {
        feature(m, "home")["level_rows"] = json!([[1468], [545], [179], [16], [300]]);
    });
    refused("credit_card", "level_rows", |m| {
        feature(m, "seniority")["level_rows"] = json!([[1]]);
    });
    // Counts of the right shape read.
    let bytes = edited("credit_risk", |m| {
        feature(m, "home")["level_rows"] = json!([16, 319, 783, 246, 973]);
    });
    assert!(format::from_bytes(&bytes).is_ok());
}
