//! Fuzzing of what `fin_training_sums`, `fin_training_sums_add` and `fin_training_output`
//! take from any caller (issue "Trust, second round", items 1, 2 and 14): the pass's JSON
//! text, the rows' arrays and the states. Seeds are real passes (every kind, over the
//! preprocessors of a logistic model with numeric, categorical and text features and of a
//! scorecard), mutated at random (numbers swapped for extreme values, arrays emptied or
//! lengthened, keys dropped, strings changed, bytes flipped).
//!
//! The property: nothing panics and nothing allocates without a bound. A pass either parses
//! to one whose state is at most `MAX_CELLS` cells, which then sums rows of any shape and
//! combines states without a panic (errors are fine), or is refused with an error.
//!
//! Cases: `FINML_FUZZ_CASES` (default 256, as `make test` runs it; `make fuzz` runs more).

use finml_models::data::{
    CategoricalColumn, Column, Dataset, Feature, NumericColumn, TargetColumn,
};
use finml_models::summed::{combine_cells, SumsPass, MAX_CELLS};
use finml_models::{train, Limits, TrainOptions};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};

const LIMITS: Limits = Limits {
    max_memory_bytes: 64 << 20,
    device: finml_models::mlp::DeviceChoice::Cpu,
    threads: 1,
};

/// Numbers a hostile caller would try: past every integer type, negative indexes, 1e308.
const EXTREMES: [&str; 12] = [
    "0",
    "-7",
    "1e308",
    "-1e308",
    "1e19",
    "18446744073709551615",
    "9223372036854775808",
    "6148914691236517206",
    "4294967296",
    "65537",
    "3.5",
    "null",
];

/// A runner of [`cases`] cases that keeps no failure file (a failure prints its case).
fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

