//! Logistic regression on the real credit data (examples/credit/credit_data.csv), checked
//! against scikit-learn on the same split and preprocessing
//! (reference/credit_logistic.py prints every number used here).

use finml_models::binning::{Binning, Edges};
use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::linear::algorithm::LinearModel;
use finml_models::options::TrainOptions;
use finml_models::{format, split, train, Limits, RawValue};
use serde_json::json;

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

/// One applicant in feature order, with a NULL home and a NULL income: the row path must
/// impute and encode them as training did.
const APPLICANT: [RawValue<'static>; 13] = [
    RawValue::Number(9.0),
    RawValue::Null,
    RawValue::Number(60.0),
    RawValue::Number(30.0),
    RawValue::Text("married"),
    RawValue::Text("no"),
    RawValue::Text("freelance"),
    RawValue::Number(73.0),
    RawValue::Null,
    RawValue::Number(0.0),
    RawValue::Number(0.0),
    RawValue::Number(800.0),
    RawValue::Number(846.0),
];

const LIMITS: Limits = Limits {
    max_memory_bytes: 1 << 30,
    device: finml_models::mlp::DeviceChoice::Cpu,
    threads: 1,
};

#[test]
fn matches_scikit_learn_on_the_same_split() {
    let data = load_credit(|i| i % 10 >= 7, true);
    let options = TrainOptions::from_json(&json!({
        "positive": "bad", "split": {"column": "row", "test_from": "7"}
    }))
    .unwrap();
    let out = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
    assert_eq!((out.train_rows, out.test_rows), (3119, 1335)); // 445 full tens × 3

    // scikit-learn 1.9.1 LogisticRegression(C=1.0, tol=1e-10): intercept and standardized
    // weights, per term (tolerance 1e-4, issue 15's: Newton's method stops at a mean gradient
    // of 1e-8; the references are rounded to 6 decimals).
    let reference = [
        ("Seniority", -0.70083),
        ("Home=(missing)", 0.699608),
        ("Home=ignore", 0.614954),
        ("Home=other", 0.915986),
        ("Home=parents", 0.274662),
        ("Home=priv", 0.661277),
        ("Home=rent", 0.653865),
        ("Time", -0.001022),
        ("Age", 0.124182),
        ("Marital=divorced", 0.36185),
        ("Marital=separated", 1.06351),
        ("Marital=single", 0.402297),
        ("Marital=widow", 0.195266),
        ("Records=yes", 1.816248),
        ("Job=(missing)", 0.289761),
        ("Job=freelance", 0.758524),
        ("Job=others", 0.820809),
        ("Job=partime", 1.430456),
        ("Expenses", 0.23201),
        ("Income", -0.56122),
        ("Assets", -0.443959),
        ("Debt", 0.212851),
        ("Amount", 0.951232),
        ("Price", -0.589451),
    ];
    let terms = out.model.preprocessor.term_names();
    assert_eq!(terms.len(), reference.len());
    let Some(LinearModel { linear: fitted, .. }) =
        out.model.estimator.downcast_ref::<LinearModel>()
    else {
        panic!("not a logistic regression: {:?}", out.model.algorithm());
    };
    assert!(
        (fitted.intercept - -2.4600526467028785).abs() < 1e-4,
        "{}",
        fitted.intercept
    );
    for (term, expected) in reference {
        let j = terms
            .iter()
            .position(|t| t == term)
            .unwrap_or_else(|| panic!("no term {term}"));
        let got = fitted.weights[j];
        assert!(
            (got - expected).abs() < 1e-4,
            "{term}: {got} vs scikit-learn {expected}"
        );
    }
    // Test-split metrics: roc_auc_score 0.8210563267729118, log_loss 0.44389225823203854.
    assert!(
        (out.metrics["auc"] - 0.8210563267729118).abs() < 1e-4,
        "{:?}",
        out.metrics
    );
    assert!((out.metrics["log_loss"] - 0.44389225823203854).abs() < 1e-4);
}

