//! Fair-lending tests (fairness.rs) on the real credit data against fairlearn 0.15: the
//! groups' rates, the reference group's differences and the attribute's demographic parity
//! and equalized odds, within 1e-9 of models/tests/reference/fairness.json (made by
//! fairness.py beside it, on the same rows and scores).

use finml_models::fairness::{FairnessOptions, FairnessSample, GroupFairness, ProtectedColumn};
use finml_models::RawValue;
use serde_json::{json, Value};

const TOLERANCE: f64 = 1e-9;

/// Each row's score by fairness.py's integer formula (bit for bit numpy's), its Status, Age
/// and Marital.
fn credit_rows() -> Vec<(f64, String, f64, Option<String>)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/credit/credit_data.csv"
    );
    let text = std::fs::read_to_string(path).expect("examples/credit/credit_data.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|&h| h == name).unwrap();
    let (status, seniority, age, marital, records, job, income, amount) = (
        at("Status"),
        at("Seniority"),
        at("Age"),
        at("Marital"),
        at("Records"),
        at("Job"),
        at("Income"),
        at("Amount"),
    );
    lines
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let integer = |i: usize| f[i].parse::<f64>().map_or(0, |x| x as i64);
            let points = 300 + 250 * i64::from(f[records] == "yes") + integer(amount) / 4
                - 2 * integer(income)
                + 100 * i64::from(f[job] == "partime")
                - 10 * integer(seniority);
            let marital = (!f[marital].is_empty()).then(|| f[marital].to_owned());
            let score = points.clamp(1, 1999) as f64 / 2000.0;
            (score, f[status].to_owned(), integer(age) as f64, marital)
        })
        .collect()
}

fn attributes() -> Vec<ProtectedColumn> {
    vec![
        ProtectedColumn {
            name: "age".into(),
            numeric: true,
        },
        ProtectedColumn {
            name: "marital".into(),
            numeric: false,
        },
    ]
}

fn tested(options: Value) -> Vec<GroupFairness> {
    let options = FairnessOptions::parse(&options, &attributes()).unwrap();
    let mut sample = FairnessSample::new("bad", &attributes(), options, 1 << 30).unwrap();
    for (score, status, age, marital) in credit_rows() {
        let marital = marital.as_deref().map_or(RawValue::Null, RawValue::Text);
        sample
            .add(
                score,
                RawValue::Text(&status),
                &[RawValue::Number(age), marital],
            )
            .unwrap();
    }
    sample.report().unwrap()
}

fn close(what: &str, ours: Option<f64>, theirs: &Value) {
    match (ours, theirs.as_f64()) {
        (Some(a), Some(b)) => assert!(
            (a - b).abs() <= TOLERANCE,
            "{what}: finml {a}, fairlearn {b}"
        ),
        (None, None) => {}
        (a, _) => panic!("{what}: finml {a:?}, fairlearn {theirs}"),
    }
}

