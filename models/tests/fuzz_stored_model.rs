//! Fuzzing the stored-model reader (`format::from_bytes`, what fin_import and every catalog
//! read go through) from every golden model, and from small trained models of the algorithms
//! without a golden one (MLP, trees, multi-class, Cox): each case applies a few mutations (numbers replaced by extreme values,
//! arrays emptied, shortened or lengthened, strings swapped, keys removed, bytes flipped, the
//! header's version changed, the network's safetensors edited) and requires that reading
//! never panics and that a model it accepts predicts a few rows of its features (random
//! finite numbers, NULLs, texts, values of the wrong kind) with a finite number or an error,
//! never a panic, within a time limit. Explanations, scorecard points, reason codes, drift
//! counts, the SQL expression and writing the model back are exercised on the same rows.
//!
//! FINML_FUZZ_CASES sets the number of cases (default 256, so that the suite stays quick);
//! a longer run sets e.g. 20000.

use base64::Engine;
use finml_models::data::TargetColumn;
use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, SurvivalColumn,
};
use finml_models::mlp::DeviceChoice;
use finml_models::monitor::DriftCounts;
use finml_models::preprocess::{Input, Transform};
use finml_models::scorecard::Baseline;
use finml_models::{format, train, Limits, Model, RawValue, TrainOptions};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/");
const GOLDEN_NAMES: [&str; 9] = [
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

/// Reading and exercising one mutated model must end within this (a debug build; a stored
/// `ngram` of 100000 took 91 s for one row of 5,000 words).
const CASE_TIME_LIMIT: Duration = Duration::from_secs(30);
/// Rows predicted per accepted model.
const ROWS: usize = 3;

/// What a stored number is replaced with: overflowing, negative, huge counts, 2^53, zero.
fn extremes() -> Vec<Value> {
    vec![
        json!(1e308),
        json!(-1e308),
        json!(-7),
        json!(10_000_000_000_000_000_000u64),
        json!(1e19),
        json!(0),
        json!(9_007_199_254_740_992u64),
        json!(-1),
        json!(1),
        json!(2),
        json!(0.5),
        json!(65_537),
        json!(100_000),
        json!(4_294_967_296u64),
        json!(u64::MAX),
        json!(i64::MIN),
        json!(1e-308),
        json!(-0.0),
    ]
}

/// What a stored string is replaced with: the names of other kinds, algorithms, tasks and
/// parts, empty and long texts (or, past these, another string of the same model).
const STRINGS: [&str; 24] = [
    "",
    "numeric",
    "categorical",
    "binned",
    "date",
    "text",
    "levels",
    "logistic",
    "linear",
    "scorecard",
    "mlp",
    "kmeans",
    "isolation_forest",
    "classification",
    "regression",
    "clustering",
    "anomaly_detection",
    "year",
    "days_since",
    "hour",
    "tanh",
    "(missing)",
    "owner",
    "AAAA",
];

/// Numbers a safetensors header's shapes and offsets are replaced with.
const SHAPES: [u64; 8] = [0, 1, 2, 3, 25, 1 << 32, 1 << 62, u64::MAX];

#[derive(Debug, Clone)]
enum Mutation {
    /// A number (`scalar`: one that is an object's field or in an array of at most 4, as
    /// sizes, indices and settings are) replaced with `extremes()[k]`.
    Number { scalar: bool, at: Index, k: Index },
    /// An array emptied (0), shortened (1), lengthened by a copy of one of its elements (2),
    /// doubled (3), given an extreme number (4), or its first element removed (5).
    Array { at: Index, how: u8, element: Index },
    /// A string (`named`: the value of a "kind", "algorithm", "task", "part", "input" or
    /// "activation" key) replaced with one of STRINGS or another string of the model.
    Text { named: bool, at: Index, with: Index },
    /// An object's key removed.
    Remove { at: Index },
    /// A byte of the JSON body xored with a non-zero byte.
    Byte { at: Index, xor: u8 },
    /// The JSON body cut short.
    Truncate { at: Index },
    /// The header's format version.
    Version(u32),
    /// A byte of the decoded safetensors blob of a network xored.
    Blob { at: Index, xor: u8 },
    /// A number of the safetensors header (a shape or an offset) replaced.
    BlobHeader { at: Index, k: Index },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        5 => (any::<bool>(), any::<Index>(), any::<Index>())
            .prop_map(|(scalar, at, k)| Mutation::Number { scalar, at, k }),
        3 => (any::<Index>(), 0u8..6, any::<Index>())
            .prop_map(|(at, how, element)| Mutation::Array { at, how, element }),
        2 => (any::<bool>(), any::<Index>(), any::<Index>())
            .prop_map(|(named, at, with)| Mutation::Text { named, at, with }),
        1 => any::<Index>().prop_map(|at| Mutation::Remove { at }),
        2 => (any::<Index>(), 1u8..=255).prop_map(|(at, xor)| Mutation::Byte { at, xor }),
        1 => any::<Index>().prop_map(|at| Mutation::Truncate { at }),
        1 => prop_oneof![Just(0u32), 1u32..=7, Just(u32::MAX)].prop_map(Mutation::Version),
        1 => (any::<Index>(), 1u8..=255).prop_map(|(at, xor)| Mutation::Blob { at, xor }),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(at, k)| Mutation::BlobHeader { at, k }),
    ]
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    At(usize),
}