fn cases() -> u32 {
    std::env::var("FINML_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// 300 rows: two numbers, a category and a memo; the target depends on all of them.
fn data() -> Dataset {
    let mut x = NumericColumn::default();
    let mut z = NumericColumn::default();
    let mut colour = CategoricalColumn::default();
    let mut memo = CategoricalColumn::default();
    let mut target = CategoricalColumn::default();
    let words = [
        "rent paid late",
        "salary in",
        "casino cash",
        "grocery shop",
        "loan repay",
    ];
    for i in 0..300u32 {
        let a = f64::from(i % 17) / 4.0;
        let b = f64::from((i * 7) % 13) - 6.0;
        x.push("x", (i % 11 != 0).then_some(a)).unwrap();
        z.push("z", Some(b)).unwrap();
        colour.push(Some(["red", "green", "blue"][(i % 3) as usize]));
        memo.push((i % 9 != 0).then_some(words[(i % 5) as usize]));
        let bad = a + 0.3 * b + f64::from(i % 3) > 3.5 || i % 5 == 2;
        target.push(Some(if bad { "bad" } else { "good" }));
    }
    Dataset {
        features: vec![
            Feature {
                name: "x".into(),
                column: Column::Numeric(x),
            },
            Feature {
                name: "z".into(),
                column: Column::Numeric(z),
            },
            Feature {
                name: "colour".into(),
                column: Column::Categorical(colour),
            },
            Feature {
                name: "memo".into(),
                column: Column::Categorical(memo),
            },
        ],
        target_name: "status".into(),
        target: TargetColumn::Text(target),
        test_mask: None,
        weights: None,
        times: None,
    }
}

/// Real passes of every kind, as fin_train would send them.
fn seeds() -> Vec<String> {
    let data = data();
    let logistic = TrainOptions::from_json(&json!({
        "positive": "bad",
        "text": {"memo": {"max_features": 8, "ngram": [1, 2]}}
    }))
    .unwrap();
    let logistic =
        train::train(&data, finml_models::registry::LOGISTIC, &logistic, LIMITS).unwrap();
    let scorecard_data = Dataset {
        features: data.features[..3].to_vec(),
        ..data.clone()
    };
    let scorecard = TrainOptions::from_json(&json!({"positive": "bad"})).unwrap();
    let scorecard = train::train(
        &scorecard_data,
        finml_models::registry::SCORECARD,
        &scorecard,
        LIMITS,
    )
    .unwrap();
    let preprocessor = serde_json::to_value(&logistic.model.preprocessor).unwrap();
    let width = logistic.model.preprocessor.width();
    let theta: Vec<f64> = (0..=width).map(|j| j as f64 / 10.0 - 0.3).collect();
    let binned = serde_json::to_value(&scorecard.model.preprocessor).unwrap();
    let points: Vec<Vec<f64>> = scorecard
        .model
        .preprocessor
        .features
        .iter()
        .map(|f| {
            let bins = match &f.transform {
                finml_models::preprocess::Transform::Binned(b) => b.bins.len(),
                _ => 0,
            };
            (0..bins).map(|k| k as f64 * 3.0).collect()
        })
        .collect();
    [
        json!({"pass": "moments", "numbers": 3}),
        json!({"pass": "ranks", "shift": 64, "targets": [{"number": 0, "prefix": 0}, {"number": 2, "prefix": 0}]}),
        json!({"pass": "ranks", "shift": 16, "targets": [{"number": 1, "prefix": 4660}]}),
        json!({"pass": "spread", "means": [0.5, -1.0, 2.0]}),
        // A moments or spread pass riding along a ranks pass (finml 0.14.0).
        json!({"pass": "ranks", "shift": 64, "targets": [{"number": 0, "prefix": 0}, {"number": 1, "prefix": 0}, {"number": 2, "prefix": 0}],
               "with": {"pass": "moments", "numbers": 3}}),
        json!({"pass": "ranks", "shift": 56, "targets": [{"number": 1, "prefix": 191}],
               "with": {"pass": "spread", "means": [0.5, -1.0, 2.0]}}),
        json!({"pass": "newton", "preprocessor": preprocessor, "theta": theta}),
        json!({"pass": "normal", "preprocessor": preprocessor}),
        json!({"pass": "residuals", "preprocessor": preprocessor, "theta": theta}),
        json!({"pass": "points", "preprocessor": binned, "points": points}),
    ]
    .iter()
    .map(Value::to_string)
    .collect()
}

/// One mutation: where (an index into the value's nodes, wrapped), what, and a choice.
#[derive(Debug, Clone)]
struct Mutation {
    node: usize,
    what: u8,
    choice: usize,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    (any::<usize>(), 0u8..6, any::<usize>()).prop_map(|(node, what, choice)| Mutation {
        node,
        what,
        choice,
    })
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        Value::Object(fields) => fields.values().map(count_nodes).sum(),
        _ => 0,
    }
}

/// Applies `m` to the node numbered `target` in depth-first order; `at` counts nodes.
fn mutate_node(value: &mut Value, target: usize, at: &mut usize, m: &Mutation) -> bool {
    if *at == target {
        apply(value, m);
        return true;
    }
    *at += 1;
    match value {
        Value::Array(items) => items.iter_mut().any(|v| mutate_node(v, target, at, m)),
        Value::Object(fields) => fields.values_mut().any(|v| mutate_node(v, target, at, m)),
        _ => false,
    }
}

fn apply(value: &mut Value, m: &Mutation) {
    let extreme = || serde_json::from_str::<Value>(EXTREMES[m.choice % EXTREMES.len()]).unwrap();
    match (m.what, &mut *value) {
        (0 | 1, _) => *value = extreme(),
        (2, Value::Array(items)) => items.truncate(m.choice % (items.len() + 1)),
        (3, Value::Array(items)) if !items.is_empty() => {
            let copies = 1 + m.choice % 40;
            let first = items[0].clone();
            items.extend(std::iter::repeat_n(first, copies));
        }
        (4, Value::Object(fields)) if !fields.is_empty() => {
            let key = fields.keys().nth(m.choice % fields.len()).cloned();
            if let Some(key) = key {
                fields.remove(&key);
            }
        }
        (5, _) => {
            *value = Value::String(["", "sideways", "text", "\u{0}", "é"][m.choice % 5].into())
        }
        _ => *value = Value::Array(vec![]),
    }
}

/// A row's arrays, of any shape, from `shape`.
fn row(shape: &[u8]) -> (Vec<Option<f64>>, Vec<Option<&'static str>>, f64) {
    let numbers = shape
        .iter()
        .take(usize::from(shape.first().copied().unwrap_or(0) % 9))
        .map(|&b| match b % 6 {
            0 => None,
            1 => Some(f64::NAN),
            2 => Some(1e308),
            3 => Some(-0.0),
            _ => Some(f64::from(b) - 100.0),
        })
        .collect();
    let texts = shape
        .iter()
        .rev()
        .take(usize::from(shape.last().copied().unwrap_or(0) % 5))
        .map(|&b| match b % 4 {
            0 => None,
            1 => Some("red"),
            2 => Some("casino cash rent paid late"),
            _ => Some("never seen"),
        })
        .collect();
    (numbers, texts, f64::from(shape.len() as u8 % 2))
}

/// What a pass must survive once it parsed; whether it parsed.
fn exercise(text: &str, rows: &[Vec<u8>]) -> bool {
    let Ok(pass) = SumsPass::parse(text) else {
        return false;
    };
    assert!(
        pass.cell_count() <= MAX_CELLS + 1,
        "a parsed pass of {} cells",
        pass.cell_count()
    );
    let identity = pass.identity(text);
    let mut cells = pass.zero_state(identity).expect("a bounded state");
    for shape in rows {
        let (numbers, texts, label) = row(shape);
        let _ = pass.add_row(&mut cells, &numbers, &texts, label);
        let _ = pass.output(&numbers, &texts);
    }
    // A pass riding along a ranks pass is read back from the state without a panic.
    let _ = pass.carried_state(&cells);
    let _ = pass.ranks_state(&cells);
    let copy = cells.clone();
    assert!(combine_cells(&mut cells, &copy).is_ok());
    assert!(pass.check_state(&cells, identity).is_ok());
    // Another pass's state of the same length is never added in (the identity differs).
    let other = pass.identity(&format!("{text} "));
    let mut foreign = pass.zero_state(other).expect("a bounded state");
    assert!(combine_cells(&mut foreign, &cells).is_err() || other == identity);
    assert!(pass.check_state(&foreign, identity).is_err() || other == identity);
    true
}

#[test]
fn mutated_passes_never_panic() {
    let seeds = seeds();
    for text in &seeds {
        assert!(SumsPass::parse(text).is_ok(), "seed {text} must parse");
    }
    let values: Vec<Value> = seeds
        .iter()
        .map(|s| serde_json::from_str(s).unwrap())
        .collect();
    let cases = cases();
    let parsed = std::cell::Cell::new(0u32);
    let strategy = (
        0..values.len(),
        prop::collection::vec(mutation(), 1..4),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 0..6),
    );
    runner()
        .run(&strategy, |(seed, mutations, rows)| {
            let mut value = values[seed].clone();
            for m in &mutations {
                let target = m.node % count_nodes(&value);
                mutate_node(&mut value, target, &mut 0, m);
            }
            parsed.set(parsed.get() + u32::from(exercise(&value.to_string(), &rows)));
            Ok(())
        })
        .unwrap();
    println!(
        "fuzz_passes: {cases} mutated passes ran, {} parsed and summed rows",
        parsed.get()
    );
}