#[test]
fn weighted_fit_matches_scikit_learn_on_the_same_split() {
    // reference/credit_weighted.py: class_weight "balanced" times a sample weight of 2 for
    // amounts above 1500 (the weight column), same split and preprocessing as above.
    let mut data = load_credit(|i| i % 10 >= 7, true);
    let Column::Numeric(amount) = &data.feature("Amount").unwrap().column else {
        panic!("Amount is numeric")
    };
    let weights = amount
        .values
        .iter()
        .map(|&a| if a > 1500.0 { 2.0 } else { 1.0 })
        .collect();
    data.weights = Some(weights);
    let options = TrainOptions::from_json(&json!({
        "positive": "bad", "split": {"column": "row", "test_from": "7"}, "class_weight": "balanced"
    }))
    .unwrap();
    let out = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
    // scikit-learn 1.9.1 LogisticRegression(C=1.0, class_weight="balanced", tol=1e-10) with
    // sample_weight (tolerance 1e-4 as above; references rounded to 6 decimals).
    let reference = [
        ("Seniority", -0.681222),
        ("Home=(missing)", 0.660903),
        ("Home=ignore", 0.469275),
        ("Home=other", 0.965189),
        ("Home=parents", 0.284959),
        ("Home=priv", 0.664196),
        ("Home=rent", 0.653),
        ("Time", -0.014657),
        ("Age", 0.140438),
        ("Marital=divorced", 0.267392),
        ("Marital=separated", 0.964583),
        ("Marital=single", 0.43865),
        ("Marital=widow", 0.147452),
        ("Records=yes", 1.869707),
        ("Job=(missing)", 0.246097),
        ("Job=freelance", 0.698209),
        ("Job=others", 0.883943),
        ("Job=partime", 1.493319),
        ("Expenses", 0.209877),
        ("Income", -0.529887),
        ("Assets", -0.434422),
        ("Debt", 0.203634),
        ("Amount", 0.994342),
        ("Price", -0.592619),
    ];
    let terms = out.model.preprocessor.term_names();
    let Some(LinearModel { linear: fitted, .. }) =
        out.model.estimator.downcast_ref::<LinearModel>()
    else {
        panic!("not a logistic regression")
    };
    assert!(
        (fitted.intercept - -1.6274146050217495).abs() < 1e-4,
        "{}",
        fitted.intercept
    );
    for (term, expected) in reference {
        let j = terms.iter().position(|t| t == term).unwrap();
        let got = fitted.weights[j];
        assert!(
            (got - expected).abs() < 1e-4,
            "{term}: {got} vs scikit-learn {expected}"
        );
    }
    // The weights change the fit: unweighted, the intercept is -2.46 (test above).
    let unweighted = TrainOptions::from_json(&json!({
        "positive": "bad", "split": {"column": "row", "test_from": "7"}
    }))
    .unwrap();
    data.weights = None;
    let plain = train(&data, finml_models::registry::LOGISTIC, &unweighted, LIMITS).unwrap();
    let Some(LinearModel { linear: plain, .. }) =
        plain.model.estimator.downcast_ref::<LinearModel>()
    else {
        panic!("not a logistic regression")
    };
    assert!((plain.intercept - fitted.intercept).abs() > 0.5);
}

