//! Fuzzing of the `options` any role passes to fin_train, fin_ts_view, fin_backtest,
//! fin_fairness and fin_profile's proxy screen (issue
//! "Trust, second round"): JSON objects whose keys are the real option keys (and a few
//! others) and whose values are drawn from what a hostile caller would try — extreme and
//! negative numbers, huge lists, nested objects, wrong types.
//!
//! The property: parsing never panics; a fin_train options object either parses to training
//! options whose every algorithm's parameters parse or refuse without a panic; a fin_ts_view
//! options object either is refused or gives a bounded view (at most 512 added columns and
//! 1 MiB of SQL); fin_backtest's split of its options never panics; a fin_fairness options
//! object either is refused or tests rows of extreme values without a panic, its bands at most
//! 99 strictly ascending edges; a fin_profile options object either is refused or splits into
//! fin_train's (the protected attributes excluded) and sane proxy settings, whose screen of
//! extreme values gives associations in [0, 1] or none. A fin_ecl options object either is
//! refused or provisions a loan of extreme terms with finite PDs in [0, 1] and a finite loss,
//! or refuses it.
//!
//! Cases: `FINML_FUZZ_CASES` (default 256, as `make test` runs it; `make fuzz` runs more).

use finml_models::backtest::{BacktestSpec, BACKTEST_KEYS};
use finml_models::data::{CategoricalColumn, Column, NumericColumn};
use finml_models::dp_sgd::BUDGET_KEYS;
use finml_models::ecl::{EclOptions, LoanTerms, ECL_KEYS};
use finml_models::estimator::registry;
use finml_models::fairness::{FairnessOptions, FairnessSample, ProtectedColumn, FAIRNESS_KEYS};
use finml_models::linear::private::SGD_KEYS;
use finml_models::options::TRAINING_KEYS;
use finml_models::proxy::{screen, split_options, Protected};
use finml_models::timeseries::{TimeKind, TsViewSpec, TS_VIEW_KEYS};
use finml_models::{RawValue, TrainOptions};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};

/// Keys of fin_train's options (the training's own and every algorithm's), fin_ts_view's and
/// fin_backtest's, as the crate lists them (a key added there is fuzzed at once), and keys of
/// nested objects (a text column's, a target's) or of nothing.
fn keys() -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = TRAINING_KEYS
        .iter()
        .chain(registry::all().flat_map(|a| a.keys()))
        .chain(TS_VIEW_KEYS)
        .chain(BACKTEST_KEYS)
        .chain(&FAIRNESS_OPTION_KEYS)
        .chain(BUDGET_KEYS)
        .chain(SGD_KEYS)
        .chain(ECL_KEYS)
        .chain(&[
            "memo",
            "amount",
            "ts",
            "volatility",
            "return",
            "direction",
            "max_features",
            "ngram",
            "above",
            "below",
            "name",
            "weight",
            "shift",
            "a",
            "b",
            "",
        ])
        .copied()
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// fin_fairness's option keys (FAIRNESS_KEYS names them in its hint; checked below).
const FAIRNESS_OPTION_KEYS: [&str; 5] = [
    "cutoff",
    "approve",
    "reference",
    "bands",
    "impact_ratio_threshold",
];

/// Columns the fuzzed relation has (fin_ts_view checks names against them).
const COLUMNS: [&str; 6] = ["symbol", "ts", "close", "high", "low", "volume"];

fn cases() -> u32 {
    std::env::var("FINML_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// A value a hostile caller would pass for an option.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(Value::from),
        prop_oneof![
            Just(0i64),
            Just(-7),
            Just(1),
            Just(2),
            Just(5),
            Just(12),
            Just(26),
            Just(100_000),
            Just(i64::MAX),
            Just(i64::MIN)
        ]
        .prop_map(Value::from),
        prop_oneof![
            Just(1e308),
            Just(-1e308),
            Just(0.5),
            Just(1e-300),
            Just(3.5)
        ]
        .prop_map(Value::from),
        Just(json!(18446744073709551615u64)),
        prop::sample::select(keys()).prop_map(Value::from),
        prop::sample::select(&COLUMNS[..]).prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(keys()), inner), 0..6).prop_map(|pairs| {
                Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
            // A long list: a thousand periods, as the reported attack passed.
            (0usize..3).prop_map(|k| json!(vec![100_000 - k as i64; 1000])),
        ]
    })
}

/// An options object of up to 8 known (or unknown) keys.
fn options() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(keys()), value()), 0..8).prop_map(|pairs| {
        let mut object = Map::new();
        for (k, v) in pairs {
            object.insert(k.to_owned(), v);
        }
        Value::Object(object)
    })
}

