//! Differentially private training (`options.privacy`, DP-SGD as Abadi et al. 2016 and
//! Opacus run it): the budget a training spends (the RDP accountant of
//! tests/privacy_accountant.rs, at most the target ε), what it learns against the same model
//! trained without privacy, each row's logistic gradient against its formula, and the options
//! refused because they would void the guarantee.

use finml_models::data::{Column, Dataset, Feature, NumericColumn, TargetColumn};
use finml_models::linear::private::row_gradient;
use finml_models::mlp::DeviceChoice;
use finml_models::privacy::noise_multiplier;
use finml_models::registry::{GBDT, LOGISTIC, MLP, SCORECARD};
use finml_models::{train, Algorithm, ErrorKind, Limits, TrainOptions, TrainOutcome};
use serde_json::{json, Value};

fn limits() -> Limits {
    Limits {
        max_memory_bytes: 1 << 30,
        device: DeviceChoice::Cpu,
        threads: 2,
    }
}

/// `rows` applicants with three scores and a default drawn from the logistic model
/// −1 + 1.5·x0 − x1 + 0.5·x2 (a fixed generator: the same rows every run).
fn applicants(rows: usize) -> Dataset {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut columns: Vec<Vec<f64>> = (0..3).map(|_| Vec::with_capacity(rows)).collect();
    let mut target = Vec::with_capacity(rows);
    for _ in 0..rows {
        let x: Vec<f64> = (0..3).map(|_| uniform() * 4.0 - 2.0).collect();
        let eta = -1.0 + 1.5 * x[0] - x[1] + 0.5 * x[2];
        target.push(Some(uniform() < 1.0 / (1.0 + (-eta).exp())));
        for (c, v) in columns.iter_mut().zip(x) {
            c.push(v);
        }
    }
    Dataset {
        features: columns
            .into_iter()
            .enumerate()
            .map(|(k, values)| Feature {
                name: format!("x{k}"),
                column: Column::Numeric(NumericColumn { values }),
            })
            .collect(),
        target_name: "defaulted".into(),
        target: TargetColumn::Boolean(target),
        test_mask: None,
        weights: None,
        times: None,
    }
}

fn trained(data: &Dataset, algorithm: Algorithm, options: Value) -> TrainOutcome {
    let options = TrainOptions::from_json(&options).unwrap();
    train(data, algorithm, &options, limits()).unwrap()
}

fn spent(outcome: &TrainOutcome) -> Value {
    outcome.metrics_json(0.0)["privacy"].clone()
}

/// The budget spent is the accountant's over the steps taken, at most the target and within
/// the noise multiplier search's tolerance (0.01) of it; σ is the one the search finds.
fn assert_spent(privacy: &Value, target: f64, steps: u64, sample_rate: f64) {
    let epsilon = privacy["epsilon"].as_f64().unwrap();
    assert!(epsilon <= target && epsilon >= target - 0.011, "{privacy}");
    assert_eq!(privacy["steps"], json!(steps));
    assert_eq!(privacy["sample_rate"].as_f64(), Some(sample_rate));
    assert_eq!(privacy["accountant"], json!("rdp"));
    let sigma = noise_multiplier(target, 1e-5, sample_rate, steps, 0.01).unwrap();
    assert_eq!(privacy["noise_multiplier"].as_f64(), Some(sigma));
}

#[test]
fn a_row_gradient_is_the_residual_times_the_row() {
    // d/dθ of −[y ln p + (1 − y) ln(1 − p)] with p = σ(b + w·x) is (p − y)(1, x).
    let (b, w, x): (f64, [f64; 2], [f64; 2]) = (0.3, [0.5, -1.25], [2.0, 0.4]);
    let p = 1.0 / (1.0 + (-(b + w[0] * x[0] + w[1] * x[1])).exp());
    for positive in [true, false] {
        let (residual, norm) = row_gradient(b, &w, &x, positive);
        let y = if positive { 1.0 } else { 0.0 };
        assert!((residual - (p - y)).abs() < 1e-15);
        let by_hand = ((p - y).powi(2) * (1.0 + x[0] * x[0] + x[1] * x[1])).sqrt();
        assert!((norm - by_hand).abs() < 1e-15);
    }
}

