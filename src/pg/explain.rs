//! Explanations, the services of api/explain.rs: one row's prediction taken apart
//! ([`explain`]) and the features' global importance ([`importance`]).

use crate::error::{check_argument, OrReport, SqlResult};
use crate::pg::cache::with_model;
use crate::pg::row::{with_row_values, RecordArg};
use crate::pg::srf::{Cell, MaterializedRows};
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
/// when named (Model::explain_class). Written into `out`.
pub fn explain(
    model: &str,
    row: RecordArg,
    (top_k, class): (i32, Option<&str>),
    out: &mut MaterializedRows,
) -> SqlResult<()> {
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
            let shown = explanation.largest(top_k as usize);
            out.push(&[
                Cell::Text(BASELINE),
                Cell::Null,
                Cell::Float(explanation.baseline),
            ])?;
            for &k in &shown {
                let name = m.model.preprocessor.features[k].name.as_str();
                let contribution = Cell::Float(explanation.contributions[k]);
                // A text feature shows the n-grams that weigh most, not the whole text.
                let ngrams = match values[k] {
                    RawValue::Text(text) => {
                        top_ngrams(&m.model.preprocessor, k, text, &explanation, TOP_NGRAMS)
                    }
                    _ => None,
                };
                let value = match &ngrams {
                    Some(ngrams) => Cell::Text(ngrams),
                    None => Cell::Value(values[k]),
                };
                out.push(&[Cell::Text(name), value, contribution])?;
            }
            let features = explanation.contributions.len();
            if shown.len() < features {
                let mut left_out = vec![true; features];
                shown.iter().for_each(|&k| left_out[k] = false);
                let sum = (0..features)
                    .filter(|&k| left_out[k])
                    .map(|k| explanation.contributions[k])
                    .sum();
                out.push(&[Cell::Text(OTHERS), Cell::Null, Cell::Float(sum)])?;
            }
            Ok(())
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
