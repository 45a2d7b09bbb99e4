//! What a stored model keeps of its training data (issue 39, stored-data minimization):
//! `store_reference` ("full", "coarse": deciles rounded to 2 significant digits and the shares
//! counted against the rounded edges; "none": no reference, and drift measurement refused with
//! 0A000), `min_level_rows` (a level of fewer rows is stored by no name, and predicts as a level
//! never seen), and categorical features that look like identifiers (a distinct value in every
//! row) refused with 22023 unless `allow_identifier`.

use finml_models::data::RawValue;
use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::disclosure::{Disclosure, Storing};
use finml_models::drift::{round_significant, Distribution};
use finml_models::mlp::DeviceChoice;
use finml_models::monitor::DriftCounts;
use finml_models::registry::{GBDT, KMEANS, LOGISTIC, MLP, SCORECARD};
use finml_models::{format, train, ErrorKind, Limits, Model, TrainOptions};
use serde_json::{json, Value};

const ROWS: usize = 400;

fn limits() -> Limits {
    Limits {
        max_memory_bytes: 1 << 30,
        device: DeviceChoice::Cpu,
        threads: 2,
    }
}

/// An income with many distinct values, a region, a customer reference unique per row (when
/// `with_reference`), and a default that depends on the income and the region.
fn applications(with_reference: bool) -> Dataset {
    let income: Vec<f64> = (0..ROWS)
        .map(|i| 1000.0 + ((i * 7919) % ROWS) as f64 * 13.37)
        .collect();
    let mut region = CategoricalColumn::default();
    let mut reference = CategoricalColumn::default();
    for i in 0..ROWS {
        region.push(Some(["north", "south", "east"][i % 3]));
        reference.push(Some(&format!("CUST-{:06}", i * 37)));
    }
    let target = (0..ROWS)
        .map(|i| Some(income[i] < 3000.0 + 500.0 * (i % 3) as f64 + ((i * 31) % 17) as f64 * 60.0))
        .collect();
    let mut features = vec![
        Feature {
            name: "income".into(),
            column: Column::Numeric(NumericColumn { values: income }),
        },
        Feature {
            name: "region".into(),
            column: Column::Categorical(region),
        },
    ];
    if with_reference {
        features.push(Feature {
            name: "customer_ref".into(),
            column: Column::Categorical(reference),
        });
    }
    Dataset {
        features,
        target_name: "defaulted".into(),
        target: TargetColumn::Boolean(target),
        test_mask: None,
        weights: None,
        times: None,
    }
}

fn trained(data: &Dataset, options: Value) -> Model {
    let options = TrainOptions::from_json(&options).unwrap();
    train(data, LOGISTIC, &options, limits()).unwrap().model
}

fn income_edges(model: &Model) -> Vec<f64> {
    match &model.drift.as_ref().expect("a drift reference").features[0] {
        Distribution::Numeric { edges, .. } => edges.clone(),
        other => panic!("income's distribution is numeric: {other:?}"),
    }
}

#[test]
fn a_coarse_reference_stores_no_exact_value_and_the_same_model() {
    let data = applications(false);
    let full = trained(&data, json!({}));
    let coarse = trained(&data, json!({"store_reference": "coarse"}));
    let exact = income_edges(&full);
    let rounded = income_edges(&coarse);
    assert!(
        exact.iter().any(|e| round_significant(*e, 2) != *e),
        "{exact:?}"
    );
    assert!(!rounded.is_empty());
    for e in &rounded {
        assert_eq!(round_significant(*e, 2), *e, "{rounded:?}");
    }
    // The shares are the sample's against the rounded edges: they add up with the NULLs.
    let Distribution::Numeric {
        shares, null_share, ..
    } = &coarse.drift.as_ref().unwrap().features[0]
    else {
        unreachable!()
    };
    assert!((shares.iter().sum::<f64>() + null_share - 1.0).abs() < 1e-12);
    // The model itself is the same.
    assert_eq!(
        full.estimator.coefficients(),
        coarse.estimator.coefficients()
    );
    // Drift is measured against it, and it survives the stored form.
    assert!(DriftCounts::new(&coarse).is_ok());
    let back = format::from_bytes(&format::to_bytes(&coarse).unwrap()).unwrap();
    assert_eq!(income_edges(&back), rounded);
}

