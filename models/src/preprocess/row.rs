//! One row's design, decoded feature by feature from its values without building the row:
//! the linear predictor of `fin_predict`, each feature's term, or the design row itself.

use super::matrix::Preprocessor;
use super::transform::{Transform, END_DATE_SECONDS, FIRST_INSTANT_SECONDS};
use crate::data::kind_mismatch;
use crate::data::RawValue;
use crate::error::{Error, Result};

/// One feature's contribution to a design row.
enum Design {
    /// The value of its single design column.
    Value(f64),
    /// Its indicator column set to 1, if any (none: the reference level, or an unseen one).
    Indicator(Option<usize>),
    /// The values of some of its design columns (by column within the feature); the others
    /// are 0.
    Sparse(Vec<(usize, f64)>),
}

impl Preprocessor {
    /// `intercept + Σ weights · design(values)` for one row, without building the row:
    /// the hot path of `fin_predict`.
    pub fn linear_predictor(
        &self,
        intercept: f64,
        weights: &[f64],
        values: &[RawValue<'_>],
    ) -> Result<f64> {
        let mut eta = intercept;
        self.feature_terms(weights, values, |_, term| eta += term)?;
        Ok(eta)
    }

    /// Each feature's term of the linear predictor for one row (values in feature order):
    /// `on_term(feature, Σ weight × design value over the feature's design columns)`.
    pub fn feature_terms(
        &self,
        weights: &[f64],
        values: &[RawValue<'_>],
        mut on_term: impl FnMut(usize, f64),
    ) -> Result<()> {
        self.visit_design(values, |k, offset, design| {
            on_term(
                k,
                match design {
                    Design::Value(x) => weights[offset] * x,
                    Design::Indicator(column) => column.map_or(0.0, |c| weights[offset + c]),
                    Design::Sparse(values) => {
                        values.iter().map(|(c, x)| weights[offset + c] * x).sum()
                    }
                },
            )
        })
    }

    /// The design row of one row (values in feature order), appended to `out`.
    pub fn design_row(&self, values: &[RawValue<'_>], out: &mut Vec<f64>) -> Result<()> {
        self.visit_design(values, |k, _, design| match design {
            Design::Value(x) => out.push(x),
            Design::Indicator(column) => {
                let start = out.len();
                out.resize(start + self.features[k].transform.width(), 0.0);
                if let Some(c) = column {
                    out[start + c] = 1.0;
                }
            }
            Design::Sparse(values) => {
                let start = out.len();
                out.resize(start + self.features[k].transform.width(), 0.0);
                for (c, x) in values {
                    out[start + c] = x;
                }
            }
        })
    }

    /// Decodes one row feature by feature: `on_feature(feature, its first design column,
    /// its design value)`, without building the row.
    fn visit_design(
        &self,
        values: &[RawValue<'_>],
        mut on_feature: impl FnMut(usize, usize, Design),
    ) -> Result<()> {
        if values.len() != self.features.len() {
            return Err(Error::invalid_data(format!(
                "model expects {} features, got {}",
                self.features.len(),
                values.len()
            ))
            .with_hint("pass one value per feature, in the order finml.models lists them"));
        }
        let mut offset = 0;
        for (k, (f, value)) in self.features.iter().zip(values).enumerate() {
            let design = match &f.transform {
                Transform::Numeric(n) => {
                    Design::Value(n.standardize(number_or_nan(&f.name, *value, "numeric")?))
                }
                Transform::Categorical(c) => {
                    let level = match *value {
                        RawValue::Null => None,
                        RawValue::Text(t) => Some(t),
                        RawValue::Number(_) => {
                            return Err(kind_mismatch(&f.name, "categorical", "numeric"))
                        }
                    };
                    Design::Indicator(c.column_of(level))
                }
                Transform::Binned(b) => Design::Value(b.bins[b.bin_of(&f.name, *value)?].woe),
                Transform::Date(d) => {
                    let seconds = date_or_nan(&f.name, *value)?;
                    Design::Sparse(d.design(seconds).enumerate().collect())
                }
                Transform::Text(t) => match *value {
                    RawValue::Null => Design::Sparse(Vec::new()),
                    RawValue::Text(text) => Design::Sparse(t.transform(Some(text))),
                    RawValue::Number(_) => return Err(kind_mismatch(&f.name, "text", "numeric")),
                },
            };
            on_feature(k, offset, design);
            offset += f.transform.width();
        }
        Ok(())
    }
}

/// A number input of a row (a date's seconds too): NaN for NULL; non-finite numbers and
/// text are errors naming the feature, `what` saying what it takes.
fn number_or_nan(name: &str, value: RawValue<'_>, what: &str) -> Result<f64> {
    match value {
        RawValue::Null => Ok(f64::NAN),
        RawValue::Number(v) if v.is_finite() => Ok(v),
        RawValue::Number(v) => Err(crate::data::non_finite_error(name, v)),
        RawValue::Text(_) => Err(kind_mismatch(name, what, "text")),
    }
}

/// A date input of a row, in seconds since 1970 (NaN for NULL): an instant outside what a
/// PostgreSQL date or timestamp holds is an error naming the feature. The SQL layer never
/// reads one, but the calendar's day arithmetic would overflow on a number far beyond them.
fn date_or_nan(name: &str, value: RawValue<'_>) -> Result<f64> {
    let seconds = number_or_nan(name, value, "date")?;
    if seconds.is_nan() || (FIRST_INSTANT_SECONDS..END_DATE_SECONDS).contains(&seconds) {
        return Ok(seconds);
    }
    Err(Error::invalid_data(format!(
        "the date of \"{name}\" ({seconds:e} seconds since 1970) is outside the dates PostgreSQL holds"
    ))
    .with_hint("pass the date or timestamp itself, or EXTRACT(EPOCH FROM ...) of one"))
}