#[test]
fn a_private_logistic_regression_spends_its_budget_and_learns() {
    let data = applicants(20_000);
    let exact = trained(&data, LOGISTIC, json!({}));
    // 16,000 training rows in batches of 256: 63 steps an epoch at q = 1/63.
    for (epsilon, auc_loss) in [(8.0, 0.01), (1.0, 0.03)] {
        let private = trained(
            &data,
            LOGISTIC,
            json!({"privacy": {"epsilon": epsilon, "delta": 1e-5, "max_grad_norm": 1.0}}),
        );
        assert_spent(&spent(&private), epsilon, 630, 1.0 / 63.0);
        let (a, b) = (private.metrics["auc"], exact.metrics["auc"]);
        assert!(a > b - auc_loss, "ε = {epsilon}: AUC {a} against {b}");
        // The coefficients carry no standard errors: those are the data's.
        let coefficients = private.model.coefficients_json().unwrap();
        assert!(
            coefficients.to_string().contains("\"std_error\":null"),
            "{coefficients}"
        );
    }
}

#[test]
fn a_private_network_spends_its_budget_and_learns() {
    let data = applicants(8_000);
    let options = |privacy: Value| {
        let mut o = json!({"hidden": [16], "epochs": 3, "batch_size": 64, "learning_rate": 0.01});
        if !privacy.is_null() {
            o["privacy"] = privacy;
        }
        o
    };
    let plain = trained(&data, MLP, options(Value::Null));
    let private = trained(&data, MLP, options(json!({"epsilon": 8})));
    // 6,400 training rows in batches of 64: 100 steps an epoch.
    assert_spent(&spent(&private), 8.0, 300, 0.01);
    let (a, b) = (private.metrics["auc"], plain.metrics["auc"]);
    assert!(a > b - 0.05 && a > 0.8, "AUC {a} against {b}");
    assert!(spent(&plain).is_null());
}

#[test]
fn options_that_would_void_the_guarantee_are_refused() {
    let data = applicants(2_000);
    let budget = json!({"epsilon": 3});
    let cases = [
        (
            LOGISTIC,
            json!({"class_weight": "balanced"}),
            "class_weight",
        ),
        (LOGISTIC, json!({"std_errors": true}), "std_errors"),
        (LOGISTIC, json!({"max_iter": 50}), "max_iter"),
        (
            LOGISTIC,
            json!({"semi_supervised": true}),
            "semi_supervised",
        ),
        (LOGISTIC, json!({"weight_column": "x2"}), "weight_column"),
        (LOGISTIC, json!({"aggregate": true}), "aggregate"),
        (LOGISTIC, json!({"task": "regression"}), "regression"),
        (MLP, json!({"early_stopping": true}), "early_stopping"),
        (
            MLP,
            json!({"class_weight": {"positive": 2, "negative": 1}}),
            "class_weight",
        ),
    ];
    for (algorithm, mut options, named) in cases {
        options["privacy"] = budget.clone();
        let error = TrainOptions::from_json(&options)
            .and_then(|o| train(&data, algorithm, &o, limits()))
            .err()
            .unwrap_or_else(|| panic!("{options} trained"));
        assert_eq!(error.kind, ErrorKind::InvalidOption, "{options}: {error:?}");
        assert!(error.to_string().contains(named), "{options}: {error}");
    }
    // Algorithms without DP-SGD refuse the key itself.
    for algorithm in [GBDT, SCORECARD] {
        let options = TrainOptions::from_json(&json!({"privacy": budget})).unwrap();
        let error = train(&data, algorithm, &options, limits()).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidOption);
    }
    // Budgets out of range, and keys the budget does not have.
    for privacy in [
        json!({"epsilon": 0}),
        json!({"epsilon": "3"}),
        json!({"epsilon": 1e308}),
        json!({"epsilon": 3, "delta": 0.5}),
        json!({"epsilon": 3, "max_grad_norm": 0}),
        json!({"epsilon": 3, "epochs": 2}),
        json!({"delta": 1e-5}),
    ] {
        let options = TrainOptions::from_json(&json!({"privacy": privacy})).unwrap();
        let error = train(&data, MLP, &options, limits()).unwrap_err();
        assert_eq!(error.kind, ErrorKind::InvalidOption, "{privacy}");
    }
}