#[test]
fn no_reference_stores_none_and_drift_is_refused_with_0a000() {
    let data = applications(false);
    let model = trained(&data, json!({"store_reference": "none"}));
    assert!(model.drift.is_none());
    let e = DriftCounts::new(&model).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unsupported);
    assert!(e.message.contains("store_reference"), "{}", e.message);
    let back = format::from_bytes(&format::to_bytes(&model).unwrap()).unwrap();
    assert!(back.drift.is_none());
    let e = TrainOptions::from_json(&json!({"store_reference": "partial"})).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
}

#[test]
fn a_column_unique_per_row_is_refused_as_a_categorical_feature() {
    let data = applications(true);
    for algorithm in [LOGISTIC, SCORECARD] {
        let options = TrainOptions::from_json(&json!({})).unwrap();
        let e = train(&data, algorithm, &options, limits()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption, "{}", algorithm.as_str());
        assert!(
            e.message
                .contains("\"customer_ref\" looks like an identifier"),
            "{}",
            e.message
        );
        assert!(e.hint.unwrap().contains("exclude_pii"));
    }
    let allowed = TrainOptions::from_json(&json!({"allow_identifier": true})).unwrap();
    assert!(train(&data, LOGISTIC, &allowed, limits()).is_ok());
    // Fewer than 20 rows with a value each are not taken for an identifier.
    let mut few = applications(true);
    let Column::Categorical(c) = &mut few.features[2].column else {
        unreachable!()
    };
    let mut sparse = CategoricalColumn::default();
    for i in 0..ROWS {
        let value = (i < 19).then(|| format!("CUST-{i}"));
        sparse.push(value.as_deref());
    }
    *c = sparse;
    let options = TrainOptions::from_json(&json!({})).unwrap();
    assert!(train(&few, LOGISTIC, &options, limits()).is_ok());
}

/// [`applications`] with region "west" in the first `rare` rows.
fn with_rare_region(rare: usize) -> Dataset {
    let mut data = applications(false);
    let mut region = CategoricalColumn::default();
    for i in 0..ROWS {
        region.push(Some(if i < rare {
            "west"
        } else {
            ["north", "south", "east"][i % 3]
        }));
    }
    data.features[1].column = Column::Categorical(region);
    data
}

fn stored_text(model: &Model) -> String {
    String::from_utf8_lossy(&format::to_bytes(model).unwrap()).into_owned()
}

#[test]
fn a_level_of_fewer_rows_than_min_level_rows_is_stored_by_no_name() {
    // 9 rows of "west": under the default 10, at 1 it is kept.
    let data = with_rare_region(9);
    for algorithm in [LOGISTIC, SCORECARD, MLP, GBDT, KMEANS] {
        let name = algorithm.as_str();
        let run = |options: Value| {
            let mut options = options;
            options["seed"] = json!(7);
            if algorithm == MLP {
                options["epochs"] = json!(2);
            }
            if algorithm == GBDT {
                options["n_trees"] = json!(5);
            }
            let options = TrainOptions::from_json(&options).unwrap();
            let mut data = data.clone();
            if algorithm == KMEANS {
                data.target = TargetColumn::Absent(ROWS);
            }
            train(&data, algorithm, &options, limits()).unwrap().model
        };
        let folded = run(json!({}));
        assert!(!stored_text(&folded).contains("west"), "{name}");
        let kept = run(json!({"min_level_rows": 1}));
        assert!(
            stored_text(&kept).contains("west"),
            "{name}: a level of 9 rows kept at 1"
        );
        // A folded level predicts as one never seen.
        let row = |region| [RawValue::Number(2500.0), RawValue::Text(region)];
        assert_eq!(
            folded.predict(&row("west")).unwrap(),
            folded.predict(&row("atlantis")).unwrap(),
            "{name}"
        );
    }
    // At exactly 10 training rows the level is kept by the default (the count is the
    // training rows', so every row trains here).
    let ten = trained(&with_rare_region(10), json!({"test_size": 0}));
    assert!(stored_text(&ten).contains("west"));
    let e = TrainOptions::from_json(&json!({"min_level_rows": 0})).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
    assert!(TrainOptions::from_json(&json!({"min_level_rows": -3})).is_err());
}