#[test]
fn byte_flipped_passes_never_panic() {
    let seeds = seeds();
    let cases = cases();
    let parsed = std::cell::Cell::new(0u32);
    let strategy = (
        0..seeds.len(),
        prop::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 0..4),
    );
    runner()
        .run(&strategy, |(seed, flips, rows)| {
            let mut bytes = seeds[seed].clone().into_bytes();
            for (at, byte) in flips {
                let at = at % bytes.len();
                bytes[at] = byte;
            }
            if let Ok(text) = String::from_utf8(bytes) {
                parsed.set(parsed.get() + u32::from(exercise(&text, &rows)));
            }
            Ok(())
        })
        .unwrap();
    println!(
        "fuzz_passes: {cases} byte-flipped passes ran, {} parsed and summed rows",
        parsed.get()
    );
}

/// The reported crash (item 1): two text features whose widths add up past usize wrap to a
/// small design in a release build; the pass must be refused, not sized from the wrapped sum.
#[test]
fn widths_that_wrap_are_refused() {
    let text = |name: &str| {
        json!({"name": name, "kind": "text", "max_features": 9223372036854775808u64,
               "ngram": [1, 1], "sublinear_tf": false, "l2_norm": true, "idf": []})
    };
    let pass = json!({"pass": "normal", "preprocessor": {"features": [text("a"), text("b")]}});
    assert!(SumsPass::parse(&pass.to_string()).is_err());
    let moments = json!({"pass": "moments", "numbers": 6148914691236517206u64});
    let error = SumsPass::parse(&moments.to_string()).unwrap_err();
    assert_eq!(error.kind, finml_models::ErrorKind::ResourceLimit);
    let ranks = json!({"pass": "ranks", "shift": 64, "targets": vec![json!({"number": 0, "prefix": 0}); 20000]});
    assert_eq!(
        SumsPass::parse(&ranks.to_string()).unwrap_err().kind,
        finml_models::ErrorKind::ResourceLimit
    );
}

/// A state carries its pass: states of two passes of one length are not added (item 14), and
/// a made-up state (a custom aggregate's INITCOND) is refused by the transition's check.
#[test]
fn states_carry_their_pass() {
    let a = r#"{"pass": "spread", "means": [0]}"#;
    let b = r#"{"pass": "spread", "means": [1]}"#;
    let (pa, pb) = (SumsPass::parse(a).unwrap(), SumsPass::parse(b).unwrap());
    let mut sa = pa.zero_state(pa.identity(a)).unwrap();
    let sb = pb.zero_state(pb.identity(b)).unwrap();
    assert_eq!(sa.len(), sb.len());
    assert!(combine_cells(&mut sa, &sb).is_err());
    assert!(pa.check_state(&[1.0, 0.0], pa.identity(a)).is_err());
    assert!(pa.check_state(&sa, pa.identity(a)).is_ok());
}