#[test]
fn a_budget_too_small_for_the_steps_is_refused_with_a_hint() {
    let data = applicants(2_000);
    let options = TrainOptions::from_json(
        &json!({"privacy": {"epsilon": 1e-9, "epochs": 100, "batch_size": 1600}}),
    )
    .unwrap();
    let error = train(&data, LOGISTIC, &options, limits()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidOption);
    assert!(error.to_string().contains("too small"), "{error}");
}

/// The noise's scale: on rows whose features are all 0, every weight's gradient is 0 whatever
/// the row, so each weight ends as the sum of its noise alone, −lr/(q·n)·Σₜ N(0, σ²C²), with
/// standard deviation lr·σ·C·√T/(q·n). The 200 weights' mean square against that variance:
/// χ²(200)/200 has standard deviation 0.1, and the test takes 0.6 to 1.5.
#[test]
fn the_weights_noise_has_the_planned_standard_deviation() {
    use finml_models::dp_sgd::{DpPlan, PrivacyBudget};
    use finml_models::linear::private::{fit_private_logistic, PrivateLogistic};
    use rand::SeedableRng;
    let (rows, width) = (1_000, 200);
    let x = ndarray::Array2::<f64>::zeros((rows, width));
    let y: Vec<bool> = (0..rows).map(|i| i % 3 == 0).collect();
    let budget = PrivacyBudget {
        epsilon: 3.0,
        delta: 1e-5,
        max_grad_norm: 0.5,
    };
    let sgd = PrivateLogistic {
        budget,
        epochs: 5,
        batch_size: 100,
        learning_rate: 0.7,
    };
    let plan = DpPlan::new(budget, rows, sgd.batch_size, sgd.epochs).unwrap();
    let steps = plan.steps_per_epoch as f64 * sgd.epochs as f64;
    let expected_sd =
        sgd.learning_rate * plan.noise_std() * steps.sqrt() / plan.expected_batch(rows);
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let (fit, spent) = fit_private_logistic(&x, &y, 0.0, &sgd, &mut rng).unwrap();
    assert_eq!(spent.steps as f64, steps);
    let mean_square = fit.weights.iter().map(|w| w * w).sum::<f64>() / width as f64;
    let ratio = mean_square / (expected_sd * expected_sd);
    assert!((0.6..1.5).contains(&ratio), "{ratio}");
}

/// A private network whose loss leaves the finite numbers stops with 22000, and its message
/// holds no loss (a value of the sampled rows without noise).
#[test]
fn a_diverging_private_network_is_refused_without_its_loss() {
    let mut data = applicants(2_000);
    // Amounts near f32's largest: their squared errors overflow.
    let amounts = (0..2_000).map(|i| 1e37 * (1.0 + (i % 7) as f64)).collect();
    data.target = finml_models::data::TargetColumn::Numeric(NumericColumn { values: amounts });
    let options =
        TrainOptions::from_json(&json!({"hidden": [4], "epochs": 1, "privacy": {"epsilon": 3}}))
            .unwrap();
    let error = train(&data, MLP, &options, limits()).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidData, "{error:?}");
    assert!(
        error.message.contains("private training diverged"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("inf"), "{}", error.message);
}
