//! Training data in columnar form, built batch by batch from whatever reads the relation.
//!
//! Numeric columns hold `f64` with NaN standing for SQL NULL: non-finite input is rejected on
//! the way in ([`NumericColumn::push`]), so a NaN inside can only mean "missing".
//! Categorical columns are dictionary-encoded (`u32` codes) to keep a million rows small.

use crate::error::{Error, ErrorKind, Result};
use std::collections::HashMap;
use std::sync::OnceLock;

/// Code of a NULL in a [`CategoricalColumn`].
pub const NULL_CODE: u32 = u32::MAX;

/// A numeric feature column; NaN marks NULL.
#[derive(Debug, Clone, Default)]
pub struct NumericColumn {
    pub values: Vec<f64>,
}

impl NumericColumn {
    /// Appends a value, rejecting NaN and ±Infinity (they would silently poison the fit).
    pub fn push(&mut self, name: &str, value: Option<f64>) -> Result<()> {
        match value {
            Some(v) if !v.is_finite() => Err(non_finite_error(name, v)),
            Some(v) => {
                self.values.push(v);
                Ok(())
            }
            None => {
                self.values.push(f64::NAN);
                Ok(())
            }
        }
    }
}

/// The error for a NaN or Infinity in the input, shared by training and prediction.
pub fn non_finite_error(name: &str, value: f64) -> Error {
    Error::invalid_data(format!(
        "column \"{name}\" contains a non-finite value ({value})"
    ))
    .with_hint("replace NaN and Infinity with NULL (they are imputed) or a finite number")
}

/// A categorical feature column (text, varchar, boolean), dictionary-encoded.
#[derive(Debug, Clone, Default)]
pub struct CategoricalColumn {
    pub codes: Vec<u32>,
    pub levels: Vec<String>,
    index: HashMap<String, u32>,
    /// Sparse counts derived from each level once (a text feature's hashed n-grams: a solver
    /// that reads the design a hundred times tokenizes each text once), with the key of the
    /// settings they were derived with.
    derived: OnceLock<(u64, Vec<SparseCounts>)>,
}

/// Counts by column (column, count), by column.
pub type SparseCounts = Vec<(u32, u32)>;

/// Bytes a distinct level holds: its text twice (the level and the index's key, each a
/// malloc chunk: the text and 8 bytes rounded up to 16, at least 32), the level's `String`,
/// and the index's entry (a key `String` and a code) at a hash table's mean load of two
/// thirds, with its control byte. A column of distinct texts is the texts twice over, beyond
/// the 4 bytes a row's code takes (DESIGN.md, the memory budget).
pub fn level_bytes(level: &str) -> usize {
    let chunk = (level.len().saturating_add(8 + 15) & !15).max(32);
    let entry = std::mem::size_of::<(String, u32)>() * 3 / 2 + 1;
    2 * chunk + std::mem::size_of::<String>() + entry
}

impl CategoricalColumn {
    pub fn push(&mut self, value: Option<&str>) {
        self.push_counted(value);
    }

    /// Appends a value; returns the bytes it added beyond its code ([`level_bytes`] for a
    /// new level, else 0), for the reader's memory budget.
    pub fn push_counted(&mut self, value: Option<&str>) -> usize {
        let (code, added) = match value {
            None => (NULL_CODE, 0),
            Some(text) => match self.index.get(text) {
                Some(&code) => (code, 0),
                None => {
                    let code = self.levels.len() as u32;
                    self.levels.push(text.to_owned());
                    self.index.insert(text.to_owned(), code);
                    (code, level_bytes(text))
                }
            },
        };
        self.codes.push(code);
        added
    }

    /// Bytes the distinct levels hold ([`level_bytes`] each), with their derived counts once
    /// derived.
    pub fn levels_bytes(&self) -> usize {
        let derived: usize = self.derived.get().map_or(0, |(_, levels)| {
            levels
                .iter()
                .map(|counts| {
                    std::mem::size_of::<SparseCounts>()
                        + counts.capacity() * std::mem::size_of::<(u32, u32)>()
                })
                .sum()
        });
        self.levels.iter().map(|l| level_bytes(l)).sum::<usize>() + derived
    }

    /// Each level's sparse counts under the settings `key`, derived by `derive` on first use;
    /// `None` when the column's levels were already derived under other settings.
    pub fn derived_levels(
        &self,
        key: u64,
        derive: impl Fn(&str) -> SparseCounts,
    ) -> Option<&[SparseCounts]> {
        let (stored_key, levels) = self.derived.get_or_init(|| {
            let derived = self.levels.iter().enumerate().map(|(i, level)| {
                // A level per row for free text: cancellable as a scan is.
                crate::interrupt::check_every(i, 4096);
                derive(level)
            });
            (key, derived.collect())
        });
        (*stored_key == key).then_some(levels.as_slice())
    }

    /// The level of row `i`, `None` for NULL.
    pub fn level(&self, i: usize) -> Option<&str> {
        match self.codes[i] {
            NULL_CODE => None,
            code => Some(&self.levels[code as usize]),
        }
    }
}