#[test]
fn self_training_matches_scikit_learn_on_the_same_split() {
    // reference/credit_self_training.py: the training rows with i % 5 != 0 lose their
    // outcome (80% of the training split); SelfTrainingClassifier(LogisticRegression(C=1),
    // threshold 0.9, max_iter 10) labels 717, 227, 99, 40, 21, 10, 1, 2, 0 rows in 9 rounds
    // and reaches a test AUC of 0.8170921046623133 (scikit-learn 1.9.1). finml refits its
    // preprocessing each round on the rows it fits (scikit-learn's was fitted once on the
    // labelled rows), so the rounds may differ by a few rows; the AUC must agree within 0.01.
    let mut data = load_credit(|i| i % 10 >= 7, true);
    let TargetColumn::Text(target) = &mut data.target else {
        panic!("the credit target is text")
    };
    for i in 0..target.codes.len() {
        if i % 10 < 7 && i % 5 != 0 {
            target.codes[i] = finml_models::data::NULL_CODE;
        }
    }
    let options = TrainOptions::from_json(&json!({
        "positive": "bad", "split": {"column": "row", "test_from": "7"},
        "semi_supervised": {"method": "self_training", "threshold": 0.9, "max_iter": 10}
    }))
    .unwrap();
    let out = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
    let added: Vec<usize> = out
        .training_log
        .iter()
        .filter_map(|r| r.rows_added)
        .collect();
    eprintln!(
        "rounds {} added {added:?} auc {}",
        added.len(),
        out.metrics["auc"]
    );
    assert!(
        (out.metrics["auc"] - 0.8170921046623133).abs() < 0.01,
        "{:?}",
        out.metrics
    );
    assert_eq!(out.test_rows, 1335, "metrics on labelled test rows only");
    assert!(added.len() >= 2 && added.len() <= 10, "{added:?}");
    assert!(
        added[0] > 500,
        "the first round labels most confident rows: {added:?}"
    );
    assert!(out.notes.iter().any(|n| n.starts_with("self-training:")));
    // Without unlabelled rows to use, the labelled-only fit is what trains (scikit-learn's
    // labelled-only AUC is 0.8177371112836203).
    let plain = TrainOptions::from_json(&json!({
        "positive": "bad", "split": {"column": "row", "test_from": "7"}
    }))
    .unwrap();
    let base = train(&data, finml_models::registry::LOGISTIC, &plain, LIMITS).unwrap();
    assert!((base.metrics["auc"] - 0.8177371112836203).abs() < 1e-4);
    assert!(base.training_log.is_empty());
}

#[test]
fn stratified_70_30_split_reaches_the_issue_floor() {
    // The issue's acceptance: stratified 70/30 split, seed 42, test AUC >= 0.83
    // (scikit-learn gets 0.844 on its own stratified split of this data).
    let data = load_credit(|_| false, false);
    let options =
        TrainOptions::from_json(&json!({"positive": "bad", "test_size": 0.3, "seed": 42})).unwrap();
    let out = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
    assert_eq!(out.evaluated_on, "test");
    assert_eq!(out.test_rows, 1337); // ceil(0.3·4454)
    eprintln!("stratified AUC {}", out.metrics["auc"]);
    assert!(
        out.metrics["auc"] >= 0.83,
        "test AUC {}",
        out.metrics["auc"]
    );
    assert!((out.metrics["gini"] - (2.0 * out.metrics["auc"] - 1.0)).abs() < 1e-12);
}

#[test]
fn stratified_split_selects_the_rows_scikit_learn_selects() {
    // scikit-learn 1.9.1: train_test_split(np.arange(4454), test_size=0.3, stratify=y,
    // random_state=42) with y = (Status == "bad"): 1337 test rows, 376 of them bad, the
    // smallest eight [1, 2, 4, 5, 6, 11, 13, 21], indices summing to 2969124.
    // Without stratify: smallest eight [6, 8, 12, 14, 17, 19, 23, 25], sum 2918271.
    let data = load_credit(|_| false, false);
    let TargetColumn::Text(status) = &data.target else {
        unreachable!()
    };
    let bad: Vec<bool> = (0..data.n_rows())
        .map(|i| status.level(i) == Some("bad"))
        .collect();
    let rows: Vec<usize> = (0..data.n_rows()).collect();
    let codes: Vec<u32> = bad.iter().map(|&b| u32::from(b)).collect();
    let s = split::stratified(&rows, &codes, 0.3, 42);
    assert_eq!(s.test.len(), 1337);
    assert_eq!(s.test.iter().filter(|&&r| bad[r]).count(), 376);
    assert_eq!(s.test[..8], [1, 2, 4, 5, 6, 11, 13, 21]);
    assert_eq!(s.test.iter().sum::<usize>(), 2969124);
    let r = split::random(&rows, 0.3, 42);
    assert_eq!(r.test[..8], [6, 8, 12, 14, 17, 19, 23, 25]);
    assert_eq!(r.test.iter().sum::<usize>(), 2918271);
}