#[test]
fn a_reference_level_under_min_level_rows_is_named_other() {
    // Every level is rare: the reference keeps no customer's value either.
    let mut data = applications(false);
    let mut region = CategoricalColumn::default();
    for i in 0..ROWS {
        region.push(Some(&format!("branch-{}", i % 50)));
    }
    data.features[1].column = Column::Categorical(region);
    let model = trained(&data, json!({}));
    let text = stored_text(&model);
    assert!(!text.contains("branch-"), "no branch of 8 rows is stored");
    assert!(text.contains("(other)"));
}

/// The stored model's JSON body (after the 8-byte magic and 4-byte format version).
fn stored_json(model: &Model) -> Value {
    serde_json::from_slice(&format::to_bytes(model).unwrap()[12..]).unwrap()
}

/// Every number of every array stored under `key`, anywhere in `body`.
fn numbers_under(body: &Value, key: &str, out: &mut Vec<f64>) {
    match body {
        Value::Object(map) => {
            for (k, v) in map {
                if k == key {
                    collect_numbers(v, out);
                } else {
                    numbers_under(v, key, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| numbers_under(v, key, out)),
        _ => {}
    }
}

fn collect_numbers(value: &Value, out: &mut Vec<f64>) {
    match value {
        Value::Number(n) => out.extend(n.as_f64()),
        Value::Array(items) => items.iter().for_each(|v| collect_numbers(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_numbers(v, out)),
        _ => {}
    }
}

fn is_rounded(x: f64) -> bool {
    (x - round_significant(x, 2)).abs() <= 1e-9 * x.abs().max(1.0)
}

#[test]
fn a_coarse_tree_model_stores_rounded_thresholds_and_no_row_values() {
    let data = applications(false);
    let run = |reference: &str| {
        let options = TrainOptions::from_json(
            &json!({"store_reference": reference, "n_trees": 30, "seed": 3}),
        )
        .unwrap();
        train(&data, GBDT, &options, limits()).unwrap()
    };
    let (full, coarse) = (run("full"), run("coarse"));
    let thresholds = |model: &Model| {
        let mut out = Vec::new();
        numbers_under(&stored_json(model), "thresholds", &mut out);
        out
    };
    let exact = thresholds(&full.model);
    assert!(exact.iter().any(|&t| !is_rounded(t)), "{exact:?}");
    let rounded = thresholds(&coarse.model);
    assert!(rounded.len() > 30, "the trees split: {}", rounded.len());
    assert!(rounded.iter().all(|&t| is_rounded(t)), "{rounded:?}");
    // The SHAP summary (single rows' values) is kept only with the full reference.
    let summary = |model: &Model| model.reference.as_ref().unwrap().summary.len();
    assert!(summary(&full.model) > 0);
    assert_eq!(summary(&coarse.model), 0);
    // The stored AUC is the rounded trees' own, and they lose little.
    let auc = |o: &finml_models::TrainOutcome| o.metrics["auc"];
    assert!(
        auc(&coarse) > auc(&full) - 0.03,
        "{} vs {}",
        auc(&coarse),
        auc(&full)
    );
}

#[test]
fn coarse_k_means_centres_are_rounded_in_the_features_units_and_measured_so() {
    let mut data = applications(false);
    data.target = TargetColumn::Absent(ROWS);
    let run = |reference: &str| {
        let options =
            TrainOptions::from_json(&json!({"store_reference": reference, "k": 3, "seed": 3}))
                .unwrap();
        train(&data, KMEANS, &options, limits()).unwrap().model
    };
    let (full, coarse) = (run("full"), run("coarse"));
    let raw_centres = |model: &Model| {
        let body = stored_json(model);
        let scaling = model.preprocessor.column_scaling();
        let mut out = Vec::new();
        for centre in body["estimator"]["centers"].as_array().unwrap() {
            for (c, &(mean, scale)) in centre.as_array().unwrap().iter().zip(&scaling) {
                out.push(mean + scale * c.as_f64().unwrap());
            }
        }
        out
    };
    assert!(raw_centres(&full).iter().any(|&c| !is_rounded(c)));
    let rounded = raw_centres(&coarse);
    assert!(rounded.iter().all(|&c| is_rounded(c)), "{rounded:?}");
    let body = stored_json(&coarse);
    assert!(
        body["estimator"].get("projection").is_none(),
        "no rows' points"
    );
    assert!(stored_json(&full)["estimator"].get("projection").is_some());
    let redacted = full.clone().redacted(10).unwrap();
    assert!(stored_json(&redacted)["estimator"]
        .get("projection")
        .is_none());
    let mut means = Vec::new();
    numbers_under(&body["estimator"]["profiles"], "mean", &mut means);
    assert!(!means.is_empty() && means.iter().all(|&m| is_rounded(m)));
    // Every training row is in the cluster of its nearest rounded centre.
    let segments = coarse
        .predict_rows(&data, &(0..ROWS).collect::<Vec<_>>())
        .unwrap();
    let sizes: Vec<u64> = body["estimator"]["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rows"].as_u64().unwrap())
        .collect();
    let counted: Vec<u64> = (1..=3)
        .map(|k| segments.iter().filter(|&&s| s == k as f64).count() as u64)
        .collect();
    assert_eq!(
        sizes, counted,
        "the profiles count the rounded centres' clusters"
    );
}

fn report_of(model: &Model) -> Vec<Disclosure> {
    let storing = Storing {
        train_rows: ROWS as u64,
        privacy: None,
    };
    model.privacy_report(storing)
}

fn find<'a>(report: &'a [Disclosure], kind: &str, feature: Option<&str>) -> &'a Disclosure {
    report
        .iter()
        .find(|d| d.kind == kind && d.feature.as_deref() == feature)
        .unwrap_or_else(|| panic!("no {kind} of {feature:?} in {report:#?}"))
}

#[test]
fn the_privacy_report_lists_levels_with_their_rows_and_the_smallest_group() {
    // "west" in 12 rows (kept by the default 10), the others about 130 each; every row trains.
    let data = with_rare_region(12);
    let full = trained(&data, json!({"test_size": 0}));
    let report = report_of(&full);
    let levels = find(&report, "levels", Some("region"));
    assert_eq!(levels.stored, Some(4));
    assert_eq!(levels.min_rows, Some(12), "{levels:?}");
    assert!(levels.detail.starts_with("fewest rows first: west (12)"));
    // Exact deciles of income are single rows' values: the model's k-anonymity is 1.
    let edges = find(&report, "quantile edges", Some("income"));
    assert_eq!((edges.exact, edges.min_rows), (Some(true), Some(1)));
    let k = find(&report, "k-anonymity", None);
    assert_eq!(k.min_rows, Some(1));
    // Without the drift reference the least shared value is the level of 12 rows; with a
    // coarse one the edges are rounded (no bound), so it is the drift levels' or the level's.
    let none = trained(&data, json!({"test_size": 0, "store_reference": "none"}));
    let report = report_of(&none);
    assert!(report.iter().all(|d| d.kind != "quantile edges"));
    assert_eq!(find(&report, "k-anonymity", None).min_rows, Some(12));
    let coarse = trained(&data, json!({"test_size": 0, "store_reference": "coarse"}));
    let report = report_of(&coarse);
    let edges = find(&report, "quantile edges", Some("income"));
    assert_eq!((edges.exact, edges.min_rows), (Some(false), None));
    assert_eq!(find(&report, "k-anonymity", None).min_rows, Some(12));
    // The level counts survive the stored form.
    let back = format::from_bytes(&format::to_bytes(&none).unwrap()).unwrap();
    assert_eq!(report_of(&back), report_of(&none));
}

#[test]
fn the_privacy_report_of_trees_k_means_and_scorecards() {
    let data = with_rare_region(12);
    let run = |algorithm, options: Value| {
        let options = TrainOptions::from_json(&options).unwrap();
        let mut data = data.clone();
        if algorithm == KMEANS {
            data.target = TargetColumn::Absent(ROWS);
        }
        train(&data, algorithm, &options, limits()).unwrap().model
    };
    let trees = run(GBDT, json!({"n_trees": 10, "store_reference": "none"}));
    let report = report_of(&trees);
    let thresholds = find(&report, "thresholds", Some("income"));
    assert_eq!(thresholds.min_rows, Some(1));
    assert!(report
        .iter()
        .all(|d| d.feature.as_deref() != Some("region") || d.kind == "levels"));
    let leaves = find(&report, "leaves", None);
    // LightGBM's min_data_in_leaf, 20 by default, bounds every leaf.
    assert!(leaves.min_rows.unwrap() >= 20, "{leaves:?}");
    assert!(
        report.iter().all(|d| d.kind != "row values"),
        "the SHAP summary is kept with the full reference only"
    );
    let full = report_of(&run(GBDT, json!({"n_trees": 10})));
    assert_eq!(find(&full, "row values", None).min_rows, Some(1));

    let clusters = run(KMEANS, json!({"k": 3, "store_reference": "coarse"}));
    let report = report_of(&clusters);
    let centres = find(&report, "centres", None);
    assert_eq!(centres.stored, Some(3));
    assert_eq!(centres.exact, Some(false));
    assert!(centres.min_rows.unwrap() >= 1);
    assert!(
        report.iter().all(|d| d.kind != "row values"),
        "coarse: no projection"
    );
    assert!(run(KMEANS, json!({"k": 3}))
        .estimator
        .stored_values(&clusters.preprocessor)
        .iter()
        .any(|d| d.kind == "row values"));

    let card = run(SCORECARD, json!({"test_size": 0, "min_iv": 0}));
    let report = report_of(&card);
    let levels = find(&report, "scorecard levels", Some("region"));
    assert_eq!(levels.min_rows, Some(12), "{levels:?}");
}

#[test]
fn a_redacted_model_keeps_no_reference_nor_rare_levels_and_predicts_the_same_for_kept_ones() {
    use finml_models::export::{redacted, ExportOptions};
    // Logistic regression trained with min_level_rows 10: "west" (12 rows) has its column.
    let data = with_rare_region(12);
    let logistic = trained(&data, json!({"test_size": 0}));
    let rows: Vec<usize> = (0..ROWS).collect();
    let same = logistic.clone().redacted(10).unwrap();
    assert!(same.drift.is_none());
    assert!(same.reference.as_ref().unwrap().summary.is_empty());
    assert_eq!(
        same.predict_rows(&data, &rows).unwrap(),
        logistic.predict_rows(&data, &rows).unwrap()
    );
    // Folding "west" would change the fit: refused, with the retraining that does it.
    let e = logistic.clone().redacted(20).unwrap_err();
    assert_eq!(e.kind, ErrorKind::InvalidOption);
    assert!(
        e.message.contains("\"west\", seen in 12 training rows"),
        "{}",
        e.message
    );
    assert!(e.hint.unwrap().contains("min_level_rows 20"));

    // A scorecard's rare level leaves its bin for the NULL bin; every other row scores as before.
    let card = {
        let options =
            TrainOptions::from_json(&json!({"test_size": 0, "min_level_rows": 1, "min_iv": 0}))
                .unwrap();
        train(&data, SCORECARD, &options, limits()).unwrap().model
    };
    assert!(stored_text(&card).contains("west"));
    let options = ExportOptions::parse(&json!({"redact": true, "min_level_rows": 20})).unwrap();
    let (bytes, coefficients) = redacted(&format::to_bytes(&card).unwrap(), options)
        .unwrap()
        .unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains("west"));
    assert!(!coefficients.to_string().contains("west"));
    let back = format::from_bytes(&bytes).unwrap();
    assert!(back.drift.is_none());
    let (before, after) = (
        card.predict_rows(&data, &rows).unwrap(),
        back.predict_rows(&data, &rows).unwrap(),
    );
    let Column::Categorical(region) = &data.features[1].column else {
        unreachable!()
    };
    for r in 0..ROWS {
        if region.level(r) == Some("west") {
            let null_row = [
                RawValue::Number(match &data.features[0].column {
                    Column::Numeric(c) => c.values[r],
                    _ => unreachable!(),
                }),
                RawValue::Null,
            ];
            assert_eq!(
                after[r],
                back.predict(&null_row).unwrap(),
                "row {r} scores as NULL"
            );
        } else {
            assert_eq!(after[r], before[r], "row {r}");
        }
    }
    // Not redacted: None; made-up options refused.
    let plain = ExportOptions::parse(&Value::Null).unwrap();
    assert!(redacted(&format::to_bytes(&card).unwrap(), plain)
        .unwrap()
        .is_none());
    for bad in [
        json!({"redact": "yes"}),
        json!({"redact": true, "min_level_rows": 0}),
        json!({"redact": true, "min_level_rows": 1e308}),
        json!({"min_level_rows": 5}),
        json!({"redact": true, "drop": 1}),
        json!([true]),
    ] {
        let e = ExportOptions::parse(&bad).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidOption, "{bad}");
    }
}