#[test]
fn the_groups_rates_and_disparities_equal_fairlearns() {
    let reference: Value = serde_json::from_str(include_str!("reference/fairness.json")).unwrap();
    let report = tested(json!({"cutoff": 0.2, "bands": {"age": [25, 35, 50, 65]}}));
    for attribute in ["age", "marital"] {
        let expected = &reference[attribute];
        let groups: Vec<&GroupFairness> =
            report.iter().filter(|g| g.attribute == attribute).collect();
        assert_eq!(
            groups.len(),
            expected["groups"].as_object().unwrap().len(),
            "{attribute}"
        );
        for g in &groups {
            // fairness.py names the missing group "null".
            let name = g.group.clone().unwrap_or_else(|| "null".into());
            let e = &expected["groups"][&name];
            let what = |metric: &str| format!("{attribute} {name} {metric}");
            assert_eq!(
                g.rows,
                e["rows"].as_f64().unwrap() as u64,
                "{}",
                what("rows")
            );
            assert_eq!(
                g.events,
                e["events"].as_u64().unwrap(),
                "{}",
                what("events")
            );
            assert_eq!(
                g.is_reference,
                expected["reference"] == name.as_str(),
                "{}",
                what("reference")
            );
            close(
                &what("approval_rate"),
                Some(g.approval_rate),
                &e["approval_rate"],
            );
            close(&what("tpr"), g.true_positive_rate, &e["tpr"]);
            close(&what("fpr"), g.false_positive_rate, &e["fpr"]);
            close(&what("auc"), g.auc, &e["auc"]);
            close(
                &what("mean_predicted"),
                Some(g.mean_predicted),
                &e["mean_predicted"],
            );
            close(
                &what("observed_rate"),
                Some(g.observed_rate),
                &e["observed_rate"],
            );
            close(
                &what("impact ratio"),
                g.adverse_impact_ratio,
                &e["adverse_impact_ratio"],
            );
            close(
                &what("parity difference"),
                Some(g.parity_difference),
                &e["parity_difference"],
            );
            close(
                &what("equal opportunity"),
                g.equal_opportunity_difference,
                &e["equal_opportunity_difference"],
            );
            close(
                &what("average odds"),
                g.average_odds_difference,
                &e["average_odds_difference"],
            );
            close(&what("smd"), g.standardized_mean_difference, &e["smd"]);
            assert_eq!(
                g.adverse_impact,
                g.adverse_impact_ratio.map(|r| r < 0.8),
                "{}",
                what("four-fifths")
            );
            let s = g.summary;
            close(
                &what("dp difference"),
                s.demographic_parity_difference,
                &expected["demographic_parity_difference"],
            );
            close(
                &what("dp ratio"),
                s.demographic_parity_ratio,
                &expected["demographic_parity_ratio"],
            );
            close(
                &what("eo difference"),
                s.equalized_odds_difference,
                &expected["equalized_odds_difference"],
            );
            close(
                &what("eo ratio"),
                s.equalized_odds_ratio,
                &expected["equalized_odds_ratio"],
            );
        }
    }
    // The groups in report order: bands in order, names sorted, the missing last.
    let order: Vec<Option<&str>> = report.iter().map(|g| g.group.as_deref()).collect();
    assert_eq!(
        order,
        [
            Some("<25"),
            Some("[25,35)"),
            Some("[35,50)"),
            Some("[50,65)"),
            Some(">=65"),
            Some("divorced"),
            Some("married"),
            Some("separated"),
            Some("single"),
            Some("widow"),
            None
        ]
    );
}

#[test]
fn a_named_reference_group_moves_the_differences_and_the_four_fifths_flags() {
    let report = tested(json!({
        "cutoff": 0.2,
        "bands": {"age": [25, 35, 50, 65]},
        "reference": {"marital": "married", "age": "[35,50)"},
        "impact_ratio_threshold": 0.9
    }));
    let married = report
        .iter()
        .find(|g| g.group.as_deref() == Some("married"))
        .unwrap();
    assert!(married.is_reference);
    assert_eq!(
        (married.adverse_impact_ratio, married.parity_difference),
        (Some(1.0), 0.0)
    );
    for g in report
        .iter()
        .filter(|g| g.attribute == "marital" && g.group.is_some())
    {
        let expected = g.approval_rate / married.approval_rate;
        assert!((g.adverse_impact_ratio.unwrap() - expected).abs() < 1e-15);
        assert_eq!(g.adverse_impact, Some(expected < 0.9));
    }
    let references: Vec<_> = report
        .iter()
        .filter(|g| g.is_reference)
        .map(|g| g.group.clone())
        .collect();
    assert_eq!(
        references,
        [Some("[35,50)".to_owned()), Some("married".to_owned())]
    );
}

#[test]
fn approving_above_the_cutoff_turns_the_rates_around() {
    // A model of the favourable outcome ("good") approves from the cutoff on: scored by
    // 1 - p, with the cutoff mirrored, every approval is the same (the scores are multiples
    // of 1/2000; the cutoff lies between two of them).
    let below = tested(json!({"cutoff": 0.20025, "bands": {"age": [25, 35, 50, 65]}}));
    let options = FairnessOptions::parse(
        &json!({"cutoff": 0.79975, "approve": "above", "bands": {"age": [25, 35, 50, 65]}}),
        &attributes(),
    )
    .unwrap();
    let mut sample = FairnessSample::new("good", &attributes(), options, 1 << 30).unwrap();
    for (score, status, age, marital) in credit_rows() {
        let marital = marital.as_deref().map_or(RawValue::Null, RawValue::Text);
        sample
            .add(
                1.0 - score,
                RawValue::Text(&status),
                &[RawValue::Number(age), marital],
            )
            .unwrap();
    }
    let above = sample.report().unwrap();
    for (a, b) in below.iter().zip(&above) {
        assert_eq!(a.group, b.group);
        assert_eq!(a.approval_rate, b.approval_rate);
        assert_eq!(a.true_positive_rate, b.true_positive_rate);
        assert_eq!(a.false_positive_rate, b.false_positive_rate);
        assert_eq!(a.rows - a.events, b.events);
    }
}

