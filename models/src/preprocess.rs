//! Preprocessing fitted on the training split and stored in the model: NULL imputation and
//! standardization for numeric features, one-hot encoding for categorical ones, calendar
//! parts (each imputed and standardized) for date features, hashed TF-IDF for text features.
//!
//! Categorical encoding drops a reference level (the most frequent one in training), as
//! credit-risk practice does: it keeps the design matrix full rank, so coefficient standard
//! errors exist, and it gives unseen or rare levels at predict time a defined meaning (the
//! reference) instead of an error.

use crate::binning::Binning;
use crate::calendar::{DatePart, ALL_PARTS};
use crate::data::kind_mismatch;
use crate::data::{CategoricalColumn, Column, Dataset, SparseCounts, NULL_CODE};
pub use crate::data::{RawValue, MISSING_LEVEL};
use crate::design::DesignRows;
use crate::error::{Error, Result};
use crate::interrupt;
use crate::text::{TextSpec, TextTransform};
use ndarray::{s, Array2, ArrayViewMut2};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The widest design a preprocessing may give. No training comes near it: a linear model reads
/// its design a block of `design::BLOCK_ROWS` rows at a time, which at this width is 128 GiB,
/// and the widest feature, a text column at `text::MAX_FEATURES_LIMIT`, would need 256 of
/// them. A stored model is edited by hand more easily than it is trained, and prediction
/// allocates a design row of this width.
pub const MAX_DESIGN_WIDTH: usize = 1 << 24;

/// The first instant a PostgreSQL date or timestamp holds (4714-11-24 BC), in seconds since
/// 1970-01-01.
pub const FIRST_INSTANT_SECONDS: f64 = -210_866_803_200.0;
/// The end of PostgreSQL's timestamps (294277-01-01, excluded), in seconds since 1970-01-01.
pub const END_TIMESTAMP_SECONDS: f64 = 9_224_318_016_000.0;
/// The end of PostgreSQL's dates (5874898-01-01, excluded), which reach further than its
/// timestamps, in seconds since 1970-01-01.
pub const END_DATE_SECONDS: f64 = 185_331_707_078_400.0;

/// Imputation for NULLs in numeric features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Impute {
    Mean,
    Median,
    Zero,
}

/// Options of the standardizing preprocessing (every algorithm but the scorecard, which
/// bins instead).
#[derive(Debug, Clone, PartialEq)]
pub struct PreprocessOptions {
    pub impute: Impute,
    pub max_categories: usize,
    /// Date columns and their calendar parts (`"dates"`), in the options' order.
    pub dates: Vec<(String, Vec<DatePart>)>,
    /// Text columns and their hashed TF-IDF settings (`"text"`).
    pub text: Vec<(String, TextSpec)>,
}

impl PreprocessOptions {
    /// Numbers and categories only.
    pub fn plain(impute: Impute, max_categories: usize) -> PreprocessOptions {
        PreprocessOptions {
            impute,
            max_categories,
            dates: Vec::new(),
            text: Vec::new(),
        }
    }
}

/// A numeric feature: `x -> ((x, or impute if NULL) - mean) / scale`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NumericTransform {
    pub impute: f64,
    pub mean: f64,
    pub scale: f64,
}

/// The design rows of some rows of a dataset, built a block at a time as a solver reads
/// them (never the whole matrix).
pub struct RowsDesign<'a> {
    pub preprocessor: &'a Preprocessor,
    pub data: &'a Dataset,
    pub rows: &'a [usize],
}

impl DesignRows for RowsDesign<'_> {
    fn n_rows(&self) -> usize {
        self.rows.len()
    }

    fn width(&self) -> usize {
        self.preprocessor.width()
    }

    fn fill(&self, start: usize, out: ArrayViewMut2<'_, f64>) {
        let rows = &self.rows[start..start + out.nrows()];
        self.preprocessor.fill_design(self.data, rows, out);
    }

    fn fill_rows(&self, positions: &[usize], out: ArrayViewMut2<'_, f64>) {
        let rows: Vec<usize> = positions.iter().map(|&p| self.rows[p]).collect();
        self.preprocessor.fill_design(self.data, &rows, out);
    }
}