#[test]
fn the_privacy_report_reads_rounding_from_the_values_and_says_what_it_cannot_count() {
    let data = with_rare_region(12);
    // A forest's leaves hold bootstrap draws: one row may be all of a leaf.
    let forest = {
        let options = TrainOptions::from_json(&json!({"n_trees": 5})).unwrap();
        train(
            &data,
            finml_models::registry::RANDOM_FOREST,
            &options,
            limits(),
        )
        .unwrap()
        .model
    };
    assert_eq!(find(&report_of(&forest), "leaves", None).min_rows, Some(1));
    // Levels stored without their rows (a version from before 0.16.0): k-anonymity unknown.
    let mut old = trained(&data, json!({"store_reference": "none"}));
    for f in &mut old.preprocessor.features {
        if let finml_models::preprocess::Transform::Categorical(c) = &mut f.transform {
            c.level_rows.clear();
            c.reference_rows = None;
        }
    }
    let report = report_of(&old);
    assert_eq!(find(&report, "levels", Some("region")).min_rows, None);
    let k = find(&report, "k-anonymity", None);
    assert!(
        k.detail.starts_with("unknown: the levels of \"region\""),
        "{}",
        k.detail
    );
    // A scorecard's bins keep their rows and events; one emptied by a redaction scores nothing
    // in the model's SQL either.
    let card = {
        let options =
            TrainOptions::from_json(&json!({"test_size": 0, "min_level_rows": 1, "min_iv": 0}))
                .unwrap();
        train(&data, SCORECARD, &options, limits()).unwrap().model
    };
    let bins = find(&report_of(&card), "scorecard bins", Some("region")).clone();
    assert!(bins.min_rows.unwrap() >= 1 && bins.exact == Some(false));
    let redacted = card.redacted(200).unwrap();
    let (_, binnings) = redacted.scorecard().unwrap();
    let (_, region) = binnings.iter().find(|(n, _)| *n == "region").unwrap();
    let sql = finml_models::scoring_code::bin_case("region", region, |k| k.to_string());
    assert!(!sql.contains("IN ()"), "{sql}");
}
