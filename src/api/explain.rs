//! Explanations: `fin_explain` (one row's prediction taken apart) and `fin_importance`.

use crate::error::{check_argument, OrReport};
use crate::pg::cache::with_model;
use crate::pg::row::{value_text, with_row_values, RecordArg};
use finml_models::explain::top_ngrams;
use finml_models::RawValue;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Row naming the prediction at the training mean.
const BASELINE: &str = "(baseline)";
/// Row summing the contributions of the features beyond `top_k`.
const OTHERS: &str = "(other features)";
/// N-grams named in a text feature's value.
const TOP_NGRAMS: usize = 5;

/// Why the model predicted what it did for `row`: a '(baseline)' row (the prediction at the
/// training mean), then the `top_k` features with the largest contributions, then
/// '(other features)' with the rest when some are left out. A text feature's value lists
/// its n-grams that weigh most, with their shares: 'crypto (+0.912), urgent (+0.481)'.
/// Contributions are exact and
/// additive on the log-odds scale (the predicted value for a regression): the rows sum to
/// the row's log-odds, ln(p / (1 − p)).
#[allow(clippy::type_complexity)]
#[pg_extern(stable, strict, parallel_safe)]
fn fin_explain(
    model: &str,
    row: RecordArg,
    top_k: default!(i32, 5),
) -> Result<
    TableIterator<
        'static,
        (
            name!(feature, String),
            name!(value, Option<String>),
            name!(contribution, f64),
        ),
    >,
    ErrorReport,
> {
    check_argument(
        "top_k",
        top_k,
        1,
        None,
        "top_k is how many features to show; the rest are summed in '(other features)'",
    )?;
    let rows = with_model(model, |m| {
        with_row_values(&m.model, &m.layouts, row.0, |values| {
            let explanation = m.model.explain(values).or_report()?;
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
    })?;
    Ok(TableIterator::new(rows))
}

/// Global importance of each feature: the standard deviation of its contribution over the
/// training rows (on the log-odds scale for a classifier), most important first.
#[pg_extern(stable, strict, parallel_safe)]
fn fin_importance(
    model: &str,
) -> Result<TableIterator<'static, (name!(feature, String), name!(importance, f64))>, ErrorReport> {
    let rows = with_model(model, |m| {
        Ok(m.model
            .importance()
            .or_report()?
            .into_iter()
            .map(|(name, importance)| (name.to_owned(), importance))
            .collect::<Vec<_>>())
    })?;
    Ok(TableIterator::new(rows))
}