impl NumericTransform {
    /// Which part of the standardization cannot be applied, if any: an imputed value or mean
    /// that is not finite (values near 1e308 overflow their sum), or a scale that is not a
    /// finite positive number (standardization divides by it).
    pub fn invalid_part(&self) -> Option<&'static str> {
        if !(self.impute.is_finite() && self.mean.is_finite()) {
            Some("imputed value or mean")
        } else if !(self.scale.is_finite() && self.scale > 0.0) {
            Some("scale")
        } else {
            None
        }
    }
}

/// A categorical feature: one indicator column per kept level.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CategoricalTransform {
    /// Levels with an indicator column, in column order.
    pub levels: Vec<String>,
    /// Column of the NULL level, when NULLs were frequent enough in training to get one.
    pub missing_column: Option<usize>,
    /// The reference level (all indicators zero), for reports.
    pub reference: String,
    #[serde(skip)]
    index: HashMap<String, usize>,
}

impl CategoricalTransform {
    fn rebuild_index(&mut self) {
        self.index = self
            .levels
            .iter()
            .enumerate()
            .map(|(i, l)| (l.clone(), i))
            .collect();
    }

    /// The indicator column set by `value`, or `None` for the reference level.
    fn column_of(&self, value: Option<&str>) -> Option<usize> {
        match value {
            None => self.missing_column,
            Some(text) => self.index.get(text).copied(),
        }
    }

    fn width(&self) -> usize {
        self.levels.len() + usize::from(self.missing_column.is_some())
    }
}

/// One calendar part of a date feature and its standardization.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatePartTransform {
    pub part: DatePart,
    #[serde(flatten)]
    pub scaling: NumericTransform,
}

/// A date or timestamp feature (read as seconds since the epoch): one standardized design
/// column per calendar part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DateTransform {
    /// The earliest training instant (seconds since the epoch), which `days_since` counts
    /// from.
    pub origin: f64,
    pub parts: Vec<DatePartTransform>,
}

impl DateTransform {
    /// True when the origin is an instant a PostgreSQL date or timestamp holds (dates reach
    /// further, to 5874897 AD): it is the earliest training instant, and the calendar's day
    /// arithmetic overflows far beyond them.
    pub fn origin_is_valid(&self) -> bool {
        (FIRST_INSTANT_SECONDS..END_DATE_SECONDS).contains(&self.origin)
    }

    /// The standardized part values of one instant (NaN: NULL, each part imputed).
    fn design(&self, seconds: f64) -> impl Iterator<Item = f64> + '_ {
        self.parts.iter().map(move |p| {
            let value = if seconds.is_nan() {
                f64::NAN
            } else {
                p.part.of(seconds, self.origin)
            };
            p.scaling.standardize(value)
        })
    }
}

/// How one feature becomes design-matrix columns.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Transform {
    Numeric(NumericTransform),
    Categorical(CategoricalTransform),
    /// A scorecard characteristic: one column, the weight of evidence of the value's bin.
    Binned(Binning),
    /// Calendar parts of a date (model format 6).
    Date(DateTransform),
    /// Hashed TF-IDF of a text (model format 6).
    Text(TextTransform),
}

/// What a feature's column must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Number,
    /// Text or boolean (a category, or a text for TF-IDF).
    Text,
    /// A date or timestamp.
    Date,
}

impl Transform {
    /// What the feature's column holds.
    pub fn input(&self) -> Input {
        match self {
            Transform::Numeric(_) => Input::Number,
            Transform::Categorical(_) | Transform::Text(_) => Input::Text,
            Transform::Binned(b) if b.takes_numbers() => Input::Number,
            Transform::Binned(_) => Input::Text,
            Transform::Date(_) => Input::Date,
        }
    }

    /// True when the feature's input is a number (else text, boolean or a date).
    pub fn takes_numbers(&self) -> bool {
        self.input() == Input::Number
    }

    /// The design columns of the feature.
    pub fn width(&self) -> usize {
        match self {
            Transform::Numeric(_) | Transform::Binned(_) => 1,
            Transform::Categorical(c) => c.width(),
            Transform::Date(d) => d.parts.len(),
            Transform::Text(t) => t.width(),
        }
    }

    /// True for the feature kinds that model format 6 added.
    pub fn needs_format_6(&self) -> bool {
        matches!(self, Transform::Date(_) | Transform::Text(_))
    }

    /// True for a date's hour or minute part, which model format 7 added: finml 0.6.1 to
    /// 0.9.0 read format 6 and would call such a model corrupt, not newer.
    pub fn needs_format_7(&self) -> bool {
        matches!(self, Transform::Date(d) if d.parts.iter().any(|p| matches!(p.part, DatePart::Hour | DatePart::Minute)))
    }

