//! The model report for validators: one self-contained HTML page (no scripts, no external
//! files: charts are inline SVG) built from the model and the catalog's facts about it.
//!
//! Why it is built this way: a validator archives the page with the model's file and opens
//! it years later, offline, in a bank's locked-down browser; so nothing is fetched, nothing
//! runs, every number is escaped text, and the curves are the ones measured at training
//! (stored in the model's evaluation summary), not recomputed from data that may have changed.

use crate::fit::Task;
use crate::html::{escape, number};
use crate::metrics::{self, CalibrationBin, ClassHistogram};
use crate::model::Model;
use crate::preprocess::Transform;
use std::collections::BTreeMap;
use std::fmt::Write;

/// What the catalog knows about the reported version and its siblings.
#[derive(Debug, Clone, Default)]
pub struct ReportFacts {
    pub name: String,
    pub version: i32,
    pub deployed_version: Option<i32>,
    pub relation: String,
    pub trained_at: String,
    pub trained_by: String,
    pub owner: String,
    pub train_rows: i64,
    pub test_rows: i64,
    /// The training options as stored (JSON text).
    pub options: String,
    /// The metrics stored at training.
    pub metrics: BTreeMap<String, f64>,
    pub versions: Vec<VersionFacts>,
    /// An MLP's training log: (epoch, training loss, validation loss).
    pub training_log: Vec<(i32, f64, Option<f64>)>,
    pub finml_version: String,
    pub postgres_version: String,
    pub generated_at: String,
    /// The stored monitoring history of this version (fin_monitor with "store"), one row
    /// per period (the latest run's), in period order.
    pub monitoring: Vec<MonitoringFacts>,
}

/// One period of the stored monitoring history.
#[derive(Debug, Clone, Default)]
pub struct MonitoringFacts {
    pub period: String,
    pub relation: String,
    pub rows: i64,
    pub event_rate: Option<f64>,
    pub auc: Option<f64>,
    pub psi: f64,
    pub max_csi_feature: Option<String>,
    pub max_csi: Option<f64>,
    pub status: String,
}

/// One version of the model, for the versions table.
#[derive(Debug, Clone, Default)]
pub struct VersionFacts {
    pub version: i32,
    pub algorithm: String,
    pub trained_at: String,
    pub trained_by: String,
    pub train_rows: i64,
    pub test_rows: i64,
    pub metrics: BTreeMap<String, f64>,
}

/// The stored monitoring history: AUC and PSI by period, and the table of periods.
fn monitoring_section(html: &mut String, facts: &ReportFacts) {
    html.push_str("<section><h2>Monitoring</h2>");
    let history = &facts.monitoring;
    let (Some(first), Some(last)) = (history.first(), history.last()) else {
        html.push_str(
            "<p>No monitoring history is stored for this version: run fin_monitor(model, \
             relation, period, '{\"store\": true}') each period (for instance from pg_cron).</p>\
             </section>\n",
        );
        return;
    };
    let _ = write!(
        html,
        "<p>{} periods from {} to {}, as stored by fin_monitor. PSI: stable below 0.1, \
         shifted above 0.25.</p><div class=\"charts\">",
        history.len(),
        escape(&first.period),
        escape(&last.period)
    );
    let position = |k: usize| {
        if history.len() > 1 {
            k as f64 / (history.len() - 1) as f64
        } else {
            0.5
        }
    };
    let caption = format!(
        "Periods left to right, {} to {}.",
        first.period, last.period
    );
    let auc: Vec<(f64, f64)> = history
        .iter()
        .enumerate()
        .filter_map(|(k, m)| m.auc.map(|a| (position(k), a)))
        .collect();
    if !auc.is_empty() {
        let mut plot = Plot::new("AUC by period", "period", "AUC", 1.0);
        plot.polyline(&auc, NEGATIVE_COLOUR, true);
        html.push_str(&plot.finish(&caption));
    }
    let largest = history.iter().map(|m| m.psi).fold(0.3, f64::max);
    let top = nice_loss_top(largest);
    let mut plot = Plot::new("PSI of the score by period", "period", "PSI", top);
    for threshold in [0.1, 0.25] {
        plot.polyline(&[(0.0, threshold), (1.0, threshold)], "#999999", false);
    }
    let psi: Vec<(f64, f64)> = history
        .iter()
        .enumerate()
        .map(|(k, m)| (position(k), m.psi))
        .collect();
    plot.polyline(&psi, POSITIVE_COLOUR, true);
    html.push_str(&plot.finish(&format!("{caption} Grey: 0.1 and 0.25.")));
    html.push_str(
        "</div><table><tr><th>period</th><th>relation</th><th>rows</th><th>event rate</th>\
         <th>AUC</th><th>PSI</th><th>highest CSI</th><th>status</th></tr>\n",
    );
    for m in history {
        let csi = match (&m.max_csi_feature, m.max_csi) {
            (Some(f), Some(c)) => format!("{} {}", escape(f), number(c)),
            _ => "—".to_owned(),
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{csi}</td><td>{}</td></tr>",
            escape(&m.period),
            escape(&m.relation),
            m.rows,
            optional(m.event_rate),
            optional(m.auc),
            number(m.psi),
            escape(&m.status)
        );
    }
    html.push_str("</table></section>\n");
}