/// Every path in `value` to a node that `keep` accepts (given the node and the step that
/// led to it, and the length of the array it is in).
fn paths(value: &Value, keep: &dyn Fn(&Value, Option<&Step>, usize) -> bool) -> Vec<Vec<Step>> {
    fn walk(
        value: &Value,
        path: &mut Vec<Step>,
        siblings: usize,
        keep: &dyn Fn(&Value, Option<&Step>, usize) -> bool,
        out: &mut Vec<Vec<Step>>,
    ) {
        if keep(value, path.last(), siblings) {
            out.push(path.clone());
        }
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    path.push(Step::Key(k.clone()));
                    walk(v, path, 0, keep, out);
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    path.push(Step::At(i));
                    walk(v, path, items.len(), keep, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, &mut Vec::new(), 0, keep, &mut out);
    out
}

fn at_path<'a>(value: &'a mut Value, path: &[Step]) -> &'a mut Value {
    path.iter().fold(value, |v, step| match step {
        Step::Key(k) => &mut v[k.as_str()],
        Step::At(i) => &mut v[*i],
    })
}

/// A path of `value` chosen by `at` among those `keep` accepts, if any.
fn choose(
    value: &Value,
    at: &Index,
    keep: &dyn Fn(&Value, Option<&Step>, usize) -> bool,
) -> Option<Vec<Step>> {
    let found = paths(value, keep);
    (!found.is_empty()).then(|| found[at.index(found.len())].clone())
}

/// Applies `f` to the decoded safetensors blob of the model's network, if it has one.
fn edit_blob(body: &mut Value, f: impl FnOnce(&mut Vec<u8>)) {
    let Some(text) = body.pointer_mut("/network/safetensors") else {
        return;
    };
    let engine = base64::engine::general_purpose::STANDARD;
    let Some(mut blob) = text.as_str().and_then(|t| engine.decode(t).ok()) else {
        return;
    };
    f(&mut blob);
    *text = Value::String(engine.encode(blob));
}

/// Edits of the serialized body, made after the JSON ones.
#[derive(Default)]
struct ByteEdits {
    flips: Vec<(Index, u8)>,
    truncate: Option<Index>,
}