    /// What training could not have made of feature `name`'s transform (see
    /// [`Preprocessor::structure_problem`]).
    fn structure_problem(&self, name: &str) -> Option<String> {
        match self {
            // Its numbers are checked as parameters (model::first_invalid_parameter).
            Transform::Numeric(_) => None,
            Transform::Categorical(c) => {
                if let Some(column) = c.missing_column {
                    // Training gives NULL the column after the levels; another would share
                    // a level's indicator, or lie past the feature's width.
                    if column != c.levels.len() {
                        return Some(format!(
                            "the missing_column of \"{name}\" is {column}, not {} (the column after its {} levels)",
                            c.levels.len(),
                            c.levels.len()
                        ));
                    }
                }
                let mut seen = std::collections::HashSet::with_capacity(c.levels.len());
                c.levels
                    .iter()
                    .find(|l| !seen.insert(l.as_str()))
                    .map(|l| format!("the levels of \"{name}\" list \"{l}\" twice"))
            }
            Transform::Binned(b) => b
                .validate()
                .err()
                .map(|why| format!("the binning of \"{name}\": {why}")),
            Transform::Date(d) => {
                if !d.origin_is_valid() {
                    return Some(format!(
                        "the origin of \"{name}\" ({:e}) is not an instant a PostgreSQL date or timestamp holds",
                        d.origin
                    ));
                }
                if d.parts.is_empty() || d.parts.len() > ALL_PARTS.len() {
                    return Some(format!(
                        "the date feature \"{name}\" has {} parts; there are 1 to {}",
                        d.parts.len(),
                        ALL_PARTS.len()
                    ));
                }
                d.parts
                    .iter()
                    .enumerate()
                    .find(|(k, p)| d.parts[..*k].iter().any(|q| q.part == p.part))
                    .map(|(_, p)| {
                        format!(
                            "the part \"{}\" of \"{name}\" is listed twice",
                            p.part.as_str()
                        )
                    })
            }
            Transform::Text(t) => t.problem(name),
        }
    }
}

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

/// A feature of a trained model: its column name and its fitted transform.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FeatureTransform {
    pub name: String,
    #[serde(flatten)]
    pub transform: Transform,
}

/// The fitted preprocessing of every feature, in feature order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Preprocessor {
    pub features: Vec<FeatureTransform>,
}

impl Preprocessor {
    /// Fits imputation, scaling and encodings on the rows `train_rows` of `data`: the
    /// columns `options.dates` names as dates, those `options.text` names as texts.
    pub fn fit(data: &Dataset, train_rows: &[usize], options: &PreprocessOptions) -> Preprocessor {
        let features = data
            .features
            .iter()
            .map(|f| {
                // A median (a sort) or a level count per feature: cancellable between them.
                interrupt::check();
                let date_parts = options.dates.iter().find(|(n, _)| *n == f.name);
                let text = options.text.iter().find(|(n, _)| *n == f.name);
                FeatureTransform {
                    name: f.name.clone(),
                    transform: match (&f.column, date_parts, text) {
                        (Column::Numeric(c), Some((_, parts)), _) => {
                            Transform::Date(fit_date(&c.values, train_rows, parts, options.impute))
                        }
                        (Column::Categorical(c), _, Some((_, spec))) => {
                            Transform::Text(fit_text(c, train_rows, spec))
                        }
                        (Column::Numeric(c), _, _) => {
                            Transform::Numeric(fit_numeric(&c.values, train_rows, options.impute))
                        }
                        (Column::Categorical(c), _, _) => Transform::Categorical(fit_categorical(
                            &c.codes,
                            &c.levels,
                            train_rows,
                            options.max_categories,
                        )),
                    },
                }
            })
            .collect();
        Preprocessor { features }
    }

    /// Rebuilds the lookup tables that are not serialized (call after deserializing).
    pub fn rebuild_indexes(&mut self) {
        for f in &mut self.features {
            match &mut f.transform {
                Transform::Categorical(c) => c.rebuild_index(),
                Transform::Binned(b) => b.rebuild_index(),
                Transform::Numeric(_) | Transform::Date(_) | Transform::Text(_) => {}
            }
        }
    }

