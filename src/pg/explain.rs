//! Explanations, the services of api/explain.rs: one row's prediction taken apart
//! ([`explain`]) and the features' global importance ([`importance`]).

use crate::error::{check_argument, OrReport, SqlResult};
use crate::pg::cache::with_model;
use crate::pg::row::{value_text, with_row_values, RecordArg};
use finml_models::explain::top_ngrams;
use finml_models::RawValue;

/// Row naming the prediction at the training mean.
const BASELINE: &str = "(baseline)";
/// Row summing the contributions of the features beyond `top_k`.
const OTHERS: &str = "(other features)";
/// N-grams named in a text feature's value.
const TOP_NGRAMS: usize = 5;

/// fin_explain: '(baseline)', the `top_k` features with the largest contributions (feature,
/// value, contribution), then '(other features)' when some are left out; of `class`'s score
/// when named (Model::explain_class).
pub fn explain(
    model: &str,
    row: RecordArg,
    top_k: i32,
    class: Option<&str>,
) -> SqlResult<Vec<(String, Option<String>, f64)>> {
    check_argument(
        "top_k",
        top_k,
        1,
        None,
        "top_k is how many features to show; the rest are summed in '(other features)'",
    )?;
    with_model(model, |m| {
        with_row_values(&m.model, &m.layouts, row.0, |values| {
            let explanation = m.model.explain_class(values, class).or_report()?;
            let names: Vec<&str> = m.model.feature_names().collect();
            let ranked = explanation.ranked();
            let (shown, rest) = ranked.split_at(ranked.len().min(top_k as usize));
            let mut rows = vec![(BASELINE.to_owned(), None, explanation.baseline)];
            rows.extend(shown.iter().map(|&k| {
                // A text feature shows the n-grams that weigh most, not the whole text.
                let value = match values[k] {
                    RawValue::Text(text) => {
                        top_ngrams(&m.model.preprocessor, k, text, &explanation, TOP_NGRAMS)
                            .or_else(|| value_text(values[k]))
                    }
                    other => value_text(other),
                };
                (names[k].to_owned(), value, explanation.contributions[k])
            }));
            if !rest.is_empty() {
                let sum = rest.iter().map(|&k| explanation.contributions[k]).sum();
                rows.push((OTHERS.to_owned(), None, sum));
            }
            Ok(rows)
        })
    })
}

/// fin_importance: each feature's importance, most important first.
pub fn importance(model: &str) -> SqlResult<Vec<(String, f64)>> {
    with_model(model, |m| {
        Ok(m.model
            .importance()
            .or_report()?
            .into_iter()
            .map(|(name, importance)| (name.to_owned(), importance))
            .collect::<Vec<_>>())
    })
}