fn apply(body: &mut Value, header: &mut [u8], edits: &mut ByteEdits, m: &Mutation) {
    let extremes = extremes();
    match m {
        Mutation::Number { scalar, at, k } => {
            let scalar = *scalar;
            let keep = move |v: &Value, step: Option<&Step>, siblings: usize| {
                v.is_number() && (!scalar || matches!(step, Some(Step::Key(_))) || siblings <= 4)
            };
            if let Some(path) = choose(body, at, &keep) {
                *at_path(body, &path) = extremes[k.index(extremes.len())].clone();
            }
        }
        Mutation::Array { at, how, element } => {
            if let Some(path) = choose(body, at, &|v, _, _| v.is_array()) {
                let Value::Array(items) = at_path(body, &path) else {
                    return;
                };
                match how {
                    0 => items.clear(),
                    1 => {
                        items.pop();
                    }
                    2 if !items.is_empty() => {
                        let copy = items[element.index(items.len())].clone();
                        items.push(copy);
                    }
                    3 if items.len() < 4096 => {
                        let copy = items.clone();
                        items.extend(copy);
                    }
                    4 => items.push(extremes[element.index(extremes.len())].clone()),
                    5 if !items.is_empty() => {
                        items.remove(0);
                    }
                    _ => {}
                }
            }
        }
        Mutation::Text { named, at, with } => {
            let named = *named;
            let keep = move |v: &Value, step: Option<&Step>, _: usize| {
                v.is_string()
                    && (!named
                        || matches!(step, Some(Step::Key(k)) if matches!(
                            k.as_str(),
                            "kind" | "algorithm" | "task" | "part" | "input" | "activation"
                        )))
            };
            if let Some(path) = choose(body, at, &keep) {
                let others = paths(body, &|v, _, _| v.is_string());
                let choice = with.index(STRINGS.len() + 1);
                let replacement = if choice < STRINGS.len() {
                    Value::String(STRINGS[choice].to_owned())
                } else {
                    // Another string of the same model: a level for a kind, a name for a level.
                    let other = &others[with.index(others.len())];
                    other
                        .iter()
                        .fold(&*body, |v, step| match step {
                            Step::Key(k) => &v[k.as_str()],
                            Step::At(i) => &v[*i],
                        })
                        .clone()
                };
                *at_path(body, &path) = replacement;
            }
        }
        Mutation::Remove { at } => {
            if let Some(path) = choose(body, at, &|_, step, _| matches!(step, Some(Step::Key(_)))) {
                let (Some(Step::Key(key)), parent) = (path.last(), &path[..path.len() - 1]) else {
                    return;
                };
                if let Value::Object(map) = at_path(body, parent) {
                    map.remove(key);
                }
            }
        }
        Mutation::Byte { at, xor } => edits.flips.push((*at, *xor)),
        Mutation::Truncate { at } => edits.truncate = Some(*at),
        Mutation::Version(v) => header[8..12].copy_from_slice(&v.to_le_bytes()),
        Mutation::Blob { at, xor } => edit_blob(body, |blob| {
            if !blob.is_empty() {
                let i = at.index(blob.len());
                blob[i] ^= xor;
            }
        }),
        Mutation::BlobHeader { at, k } => edit_blob(body, |blob| {
            let Some(size) = blob.get(..8).map(|b| {
                let mut n = [0u8; 8];
                n.copy_from_slice(b);
                u64::from_le_bytes(n) as usize
            }) else {
                return;
            };
            let Some(mut header) = blob
                .get(8..8usize.saturating_add(size))
                .and_then(|h| serde_json::from_slice::<Value>(h).ok())
            else {
                return;
            };
            let Some(path) = choose(&header, at, &|v, _, _| v.is_u64()) else {
                return;
            };
            *at_path(&mut header, &path) = json!(SHAPES[k.index(SHAPES.len())]);
            let mut text = serde_json::to_vec(&header).unwrap_or_default();
            // safetensors pads its header to 8 bytes with spaces.
            while text.len() % 8 != 0 {
                text.push(b' ');
            }
            let mut rebuilt = (text.len() as u64).to_le_bytes().to_vec();
            rebuilt.extend(text);
            rebuilt.extend_from_slice(blob.get(8 + size..).unwrap_or_default());
            *blob = rebuilt;
        }),
    }
}

/// A seed model's stored bytes mutated by `mutations`.
fn mutated(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut header = seed[..12].to_vec();
    let Ok(mut body) = serde_json::from_slice::<Value>(&seed[12..]) else {
        return seed.to_vec();
    };
    let mut edits = ByteEdits::default();
    for m in mutations {
        apply(&mut body, &mut header, &mut edits, m);
    }
    let mut text = serde_json::to_vec(&body).unwrap_or_default();
    for (at, xor) in edits.flips {
        if !text.is_empty() {
            let i = at.index(text.len());
            text[i] ^= xor;
        }
    }
    if let Some(at) = edits.truncate {
        text.truncate(at.index(text.len().max(1)));
    }
    header.extend(text);
    header
}