/// One feature column of either kind.
#[derive(Debug, Clone)]
pub enum Column {
    Numeric(NumericColumn),
    Categorical(CategoricalColumn),
}

impl Column {
    /// Room for `rows` more values (a read that knows the table's size grows no vector by
    /// copying it).
    pub fn reserve(&mut self, rows: usize) {
        match self {
            Column::Numeric(c) => c.values.reserve(rows),
            Column::Categorical(c) => c.codes.reserve(rows),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Column::Numeric(c) => c.values.len(),
            Column::Categorical(c) => c.codes.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The target column as read: numbers (integer, float, boolean as 0/1) or text labels.
#[derive(Debug, Clone)]
pub enum TargetColumn {
    Numeric(NumericColumn),
    Boolean(Vec<Option<bool>>),
    Text(CategoricalColumn),
    /// No target (an unsupervised training): only the row count.
    Absent(usize),
    /// A survival model's target: the event column with the durations and entries.
    Survival(SurvivalColumn),
}

/// A survival target as read: per row the event (1 observed, 0 censored, as read: a
/// boolean as 1 or 0; NaN for NULL), the duration (periods observed) and, for loans already
/// on the book, the entry (the period they were first observed after). Checked by
/// `survival::SurvivalTarget::of`, which names the first row that cannot be used.
#[derive(Debug, Clone, Default)]
pub struct SurvivalColumn {
    pub events: Vec<f64>,
    pub durations: Vec<f64>,
    pub entries: Option<Vec<f64>>,
}

impl SurvivalColumn {
    fn subset(&self, rows: &[usize]) -> SurvivalColumn {
        let pick = |values: &[f64]| rows.iter().map(|&i| values[i]).collect::<Vec<f64>>();
        SurvivalColumn {
            events: pick(&self.events),
            durations: pick(&self.durations),
            entries: self.entries.as_deref().map(pick),
        }
    }
}

impl TargetColumn {
    /// Room for `rows` more labels.
    pub fn reserve(&mut self, rows: usize) {
        match self {
            TargetColumn::Numeric(c) => c.values.reserve(rows),
            TargetColumn::Boolean(v) => v.reserve(rows),
            TargetColumn::Text(c) => c.codes.reserve(rows),
            TargetColumn::Absent(_) => {}
            TargetColumn::Survival(c) => {
                c.events.reserve(rows);
                c.durations.reserve(rows);
                if let Some(entries) = &mut c.entries {
                    entries.reserve(rows);
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        match self {
            TargetColumn::Numeric(c) => c.values.len(),
            TargetColumn::Boolean(v) => v.len(),
            TargetColumn::Text(c) => c.codes.len(),
            TargetColumn::Absent(rows) => *rows,
            TargetColumn::Survival(c) => c.events.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn is_null(&self, i: usize) -> bool {
        match self {
            TargetColumn::Numeric(c) => c.values[i].is_nan(),
            TargetColumn::Boolean(v) => v[i].is_none(),
            TargetColumn::Text(c) => c.codes[i] == NULL_CODE,
            TargetColumn::Absent(_) => true,
            TargetColumn::Survival(c) => c.events[i].is_nan(),
        }
    }
}

/// A named feature column.
#[derive(Debug, Clone)]
pub struct Feature {
    pub name: String,
    pub column: Column,
}

/// Everything a training needs from the relation: features, target, and (for an
/// out-of-time split) which rows belong to the test period.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub features: Vec<Feature>,
    pub target_name: String,
    pub target: TargetColumn,
    /// `Some` for an out-of-time split: `true` marks a test row.
    pub test_mask: Option<Vec<bool>>,
    /// `Some` with options.weight_column: each row's weight (finite, >= 0).
    pub weights: Option<Vec<f64>>,
    /// `Some` for a walk-forward backtest: each row's time (seconds since the epoch), in
    /// order (the relation is read ordered by it).
    pub times: Option<Vec<f64>>,
}

impl Dataset {
    pub fn n_rows(&self) -> usize {
        self.target.len()
    }

    /// A copy holding only `rows`, in that order (a walk-forward fold).
    pub fn subset(&self, rows: &[usize]) -> Dataset {
        let pick_f64 = |values: &[f64]| rows.iter().map(|&i| values[i]).collect::<Vec<f64>>();
        let pick_codes = |c: &CategoricalColumn| CategoricalColumn {
            codes: rows.iter().map(|&i| c.codes[i]).collect(),
            levels: c.levels.clone(),
            index: c.index.clone(),
            derived: c.derived.clone(),
        };
        Dataset {
            features: self
                .features
                .iter()
                .map(|f| Feature {
                    name: f.name.clone(),
                    column: match &f.column {
                        Column::Numeric(c) => Column::Numeric(NumericColumn {
                            values: pick_f64(&c.values),
                        }),
                        Column::Categorical(c) => Column::Categorical(pick_codes(c)),
                    },
                })
                .collect(),
            target_name: self.target_name.clone(),
            target: match &self.target {
                TargetColumn::Numeric(c) => TargetColumn::Numeric(NumericColumn {
                    values: pick_f64(&c.values),
                }),
                TargetColumn::Boolean(v) => {
                    TargetColumn::Boolean(rows.iter().map(|&i| v[i]).collect())
                }
                TargetColumn::Text(c) => TargetColumn::Text(pick_codes(c)),
                TargetColumn::Absent(_) => TargetColumn::Absent(rows.len()),
                TargetColumn::Survival(c) => TargetColumn::Survival(c.subset(rows)),
            },
            test_mask: self
                .test_mask
                .as_ref()
                .map(|m| rows.iter().map(|&i| m[i]).collect()),
            weights: self.weights.as_deref().map(pick_f64),
            times: self.times.as_deref().map(pick_f64),
        }
    }

    /// The feature column called `name`.
    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.features.iter().find(|f| f.name == name)
    }

    /// Bytes one row takes in this representation (an f64 or a u32 code per feature, the
    /// target, the out-of-time mask); the extension uses it to keep the read within
    /// `finml.max_training_memory`, and each estimator adds what its fit holds to
    /// [`Dataset::bytes`]. No design matrix of the table is ever built.
    pub fn bytes_per_row(features: &[Feature], has_test_mask: bool) -> usize {
        let feature_bytes: usize = features
            .iter()
            .map(|f| match f.column {
                Column::Numeric(_) => std::mem::size_of::<f64>(),
                Column::Categorical(_) => std::mem::size_of::<u32>(),
            })
            .sum();
        feature_bytes + 8 + usize::from(has_test_mask)
    }

    /// Bytes the data takes (as [`Dataset::bytes_per_row`] counts them, with the weights),
    /// and the distinct levels of its text columns.
    pub fn bytes(&self) -> usize {
        let weights = if self.weights.is_some() { 8 } else { 0 };
        let levels: usize = self
            .features
            .iter()
            .filter_map(|f| match &f.column {
                Column::Categorical(c) => Some(c.levels_bytes()),
                Column::Numeric(_) => None,
            })
            .chain(match &self.target {
                TargetColumn::Text(c) => Some(c.levels_bytes()),
                _ => None,
            })
            .sum();
        self.n_rows()
            .saturating_mul(
                Dataset::bytes_per_row(&self.features, self.test_mask.is_some()) + weights,
            )
            .saturating_add(levels)
    }
}

/// Label of the NULL level of a categorical feature in term names and reports.
pub const MISSING_LEVEL: &str = "(missing)";

/// Label of a reference level that is not stored by name: every level was seen in fewer rows
/// than `min_level_rows`.
pub const OTHER_LEVEL: &str = "(other)";

/// One input value of a feature at predict time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RawValue<'a> {
    Null,
    Number(f64),
    Text(&'a str),
}

impl<'a> RawValue<'a> {
    /// The number, if this is one.
    pub fn number(self) -> Option<f64> {
        match self {
            RawValue::Number(x) => Some(x),
            _ => None,
        }
    }

    /// The text, if this is text.
    pub fn text(self) -> Option<&'a str> {
        match self {
            RawValue::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// Appends `x` as Rust's `{x}` writes it (the value column of fin_explain and
/// fin_reason_codes); a whole number, most of a credit row's values, through the integer
/// formatter, which skips the float's shortest-digits search.
pub fn write_number(buffer: &mut Vec<u8>, x: f64) {
    use std::io::Write;
    // Every integer below 2^53 is a float exactly.
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;
    // Writing into a Vec cannot fail.
    if x.fract() == 0.0 && x.abs() < EXACT_INTEGERS && !(x == 0.0 && x.is_sign_negative()) {
        let _ = write!(buffer, "{}", x as i64);
    } else {
        let _ = write!(buffer, "{x}");
    }
}

/// A value of the other kind than the model's feature (numeric vs text).
pub(crate) fn kind_mismatch(name: &str, expected: &str, got: &str) -> Error {
    Error::new(
        ErrorKind::WrongType,
        format!("feature \"{name}\" is {expected} in the model but the input value is {got}"),
    )
    .with_hint("pass a column of the type the model was trained on, or cast it")
}

#[cfg(test)]
mod tests {
    use super::write_number;

    #[test]
    fn numbers_are_written_as_rust_writes_them() {
        let values = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            720.0,
            75688.0,
            0.574,
            -1.8988,
            1e15,
            1e16,
            1e20,
            1e300,
            9_007_199_254_740_991.0,
            9_007_199_254_740_992.0,
            9_007_199_254_740_994.0,
            -9_007_199_254_740_992.0,
            5e-324,
            1.5,
            f64::MAX,
            f64::MIN,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in values {
            let mut written = Vec::new();
            write_number(&mut written, x);
            assert_eq!(String::from_utf8(written).unwrap(), format!("{x}"), "{x:e}");
        }
    }
}