#[test]
fn stored_model_predicts_the_same_as_the_trained_one() {
    let data = load_credit(|_| false, false);
    let options = TrainOptions::from_json(&json!({"positive": "bad"})).unwrap();
    let out = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
    let restored = format::from_bytes(&format::to_bytes(&out.model).unwrap()).unwrap();
    // Home is NULL in a few rows: the row path must impute/encode them identically.
    let row = APPLICANT;
    let a = out.model.predict(&row).unwrap();
    let b = restored.predict(&row).unwrap();
    assert!(a > 0.0 && a < 1.0);
    assert_eq!(a.to_bits(), b.to_bits());
}

#[test]
fn corrupt_and_future_models_are_clear_errors() {
    use finml_models::ErrorKind;
    assert_eq!(
        format::from_bytes(b"nonsense").unwrap_err().kind,
        ErrorKind::CorruptModel
    );
    let mut future = format::MAGIC.to_vec();
    future.extend_from_slice(&(format::FORMAT_VERSION + 1).to_le_bytes());
    future.extend_from_slice(b"{}");
    assert_eq!(
        format::from_bytes(&future).unwrap_err().kind,
        ErrorKind::Unsupported
    );
}

#[test]
fn a_feature_with_a_single_level_trains_an_intercept_only_model() {
    // Every feature collapses into its reference level, so the design matrix has no column:
    // the model must be the base rate (intercept only), not a solver panic.
    let mut level = CategoricalColumn::default();
    let mut target = Vec::new();
    for i in 0..40 {
        level.push(Some("only"));
        target.push(Some(i % 4 == 0));
    }
    let data = Dataset {
        features: vec![Feature {
            name: "c".into(),
            column: Column::Categorical(level),
        }],
        target_name: "y".into(),
        target: TargetColumn::Boolean(target),
        test_mask: None,
        times: None,
        weights: None,
    };
    let options = TrainOptions::from_json(&json!({"test_size": 0, "l2": 0})).unwrap();
    let out = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
    let p = out.model.predict(&[RawValue::Text("only")]).unwrap();
    assert!((p - 0.25).abs() < 1e-3, "{p}"); // the base rate, 10 of 40
}

fn binning_of<'a>(model: &'a finml_models::Model, name: &str) -> &'a Binning {
    let (_, binnings) = model.scorecard().unwrap();
    binnings.into_iter().find(|(n, _)| *n == name).unwrap().1
}

fn stratified_scorecard(options: serde_json::Value) -> finml_models::TrainOutcome {
    let data = load_credit(|_| false, false);
    let mut all = json!({"positive": "bad", "test_size": 0.3, "seed": 42});
    all.as_object_mut()
        .unwrap()
        .extend(options.as_object().unwrap().clone());
    let options = TrainOptions::from_json(&all).unwrap();
    train(&data, finml_models::registry::SCORECARD, &options, LIMITS).unwrap()
}