/// A row of values for the model's features: mostly what each takes (numbers finite but
/// extreme, dates anywhere, texts up to 5,000 words), sometimes NULL or the wrong kind.
fn row<'a>(model: &Model, rng: &mut SmallRng, texts: &'a [String]) -> Vec<RawValue<'a>> {
    const NUMBERS: [f64; 12] = [
        0.0, 1.0, -1.0, 12.5, -7.0, 1e308, -1e308, 1e15, 1.5e9, 9.007e15, 1e-300, 5e12,
    ];
    let text = |rng: &mut SmallRng| RawValue::Text(&texts[rng.gen_range(0..texts.len())]);
    let number = |rng: &mut SmallRng| {
        if rng.gen_bool(0.5) {
            RawValue::Number(NUMBERS[rng.gen_range(0..NUMBERS.len())])
        } else {
            RawValue::Number(rng.gen_range(-1e4..1e4))
        }
    };
    model
        .preprocessor
        .features
        .iter()
        .map(|f| match rng.gen_range(0..10) {
            0 => RawValue::Null,
            1 => text(rng),
            2 => number(rng),
            _ => match f.transform.input() {
                Input::Number => number(rng),
                Input::Date => RawValue::Number(rng.gen_range(-2e11..1.8e14)),
                Input::Text => text(rng),
            },
        })
        .collect()
}

fn texts() -> Vec<String> {
    let words = [
        "late", "payment", "fee", "owner", "rent", "ça", "va", "x", "married",
    ];
    let memo: Vec<&str> = (0..5000)
        .map(|i| words[(i * 7 + i / 3) % words.len()])
        .collect();
    vec![
        String::new(),
        "late payment fee".to_owned(),
        "owner".to_owned(),
        "rent".to_owned(),
        "freelance rent married".to_owned(),
        memo.join(" "),
    ]
}

/// Predicts, explains, scores and counts drift for a few rows of an accepted model; an
/// `Err` is a failed property (a non-finite prediction, or a model that does not read
/// back after being written).
fn exercise(model: &Model, seed: u64) -> Result<(), String> {
    let texts = texts();
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut drift = DriftCounts::new(model).ok();
    // The scoring code and a tree model's rules read the whole stored structure.
    let _ = model.estimator.output_sql(&model.preprocessor);
    if let Some(trees) = model
        .estimator
        .downcast_ref::<finml_models::estimator::tree::algorithm::TreeEstimator>()
    {
        for tree in &trees.ensemble.trees {
            let _ = finml_models::trees::rules::tree_rules(&model.preprocessor, tree);
        }
    }
    for _ in 0..ROWS {
        let values = row(model, &mut rng, &texts);
        // One value short: refused, whatever the model.
        if !values.is_empty() && model.predict(&values[1..]).is_ok() {
            return Err("a row one value short was predicted".to_owned());
        }
        if let Ok(p) = model.predict(&values) {
            if !p.is_finite() {
                return Err(format!("prediction {p} for {values:?}"));
            }
        }
        // A survival model's term structure and PD: numbers in [0, 1], or an error.
        if let Ok(curve) = model.pd_curve(&values, 24) {
            if curve
                .iter()
                .any(|p| !(0.0..=1.0).contains(&p.cumulative_pd))
            {
                return Err(format!("a PD term structure {curve:?} for {values:?}"));
            }
        }
        if let Ok(pd) = model.pd(&values, 12) {
            if !(0.0..=1.0).contains(&pd) {
                return Err(format!("a PD of {pd} for {values:?}"));
            }
        }
        if let Ok(p) = model.predict_proba(&values) {
            if p.iter().any(|x| !x.is_finite()) || (p.iter().sum::<f64>() - 1.0).abs() > 1e-9 {
                return Err(format!("probabilities {p:?} for {values:?}"));
            }
            let class = model.predict_class(&values).map_err(|e| e.message)?;
            if !model.class_names().map_err(|e| e.message)?.contains(&class) {
                return Err(format!("class {class} is not one of the model's"));
            }
        }
        if let Ok(explanation) = model.explain(&values) {
            for (k, value) in values.iter().enumerate() {
                if let (RawValue::Text(t), Transform::Text(_)) =
                    (value, &model.preprocessor.features[k].transform)
                {
                    let _ = finml_models::explain::top_ngrams(
                        &model.preprocessor,
                        k,
                        t,
                        &explanation,
                        5,
                    );
                }
            }
            let _ = explanation.largest(5);
        }
        let _ = model.score(&values);
        let _ = model.scorecard_row(&values, 3);
        let _ = model.reasons(&values, Baseline::Best, 3);
        let _ = model.reasons(&values, Baseline::Average, 3);
        if let Ok(reasons) = model.contribution_reasons(&values, 3) {
            if reasons.iter().any(|r| !r.contribution.is_finite()) {
                return Err(format!("a reason that is not finite for {values:?}"));
            }
        }
        if let Some(counts) = &mut drift {
            let _ = counts.add(model, &values, || model.predict(&values));
        }
        if model.is_all_numeric() {
            let numbers: Vec<Option<f64>> = values.iter().map(|v| v.number()).collect();
            if let Ok(p) = model.predict_numeric(&numbers) {
                if !p.is_finite() {
                    return Err(format!("prediction {p} for {numbers:?}"));
                }
            }
        }
    }
    if let Some(counts) = &drift {
        let _ = counts.stability(model);
    }
    let _ = model.importance();
    let _ = model.sql_expression(false);
    let _ = model.sql_expression(true);
    let _ = model.coefficients_json();
    let written = format::to_bytes(model).map_err(|e| format!("cannot write: {e:?}"))?;
    format::from_bytes(&written)
        .map(|_| ())
        .map_err(|e| format!("written back, it does not read: {}", e.message))
}

