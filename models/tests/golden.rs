//! Golden exported models: documents written by `fin_export` in finml 0.2.0 (credit example,
//! see golden/README.md). Every later release must still accept them and predict exactly the
//! numbers finml 0.2.0 predicted (golden/expected.csv, printed with full float8 precision), so
//! the comparison is exact equality, not a tolerance.

use finml_models::export::read_export;
use finml_models::{Model, RawValue};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/");

fn golden_model(name: &str) -> Model {
    let text = std::fs::read_to_string(format!("{GOLDEN}{name}.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let imported = read_export(&doc).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    assert_eq!(imported.metadata["name"], name);
    imported.model
}

/// The credit example's rows by id (1-based line number), as column name -> text.
fn credit_rows() -> Vec<Vec<(String, String)>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/credit/credit_data.csv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_lowercase)
        .collect();
    lines
        .map(|line| {
            header
                .iter()
                .cloned()
                .zip(line.split(',').map(str::to_owned))
                .collect()
        })
        .collect()
}

fn values<'a>(model: &Model, row: &'a [(String, String)]) -> Vec<RawValue<'a>> {
    let numeric: Vec<bool> = model
        .preprocessor
        .features
        .iter()
        .map(|f| f.transform.takes_numbers())
        .collect();
    model
        .feature_names()
        .zip(numeric)
        .map(|(name, is_number)| {
            let raw = &row.iter().find(|(c, _)| c == name).unwrap().1;
            match (raw.is_empty(), is_number) {
                (true, _) => RawValue::Null,
                (false, true) => RawValue::Number(raw.parse().unwrap()),
                (false, false) => RawValue::Text(raw),
            }
        })
        .collect()
}

#[test]
fn golden_models_predict_exactly_what_they_predicted_when_exported() {
    let risk = golden_model("credit_risk");
    let card = golden_model("credit_card");
    let amount = golden_model("loan_amount");
    let rows = credit_rows();
    let expected = std::fs::read_to_string(format!("{GOLDEN}expected.csv")).unwrap();
    let mut checked = 0;
    for line in expected.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let row = &rows[f[0].parse::<usize>().unwrap() - 1];
        let p: f64 = f[1].parse().unwrap();
        let score: f64 = f[2].parse().unwrap();
        let p_card: f64 = f[3].parse().unwrap();
        let predicted_amount: f64 = f[4].parse().unwrap();
        assert_eq!(risk.predict(&values(&risk, row)).unwrap(), p, "id {}", f[0]);
        assert_eq!(
            card.score(&values(&card, row)).unwrap(),
            score,
            "id {}",
            f[0]
        );
        assert_eq!(
            card.predict(&values(&card, row)).unwrap(),
            p_card,
            "id {}",
            f[0]
        );
        assert_eq!(
            amount.predict(&values(&amount, row)).unwrap(),
            predicted_amount,
            "id {}",
            f[0]
        );
        checked += 1;
    }
    assert_eq!(checked, 51);
}

/// Format 4 (finml 0.5.0): a scorecard with a special code (a missing income coded -9999, the
/// rows of tests/pg_regress/sql/scorecard.sql's `coded` table) and fixed cut points, with what
/// it predicted when exported (golden/expected_format4.csv).
#[test]
fn the_format_4_golden_scorecard_predicts_exactly_what_it_predicted() {
    let card = golden_model("card_special_codes");
    let mut rows = credit_rows();
    for row in &mut rows {
        for (column, value) in row.iter_mut() {
            if column == "income" && value.is_empty() {
                *value = "-9999".to_owned();
            }
        }
    }
    let expected = std::fs::read_to_string(format!("{GOLDEN}expected_format4.csv")).unwrap();
    let mut checked = 0;
    for line in expected.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let row = &rows[f[0].parse::<usize>().unwrap() - 1];
        let score: f64 = f[1].parse().unwrap();
        let p: f64 = f[2].parse().unwrap();
        assert_eq!(
            card.score(&values(&card, row)).unwrap(),
            score,
            "id {}",
            f[0]
        );
        assert_eq!(card.predict(&values(&card, row)).unwrap(), p, "id {}", f[0]);
        checked += 1;
    }
    assert_eq!(checked, 51);
    let (_, binnings) = card.scorecard().unwrap();
    let income = binnings
        .iter()
        .find(|(name, _)| *name == "income")
        .unwrap()
        .1;
    assert_eq!(income.special, [-9999.0]);
}

/// Format 5 (finml 0.6.0): a k-means model and an isolation forest trained without a target
/// on the credit example, with the cluster and the anomaly score of the same applicants when
/// exported (golden/expected_format5.csv).
#[test]
fn the_format_5_golden_unsupervised_models_predict_exactly_what_they_predicted() {
    let segments = golden_model("segments");
    let outliers = golden_model("outliers");
    assert_eq!(segments.task, finml_models::Task::Clustering);
    assert_eq!(outliers.task, finml_models::Task::AnomalyDetection);
    assert_eq!(segments.format_version(), 5);
    let rows = credit_rows();
    let expected = std::fs::read_to_string(format!("{GOLDEN}expected_format5.csv")).unwrap();
    let mut checked = 0;
    for line in expected.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let row = &rows[f[0].parse::<usize>().unwrap() - 1];
        let cluster: f64 = f[1].parse().unwrap();
        let score: f64 = f[2].parse().unwrap();
        assert_eq!(
            segments.predict(&values(&segments, row)).unwrap(),
            cluster,
            "id {}",
            f[0]
        );
        assert_eq!(
            outliers.predict(&values(&outliers, row)).unwrap(),
            score,
            "id {}",
            f[0]
        );
        checked += 1;
    }
    assert_eq!(checked, 51);
}

