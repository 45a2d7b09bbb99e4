//! The fitted preprocessing of every feature and the design matrix it writes: its width,
//! column names and scaling, and the design rows of a dataset's rows, a block at a time.

use super::transform::{FeatureTransform, Transform, MAX_DESIGN_WIDTH};
use crate::data::MISSING_LEVEL;
use crate::data::{Column, Dataset, NULL_CODE};
use crate::design::{prefetch, DesignRows, SparseDesign, BLOCK_ROWS};
use crate::interrupt;
use ndarray::{Array2, ArrayViewMut2};
use serde::{Deserialize, Serialize};

/// The fitted preprocessing of every feature, in feature order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Preprocessor {
    pub features: Vec<FeatureTransform>,
}

impl Preprocessor {
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
    /// True when a NULL number reaches the design as NaN (a tree model's preprocessing).
    pub fn keeps_missing(&self) -> bool {
        self.features.iter().any(|f| match &f.transform {
            Transform::Numeric(n) => n.keep_missing,
            Transform::Date(d) => d.parts.iter().any(|p| p.scaling.keep_missing),
            _ => false,
        })
    }

    pub fn width(&self) -> usize {
        self.features
            .iter()
            .fold(0usize, |w, f| w.saturating_add(f.transform.width()))
    }

    /// Whether a feature is hashed text (a design mostly of zeros).
    pub fn has_text(&self) -> bool {
        self.features
            .iter()
            .any(|f| matches!(f.transform, Transform::Text(_)))
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
        x.fill(0.0);
        self.each_design_value(data, rows, |r, column, value| x[[r, column]] = value);
    }

    /// Each row's terms of the linear predictor `weights · design row`, one per feature:
    /// `on_row(position in rows, terms)`, a block of rows at a time from the design values
    /// (a hashed text feature costs its non-zero columns, not its width).
    pub fn linear_terms(
        &self,
        data: &Dataset,
        rows: &[usize],
        weights: &[f64],
        mut on_row: impl FnMut(usize, &[f64]),
    ) {
        let features = self.features.len();
        let feature_of: Vec<usize> = self
            .features
            .iter()
            .enumerate()
            .flat_map(|(k, f)| std::iter::repeat_n(k, f.transform.width()))
            .collect();
        let mut terms = vec![0.0; BLOCK_ROWS.min(rows.len()) * features];
        for (b, block) in rows.chunks(BLOCK_ROWS).enumerate() {
            terms.fill(0.0);
            self.each_design_value(data, block, |r, column, value| {
                terms[r * features + feature_of[column]] += weights[column] * value;
            });
            for r in 0..block.len() {
                on_row(b * BLOCK_ROWS + r, &terms[r * features..(r + 1) * features]);
            }
        }
    }

    /// Calls `on_value(position in rows, design column, value)` for the design values of
    /// the rows `rows` of `data`: every value of the numeric and binned columns, the set
    /// indicator of a categorical, a hashed text feature's non-zero columns (the others are
    /// zero). One feature at a time, cancellable between features and every 4,096 texts.
    pub fn each_design_value(
        &self,
        data: &Dataset,
        rows: &[usize],
        mut on_value: impl FnMut(usize, usize, f64),
    ) {
        let mut offset = 0;
        for f in &self.features {
            interrupt::check();
            let column = data
                .feature(&f.name)
                .expect("the dataset holds every feature of its preprocessor");
            match (&f.transform, &column.column) {
                (Transform::Numeric(n), Column::Numeric(c)) => {
                    for (r, &i) in rows.iter().enumerate() {
                        on_value(r, offset, n.standardize(c.values[i]));
                    }
                }
                (Transform::Categorical(t), Column::Categorical(c)) => {
                    // Map the dataset's codes to design columns once, not per row.
                    let by_code: Vec<Option<usize>> =
                        c.levels.iter().map(|l| t.column_of(Some(l))).collect();
                    for (r, &i) in rows.iter().enumerate() {
                        let column = match c.codes[i] {
                            NULL_CODE => t.missing_column,
                            code => by_code[code as usize],
                        };
                        if let Some(col) = column {
                            on_value(r, offset + col, 1.0);
                        }
                    }
                }
                (Transform::Binned(b), column) => {
                    for (r, bin) in b.bins_of_rows(column, rows).into_iter().enumerate() {
                        on_value(r, offset, b.bins[bin].woe);
                    }
                }
                (Transform::Date(d), Column::Numeric(c)) => {
                    for (r, &i) in rows.iter().enumerate() {
                        for (p, value) in d.design(c.values[i]).enumerate() {
                            on_value(r, offset + p, value);
                        }
                    }
                }
                (Transform::Text(t), Column::Categorical(c)) => {
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
                            on_value(r, offset + column, value);
                        }
                    }
                }
                // `fit` builds one transform per dataset column of the same kind.
                _ => unreachable!("preprocessor and dataset columns disagree"),
            }
            offset += f.transform.width();
        }
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

/// The design rows of some rows of a dataset, built a block at a time as a solver reads
/// them (never the whole matrix).
pub struct RowsDesign<'a> {
    pub preprocessor: &'a Preprocessor,
    pub data: &'a Dataset,
    pub rows: &'a [usize],
}

impl RowsDesign<'_> {
    /// The design as compressed sparse rows, built a block of rows at a time from each
    /// feature's values (no dense block: a hashed text feature of 65,536 columns costs its
    /// non-zero values); `None` as soon as they would take more than `max_bytes`.
    pub fn read_sparse(&self, max_bytes: usize) -> Option<SparseDesign> {
        let mut design = SparseDesign::empty(self.rows.len(), self.width());
        let mut block: Vec<Vec<(u32, f64)>> = vec![Vec::new(); BLOCK_ROWS];
        for (k, rows) in self.rows.chunks(BLOCK_ROWS).enumerate() {
            self.preprocessor
                .each_design_value(self.data, rows, |r, column, value| {
                    block[r].push((column as u32, value));
                });
            for values in &mut block[..rows.len()] {
                design.push_row(values.drain(..));
            }
            if !design.within(max_bytes) {
                return None;
            }
            if k == 0 {
                design.reserve_rows(self.rows.len(), max_bytes);
            }
        }
        Some(design)
    }
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

    fn prefetch_rows(&self, positions: &[usize]) {
        for f in &self.preprocessor.features {
            let Some(feature) = self.data.feature(&f.name) else {
                continue;
            };
            let rows = positions.iter().filter_map(|&p| self.rows.get(p));
            match &feature.column {
                Column::Numeric(c) => rows.filter_map(|&i| c.values.get(i)).for_each(prefetch),
                Column::Categorical(c) => rows.filter_map(|&i| c.codes.get(i)).for_each(prefetch),
            }
        }
    }
}