/// The metric that sums a version up in the versions table.
fn headline_metric(metrics: &BTreeMap<String, f64>) -> Option<(&'static str, f64)> {
    ["auc", "r2", "rmse"]
        .into_iter()
        .find_map(|k| metrics.get(k).map(|&v| (k, v)))
}

/// Renders the report.
pub fn render(model: &Model, facts: &ReportFacts) -> String {
    let mut html = String::with_capacity(64 * 1024);
    let title = format!("{} version {}", facts.name, facts.version);
    let _ = writeln!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>finml model report: {}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let deployed = match facts.deployed_version {
        Some(v) if v == facts.version => "deployed".to_owned(),
        Some(v) => format!("not deployed (version {v} is)"),
        None => "not deployed".to_owned(),
    };
    let _ = writeln!(
        html,
        "<header><h1>{}</h1><p class=\"sub\">{} · {} · {}</p></header>",
        escape(&title),
        escape(model.algorithm().as_str()),
        escape(model.task.as_str()),
        escape(&deployed)
    );
    facts_section(&mut html, model, facts);
    metrics_section(&mut html, model, facts);
    charts_section(&mut html, model);
    loss_section(&mut html, facts);
    importance_section(&mut html, model);
    coefficients_section(&mut html, model);
    scorecard_section(&mut html, model);
    model.estimator.report_section(&mut html);
    monitoring_section(&mut html, facts);
    versions_section(&mut html, facts);
    let _ = writeln!(
        html,
        "<footer>Generated by finml {} on PostgreSQL {} at {}.</footer>\n</body></html>",
        escape(&facts.finml_version),
        escape(&facts.postgres_version),
        escape(&facts.generated_at),
    );
    html
}