/// Format 6 (finml 0.6.1): a logistic regression with a date feature (month, day of week,
/// days since) and a hashed TF-IDF text feature, trained on the credit example seen through
/// the view of golden/README.md, with its prediction for the same applicants when exported
/// (golden/expected_format6.csv).
#[test]
fn the_format_6_golden_date_and_text_model_predicts_exactly_what_it_predicted() {
    let model = golden_model("dated_notes");
    assert_eq!(model.format_version(), 6);
    let rows = credit_rows();
    let expected = std::fs::read_to_string(format!("{GOLDEN}expected_format6.csv")).unwrap();
    // The view's columns: applied = 2020-01-01 + (id * 7 % 1461) days (18262 days after
    // 1970-01-01), notes = job || ' ' || home || ' ' || marital (NULL if any is NULL).
    let mut checked = 0;
    for line in expected.lines().skip(1) {
        let (id, p) = line.split_once(',').unwrap();
        let id: usize = id.parse().unwrap();
        let row = &rows[id - 1];
        let field = |name: &str| row.iter().find(|(c, _)| c == name).unwrap().1.as_str();
        let number = |name: &str| match field(name) {
            "" => RawValue::Null,
            raw => RawValue::Number(raw.parse().unwrap()),
        };
        let applied = (18262 + (id * 7 % 1461)) as f64 * 86_400.0;
        let parts = [field("job"), field("home"), field("marital")];
        let notes = parts.iter().all(|p| !p.is_empty()).then(|| parts.join(" "));
        let values = [
            number("seniority"),
            number("income"),
            RawValue::Number(applied),
            notes.as_deref().map_or(RawValue::Null, RawValue::Text),
        ];
        assert_eq!(
            model.predict(&values).unwrap(),
            p.parse::<f64>().unwrap(),
            "id {id}"
        );
        checked += 1;
    }
    assert_eq!(checked, 51);
}

/// The stored form did not change: each golden model's bytes, read and written again by this
/// build, are the bytes finml wrote (0.2.0: formats 1 and 2; 0.5.0: format 4; 0.6.0: format 5;
/// 0.6.1: format 6),
/// byte for byte.
#[test]
fn golden_models_are_written_back_to_the_same_bytes() {
    use base64::Engine;
    for name in [
        "credit_risk",
        "credit_card",
        "loan_amount",
        "card_special_codes",
        "segments",
        "outliers",
        "dated_notes",
        "grades",
        "grades_mlp",
    ] {
        let text = std::fs::read_to_string(format!("{GOLDEN}{name}.json")).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let stored = base64::engine::general_purpose::STANDARD
            .decode(doc["model"].as_str().unwrap())
            .unwrap();
        let model = finml_models::format::from_bytes(&stored).unwrap();
        let written = finml_models::format::to_bytes(&model).unwrap();
        assert_eq!(
            finml_models::format::stored_version(&written),
            finml_models::format::stored_version(&stored),
            "{name}"
        );
        assert!(written == stored, "{name}: the stored bytes changed");
    }
}

/// Format 9 (finml 0.11.0): a multinomial logistic regression of the 7-grade target of
/// models/tests/reference/credit_grades.py, with its probabilities and most probable class for
/// the same applicants when exported (golden/expected_format9.csv).
#[test]
fn the_format_9_golden_multi_class_model_predicts_exactly_what_it_predicted() {
    golden_classes_predict_as_exported("grades", "expected_format9.csv");
}

/// The multi-class MLP exported by finml 0.11.1 (golden/grades_mlp.json: one output unit per
/// grade) predicts exactly the probabilities and classes it gave the same applicants when
/// exported (golden/expected_format9_mlp.csv).
#[test]
fn the_format_9_golden_multi_class_network_predicts_exactly_what_it_predicted() {
    golden_classes_predict_as_exported("grades_mlp", "expected_format9_mlp.csv");
}

fn golden_classes_predict_as_exported(name: &str, expected: &str) {
    let model = golden_model(name);
    assert_eq!(model.format_version(), 9);
    assert_eq!(
        model.classes.as_deref().map(|c| c.join("")),
        Some("ABCDEFG".to_owned())
    );
    let rows = credit_rows();
    let expected = std::fs::read_to_string(format!("{GOLDEN}{expected}")).unwrap();
    let mut checked = 0;
    for line in expected.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let id: usize = fields[0].parse().unwrap();
        let p: Vec<f64> = fields[1].split(' ').map(|v| v.parse().unwrap()).collect();
        let values = values(&model, &rows[id - 1]);
        assert_eq!(model.predict_proba(&values).unwrap(), p, "{name} id {id}");
        assert_eq!(
            model.predict_class(&values).unwrap(),
            fields[2],
            "{name} id {id}"
        );
        checked += 1;
    }
    assert_eq!(checked, 51);
}
