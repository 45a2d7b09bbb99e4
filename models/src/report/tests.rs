use super::charts::predicted_actual_chart;
use super::plot::{Plot, BOTTOM, CHART_HEIGHT, CHART_WIDTH, LEFT, RIGHT, TOP};
use super::print::{nice_ceiling, p_value, tick};
use super::*;
use crate::html::{escape, number};
use crate::metrics::CalibrationBin;

#[test]
fn escaping_covers_markup() {
    assert_eq!(
        escape("<a href=\"x\">&'</a>"),
        "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
    );
}

#[test]
fn numbers_never_print_nan() {
    assert_eq!(number(f64::NAN), "—");
    assert_eq!(number(f64::INFINITY), "—");
    assert_eq!(number(0.84351), "0.8435");
    assert_eq!(number(700.0), "700");
    assert_eq!(number(1.5e-5), "1.500e-5");
    assert_eq!(p_value(1e-9), "&lt; 0.0001");
}

#[test]
fn a_trained_model_reports_every_section() {
    use crate::test_data::{dataset, options, LIMITS};
    let mut options = options();
    options.test_size = 0.25;
    let model = crate::train::train(&dataset(), crate::registry::LOGISTIC, &options, LIMITS)
        .unwrap()
        .model;
    let facts = ReportFacts {
        name: "risk <&> model".into(),
        version: 2,
        deployed_version: Some(2),
        metrics: [("auc".to_owned(), 0.75)].into_iter().collect(),
        ..ReportFacts::default()
    };
    let html = render(&model, &facts);
    assert!(html.contains("risk &lt;&amp;&gt; model version 2"));
    assert!(!html.contains("<&>"));
    for section in [
        "<h2>Model</h2>",
        "<h2>Metrics</h2>",
        "aria-label=\"ROC curve\"",
        "aria-label=\"Predicted probability by class\"",
        "aria-label=\"Calibration\"",
        "aria-label=\"feature importance\"",
        "<h2>Coefficients</h2>",
        "<h2>Versions</h2>",
    ] {
        assert!(html.contains(section), "missing {section}");
    }
    assert!(!html.contains("NaN") && !html.contains("inf"));
    assert!(!html.contains("<h2>Scorecard</h2>"));
    // What the version stores of its rows is listed for every model; a DP budget only for a
    // private one.
    assert!(html.contains("<h2>Privacy</h2>") && html.contains("<td>k-anonymity</td>"));
    assert!(!html.contains("Rényi accountant"));
    assert!(html.contains("No monitoring history is stored"));
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
}

#[test]
fn a_monitoring_history_is_charted_and_tabled_by_period() {
    use crate::test_data::{dataset, options, LIMITS};
    let model = crate::train::train(&dataset(), crate::registry::LOGISTIC, &options(), LIMITS)
        .unwrap()
        .model;
    let period = |p: &str, auc: Option<f64>, psi: f64, status: &str| MonitoringFacts {
        period: p.into(),
        relation: "book<1>".into(),
        rows: 100,
        event_rate: Some(0.2),
        auc,
        psi,
        max_csi_feature: Some("amount".into()),
        max_csi: Some(psi * 2.0),
        status: status.into(),
    };
    let facts = ReportFacts {
        name: "m".into(),
        monitoring: vec![
            period("2026-01", Some(0.8), 0.02, "stable"),
            period("2026-02", None, 0.9, "shifted"),
        ],
        ..ReportFacts::default()
    };
    let html = render(&model, &facts);
    assert!(html.contains("2 periods from 2026-01 to 2026-02"));
    assert!(html.contains("aria-label=\"AUC by period\""));
    assert!(html.contains("aria-label=\"PSI of the score by period\""));
    assert!(html.contains("<td>book&lt;1&gt;</td>") && !html.contains("book<1>"));
    assert!(html.contains("<td>shifted</td>") && html.contains("amount 1.8000"));
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
}

#[test]
fn chart_coordinates_stay_in_the_frame() {
    let plot = Plot::new("t", "x", "y", 0.2);
    assert_eq!(plot.x(0.0), LEFT);
    assert_eq!(plot.x(1.0), CHART_WIDTH - RIGHT);
    assert_eq!(plot.y(0.0), CHART_HEIGHT - BOTTOM);
    assert_eq!(plot.y(0.2), TOP);
    assert_eq!(plot.y(5.0), TOP);
    assert_eq!(nice_ceiling(0.13), 0.2);
    assert_eq!(tick(0.12 / 4.0 * 3.0), "0.09");
    assert_eq!(tick(1.0), "1");
    // Ranges that do not start at 0 (a regression's values) map the same way.
    let plot = Plot::with_ranges("t", "x", "y", (-2.0, 2.0), (10.0, 30.0));
    assert_eq!(plot.x(-2.0), LEFT);
    assert_eq!(plot.x(2.0), CHART_WIDTH - RIGHT);
    assert_eq!(plot.y(10.0), CHART_HEIGHT - BOTTOM);
    assert_eq!(plot.y(30.0), TOP);
}