fn facts_section(html: &mut String, model: &Model, facts: &ReportFacts) {
    html.push_str("<section><h2>Model</h2><table class=\"facts\">\n");
    let target = match &model.positive_class {
        Some(positive) => format!("{} (positive class: {positive})", model.target),
        None if model.task.is_unsupervised() => "none (trained without a target)".to_owned(),
        None => model.target.clone(),
    };
    let evaluated_on = evaluated_on(model);
    let rows = [
        ("Model", format!("{} version {}", facts.name, facts.version)),
        ("Algorithm", model.algorithm().as_str().to_owned()),
        ("Task", model.task.as_str().to_owned()),
        ("Target", target),
        ("Training data", facts.relation.clone()),
        (
            "Rows",
            format!(
                "{} training, {} test (metrics measured on the {evaluated_on} rows)",
                facts.train_rows, facts.test_rows
            ),
        ),
        (
            "Trained",
            format!("{} by {}", facts.trained_at, facts.trained_by),
        ),
        ("Owner", facts.owner.clone()),
        ("Options", facts.options.clone()),
    ];
    for (label, value) in rows.into_iter().chain(model.estimator.structure()) {
        let _ = writeln!(html, "<tr><th>{label}</th><td>{}</td></tr>", escape(&value));
    }
    html.push_str(
        "</table>\n<h3>Features</h3><table><tr><th>feature</th><th>treatment</th></tr>\n",
    );
    for f in &model.preprocessor.features {
        let treatment = match &f.transform {
            Transform::Numeric(n) => format!(
                "numeric, standardized (mean {}, sd {}), NULL → {}",
                number(n.mean),
                number(n.scale),
                number(n.impute)
            ),
            Transform::Categorical(c) => format!(
                "categorical, {} indicator column{} against the reference level \"{}\"",
                c.levels.len(),
                if c.levels.len() == 1 { "" } else { "s" },
                c.reference
            ),
            Transform::Binned(b) => format!("binned into {} bins (WoE)", b.bins.len()),
            Transform::Date(d) => format!(
                "date, {} (each standardized; days since {})",
                d.parts
                    .iter()
                    .map(|p| p.part.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::calendar::iso_date(d.origin)
            ),
            Transform::Text(t) => format!(
                "text, hashed TF-IDF: {} columns, {}-{} word n-grams{}{}",
                t.spec.max_features,
                t.spec.ngram.0,
                t.spec.ngram.1,
                if t.spec.sublinear_tf {
                    ", sublinear tf"
                } else {
                    ""
                },
                if t.spec.l2_norm {
                    ", L2-normalized"
                } else {
                    ""
                }
            ),
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(&f.name),
            escape(&treatment)
        );
    }
    html.push_str("</table>\n");
    if let Some(card) = model.points() {
        if !card.dropped.is_empty() {
            html.push_str("<p>Left out of the scorecard: ");
            let dropped: Vec<String> = card
                .dropped
                .iter()
                .map(|d| format!("{} (IV {}: {})", d.name, number(d.iv), d.reason))
                .collect();
            html.push_str(&escape(&dropped.join("; ")));
            html.push_str("</p>\n");
        }
    }
    html.push_str("</section>\n");
}

/// Where the metrics were measured: "test" or "train" (an unsupervised model holds no rows
/// out; versions before 0.3.0 kept no evaluation, and were measured on the test rows).
fn evaluated_on(model: &Model) -> &str {
    match &model.evaluation {
        Some(e) => e.evaluated_on.as_str(),
        None if model.task.is_unsupervised() => "train",
        None => "test",
    }
}

fn metrics_section(html: &mut String, model: &Model, facts: &ReportFacts) {
    let on = evaluated_on(model);
    let thresholds = if model.task == crate::options::Task::Classification {
        "; accuracy, precision, recall and f1 at a threshold of 0.5"
    } else {
        ""
    };
    let _ = writeln!(
        html,
        "<section><h2>Metrics</h2><p>Measured at training on the {on} rows{thresholds}.</p>\
         <table><tr><th>metric</th><th>value</th><th>definition</th></tr>"
    );
    for (name, definition) in metrics::METRICS {
        if let Some(&value) = facts.metrics.get(*name) {
            let _ = writeln!(
                html,
                "<tr><td>{name}</td><td class=\"num\">{}</td><td>{definition}</td></tr>",
                number(value)
            );
        }
    }
    html.push_str("</table></section>\n");
}

fn charts_section(html: &mut String, model: &Model) {
    if model.task.is_unsupervised() {
        return;
    }
    let Some(evaluation) = &model.evaluation else {
        html.push_str(
            "<section><h2>Charts</h2><p>This version was trained before finml 0.3.0 kept \
             evaluation curves; retrain it to chart them.</p></section>\n",
        );
        return;
    };
    if model.task == crate::options::Task::Regression {
        if !evaluation.calibration.is_empty() {
            html.push_str("<section><h2>Performance on the ");
            html.push_str(&escape(&evaluation.evaluated_on));
            html.push_str(" rows</h2><div class=\"charts\">\n");
            html.push_str(&predicted_actual_chart(&evaluation.calibration));
            html.push_str("</div></section>\n");
        }
        return;
    }
    html.push_str("<section><h2>Performance on the ");
    html.push_str(&escape(&evaluation.evaluated_on));
    html.push_str(" rows</h2><div class=\"charts\">\n");
    if !evaluation.roc.is_empty() {
        html.push_str(&roc_chart(&evaluation.roc));
    }
    if let Some(histogram) = &evaluation.histogram {
        let positive = model.positive_class.as_deref().unwrap_or("positive");
        let negative = model.negative_class.as_deref().unwrap_or("negative");
        html.push_str(&distribution_chart(histogram, (positive, negative)));
    }
    if !evaluation.calibration.is_empty() {
        html.push_str(&calibration_chart(&evaluation.calibration));
    }
    html.push_str("</div></section>\n");
}

fn loss_section(html: &mut String, facts: &ReportFacts) {
    if facts.training_log.is_empty() {
        return;
    }
    html.push_str("<section><h2>Training</h2><div class=\"charts\">\n");
    html.push_str(&loss_chart(&facts.training_log));
    html.push_str("</div></section>\n");
}

fn importance_section(html: &mut String, model: &Model) {
    let Ok(importance) = model.importance() else {
        return;
    };
    let scale = match model.task {
        Task::Regression | Task::Clustering | Task::AnomalyDetection => "the predicted value",
        Task::Classification => "the log-odds",
    };
    let _ = writeln!(
        html,
        "<section><h2>Feature importance</h2><p>Standard deviation of each feature's \
         contribution to {scale} over the training rows (what fin_importance returns).</p>"
    );
    html.push_str(&importance_chart(&importance));
    html.push_str("</section>\n");
}

fn coefficients_section(html: &mut String, model: &Model) {
    if model.estimator.coefficients().is_empty() {
        return;
    }
    let what = model.estimator.coefficients_scale();
    let _ = writeln!(
        html,
        "<section><h2>Coefficients</h2><p>Estimates {what}; Wald z and two-sided p-values.</p>\
         <table><tr><th>term</th><th>estimate</th><th>std. error</th><th>z</th>\
         <th>p-value</th><th>odds ratio</th></tr>"
    );
    for c in model.estimator.coefficients() {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&c.term),
            number(c.estimate),
            optional(c.std_error),
            optional(c.z),
            c.p_value.map_or("—".to_owned(), p_value),
            optional(c.odds_ratio)
        );
    }
    html.push_str("</table></section>\n");
}