#[test]
fn bad_options_are_refused_with_the_list_of_options() {
    for bad in [
        json!({}),
        json!({"cutoff": 1.5}),
        json!({"cutoff": 0.2, "cut": 1}),
        json!({"cutoff": 0.2, "approve": "sideways"}),
        json!({"cutoff": 0.2, "reference": "married"}),
        json!({"cutoff": 0.2, "reference": {"sex": "f"}}),
        json!({"cutoff": 0.2, "bands": {"marital": [1]}}),
        json!({"cutoff": 0.2, "bands": {"age": []}}),
        json!({"cutoff": 0.2, "bands": {"age": [30, 30]}}),
        json!({"cutoff": 0.2, "bands": {"age": [1e308, "x"]}}),
        json!({"cutoff": 0.2, "impact_ratio_threshold": 0}),
        json!([0.2]),
    ] {
        let e = FairnessOptions::parse(&bad, &attributes()).unwrap_err();
        assert_eq!(e.kind, finml_models::ErrorKind::InvalidOption, "{bad}");
        assert!(e.hint.is_some(), "{bad}");
    }
}

#[test]
fn an_unknown_reference_group_names_the_groups() {
    let options = FairnessOptions::parse(
        &json!({"cutoff": 0.5, "reference": {"marital": "wed"}}),
        &attributes(),
    )
    .unwrap();
    let mut sample = FairnessSample::new("bad", &attributes(), options, 1 << 20).unwrap();
    sample
        .add(
            0.2,
            RawValue::Text("bad"),
            &[RawValue::Number(30.0), RawValue::Text("single")],
        )
        .unwrap();
    let e = sample.report().unwrap_err();
    assert!(e.message.contains("\"wed\""), "{}", e.message);
    assert_eq!(e.hint.as_deref(), Some("its groups are: single"));
}

#[test]
fn an_identifier_like_attribute_and_the_memory_budget_are_refused() {
    let options = FairnessOptions::parse(&json!({"cutoff": 0.5}), &attributes()).unwrap();
    let mut sample = FairnessSample::new("bad", &attributes(), options.clone(), 1 << 20).unwrap();
    let mut refused = None;
    for i in 0..200 {
        if let Err(e) = sample.add(
            0.1,
            RawValue::Text("good"),
            &[RawValue::Number(i as f64), RawValue::Null],
        ) {
            refused = Some((i, e));
            break;
        }
    }
    let (i, e) = refused.unwrap();
    assert_eq!(i, 100);
    assert_eq!(e.kind, finml_models::ErrorKind::InvalidData);
    let mut small = FairnessSample::new("bad", &attributes(), options.clone(), 26 * 10).unwrap();
    for _ in 0..10 {
        small
            .add(
                0.1,
                RawValue::Text("good"),
                &[RawValue::Number(1.0), RawValue::Null],
            )
            .unwrap();
    }
    let e = small
        .add(
            0.1,
            RawValue::Text("good"),
            &[RawValue::Number(1.0), RawValue::Null],
        )
        .unwrap_err();
    assert_eq!(e.kind, finml_models::ErrorKind::ResourceLimit);
    // A group's name is at most 1,000 bytes.
    let mut long = FairnessSample::new("bad", &attributes(), options.clone(), 1 << 20).unwrap();
    let name = "x".repeat(1001);
    let e = long
        .add(
            0.1,
            RawValue::Text("good"),
            &[RawValue::Number(1.0), RawValue::Text(&name)],
        )
        .unwrap_err();
    assert_eq!(e.kind, finml_models::ErrorKind::InvalidData);
    long.add(
        0.1,
        RawValue::Text("good"),
        &[RawValue::Number(1.0), RawValue::Text(&name[1..])],
    )
    .unwrap();
    // Rows without an outcome are counted and left out; none labelled is an error.
    let options = FairnessOptions::parse(&json!({"cutoff": 0.5}), &attributes()).unwrap();
    let mut unlabelled = FairnessSample::new("bad", &attributes(), options, 1 << 20).unwrap();
    unlabelled
        .add(0.1, RawValue::Null, &[RawValue::Null, RawValue::Null])
        .unwrap();
    assert_eq!((unlabelled.rows(), unlabelled.unlabelled), (0, 1));
    assert_eq!(
        unlabelled.report().unwrap_err().kind,
        finml_models::ErrorKind::InvalidData
    );
}