#[test]
fn scorecard_binning_matches_optbinning() {
    // reference/credit_scorecard.py: optbinning 1.0.0 on the same stratified split; its
    // binning has no bin cap, so finml runs with max_bins 20 (the pre-bin count).
    let out = stratified_scorecard(json!({"max_bins": 20}));
    // (feature, cut points, rows per bin, events per bin, WoE per bin, IV); NULL bin last.
    type Table = (&'static str, Vec<f64>, Vec<u64>, Vec<u64>, Vec<f64>, f64);
    let cases: [Table; 2] = [
        (
            "Income",
            vec![63.5, 72.5, 83.5, 99.5, 105.5, 127.5, 139.5, 182.5],
            vec![247, 157, 189, 285, 191, 453, 173, 566, 600, 256],
            vec![120, 62, 74, 94, 48, 104, 37, 102, 92, 145],
            vec![
                -0.879443, -0.509396, -0.495271, -0.227159, 0.155506, 0.274543, 0.365599, 0.578774,
                0.772555, -1.203342,
            ],
            0.410531,
        ),
        (
            "Seniority",
            vec![0.5, 1.5, 2.5, 3.5, 5.5, 7.5, 11.5, 15.5],
            vec![364, 360, 316, 222, 357, 229, 416, 348, 505, 0],
            vec![195, 151, 121, 62, 99, 54, 88, 56, 52, 0],
            vec![
                -1.079239, -0.611084, -0.458929, 0.011901, 0.021702, 0.239664, 0.379539, 0.715264,
                1.22851, 0.0,
            ],
            0.474636,
        ),
    ];
    for (name, cuts, rows, events, woe, iv) in cases {
        let b = binning_of(&out.model, name);
        assert_eq!(b.edges, Edges::Numeric { cuts }, "{name}");
        let got_rows: Vec<u64> = b.bins.iter().map(|b| b.rows).collect();
        let got_events: Vec<u64> = b.bins.iter().map(|b| b.events).collect();
        assert_eq!((got_rows, got_events), (rows, events), "{name}");
        for (bin, expected) in b.bins.iter().zip(woe) {
            // optbinning prints 6 decimals.
            assert!(
                (bin.woe - expected).abs() < 1e-6,
                "{name}: {} vs {expected}",
                bin.woe
            );
        }
        assert!((b.iv() - iv).abs() < 1e-6, "{name}: IV {}", b.iv());
    }
}

#[test]
fn scorecard_on_the_stratified_split() {
    // The issue's floor is test AUC 0.84; optbinning's scorecard reaches 0.8529 on this split
    // (reference/credit_scorecard.py).
    let out = stratified_scorecard(json!({}));
    let m = &out.metrics;
    eprintln!(
        "scorecard test AUC {:.4} KS {:.4} Gini {:.4}; notes {:?}",
        m["auc"], m["ks"], m["gini"], out.notes
    );
    assert!(m["auc"] >= 0.84, "test AUC {}", m["auc"]);
    assert!((m["gini"] - (2.0 * m["auc"] - 1.0)).abs() < 1e-12);
    let model = &out.model;
    let (points, binnings) = model.scorecard().unwrap();
    for ((name, b), pts) in binnings.iter().zip(&points.points) {
        assert!(pts.iter().all(|p| p.fract() == 0.0), "{name}: {pts:?}");
        // Every value bin holds >= 5% of the feature's non-NULL training rows.
        let value_rows: u64 = b.bins[..b.missing_bin()].iter().map(|b| b.rows).sum();
        let min = (0.05 * value_rows as f64).ceil() as u64;
        assert!(
            b.bins[..b.missing_bin()].iter().all(|b| b.rows >= min),
            "{name}"
        );
        assert!(b.bins.len() - 1 <= 8, "{name}");
    }
    // Scores and probabilities survive the stored form, which is format version 2.
    let bytes = format::to_bytes(model).unwrap();
    assert_eq!(bytes[8..12], 2u32.to_le_bytes());
    let loaded = format::from_bytes(&bytes).unwrap();
    let applicant = [
        ("Seniority", RawValue::Number(1.0)),
        ("Home", RawValue::Text("rent")),
        ("Time", RawValue::Number(60.0)),
        ("Age", RawValue::Number(30.0)),
        ("Marital", RawValue::Text("married")),
        ("Records", RawValue::Text("yes")),
        ("Job", RawValue::Text("partime")),
        ("Expenses", RawValue::Number(90.0)),
        ("Income", RawValue::Null),
        ("Assets", RawValue::Number(0.0)),
        ("Debt", RawValue::Number(0.0)),
        ("Amount", RawValue::Number(1500.0)),
        ("Price", RawValue::Number(1600.0)),
    ];
    let values: Vec<RawValue> = model
        .feature_names()
        .map(|n| applicant.iter().find(|(a, _)| *a == n).unwrap().1)
        .collect();
    assert_eq!(
        model.score(&values).unwrap(),
        loaded.score(&values).unwrap()
    );
    assert_eq!(
        model.predict(&values).unwrap().to_bits(),
        loaded.predict(&values).unwrap().to_bits()
    );
}

#[test]
fn a_stored_scorecard_whose_parts_disagree_is_corrupt() {
    // Points for a bin that does not exist, and a cut point out of order, are refused on load.
    let out = stratified_scorecard(json!({}));
    let bytes = format::to_bytes(&out.model).unwrap();
    let header = &bytes[..12];
    let json: serde_json::Value = serde_json::from_slice(&bytes[12..]).unwrap();
    let tampered = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut j = json.clone();
        edit(&mut j);
        let mut b = header.to_vec();
        b.extend_from_slice(&serde_json::to_vec(&j).unwrap());
        format::from_bytes(&b).unwrap_err()
    };
    let e = tampered(&|j| {
        j["scorecard"]["points"][0]
            .as_array_mut()
            .unwrap()
            .push(json!(1.0))
    });
    assert_eq!(
        e.kind,
        finml_models::ErrorKind::CorruptModel,
        "{}",
        e.message
    );
    let e = tampered(&|j| {
        let cuts = j["preprocessor"]["features"][0]["cuts"]
            .as_array_mut()
            .unwrap();
        cuts.reverse();
    });
    assert_eq!(
        e.kind,
        finml_models::ErrorKind::CorruptModel,
        "{}",
        e.message
    );
    assert!(e.hint.is_some());
}