    /// Number of design-matrix columns (without the intercept). Saturating: a preprocessing
    /// that [`Preprocessor::structure_problem`] has not passed may be read by hand-edited
    /// bytes, and a wrapped width would look small.
    pub fn width(&self) -> usize {
        self.features
            .iter()
            .fold(0usize, |w, f| w.saturating_add(f.transform.width()))
    }

    /// The first structural problem of the preprocessing, named for an error message: a
    /// transform that training could not have made (a text feature's `max_features` or
    /// `ngram` outside what `TextSpec::parse` allows, a categorical `missing_column` that is
    /// not the column after its levels, a binning whose bins and edges disagree, a date
    /// origin that is no PostgreSQL timestamp), or a design wider than [`MAX_DESIGN_WIDTH`].
    /// Prediction indexes and allocates by these numbers, so a stored model, or a training
    /// pass made up by a caller, is refused before anything reads them. It allocates nothing
    /// in proportion to a stored number (only to the stored levels themselves).
    pub fn structure_problem(&self) -> Option<String> {
        let mut width = 0usize;
        for f in &self.features {
            if let Some(problem) = f.transform.structure_problem(&f.name) {
                return Some(problem);
            }
            let wider = width.checked_add(f.transform.width());
            let Some(w) = wider.filter(|&w| w <= MAX_DESIGN_WIDTH) else {
                return Some(format!(
                    "the design is wider than {MAX_DESIGN_WIDTH} columns at feature \"{}\"",
                    f.name
                ));
            };
            width = w;
        }
        None
    }