/// An MLP trained on a few rows (two numbers and a category), for the network's path.
fn trained(algorithm: finml_models::Algorithm, options: Value) -> Vec<u8> {
    trained_on(algorithm, options, Target::TwoClasses)
}

/// The target of a generated training.
enum Target {
    TwoClasses,
    /// The classes "low", "mid" and "high".
    ThreeClasses,
    /// The two-class target as the event, with a duration (and an entry) of each row.
    Survival,
}

/// A model trained on 200 generated rows.
fn trained_on(algorithm: finml_models::Algorithm, options: Value, target: Target) -> Vec<u8> {
    let mut rng = SmallRng::seed_from_u64(11);
    let (mut a, mut b) = (NumericColumn::default(), NumericColumn::default());
    let mut c = CategoricalColumn::default();
    let mut y = Vec::new();
    let mut grades = CategoricalColumn::default();
    for i in 0..200 {
        let (u, v): (f64, f64) = (rng.gen(), rng.gen());
        a.push("a", (i % 17 != 0).then_some(u)).unwrap();
        b.push("b", Some(v * 100.0)).unwrap();
        c.push(Some(["owner", "rent", "parents"][i % 3]));
        y.push(Some(u + v > 1.0));
        grades.push(Some(
            ["low", "mid", "high"][((u + v) * 1.5).min(2.0) as usize],
        ));
    }
    let data = Dataset {
        features: vec![
            Feature {
                name: "a".into(),
                column: Column::Numeric(a),
            },
            Feature {
                name: "b".into(),
                column: Column::Numeric(b),
            },
            Feature {
                name: "home".into(),
                column: Column::Categorical(c),
            },
        ],
        target_name: "y".into(),
        target: match target {
            Target::TwoClasses => TargetColumn::Boolean(y),
            Target::ThreeClasses => TargetColumn::Text(grades),
            Target::Survival => TargetColumn::Survival(SurvivalColumn {
                events: y
                    .iter()
                    .map(|&e| f64::from(u8::from(e == Some(true))))
                    .collect(),
                durations: (0..200).map(|i| f64::from(1 + i % 24)).collect(),
                entries: Some((0..200).map(|i| f64::from(i % 24 / 2)).collect()),
            }),
        },
        test_mask: None,
        times: None,
        weights: None,
    };
    let options = TrainOptions::from_json(&options).unwrap();
    let limits = Limits {
        max_memory_bytes: 64 << 20,
        device: DeviceChoice::Cpu,
        threads: 1,
    };
    let out = train(&data, algorithm, &options, limits).unwrap();
    format::to_bytes(&out.model).unwrap()
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let mut seeds: Vec<(String, Vec<u8>)> = GOLDEN_NAMES
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(format!("{GOLDEN}{name}.json")).unwrap();
            let doc: Value = serde_json::from_str(&text).unwrap();
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(doc["model"].as_str().unwrap())
                .unwrap();
            ((*name).to_owned(), bytes)
        })
        .collect();
    use finml_models::registry::{GBDT, MLP, RANDOM_FOREST};
    seeds.push((
        "trained mlp".to_owned(),
        trained(MLP, json!({"hidden": [4, 3], "epochs": 3, "seed": 1})),
    ));
    seeds.push((
        "trained gbdt".to_owned(),
        trained(
            GBDT,
            json!({"n_trees": 5, "num_leaves": 4, "min_samples_leaf": 5}),
        ),
    ));
    seeds.push((
        "trained random forest".to_owned(),
        trained(RANDOM_FOREST, json!({"n_trees": 3, "max_depth": 3})),
    ));
    seeds.push((
        "trained multinomial logistic".to_owned(),
        trained_on(
            finml_models::registry::LOGISTIC,
            json!({}),
            Target::ThreeClasses,
        ),
    ));
    seeds.push((
        "trained multi-class mlp".to_owned(),
        trained_on(
            MLP,
            json!({"hidden": [4], "epochs": 2, "seed": 1}),
            Target::ThreeClasses,
        ),
    ));
    seeds.push((
        "trained cox".to_owned(),
        trained_on(
            finml_models::registry::COX,
            json!({"duration": "months", "entry": "entry", "l2": 0.1}),
            Target::Survival,
        ),
    ));
    seeds
}