#[test]
fn unrounded_points_are_the_score_formula_of_the_probability() {
    // score = Offset + Factor·ln(odds_good) with odds_good = (1 − p)/p (DESIGN.md).
    let out = stratified_scorecard(json!({"round": false}));
    let model = &out.model;
    let (points, _) = model.scorecard().unwrap();
    let data = load_credit(|_| false, false);
    for row in [0usize, 17, 999, 4453] {
        let values: Vec<RawValue> = model
            .feature_names()
            .map(|n| match &data.feature(n).unwrap().column {
                Column::Numeric(c) if c.values[row].is_nan() => RawValue::Null,
                Column::Numeric(c) => RawValue::Number(c.values[row]),
                Column::Categorical(c) => c.level(row).map_or(RawValue::Null, RawValue::Text),
            })
            .collect();
        let p = model.predict(&values).unwrap();
        let expected = points.offset + points.factor * ((1.0 - p) / p).ln();
        let score = model.score(&values).unwrap();
        assert!(
            (score - expected).abs() < 1e-9,
            "row {row}: {score} vs {expected}"
        );
    }
}

#[test]
fn deployed_version_is_measured_on_the_new_versions_test_rows() {
    use finml_models::deploy::{decide, measure_incumbent, Headline, Incumbent};
    use finml_models::DeployPolicy;
    let data = load_credit(|_| false, false);
    let options =
        TrainOptions::from_json(&json!({"positive": "bad", "test_size": 0.3, "seed": 42})).unwrap();
    let new = train(&data, finml_models::registry::LOGISTIC, &options, LIMITS).unwrap();
    // The same specification on the same data: the deployed model is the new one, so its AUC on
    // the held-out rows is the AUC recorded at training, to the last bit, and if_better deploys.
    let same = measure_incumbent(&new, &data, 1, &new.model);
    let Incumbent::Measured {
        value: Some(auc), ..
    } = same
    else {
        panic!("{same:?}")
    };
    assert_eq!(auc, new.metrics["auc"]);
    let d = decide(
        DeployPolicy::IfBetter,
        0.0,
        Headline::Auc,
        Some(new.metrics["auc"]),
        "test",
        &same,
    );
    assert!(d.deploy, "{}", d.reason);
    // A weaker deployed model (two features) is measured on the same 1337 rows and replaced.
    let weak_data = {
        let mut d = load_credit(|_| false, false);
        d.features
            .retain(|f| f.name == "seniority" || f.name == "income");
        d
    };
    let weak = train(
        &weak_data,
        finml_models::registry::LOGISTIC,
        &options,
        LIMITS,
    )
    .unwrap();
    let incumbent = measure_incumbent(&new, &data, 1, &weak.model);
    let Incumbent::Measured {
        value: Some(weak_auc),
        ..
    } = incumbent
    else {
        panic!("{incumbent:?}")
    };
    assert_eq!(new.held_out.rows.len(), 1337);
    assert!(weak_auc < auc - 0.05, "weak {weak_auc}, full {auc}");
    // Measured on the same rows as when it was trained (same split): its recorded test AUC.
    assert_eq!(weak_auc, weak.metrics["auc"]);
    // The other way round: the full model deployed, the weak one retrained, if_better keeps it.
    let keep = measure_incumbent(&weak, &weak_data, 1, &new.model);
    assert!(matches!(keep, Incumbent::Unusable { .. }), "{keep:?}");
    let keep = measure_incumbent(&weak, &data, 1, &new.model);
    let d = decide(
        DeployPolicy::IfBetter,
        0.0,
        Headline::Auc,
        Some(weak.metrics["auc"]),
        "test",
        &keep,
    );
    assert!(!d.deploy, "{}", d.reason);
}

