//! The version's history: the search that chose it, its stored monitoring by period and
//! the table of the model's versions.

use super::charts::nice_loss_top;
use super::facts::ReportFacts;
use super::plot::{Plot, NEGATIVE_COLOUR, POSITIVE_COLOUR};
use super::print::optional;
use crate::html::{escape, number};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The fin_tune search that chose this version: every trial's options and cross-validated
/// score, the chosen one marked. Nothing when the version was trained without a search.
pub(super) fn search_section(html: &mut String, facts: &ReportFacts) {
    let (Some(first), Some(chosen)) =
        (facts.trials.first(), facts.trials.iter().find(|t| t.chosen))
    else {
        return;
    };
    let _ = write!(
        html,
        "<section><h2>Hyperparameter search</h2><p>fin_tune chose trial {} of {} by {} over \
         {} cross-validation folds of the training split, then refitted it on the whole \
         training split (the metrics above are on the test split).</p>\n<table><tr>\
         <th>trial</th><th>options</th><th>mean {}</th><th>std</th><th>seconds</th></tr>\n",
        chosen.trial,
        facts.trials.len(),
        escape(&first.metric),
        first.folds,
        escape(&first.metric)
    );
    for t in &facts.trials {
        let mark = if t.chosen { " class=\"chosen\"" } else { "" };
        let _ = writeln!(
            html,
            "<tr{mark}><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            t.trial,
            if t.chosen { " (chosen)" } else { "" },
            escape(&t.options),
            number(t.mean),
            number(t.std),
            number(t.seconds)
        );
    }
    html.push_str("</table></section>\n");
}

/// The stored monitoring history: AUC and PSI by period, and the table of periods.
pub(super) fn monitoring_section(html: &mut String, facts: &ReportFacts) {
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

pub(super) fn versions_section(html: &mut String, facts: &ReportFacts) {
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