#[derive(Default)]
struct Tally {
    cases: AtomicUsize,
    read: AtomicUsize,
    refused: AtomicUsize,
    slowest_micros: AtomicU64,
}

#[test]
fn mutated_stored_models_are_refused_or_predict_without_panicking() {
    let cases: u32 = std::env::var("FINML_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    let seeds = Arc::new(seeds());
    for (name, bytes) in seeds.iter() {
        let model = format::from_bytes(bytes).unwrap_or_else(|e| panic!("{name}: {e:?}"));
        exercise(&model, 0).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let tally = Arc::new(Tally::default());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 512,
        ..Config::default()
    });
    let strategy = (
        any::<Index>(),
        proptest::collection::vec(mutation(), 1..=4),
        any::<u64>(),
    );
    let started = Instant::now();
    let result = runner.run(&strategy, |(seed, mutations, row_seed)| {
        tally.cases.fetch_add(1, Ordering::Relaxed);
        let seeds = Arc::clone(&seeds);
        let counts = Arc::clone(&tally);
        let (name, bytes) = &seeds[seed.index(seeds.len())];
        let bytes = mutated(bytes, &mutations);
        let name = name.clone();
        let case_started = Instant::now();
        // In a thread of its own: a panic is reported as the case's failure, and a case that
        // does not end is one too (its thread is left behind).
        let (done, outcome) = mpsc::channel();
        std::thread::spawn(move || {
            let result = match format::from_bytes(&bytes) {
                Err(_) => {
                    counts.refused.fetch_add(1, Ordering::Relaxed);
                    Ok(())
                }
                Ok(model) => {
                    counts.read.fetch_add(1, Ordering::Relaxed);
                    exercise(&model, row_seed)
                }
            };
            let _ = done.send(result);
        });
        let verdict = match outcome.recv_timeout(CASE_TIME_LIMIT) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(why)) => Err(TestCaseError::fail(format!("{name}: {why}"))),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(TestCaseError::fail(format!(
                "{name}: still running after {CASE_TIME_LIMIT:?}"
            ))),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err(TestCaseError::fail(format!("{name}: panicked (see above)")))
            }
        };
        let micros = u64::try_from(case_started.elapsed().as_micros()).unwrap_or(u64::MAX);
        tally.slowest_micros.fetch_max(micros, Ordering::Relaxed);
        verdict
    });
    let elapsed = started.elapsed();
    println!(
        "fuzz_stored_model: {} cases run ({} asked for) in {:.1} s: {} models read, {} refused; slowest case {:.2} s",
        tally.cases.load(Ordering::Relaxed),
        cases,
        elapsed.as_secs_f64(),
        tally.read.load(Ordering::Relaxed),
        tally.refused.load(Ordering::Relaxed),
        tally.slowest_micros.load(Ordering::Relaxed) as f64 / 1e6,
    );
    if let Err(e) = result {
        panic!("{e}");
    }
}