/// The MLP recipe (no options: two hidden layers of 50 ReLU, dropout 0.2, Adam, 10 epochs,
/// batch 32, 80/20 stratified split with seed 42) on the credit example.
fn mlp_recipe() -> finml_models::TrainOutcome {
    let data = load_credit(|_| false, false);
    let options = TrainOptions::from_json(&json!({"positive": "bad"})).unwrap();
    train(&data, finml_models::registry::MLP, &options, LIMITS).unwrap()
}

#[test]
fn mlp_recipe_reaches_the_issue_floor_and_repeats_itself() {
    let out = mlp_recipe();
    eprintln!("MLP test AUC {}", out.metrics["auc"]);
    assert_eq!(out.test_rows, 891); // ceil(0.2·4454)
    assert!(
        out.metrics["auc"] >= 0.83,
        "test AUC {}",
        out.metrics["auc"]
    );
    assert_eq!(out.training_log.len(), 10);
    assert_eq!(out.device.as_deref(), Some("cpu"));
    // Same seed, same data, same device: the same stored model, byte for byte.
    let again = mlp_recipe();
    assert_eq!(
        format::to_bytes(&out.model).unwrap(),
        format::to_bytes(&again.model).unwrap()
    );
}

#[test]
fn a_stored_mlp_predicts_what_the_trained_one_did() {
    let out = mlp_recipe();
    let bytes = format::to_bytes(&out.model).unwrap();
    assert_eq!(format::stored_version(&bytes), Some(3));
    let restored = format::from_bytes(&bytes).unwrap();
    let row = APPLICANT;
    let a = out.model.predict(&row).unwrap();
    assert!(a > 0.0 && a < 1.0);
    assert_eq!(a.to_bits(), restored.predict(&row).unwrap().to_bits());
    // The row path and the dataset path (used for the test metrics) agree.
    let data = load_credit(|_| false, false);
    let rows: Vec<usize> = (0..50).collect();
    let by_dataset = out.model.predict_rows(&data, &rows).unwrap();
    assert!(by_dataset.iter().all(|p| (0.0..=1.0).contains(p)));
}

