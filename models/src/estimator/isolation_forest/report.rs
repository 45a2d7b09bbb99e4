//! An isolation forest's section of the model report.

use super::IsolationForest;
use crate::html::number;
use std::fmt::Write;

/// An isolation forest's section: its trees and flagging threshold.
pub fn forest_section(html: &mut String, f: &IsolationForest) {
    let contamination = match f.contamination {
        Some(c) => format!(
            "the top {:.2}% of training scores (contamination {c})",
            100.0 * c
        ),
        None => "0.5, as in Liu, Ting and Zhou (2008) (contamination auto)".to_owned(),
    };
    let _ = writeln!(
        html,
        "<section><h2>Anomaly scores</h2><p>{} isolation trees, each grown on {} training rows. \
         A row's score is 2^(−mean path length / c({})), in [0, 1]; rows scoring above {} are \
         flagged: the threshold is {contamination}. {:.2}% of the training rows are flagged.</p>\
         </section>",
        f.trees.len(),
        f.sample_size,
        f.sample_size,
        number(f.threshold),
        100.0 * f.flagged_share
    );
}

#[cfg(test)]
mod tests {
    use crate::registry::ISOLATION_FOREST;
    use crate::test_data::report_of as report;

    #[test]
    fn a_forest_report_states_its_threshold() {
        let html = report(ISOLATION_FOREST, serde_json::json!({"contamination": 0.1}));
        assert!(html.contains("<h2>Anomaly scores</h2>"));
        assert!(html.contains("contamination 0.1"));
        assert!(html.contains("<td>flagged_share</td>"));
    }
}