    /// Names of the design columns: the feature name for numeric features,
    /// `feature=level` for indicators, `feature:part` for date parts, `feature#column` for
    /// hashed text columns.
    pub fn term_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.width());
        for f in &self.features {
            match &f.transform {
                Transform::Numeric(_) | Transform::Binned(_) => names.push(f.name.clone()),
                Transform::Date(d) => names.extend(
                    d.parts
                        .iter()
                        .map(|p| format!("{}:{}", f.name, p.part.as_str())),
                ),
                Transform::Text(t) => {
                    names.extend((0..t.width()).map(|c| format!("{}#{c}", f.name)))
                }
                Transform::Categorical(c) => {
                    names.extend(c.levels.iter().map(|l| format!("{}={}", f.name, l)));
                    if c.missing_column.is_some() {
                        names.push(format!("{}={}", f.name, MISSING_LEVEL));
                    }
                }
            }
        }
        names
    }

    /// For each design column, the (shift, scale) that maps it back to the original units:
    /// `standardized = (original - shift) / scale`. Indicators have (0, 1).
    pub fn column_scaling(&self) -> Vec<(f64, f64)> {
        let mut scaling = Vec::with_capacity(self.width());
        for f in &self.features {
            match &f.transform {
                Transform::Numeric(n) => scaling.push((n.mean, n.scale)),
                Transform::Date(d) => {
                    scaling.extend(d.parts.iter().map(|p| (p.scaling.mean, p.scaling.scale)))
                }
                Transform::Categorical(_) | Transform::Binned(_) | Transform::Text(_) => {
                    scaling.extend(std::iter::repeat_n((0.0, 1.0), f.transform.width()))
                }
            }
        }
        scaling
    }

    /// The design matrix of the rows `rows` of `data`, which holds (at least) this
    /// preprocessor's features, found by name.
    pub fn design_matrix(&self, data: &Dataset, rows: &[usize]) -> Array2<f64> {
        let mut x = Array2::<f64>::zeros((rows.len(), self.width()));
        self.fill_design(data, rows, x.view_mut());
        x
    }

    /// Writes the design rows of the rows `rows` of `data` into `x` (`rows.len()` × width),
    /// every cell of it (a buffer is reused from block to block).
    pub fn fill_design(&self, data: &Dataset, rows: &[usize], mut x: ArrayViewMut2<'_, f64>) {
        let mut offset = 0;
        for f in &self.features {
            // One column at a time: rows × width in all, cancellable between columns.
            interrupt::check();
            let column = data
                .feature(&f.name)
                .expect("the dataset holds every feature of its preprocessor");
            match (&f.transform, &column.column) {
                (Transform::Numeric(n), Column::Numeric(c)) => {
                    for (r, &i) in rows.iter().enumerate() {
                        x[[r, offset]] = n.standardize(c.values[i]);
                    }
                    offset += 1;
                }
                (Transform::Categorical(t), Column::Categorical(c)) => {
                    // Map the dataset's codes to design columns once, not per row.
                    let by_code: Vec<Option<usize>> =
                        c.levels.iter().map(|l| t.column_of(Some(l))).collect();
                    x.slice_mut(s![.., offset..offset + t.width()]).fill(0.0);
                    for (r, &i) in rows.iter().enumerate() {
                        let column = match c.codes[i] {
                            NULL_CODE => t.missing_column,
                            code => by_code[code as usize],
                        };
                        if let Some(col) = column {
                            x[[r, offset + col]] = 1.0;
                        }
                    }
                    offset += t.width();
                }
                (Transform::Binned(b), column) => {
                    for (r, bin) in b.bins_of_rows(column, rows).into_iter().enumerate() {
                        x[[r, offset]] = b.bins[bin].woe;
                    }
                    offset += 1;
                }
                (Transform::Date(d), Column::Numeric(c)) => {
                    for (r, &i) in rows.iter().enumerate() {
                        for (p, value) in d.design(c.values[i]).enumerate() {
                            x[[r, offset + p]] = value;
                        }
                    }
                    offset += d.parts.len();
                }
                (Transform::Text(t), Column::Categorical(c)) => {
                    x.slice_mut(s![.., offset..offset + t.width()]).fill(0.0);
                    let cached = c.derived_levels(t.spec.counts_key(), |l| t.spec.counts(l));
                    for (r, &i) in rows.iter().enumerate() {
                        if r % 4096 == 4095 {
                            interrupt::check();
                        }
                        let code = c.codes[i];
                        if code == NULL_CODE {
                            continue;
                        }
                        let row = match cached {
                            Some(levels) => t.weigh(&levels[code as usize]),
                            None => t.transform(c.level(i)),
                        };
                        for (column, value) in row {
                            x[[r, offset + column]] = value;
                        }
                    }
                    offset += t.width();
                }
                // `fit` builds one transform per dataset column of the same kind.
                _ => unreachable!("preprocessor and dataset columns disagree"),
            }
        }
    }

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

    /// Each feature's term of the linear predictor for every row of a design matrix.
    pub fn design_terms(
        &self,
        x: &Array2<f64>,
        weights: &[f64],
        mut on_term: impl FnMut(usize, usize, f64),
    ) {
        let mut offset = 0;
        for (k, f) in self.features.iter().enumerate() {
            let width = f.transform.width();
            for (r, row) in x.rows().into_iter().enumerate() {
                let term: f64 = (offset..offset + width).map(|c| weights[c] * row[c]).sum();
                on_term(r, k, term);
            }
            offset += width;
        }
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

impl NumericTransform {
    #[inline]
    pub fn standardize(&self, x: f64) -> f64 {
        let x = if x.is_nan() { self.impute } else { x };
        (x - self.mean) / self.scale
    }
}

/// Fits a date feature: its earliest training instant, then each part's imputation and
/// scaling as a numeric feature's.
fn fit_date(seconds: &[f64], rows: &[usize], parts: &[DatePart], impute: Impute) -> DateTransform {
    let origin = rows
        .iter()
        .map(|&i| seconds[i])
        .filter(|s| !s.is_nan())
        .min_by(f64::total_cmp)
        .unwrap_or(0.0);
    let positions: Vec<usize> = (0..rows.len()).collect();
    let parts = parts
        .iter()
        .map(|&part| {
            let values: Vec<f64> = rows
                .iter()
                .map(|&i| match seconds[i] {
                    s if s.is_nan() => f64::NAN,
                    s => part.of(s, origin),
                })
                .collect();
            DatePartTransform {
                part,
                scaling: fit_numeric(&values, &positions, impute),
            }
        })
        .collect();
    DateTransform { origin, parts }
}

/// Fits a text feature's IDF weights from the column's per-level counts, which the design
/// then reads too: each distinct text is tokenized once per dataset.
fn fit_text(c: &CategoricalColumn, rows: &[usize], spec: &TextSpec) -> TextTransform {
    match c.derived_levels(spec.counts_key(), |l| spec.counts(l)) {
        Some(levels) => {
            let empty = SparseCounts::new();
            TextTransform::fit_counts(
                spec.clone(),
                rows.iter().map(|&i| match c.codes[i] {
                    NULL_CODE => &empty,
                    code => &levels[code as usize],
                }),
            )
        }
        None => TextTransform::fit(spec.clone(), rows.iter().map(|&i| c.level(i))),
    }
}

fn fit_numeric(values: &[f64], rows: &[usize], impute: Impute) -> NumericTransform {
    let mut present: Vec<f64> = rows
        .iter()
        .map(|&i| values[i])
        .filter(|v| !v.is_nan())
        .collect();
    let impute_value = if present.is_empty() {
        0.0
    } else {
        match impute {
            Impute::Zero => 0.0,
            Impute::Mean => present.iter().sum::<f64>() / present.len() as f64,
            Impute::Median => median_in_place(&mut present),
        }
    };
    // Scale statistics are taken after imputation, as scikit-learn's
    // Pipeline(SimpleImputer, StandardScaler) does (population standard deviation).
    let n = rows.len().max(1) as f64;
    let filled = || {
        rows.iter().map(|&i| {
            let v = values[i];
            if v.is_nan() {
                impute_value
            } else {
                v
            }
        })
    };
    let mean = filled().sum::<f64>() / n;
    let variance = filled().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    NumericTransform::from_moments(impute_value, mean, variance)
}

impl NumericTransform {
    /// The transform of a feature whose filled values (after imputing `impute`) have this
    /// mean and population variance: how every training path ends, in memory or from sums.
    pub fn from_moments(impute: f64, mean: f64, variance: f64) -> NumericTransform {
        let std = variance.sqrt();
        NumericTransform {
            impute,
            mean,
            // A constant column gets scale 1 (as StandardScaler does), not a division by zero.
            scale: if std > 1e-12 { std } else { 1.0 },
        }
    }
}

/// Median (average of the two middle values for an even count); reorders `values`.
pub fn median_in_place(values: &mut [f64]) -> f64 {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn fit_categorical(
    codes: &[u32],
    levels: &[String],
    rows: &[usize],
    max_categories: usize,
) -> CategoricalTransform {
    // counts[levels.len()] counts NULLs.
    let mut counts = vec![0usize; levels.len() + 1];
    for &i in rows {
        let code = codes[i];
        let slot = if code == NULL_CODE {
            levels.len()
        } else {
            code as usize
        };
        counts[slot] += 1;
    }
    let named = counts
        .iter()
        .enumerate()
        .map(|(slot, &count)| (levels.get(slot).map(String::as_str), count));
    categorical_from_counts(named, max_categories)
}

/// The encoding of a categorical feature from its training rows' count per level (`None`:
/// NULL): in memory from the codes, or from a GROUP BY on the workers.
pub fn categorical_from_counts<'a>(
    counts: impl IntoIterator<Item = (Option<&'a str>, usize)>,
    max_categories: usize,
) -> CategoricalTransform {
    let name_of = |level: Option<&'a str>| level.unwrap_or(MISSING_LEVEL);
    let mut order: Vec<(Option<&str>, usize)> =
        counts.into_iter().filter(|&(_, c)| c > 0).collect();
    // Most frequent first; ties by name so that the encoding does not depend on row order.
    order.sort_by(|&(a, ca), &(b, cb)| cb.cmp(&ca).then_with(|| name_of(a).cmp(name_of(b))));
    let reference = order
        .first()
        .map_or(MISSING_LEVEL.to_owned(), |&(l, _)| name_of(l).to_owned());
    let mut kept: Vec<Option<&str>> = order
        .iter()
        .skip(1)
        .take(max_categories.saturating_sub(1))
        .map(|&(l, _)| l)
        .collect();
    // Column order by level name makes reports readable; NULL's column goes last.
    kept.sort_by(|&a, &b| name_of(a).cmp(name_of(b)));
    let mut transform = CategoricalTransform {
        levels: kept.iter().flatten().map(|l| (*l).to_owned()).collect(),
        missing_column: None,
        reference,
        index: HashMap::new(),
    };
    if kept.contains(&None) {
        transform.missing_column = Some(transform.levels.len());
    }
    transform.rebuild_index();
    transform
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{CategoricalColumn, Feature, NumericColumn, TargetColumn};
    use crate::error::ErrorKind;

    fn dataset() -> Dataset {
        let mut x = NumericColumn::default();
        for v in [Some(1.0), None, Some(3.0), Some(10.0)] {
            x.push("x", v).unwrap();
        }
        let mut c = CategoricalColumn::default();
        for v in [Some("a"), Some("b"), Some("a"), None] {
            c.push(v);
        }
        Dataset {
            features: vec![
                Feature {
                    name: "x".into(),
                    column: Column::Numeric(x),
                },
                Feature {
                    name: "c".into(),
                    column: Column::Categorical(c),
                },
            ],
            target_name: "y".into(),
            target: TargetColumn::Boolean(vec![Some(true); 4]),
            test_mask: None,
            times: None,
            weights: None,
        }
    }

    #[test]
    fn median_imputation_then_population_scaling() {
        let data = dataset();
        let p = Preprocessor::fit(
            &data,
            &[0, 1, 2, 3],
            &PreprocessOptions::plain(Impute::Median, 50),
        );
        let Transform::Numeric(n) = &p.features[0].transform else {
            panic!()
        };
        // median of {1, 3, 10} = 3; filled column {1, 3, 3, 10}: mean 4.25,
        // population variance (3.25² + 1.25² + 1.25² + 5.75²) / 4 = 46.75 / 4 = 11.6875.
        assert_eq!(n.impute, 3.0);
        assert!((n.mean - 4.25).abs() < 1e-12);
        assert!((n.scale - 11.6875f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn most_frequent_level_is_the_reference_and_nulls_get_a_column() {
        let data = dataset();
        let p = Preprocessor::fit(
            &data,
            &[0, 1, 2, 3],
            &PreprocessOptions::plain(Impute::Median, 50),
        );
        assert_eq!(p.term_names(), vec!["x", "c=b", "c=(missing)"]);
        let x = p.design_matrix(&data, &[0, 1, 3]);
        assert_eq!(x.row(0).to_vec()[1..], [0.0, 0.0]); // "a" is the reference
        assert_eq!(x.row(1).to_vec()[1..], [1.0, 0.0]);
        assert_eq!(x.row(2).to_vec()[1..], [0.0, 1.0]);
    }

    #[test]
    fn row_path_matches_the_design_matrix_and_unseen_levels_are_the_reference() {
        let data = dataset();
        let p = Preprocessor::fit(
            &data,
            &[0, 1, 2, 3],
            &PreprocessOptions::plain(Impute::Mean, 50),
        );
        let w = [0.5, -1.0, 2.0];
        let x = p.design_matrix(&data, &[1]);
        let expected = 0.1 + x.row(0).dot(&ndarray::arr1(&w));
        let got = p
            .linear_predictor(0.1, &w, &[RawValue::Null, RawValue::Text("b")])
            .unwrap();
        assert!((got - expected).abs() < 1e-12);
        let unseen = p.linear_predictor(0.1, &w, &[RawValue::Number(1.0), RawValue::Text("zzz")]);
        let reference = p.linear_predictor(0.1, &w, &[RawValue::Number(1.0), RawValue::Text("a")]);
        assert_eq!(unseen.unwrap(), reference.unwrap());
    }

    #[test]
    fn blocks_of_design_rows_equal_the_design_matrix() {
        // A reused block buffer must come out as the matrix would, indicators included.
        let data = dataset();
        let p = Preprocessor::fit(
            &data,
            &[0, 1, 2, 3],
            &PreprocessOptions::plain(Impute::Median, 10),
        );
        let rows = [3, 0, 2, 1, 3];
        let whole = p.design_matrix(&data, &rows);
        let mut block = Array2::<f64>::from_elem((2, p.width()), 7.0);
        let design = RowsDesign {
            preprocessor: &p,
            data: &data,
            rows: &rows,
        };
        for start in [0, 2] {
            design.fill(start, block.view_mut());
            assert_eq!(block, whole.slice(s![start..start + 2, ..]));
        }
    }

    #[test]
    fn wrong_kinds_and_counts_are_errors_not_panics() {
        let data = dataset();
        let p = Preprocessor::fit(
            &data,
            &[0, 1, 2, 3],
            &PreprocessOptions::plain(Impute::Median, 50),
        );
        let w = [0.0; 3];
        let e = p
            .linear_predictor(0.0, &w, &[RawValue::Text("a"), RawValue::Null])
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::WrongType);
        let e = p.linear_predictor(0.0, &w, &[RawValue::Null]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidData);
        let e = p.linear_predictor(0.0, &w, &[RawValue::Number(f64::INFINITY), RawValue::Null]);
        assert_eq!(e.unwrap_err().kind, ErrorKind::InvalidData);
    }
}