#[test]
fn fin_train_options_never_panic() {
    let parsed = std::cell::Cell::new(0u32);
    runner()
        .run(&options(), |options| {
            if let Ok(training) = TrainOptions::from_json(&options) {
                parsed.set(parsed.get() + 1);
                for algorithm in registry::all() {
                    let _ = training.clone().for_algorithm(algorithm);
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "fuzz_options: {} fin_train options objects, {} parsed",
        cases(),
        parsed.get()
    );
}

#[test]
fn fin_ts_view_options_never_panic_and_give_bounded_views() {
    let columns: Vec<String> = COLUMNS.iter().map(|c| (*c).to_owned()).collect();
    let kinds = [TimeKind::Date, TimeKind::Timestamp, TimeKind::TimestampTz];
    let parsed = std::cell::Cell::new(0u32);
    runner()
        .run(&(options(), 0usize..3), |(options, kind)| {
            if let Ok(spec) = TsViewSpec::parse(&options, &columns, kinds[kind]) {
                if let Ok(sql) = spec.select_sql("\"public\".\"ticks\"", &columns, "ts", "finml") {
                    parsed.set(parsed.get() + 1);
                    prop_assert!(sql.len() <= 1 << 20, "a view of {} bytes of SQL", sql.len());
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "fuzz_options: {} fin_ts_view options objects, {} gave a view",
        cases(),
        parsed.get()
    );
}

#[test]
fn fin_backtest_options_never_panic() {
    runner()
        .run(&options(), |options| {
            if let Ok((_, rest)) = BacktestSpec::split_options(&options) {
                let _ = TrainOptions::from_json(&rest);
            }
            Ok(())
        })
        .unwrap();
    println!("fuzz_options: {} fin_backtest options objects", cases());
}

/// A fin_fairness options object: a cutoff (mostly a probability), bands and reference groups
/// of the fuzzed attributes (or of others), and up to 4 more keys of any value.
fn fairness_options() -> impl Strategy<Value = Value> {
    let attribute = prop::sample::select(vec!["close", "symbol", "volume"]);
    let edge = prop_oneof![
        Just(1e308),
        Just(-1e308),
        Just(0.0),
        Just(26.0),
        Just(26.0),
        Just(5e-324),
        (-100i32..100).prop_map(f64::from)
    ];
    let bands = prop::collection::vec(
        (attribute.clone(), prop::collection::vec(edge, 0..120)),
        0..3,
    );
    let reference = prop::collection::vec(
        (
            attribute,
            prop::sample::select(vec!["GOOG", "<26", "[0,26)", ">=26", ""]),
        ),
        0..3,
    );
    let cutoff = prop_oneof![Just(json!(0.3)), Just(json!(0.5)), value()];
    let more = prop::collection::vec(
        (prop::sample::select(&FAIRNESS_OPTION_KEYS[..]), value()),
        0..4,
    );
    (cutoff, bands, reference, more).prop_map(|(cutoff, bands, reference, more)| {
        let mut object = Map::new();
        for (k, v) in more {
            object.insert(k.to_owned(), v);
        }
        object.insert("cutoff".into(), cutoff);
        if !bands.is_empty() {
            let bands: Map<String, Value> = bands
                .into_iter()
                .map(|(a, e)| (a.to_owned(), json!(e)))
                .collect();
            object.insert("bands".into(), Value::Object(bands));
        }
        if !reference.is_empty() {
            let groups: Map<String, Value> = reference
                .into_iter()
                .map(|(a, g)| (a.to_owned(), json!(g)))
                .collect();
            object.insert("reference".into(), Value::Object(groups));
        }
        Value::Object(object)
    })
}

#[test]
fn fin_fairness_options_never_panic_and_band_sanely() {
    for key in FAIRNESS_OPTION_KEYS {
        assert!(
            FAIRNESS_KEYS.contains(key),
            "{key} is fuzzed but not documented"
        );
    }
    let attributes = [
        ProtectedColumn {
            name: "close".into(),
            numeric: true,
        },
        ProtectedColumn {
            name: "symbol".into(),
            numeric: false,
        },
    ];
    let numbers = [1e308, -1e308, f64::NAN, 0.0, -0.0, 26.0, 5e-324];
    let parsed = std::cell::Cell::new(0u32);
    runner()
        .run(&fairness_options(), |options| {
            let Ok(parsed_options) = FairnessOptions::parse(&options, &attributes) else {
                return Ok(());
            };
            parsed.set(parsed.get() + 1);
            for edges in parsed_options.bands.values() {
                prop_assert!(!edges.is_empty() && edges.len() <= 99);
                prop_assert!(edges.windows(2).all(|w| w[0] < w[1]));
            }
            let mut sample =
                FairnessSample::new("bad", &attributes, parsed_options, 1 << 20).unwrap();
            for (i, &x) in numbers.iter().enumerate() {
                let label = if i % 2 == 0 { "bad" } else { "good" };
                let symbol = if i % 3 == 0 {
                    RawValue::Null
                } else {
                    RawValue::Text("GOOG")
                };
                let _ = sample.add(
                    i as f64 / 8.0,
                    RawValue::Text(label),
                    &[RawValue::Number(x), symbol],
                );
            }
            let _ = sample.report();
            Ok(())
        })
        .unwrap();
    println!(
        "fuzz_options: {} fin_fairness options objects, {} parsed",
        cases(),
        parsed.get()
    );
}

/// A fin_profile options object: fin_train's keys, protected attributes (real, made-up or of
/// the wrong type), bands of them or of others, and a proxy threshold of any value.
fn profile_options() -> impl Strategy<Value = Value> {
    let attribute = prop::sample::select(vec!["close", "symbol", "volume", ""]);
    let edge = prop_oneof![
        Just(json!(1e308)),
        Just(json!(-1e308)),
        Just(json!(26)),
        Just(json!("26")),
        Just(json!(null)),
        (-100i32..100).prop_map(Value::from)
    ];
    let protected = prop_oneof![
        prop::collection::vec(attribute.clone(), 0..4).prop_map(|a| json!(a)),
        value()
    ];
    let bands = prop_oneof![
        prop::collection::vec((attribute, prop::collection::vec(edge, 0..120)), 0..3).prop_map(
            |bands| {
                Value::Object(
                    bands
                        .into_iter()
                        .map(|(a, e)| (a.to_owned(), Value::Array(e)))
                        .collect(),
                )
            }
        ),
        value()
    ];
    let threshold = prop_oneof![Just(json!(0.3)), Just(json!(1)), value()];
    (options(), protected, bands, threshold).prop_map(|(base, protected, bands, threshold)| {
        let mut object = base.as_object().cloned().unwrap_or_default();
        object.insert("protected".into(), protected);
        object.insert("bands".into(), bands);
        object.insert("proxy_threshold".into(), threshold);
        Value::Object(object)
    })
}

#[test]
fn fin_profile_proxy_options_never_panic_and_screen_sanely() {
    let numbers = [1e308, -1e308, f64::NAN, 0.0, -0.0, 26.0, 5e-324, 26.0];
    let mut close = NumericColumn::default();
    let mut symbol = CategoricalColumn::default();
    for (i, &x) in numbers.iter().enumerate() {
        close.push("close", (!x.is_nan()).then_some(x)).unwrap();
        symbol.push([Some("GOOG"), None, Some("AAPL")][i % 3]);
    }
    let (close, symbol) = (Column::Numeric(close), Column::Categorical(symbol));
    let parsed = std::cell::Cell::new(0u32);
    runner()
        .run(&profile_options(), |options| {
            let Ok((train, settings)) = split_options(&options) else {
                return Ok(());
            };
            parsed.set(parsed.get() + 1);
            let _ = TrainOptions::from_json(&train);
            prop_assert!(settings.threshold > 0.0 && settings.threshold <= 1.0);
            if let Some(Value::Array(protected)) = options.get("protected") {
                let excluded = &train["exclude"];
                for name in protected.iter().filter(|p| p.is_string()) {
                    prop_assert!(excluded.as_array().is_some_and(|e| e.contains(name)));
                }
            }
            for edges in settings.bands.values() {
                prop_assert!(!edges.is_empty() && edges.len() <= 99);
                prop_assert!(edges.windows(2).all(|w| w[0] < w[1]));
            }
            let attributes: Vec<Protected> = [("close", &close), ("symbol", &symbol)]
                .into_iter()
                .filter_map(|(name, column)| {
                    let bands = settings.bands.get(name).map(Vec::as_slice);
                    Protected::new(name, column, bands).ok()
                })
                .collect();
            for candidate in [&close, &symbol] {
                let (associations, _) = screen(candidate, &attributes, settings.threshold);
                for a in associations {
                    prop_assert!(a.value.is_finite() && (0.0..=1.0).contains(&a.value));
                }
            }
            Ok(())
        })
        .unwrap();
    println!(
        "fuzz_options: {} fin_profile options objects, {} split",
        cases(),
        parsed.get()
    );
}

/// A Cox model of two numeric features ("a", "b") on 200 generated loans.
fn cox_model() -> finml_models::Model {
    use finml_models::data::{Dataset, Feature, SurvivalColumn, TargetColumn};
    let numbers = |f: &dyn Fn(usize) -> f64| NumericColumn {
        values: (0..200).map(f).collect(),
    };
    let data = Dataset {
        features: vec![
            Feature {
                name: "a".into(),
                column: Column::Numeric(numbers(&|i| (i % 13) as f64 / 13.0)),
            },
            Feature {
                name: "b".into(),
                column: Column::Numeric(numbers(&|i| (i % 7) as f64 * 10.0)),
            },
        ],
        target_name: "defaulted".into(),
        target: TargetColumn::Survival(SurvivalColumn {
            events: (0..200).map(|i| f64::from(u8::from(i % 13 > 7))).collect(),
            durations: (0..200).map(|i| (1 + i % 24) as f64).collect(),
            entries: None,
        }),
        test_mask: None,
        weights: None,
        times: None,
    };
    let options = TrainOptions::from_json(&json!({"duration": "months", "test_size": 0})).unwrap();
    let limits = finml_models::Limits {
        max_memory_bytes: 64 << 20,
        device: finml_models::mlp::DeviceChoice::Cpu,
        threads: 1,
    };
    finml_models::train(&data, registry::COX, &options, limits)
        .unwrap()
        .model
}

/// fin_ecl options: up to 2 of its keys (or others) with hostile values over the required
/// ones, and scenarios that are absent, well formed with hostile weights and shifts, or
/// anything.
fn ecl_options() -> impl Strategy<Value = Value> {
    let key = prop::sample::select(
        ECL_KEYS
            .iter()
            .copied()
            .chain(["a", ""])
            .collect::<Vec<_>>(),
    );
    let number = prop::sample::select(vec![
        0.0,
        0.3,
        0.7,
        1.0,
        -1.0,
        1e308,
        1e12,
        f64::MIN_POSITIVE,
    ]);
    let scenario = (number.clone(), prop::sample::select(vec!["a", "b", "c", ""]), number.clone())
        .prop_map(|(weight, feature, shift)| json!({"name": "s", "weight": weight, "shift": {feature: shift}}));
    let scenarios = prop_oneof![
        Just(None),
        prop::collection::vec(scenario, 0..4).prop_map(|s| Some(Value::Array(s))),
        value().prop_map(Some),
    ];
    (
        prop::collection::vec((key, value()), 0..3),
        number,
        scenarios,
    )
        .prop_map(|(pairs, lgd, scenarios)| {
            let mut map = Map::new();
            map.insert("ead".into(), json!("ead"));
            map.insert("remaining_term".into(), json!("term"));
            map.insert("lgd".into(), json!(lgd));
            if let Some(scenarios) = scenarios {
                map.insert("scenarios".into(), scenarios);
            }
            for (k, v) in pairs {
                map.insert(k.to_owned(), v);
            }
            Value::Object(map)
        })
}

/// A loan's term as a hostile relation would hold it.
fn term() -> impl Strategy<Value = Option<f64>> {
    prop::sample::select(vec![
        None,
        Some(f64::NAN),
        Some(f64::INFINITY),
        Some(-1.0),
        Some(0.0),
        Some(0.5),
        Some(1.0),
        Some(30.0),
        Some(95.0),
        Some(1200.0),
        Some(5000.0),
        Some(1e308),
    ])
}

#[test]
fn fin_ecl_options_never_panic_and_give_finite_losses() {
    let model = cox_model();
    let parsed = std::cell::Cell::new(0u32);
    let terms = (
        term(),
        term(),
        term(),
        term(),
        term(),
        term(),
        any::<Option<bool>>(),
    );
    let features = (
        prop::sample::select(vec![0.5, -1e308, 1e308, 0.0]),
        0usize..2,
    );
    runner()
        .run(
            &(ecl_options(), terms, features),
            |(
                options,
                (ead, lgd, eir, remaining_term, origination_pd, days_past_due, in_default),
                (x, null),
            )| {
                let Ok(ecl) = EclOptions::parse(&options, &model) else {
                    return Ok(());
                };
                parsed.set(parsed.get() + 1);
                let terms = LoanTerms {
                    ead,
                    lgd,
                    eir,
                    remaining_term,
                    origination_pd,
                    days_past_due,
                    in_default,
                };
                let values = [
                    RawValue::Number(x),
                    if null == 0 {
                        RawValue::Null
                    } else {
                        RawValue::Number(20.0)
                    },
                ];
                if let Ok(loan) = ecl.loan(&model, &values, &terms, "1", &mut Vec::new()) {
                    prop_assert!((1..=3).contains(&loan.stage));
                    for pd in [loan.pd_12m, loan.pd_lifetime] {
                        prop_assert!((0.0..=1.0).contains(&pd), "a PD of {pd}");
                    }
                    for loss in [loan.ecl_12m, loan.ecl_lifetime, loan.ecl] {
                        prop_assert!(loss.is_finite() && loss >= 0.0, "a loss of {loss}");
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    println!(
        "fuzz_options: {} fin_ecl options objects, {} parsed",
        cases(),
        parsed.get()
    );
}