fn scorecard_section(html: &mut String, model: &Model) {
    let Ok((card, binnings)) = model.scorecard() else {
        return;
    };
    let _ = writeln!(
        html,
        "<section><h2>Scorecard</h2><p>{} points at odds {}:1, {} points to double the odds.</p>\
         <table><tr><th>characteristic</th><th>bin</th><th>rows</th><th>event rate</th>\
         <th>WoE</th><th>IV</th><th>points</th></tr>",
        number(card.base_score),
        number(card.base_odds),
        number(card.pdo)
    );
    for ((name, binning), points) in binnings.iter().zip(&card.points) {
        for (k, bin) in binning.bins.iter().enumerate() {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                escape(name),
                escape(&binning.label(k)),
                bin.rows,
                optional(bin.event_rate()),
                number(bin.woe),
                number(bin.iv),
                points[k].round()
            );
        }
    }
    html.push_str("</table></section>\n");
}

fn versions_section(html: &mut String, facts: &ReportFacts) {
    html.push_str(
        "<section><h2>Versions</h2><table><tr><th>version</th><th>algorithm</th>\
         <th>trained</th><th>by</th><th>rows (train / test)</th><th>headline metric</th>\
         <th></th></tr>\n",
    );
    for v in &facts.versions {
        let headline = headline_metric(&v.metrics).map_or("—".to_owned(), |(k, value)| {
            format!("{k} {}", number(value))
        });
        let mut marks = Vec::new();
        if v.version == facts.version {
            marks.push("this report");
        }
        if facts.deployed_version == Some(v.version) {
            marks.push("deployed");
        }
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {}</td><td>{}</td><td>{}</td></tr>",
            v.version,
            escape(&v.algorithm),
            escape(&v.trained_at),
            escape(&v.trained_by),
            v.train_rows,
            v.test_rows,
            escape(&headline),
            marks.join(", ")
        );
    }
    html.push_str("</table></section>\n");
}