#[test]
fn mlp_contributions_add_up_to_the_log_odds_within_the_integration_error() {
    // Integrated gradients from the training mean design row: baseline + Σ contributions is
    // the log-odds within IG_TOLERANCE (1e-3), checked on every 7th applicant.
    let out = mlp_recipe();
    let data = load_credit(|_| false, false);
    let TargetColumn::Text(_) = &data.target else {
        unreachable!()
    };
    let mut worst: f64 = 0.0;
    for i in (0..data.n_rows()).step_by(7) {
        let values: Vec<RawValue> = data
            .features
            .iter()
            .map(|f| match &f.column {
                Column::Numeric(c) if c.values[i].is_nan() => RawValue::Null,
                Column::Numeric(c) => RawValue::Number(c.values[i]),
                Column::Categorical(c) => c.level(i).map_or(RawValue::Null, RawValue::Text),
            })
            .collect();
        let e = out.model.explain(&values).unwrap();
        let p = out.model.predict(&values).unwrap();
        worst = worst.max((e.linear_predictor() - (p / (1.0 - p)).ln()).abs());
    }
    eprintln!(
        "largest |baseline + sum - log-odds| over {} rows: {worst:e}",
        data.n_rows()
    );
    assert!(worst <= finml_models::mlp::explain::IG_TOLERANCE, "{worst}");
    let importance = out.model.importance().unwrap();
    assert_eq!(importance.len(), 13);
    assert!(importance.iter().all(|(_, v)| v.is_finite() && *v >= 0.0));
}

/// The credit data's row `i` in the order of `names` (a model's features), as fin_psi's
/// aggregate reads a table row.
fn raw_row<'a>(data: &'a Dataset, names: &[&str], i: usize) -> Vec<RawValue<'a>> {
    names
        .iter()
        .map(
            |&name| match &data.feature(name).expect("a model feature").column {
                Column::Numeric(c) if c.values[i].is_nan() => RawValue::Null,
                Column::Numeric(c) => RawValue::Number(c.values[i]),
                Column::Categorical(c) => c.level(i).map_or(RawValue::Null, RawValue::Text),
            },
        )
        .collect()
}

/// fin_psi's counts as an aggregate: counted in three parts (as three shards or parallel
/// workers would), sent as cells and added, they give exactly the counts and the PSI of one
/// pass over every row, for a logistic model (deciles) and a scorecard (its bins).
#[test]
fn drift_counts_added_in_parts_equal_one_pass() {
    use finml_models::monitor::{add_cells, DriftCounts};
    let data = load_credit(|_| false, false);
    for (algorithm, options) in [
        (finml_models::registry::LOGISTIC, json!({"positive": "bad"})),
        (
            finml_models::registry::SCORECARD,
            json!({"positive": "bad"}),
        ),
    ] {
        let options = TrainOptions::from_json(&options).unwrap();
        let model = train(&data, algorithm, &options, LIMITS).unwrap().model;
        let names: Vec<&str> = model.feature_names().collect();
        let count = |rows: std::ops::Range<usize>| {
            let mut counts = DriftCounts::new(&model).unwrap();
            for i in rows {
                let row = raw_row(&data, &names, i);
                counts.add(&model, &row, || model.predict(&row)).unwrap();
            }
            counts
        };
        let n = data.n_rows();
        let whole = count(0..n);
        let mut cells = Vec::new();
        for part in [0..1000, 1000..1001, 1001..n] {
            cells = add_cells(cells, count(part).cells()).unwrap();
        }
        assert_eq!(cells, whole.cells());
        assert_eq!(cells[0], n as u64);
        let added = DriftCounts::from_cells(&model, &cells).unwrap();
        assert_eq!(
            added.stability(&model).unwrap(),
            whole.stability(&model).unwrap()
        );
        // Another shape (another model's cells) is refused, never misread.
        assert!(DriftCounts::from_cells(&model, &cells[1..]).is_err());
        assert!(add_cells(cells.clone(), &cells[1..]).is_err());
    }
}