#[test]
fn a_regression_charts_predicted_against_actual_by_group() {
    let groups: Vec<CalibrationBin> = (1..=10)
        .map(|k| CalibrationBin {
            bin: k,
            mean_predicted: k as f64,
            observed_rate: k as f64 * 1.1,
            count: 5,
        })
        .collect();
    let svg = predicted_actual_chart(&groups);
    assert!(svg.contains("Predicted against actual"));
    assert_eq!(svg.matches("<circle").count(), 10);
    assert!(svg.contains("10 groups of equal size by predicted value"));
    let metrics =
        crate::metrics::calibration_of_values(&[1.0, 2.0, 3.0, 4.0], &[10.0, 20.0, 30.0, 40.0], 2);
    assert_eq!(
        metrics
            .iter()
            .map(|g| (g.mean_predicted, g.observed_rate, g.count))
            .collect::<Vec<_>>(),
        [(1.5, 15.0, 2), (3.5, 35.0, 2)]
    );
}

#[test]
fn a_searched_version_tables_its_trials_and_marks_the_chosen_one() {
    use crate::test_data::{dataset, options, LIMITS};
    let model = crate::train::train(&dataset(), crate::registry::LOGISTIC, &options(), LIMITS)
        .unwrap()
        .model;
    let trial = |trial: i32, l2: &str, mean: f64, chosen: bool| super::TrialFacts {
        trial,
        options: format!("{{\"l2\": {l2}}}"),
        metric: "auc".into(),
        folds: 5,
        mean,
        std: 0.01,
        seconds: 0.5,
        chosen,
    };
    let mut facts = ReportFacts {
        name: "m".into(),
        version: 1,
        trials: vec![trial(1, "0.1", 0.81, false), trial(2, "<1>", 0.83, true)],
        ..ReportFacts::default()
    };
    let html = render(&model, &facts);
    assert!(html.contains("<h2>Hyperparameter search</h2>"));
    assert!(html.contains("fin_tune chose trial 2 of 2 by auc over 5 cross-validation folds"));
    assert!(html.contains("2 (chosen)") && html.contains("&lt;1&gt;") && !html.contains("<1>"));
    facts.trials.clear();
    assert!(!render(&model, &facts).contains("Hyperparameter search"));
}

#[test]
fn the_model_card_comes_first_escaped_documented_keys_in_order() {
    use crate::test_data::{dataset, options, LIMITS};
    let model = crate::train::train(&dataset(), crate::registry::LOGISTIC, &options(), LIMITS)
        .unwrap()
        .model;
    let card = serde_json::json!({
        "zz_extra": "kept <b>",
        "risk_tier": 1,
        "purpose": "retail <credit> decisions",
        "intended_use": "applications under 50k",
    });
    let facts = ReportFacts {
        name: "m".into(),
        version: 3,
        card: card.as_object().unwrap().clone(),
        approval: ApprovalFacts {
            status: "approved".into(),
            decided_by: Some("val".into()),
            decided_at: Some("2026-12-06 10:00:00 UTC".into()),
            comment: Some("back-test & challenger reviewed".into()),
        },
        ..ReportFacts::default()
    };
    let html = render(&model, &facts);
    let card_at = html.find("<h2>Model card</h2>").expect("a card section");
    assert!(card_at < html.find("<h2>Model</h2>").unwrap());
    let order: Vec<usize> = ["Purpose", "Intended use", "Risk tier", "Zz extra"]
        .iter()
        .map(|label| html.find(&format!("<th>{label}</th>")).expect(label))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(html.contains("retail &lt;credit&gt; decisions") && html.contains("kept &lt;b&gt;"));
    assert!(html.contains(
        "<th>Approval of version 3</th><td>approved by val at 2026-12-06 10:00:00 UTC: back-test &amp; challenger reviewed</td>"
    ));
    let bare = render(&model, &ReportFacts::default());
    assert!(bare.contains("fin_describe(model, card)"));
}

#[test]
fn a_private_training_reports_its_budget_and_what_it_does_not_cover() {
    use crate::test_data::{dataset, options, LIMITS};
    let model = crate::train::train(&dataset(), crate::registry::LOGISTIC, &options(), LIMITS)
        .unwrap()
        .model;
    let privacy = crate::dp_sgd::PrivacySpent::of_metrics(
        r#"{"auc": 0.7, "privacy": {"epsilon": 2.995, "delta": 1e-5, "target_epsilon": 3,
            "noise_multiplier": 1.25, "max_grad_norm": 1, "sample_rate": 0.01, "steps": 1000,
            "accountant": "rdp"}}"#,
    );
    assert!(privacy.is_some());
    let facts = ReportFacts {
        name: "m".into(),
        privacy,
        ..ReportFacts::default()
    };
    let html = render(&model, &facts);
    for text in [
        "<h2>Privacy</h2>",
        "(ε, δ) = (2.9950, 1.000e-5) spent",
        "target ε of 3",
        "1000 steps",
        "does not cover",
    ] {
        assert!(html.contains(text), "missing {text}");
    }
    assert_eq!(
        crate::dp_sgd::PrivacySpent::of_metrics(r#"{"auc": 0.7}"#),
        None
    );
    assert_eq!(
        crate::dp_sgd::PrivacySpent::of_metrics(r#"{"privacy": {"epsilon": "x"}}"#),
        None
    );
}