// ---- charts ------------------------------------------------------------------------------

const CHART_WIDTH: f64 = 360.0;
const CHART_HEIGHT: f64 = 300.0;
const LEFT: f64 = 50.0;
const RIGHT: f64 = 15.0;
const TOP: f64 = 30.0;
const BOTTOM: f64 = 45.0;
const POSITIVE_COLOUR: &str = "#c0392b";
const NEGATIVE_COLOUR: &str = "#2471a3";

/// A plot area: data coordinates (x_lo..x_hi, y_lo..y_max; by default 0..1, 0..y_max) to
/// SVG pixels.
struct Plot {
    svg: String,
    x_lo: f64,
    x_hi: f64,
    y_lo: f64,
    y_max: f64,
}

impl Plot {
    fn new(title: &str, x_label: &str, y_label: &str, y_max: f64) -> Plot {
        Plot::with_ranges(title, x_label, y_label, (0.0, 1.0), (0.0, y_max))
    }

    fn with_ranges(
        title: &str,
        x_label: &str,
        y_label: &str,
        (x_lo, x_hi): (f64, f64),
        (y_lo, y_max): (f64, f64),
    ) -> Plot {
        let mut svg = String::new();
        let _ = write!(
            svg,
            "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{CHART_WIDTH}\" \
             height=\"{CHART_HEIGHT}\" viewBox=\"0 0 {CHART_WIDTH} {CHART_HEIGHT}\" role=\"img\" \
             aria-label=\"{t}\"><text x=\"{}\" y=\"18\" class=\"title\">{t}</text>",
            CHART_WIDTH / 2.0,
            t = escape(title)
        );
        let mut plot = Plot {
            svg,
            x_lo,
            x_hi,
            y_lo,
            y_max,
        };
        plot.axes(x_label, y_label);
        plot
    }

    fn x(&self, value: f64) -> f64 {
        let share = if self.x_hi > self.x_lo {
            ((value - self.x_lo) / (self.x_hi - self.x_lo)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        LEFT + share * (CHART_WIDTH - LEFT - RIGHT)
    }

    fn y(&self, value: f64) -> f64 {
        let share = if self.y_max > self.y_lo {
            ((value - self.y_lo) / (self.y_max - self.y_lo)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        CHART_HEIGHT - BOTTOM - share * (CHART_HEIGHT - TOP - BOTTOM)
    }

    fn axes(&mut self, x_label: &str, y_label: &str) {
        let (x0, x1) = (self.x(self.x_lo), self.x(self.x_hi));
        let (y0, y1) = (self.y(self.y_lo), self.y(self.y_max));
        let _ = write!(
            self.svg,
            "<rect x=\"{x0}\" y=\"{y1}\" width=\"{}\" height=\"{}\" class=\"frame\"/>",
            x1 - x0,
            y0 - y1
        );
        for k in 0..=4 {
            let share = k as f64 / 4.0;
            let x_value = self.x_lo + share * (self.x_hi - self.x_lo);
            let y_value = self.y_lo + share * (self.y_max - self.y_lo);
            let (x, y) = (self.x(x_value), self.y(y_value));
            let _ = write!(
                self.svg,
                "<line x1=\"{x}\" y1=\"{y0}\" x2=\"{x}\" y2=\"{}\" class=\"tick\"/>\
                 <text x=\"{x}\" y=\"{}\" class=\"xt\">{}</text>\
                 <line x1=\"{}\" y1=\"{y}\" x2=\"{x0}\" y2=\"{y}\" class=\"tick\"/>\
                 <text x=\"{}\" y=\"{}\" class=\"yt\">{}</text>",
                y0 + 4.0,
                y0 + 16.0,
                tick(x_value),
                x0 - 4.0,
                x0 - 6.0,
                y + 4.0,
                tick(y_value)
            );
        }
        let _ = write!(
            self.svg,
            "<text x=\"{}\" y=\"{}\" class=\"label\">{}</text>\
             <text transform=\"translate(14 {}) rotate(-90)\" class=\"label\">{}</text>",
            (x0 + x1) / 2.0,
            CHART_HEIGHT - 8.0,
            escape(x_label),
            (y0 + y1) / 2.0,
            escape(y_label)
        );
    }

    fn diagonal(&mut self) {
        let _ = write!(
            self.svg,
            "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"diagonal\"/>",
            self.x(self.x_lo),
            self.y(self.y_lo),
            self.x(self.x_hi),
            self.y(self.y_max)
        );
    }

    fn polyline(&mut self, points: &[(f64, f64)], colour: &str, markers: bool) {
        let path: Vec<String> = points
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", self.x(x), self.y(y)))
            .collect();
        let _ = write!(
            self.svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            path.join(" ")
        );
        if markers {
            for &(x, y) in points {
                let _ = write!(
                    self.svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{colour}\"/>",
                    self.x(x),
                    self.y(y)
                );
            }
        }
    }

    fn bar(&mut self, from: f64, to: f64, height: f64, colour: &str) {
        let (x0, x1, y) = (self.x(from), self.x(to), self.y(height));
        let _ = write!(
            self.svg,
            "<rect x=\"{x0:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\" \
             fill-opacity=\"0.45\"/>",
            (x1 - x0).max(0.0),
            (self.y(0.0) - y).max(0.0)
        );
    }

    fn legend(&mut self, entries: &[(&str, &str)]) {
        for (k, (label, colour)) in entries.iter().enumerate() {
            let y = TOP + 12.0 + 16.0 * k as f64;
            let x = self.x(0.62);
            let _ = write!(
                self.svg,
                "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{colour}\"/>\
                 <text x=\"{}\" y=\"{y}\" class=\"legend\">{}</text>",
                y - 9.0,
                x + 14.0,
                escape(label)
            );
        }
    }

    fn finish(mut self, caption: &str) -> String {
        let _ = writeln!(
            self.svg,
            "</svg><figcaption>{}</figcaption></figure>",
            escape(caption)
        );
        self.svg
    }
}

fn roc_chart(points: &[(f64, f64)]) -> String {
    let mut plot = Plot::new(
        "ROC curve",
        "false positive rate",
        "true positive rate",
        1.0,
    );
    plot.diagonal();
    plot.polyline(points, POSITIVE_COLOUR, false);
    plot.finish("Dashed: a model that ranks at random.")
}

/// Training (and validation) loss by epoch, on a scale from 0 to the largest loss.
fn loss_chart(log: &[(i32, f64, Option<f64>)]) -> String {
    let largest = log
        .iter()
        .flat_map(|&(_, t, v)| std::iter::once(t).chain(v))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let top = nice_loss_top(largest);
    let mut plot = Plot::new(
        "Training loss by epoch",
        "epoch (share of training)",
        "loss",
        top,
    );
    let n = log.len().max(1) as f64;
    let training: Vec<(f64, f64)> = log.iter().map(|&(e, t, _)| (f64::from(e) / n, t)).collect();
    plot.polyline(&training, NEGATIVE_COLOUR, true);
    let validation: Vec<(f64, f64)> = log
        .iter()
        .filter_map(|&(e, _, v)| v.map(|v| (f64::from(e) / n, v)))
        .collect();
    let mut legend = vec![("training", NEGATIVE_COLOUR)];
    if !validation.is_empty() {
        plot.polyline(&validation, POSITIVE_COLOUR, true);
        legend.push(("validation", POSITIVE_COLOUR));
    }
    plot.legend(&legend);
    plot.finish(&format!(
        "{} epochs; the last point is epoch {}.",
        log.len(),
        log.len()
    ))
}

/// An axis top for losses: the next of 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, ... at or above.
fn nice_loss_top(value: f64) -> f64 {
    let mut top = 0.1;
    for candidate in [0.1, 0.2, 0.4, 0.6, 0.8, 1.0] {
        top = candidate;
        if candidate >= value {
            return top;
        }
    }
    while top < value {
        top *= 2.0;
    }
    top
}

fn distribution_chart(histogram: &ClassHistogram, (positive, negative): (&str, &str)) -> String {
    let share = |counts: &[u64]| -> Vec<f64> {
        let total: u64 = counts.iter().sum();
        counts
            .iter()
            .map(|&c| {
                if total > 0 {
                    c as f64 / total as f64
                } else {
                    0.0
                }
            })
            .collect()
    };
    let positives = share(&histogram.positives);
    let negatives = share(&histogram.negatives);
    let y_max = positives
        .iter()
        .chain(&negatives)
        .copied()
        .fold(0.0, f64::max)
        .max(0.04);
    let mut plot = Plot::new(
        "Predicted probability by class",
        "predicted probability",
        "share of the class",
        nice_ceiling(y_max),
    );
    let width = 1.0 / positives.len().max(1) as f64;
    for (k, (&p, &n)) in positives.iter().zip(&negatives).enumerate() {
        let from = k as f64 * width;
        plot.bar(from, from + width, n, NEGATIVE_COLOUR);
        plot.bar(from, from + width, p, POSITIVE_COLOUR);
    }
    let positive_label = format!("{positive} (positive)");
    plot.legend(&[
        (positive_label.as_str(), POSITIVE_COLOUR),
        (negative, NEGATIVE_COLOUR),
    ]);
    let (n_pos, n_neg): (u64, u64) = (
        histogram.positives.iter().sum(),
        histogram.negatives.iter().sum(),
    );
    plot.finish(&format!(
        "{n_pos} rows \"{positive}\" and {n_neg} rows \"{negative}\"; each class's bars sum to 1."
    ))
}

fn calibration_chart(bins: &[CalibrationBin]) -> String {
    let plot = Plot::new(
        "Calibration",
        "mean predicted probability",
        "observed rate",
        1.0,
    );
    groups_against_diagonal(
        plot,
        bins,
        "predicted probability; dashed: perfect calibration.",
    )
}

/// Each group's mean predicted against its observed mean, with the diagonal of equality.
fn groups_against_diagonal(mut plot: Plot, groups: &[CalibrationBin], by: &str) -> String {
    plot.diagonal();
    let points: Vec<(f64, f64)> = groups
        .iter()
        .map(|g| (g.mean_predicted, g.observed_rate))
        .collect();
    plot.polyline(&points, POSITIVE_COLOUR, true);
    plot.finish(&format!("{} groups of equal size by {by}", groups.len()))
}

/// A regression's predicted against actual values: the mean of each group of equal size by
/// predicted value, on one scale for both axes.
fn predicted_actual_chart(groups: &[CalibrationBin]) -> String {
    let values = groups
        .iter()
        .flat_map(|g| [g.mean_predicted, g.observed_rate]);
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = ((high - low) * 0.05).max(f64::EPSILON);
    let range = (low - pad, high + pad);
    let plot = Plot::with_ranges(
        "Predicted against actual",
        "mean predicted value",
        "mean actual value",
        range,
        range,
    );
    groups_against_diagonal(
        plot,
        groups,
        "predicted value; dashed: predicted equals actual.",
    )
}

/// Horizontal bars, one per feature, most important on top.
fn importance_chart(importance: &[(&str, f64)]) -> String {
    const ROW: f64 = 22.0;
    const LABEL_WIDTH: f64 = 170.0;
    const BAR_WIDTH: f64 = 360.0;
    let height = ROW * importance.len() as f64 + 10.0;
    let largest = importance.iter().map(|(_, v)| *v).fold(0.0, f64::max);
    let mut svg = format!(
        "<figure><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
         role=\"img\" aria-label=\"feature importance\">",
        LABEL_WIDTH + BAR_WIDTH + 80.0
    );
    for (k, (name, value)) in importance.iter().enumerate() {
        let y = 5.0 + ROW * k as f64;
        let width = if largest > 0.0 {
            value / largest * BAR_WIDTH
        } else {
            0.0
        };
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" class=\"yt\">{}</text>\
             <rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{width:.1}\" height=\"{}\" fill=\"{NEGATIVE_COLOUR}\"/>\
             <text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>",
            LABEL_WIDTH - 6.0,
            y + 14.0,
            escape(name),
            ROW - 6.0,
            LABEL_WIDTH + width + 6.0,
            y + 14.0,
            number(*value)
        );
    }
    svg.push_str("</svg></figure>\n");
    svg
}

// ---- formatting --------------------------------------------------------------------------

fn optional(value: Option<f64>) -> String {
    value.map_or("—".to_owned(), number)
}

fn p_value(p: f64) -> String {
    if p < 1e-4 {
        "&lt; 0.0001".to_owned()
    } else {
        format!("{p:.4}")
    }
}

fn tick(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The smallest axis top at or above `value` whose quarters print short (0.03, 0.06, ...).
fn nice_ceiling(value: f64) -> f64 {
    [0.04, 0.08, 0.12, 0.2, 0.4, 0.6, 0.8, 1.0]
        .into_iter()
        .find(|&top| top >= value)
        .unwrap_or(1.0)
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:24px 40px;color:#222;\
max-width:1150px}h1{margin-bottom:0}.sub{color:#666;margin-top:4px}h2{border-bottom:1px solid #ccc;\
padding-bottom:4px;margin-top:32px}table{border-collapse:collapse;font-size:13px}th,td{border:1px \
solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}th{background:#f4f6f8}td.num{text-align:right;\
font-variant-numeric:tabular-nums}table.facts th{width:140px}.charts{display:flex;flex-wrap:wrap;gap:16px}\
figure{margin:0}figcaption{font-size:12px;color:#555;max-width:360px}svg text{font-size:11px;fill:#333}\
svg .title{font-size:13px;font-weight:bold;text-anchor:middle}svg .xt{text-anchor:middle}\
svg .yt{text-anchor:end}svg .label{text-anchor:middle;font-size:12px}svg .frame{fill:none;stroke:#999}\
svg .tick{stroke:#999}svg .diagonal{stroke:#888;stroke-dasharray:5 4}footer{margin-top:32px;\
font-size:12px;color:#666}";

#[cfg(test)]
mod tests {
    use super::*;
    

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
        let metrics = crate::metrics::calibration_of_values(
            &[1.0, 2.0, 3.0, 4.0],
            &[10.0, 20.0, 30.0, 40.0],
            2,
        );
        assert_eq!(
            metrics
                .iter()
                .map(|g| (g.mean_predicted, g.observed_rate, g.count))
                .collect::<Vec<_>>(),
            [(1.5, 15.0, 2), (3.5, 35.0, 2)]
        );
    }
}
