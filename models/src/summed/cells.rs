//! A pass's cells: each row's design and output, the combine function, the Newton layout.

use super::pass::{
    arrays_refused, order_key, state_refused, CellKind, NewtonLayout, SumsPass, BYTE_GROUPS,
    GROUP_CELLS, MAX_CELLS,
};
use crate::data::RawValue;
use crate::error::{Error, Result};
use crate::linear::solver::logistic_row;
use crate::preprocess::{Input, Preprocessor, Transform};

impl SumsPass {
    /// The preprocessor whose features the pass's arrays hold (in its order); `None`: the
    /// arrays hold every planned feature (moments, ranks, spread).
    pub fn preprocessor(&self) -> Option<&Preprocessor> {
        match self {
            SumsPass::Newton { preprocessor, .. }
            | SumsPass::Normal { preprocessor }
            | SumsPass::Residuals { preprocessor, .. }
            | SumsPass::Points { preprocessor, .. } => Some(preprocessor),
            SumsPass::Moments { .. } | SumsPass::Ranks { .. } | SumsPass::Spread { .. } => None,
        }
    }

    /// The pass's name, as its JSON tag.
    pub fn name(&self) -> &'static str {
        match self {
            SumsPass::Moments { .. } => "moments",
            SumsPass::Ranks { .. } => "ranks",
            SumsPass::Spread { .. } => "spread",
            SumsPass::Newton { .. } => "newton",
            SumsPass::Normal { .. } => "normal",
            SumsPass::Residuals { .. } => "residuals",
            SumsPass::Points { .. } => "points",
        }
    }

    /// The pass's name, and the name of the pass riding along (for logs).
    pub fn described(&self) -> String {
        match self {
            SumsPass::Ranks {
                with: Some(with), ..
            } => format!("{} (with the {})", self.name(), with.name()),
            _ => self.name().to_owned(),
        }
    }

    /// Whether the pass reads the rows' texts (the moments, ranks and spread of the numbers do
    /// not: their queries pass an empty array).
    pub fn reads_texts(&self) -> bool {
        self.preprocessor().is_some()
    }

    /// One row's output: a Newton pass's linear predictor, a points pass's score.
    pub fn output(&self, numbers: &[Option<f64>], texts: &[Option<&str>]) -> Result<f64> {
        match self {
            SumsPass::Newton {
                preprocessor,
                theta,
            } => {
                let values = values_of(preprocessor, numbers, texts)?;
                preprocessor.linear_predictor(theta[0], &theta[1..], &values)
            }
            SumsPass::Points {
                preprocessor,
                points,
            } => {
                let values = values_of(preprocessor, numbers, texts)?;
                let mut score = 0.0;
                for ((f, value), points) in preprocessor.features.iter().zip(&values).zip(points) {
                    if let Transform::Binned(b) = &f.transform {
                        score += points[b.bin_of(&f.name, *value)?];
                    }
                }
                Ok(score)
            }
            _ => Err(
                Error::invalid_option("only a Newton or points pass has outputs")
                    .with_hint("fin_train makes these passes; they are not for direct use"),
            ),
        }
    }

    /// Adds one row to `cells` (made by [`SumsPass::zero_cells`]): its numbers and texts as
    /// the `numbers`/`texts` arrays hold them, and its label (a class as 1 or 0, or a
    /// regression's target).
    pub fn add_row(
        &self,
        cells: &mut [f64],
        numbers: &[Option<f64>],
        texts: &[Option<&str>],
        label: f64,
    ) -> Result<()> {
        if cells.len() != self.cell_count() {
            return Err(state_refused());
        }
        let cells = &mut cells[1..];
        match self {
            SumsPass::Moments { .. } | SumsPass::Spread { .. } => {
                self.add_sums(numbers, label, |i, v| cells[i] += v)?
            }
            SumsPass::Ranks {
                shift,
                targets,
                with,
            } => {
                let carried = match with {
                    Some(with) => {
                        with.add_sums(numbers, label, |i, v| cells[i * GROUP_CELLS] += v)?;
                        with.cell_count() - 1
                    }
                    None => 0,
                };
                let groups = &mut cells[carried * GROUP_CELLS..];
                for (t, target) in targets.iter().enumerate() {
                    let Some(Some(v)) = numbers.get(target.number).copied() else {
                        continue;
                    };
                    let key = order_key(v);
                    if *shift < 64 && key >> shift != target.prefix {
                        continue;
                    }
                    let byte = ((key >> (shift - 8)) & 0xff) as usize;
                    let group =
                        &mut groups[(t * BYTE_GROUPS + byte) * GROUP_CELLS..][..GROUP_CELLS];
                    group[0] += 1.0;
                    group[1] = group[1].min(v);
                    group[2] = group[2].max(v);
                }
            }
            SumsPass::Newton {
                preprocessor,
                theta,
            } => {
                let values = values_of(preprocessor, numbers, texts)?;
                let layout = NewtonLayout::new(theta.len(), preprocessor.features.len());
                let row = design_row(preprocessor, &values, theta.len())?;
                let eta: f64 = row.iter().zip(theta).map(|(a, t)| a * t).sum();
                let (loss, residual, weight) = logistic_row(eta, label != 0.0);
                cells[0] += loss;
                add_gram_row(cells, &layout, &row, residual, weight);
                add_design_terms(cells, layout.term_sums, preprocessor, theta, &row);
            }
            SumsPass::Normal { preprocessor } => {
                let values = values_of(preprocessor, numbers, texts)?;
                let terms = preprocessor.width() + 1;
                let layout = NewtonLayout::new(terms, preprocessor.features.len());
                let row = design_row(preprocessor, &values, terms)?;
                cells[0] += label * label;
                add_gram_row(cells, &layout, &row, label, 1.0);
            }
            SumsPass::Residuals {
                preprocessor,
                theta,
            } => {
                let values = values_of(preprocessor, numbers, texts)?;
                let fitted = preprocessor.linear_predictor(theta[0], &theta[1..], &values)?;
                cells[0] += (label - fitted) * (label - fitted);
                add_terms(cells, 1, preprocessor, theta, &values)?;
            }
            SumsPass::Points { .. } => {
                return Err(Error::invalid_option("a points pass is not summed")
                    .with_hint("fin_train makes these passes; they are not for direct use"))
            }
        }
        Ok(())
    }
}

impl SumsPass {
    /// Adds one row of a moments or spread pass through `add(cell, value)` (cells counted
    /// after the kind cell): in place, or into the groups of a ranks pass it rides along.
    fn add_sums(
        &self,
        numbers: &[Option<f64>],
        label: f64,
        mut add: impl FnMut(usize, f64),
    ) -> Result<()> {
        match self {
            SumsPass::Moments { numbers: count } => {
                if numbers.len() != *count {
                    return Err(arrays_refused());
                }
                add(0, 1.0);
                add(1, label);
                for (k, v) in numbers.iter().enumerate() {
                    match v {
                        Some(v) if v.is_finite() => {
                            add(2 + 3 * k, 1.0);
                            add(3 + 3 * k, *v);
                        }
                        Some(_) => add(4 + 3 * k, 1.0),
                        None => {}
                    }
                }
            }
            SumsPass::Spread { means } => {
                if numbers.len() != means.len() {
                    return Err(arrays_refused());
                }
                for (k, (v, mean)) in numbers.iter().zip(means).enumerate() {
                    if let Some(v) = v {
                        add(k, (v - mean) * (v - mean));
                    }
                }
            }
            _ => return Err(state_refused()),
        }
        Ok(())
    }

    /// The state of the pass riding along a ranks pass (its kind cell, then its sums), taken
    /// from the ranks pass's state `cells`; `None` when none rides along.
    pub fn carried_state(&self, cells: &[f64]) -> Option<Vec<f64>> {
        let SumsPass::Ranks {
            with: Some(with), ..
        } = self
        else {
            return None;
        };
        let count = with.cell_count() - 1;
        let sums = cells
            .get(1..)?
            .chunks(GROUP_CELLS)
            .take(count)
            .map(|g| g[0]);
        Some(
            std::iter::once(with.kind() as u64 as f64)
                .chain(sums)
                .collect(),
        )
    }

    /// The ranks pass's own state in `cells` (a kind cell, then its targets' groups), past
    /// the sums of a pass riding along.
    pub fn ranks_state<'c>(&self, cells: &'c [f64]) -> &'c [f64] {
        match self {
            SumsPass::Ranks {
                with: Some(with), ..
            } => cells
                .get((with.cell_count() - 1) * GROUP_CELLS..)
                .unwrap_or(&[]),
            _ => cells,
        }
    }

    /// Whether the pass sums the rows' labels (the moments do, alone or riding along).
    pub fn reads_label(&self) -> bool {
        match self {
            SumsPass::Spread { .. } => false,
            SumsPass::Ranks { with, .. } => {
                matches!(with.as_deref(), Some(SumsPass::Moments { .. }))
            }
            _ => true,
        }
    }
}

/// A row's values from its arrays, refused when they do not fit the preprocessor.
fn values_of<'a>(
    preprocessor: &Preprocessor,
    numbers: &[Option<f64>],
    texts: &[Option<&'a str>],
) -> Result<Vec<RawValue<'a>>> {
    preprocessor
        .values_from_arrays(numbers, texts)
        .ok_or_else(arrays_refused)
}

/// A row's design with the intercept's 1 first.
fn design_row(
    preprocessor: &Preprocessor,
    values: &[RawValue<'_>],
    terms: usize,
) -> Result<Vec<f64>> {
    let mut row = Vec::with_capacity(terms);
    row.push(1.0);
    preprocessor.design_row(values, &mut row)?;
    Ok(row)
}

/// Adds `gradient_weight × row` to the gradient's cells and `information_weight × row rowᵀ`
/// to the information's upper triangle (it is symmetric).
fn add_gram_row(
    cells: &mut [f64],
    layout: &NewtonLayout,
    row: &[f64],
    gradient_weight: f64,
    information_weight: f64,
) {
    let terms = row.len();
    for (j, &a) in row.iter().enumerate() {
        cells[layout.gradient + j] += gradient_weight * a;
        if a != 0.0 {
            let wa = information_weight * a;
            let info = &mut cells[layout.information + j * terms..][..terms];
            for (c, &b) in info[j..].iter_mut().zip(&row[j..]) {
                *c += wa * b;
            }
        }
    }
}

/// Adds each feature's term at `theta` and its square to the cells from `at` on, from the
/// row's design (intercept first) rather than its values, which would decode the row again:
/// a term is its design columns' products summed, equal to [`Preprocessor::feature_terms`]'s
/// to the bit (a level's indicator adds one weight among zeros).
fn add_design_terms(
    cells: &mut [f64],
    at: usize,
    preprocessor: &Preprocessor,
    theta: &[f64],
    row: &[f64],
) {
    let features = preprocessor.features.len();
    let mut column = 1;
    for (k, feature) in preprocessor.features.iter().enumerate() {
        let columns = column..column + feature.transform.width();
        let term: f64 = row[columns.clone()]
            .iter()
            .zip(&theta[columns.clone()])
            .map(|(x, t)| x * t)
            .sum();
        cells[at + k] += term;
        cells[at + features + k] += term * term;
        column = columns.end;
    }
}

/// Adds each feature's term at `theta` and its square to the cells from `at` on.
fn add_terms(
    cells: &mut [f64],
    at: usize,
    preprocessor: &Preprocessor,
    theta: &[f64],
    values: &[RawValue<'_>],
) -> Result<()> {
    let features = preprocessor.features.len();
    preprocessor.feature_terms(&theta[1..], values, |k, term| {
        cells[at + k] += term;
        cells[at + features + k] += term * term;
    })
}

/// Adds the state `b` into `a` (the combine function): both made for the same pass (equal
/// identity cells and lengths), else 22023.
pub fn combine_cells(a: &mut [f64], b: &[f64]) -> Result<()> {
    if a.len() != b.len() || a.len() > MAX_CELLS + 1 || a.first() != b.first() {
        return Err(state_refused());
    }
    let kind = a
        .first()
        .and_then(|&identity| CellKind::of_identity(identity));
    let Some(kind) = kind else {
        return Err(state_refused());
    };
    if kind == CellKind::Ranks && !(a.len() - 1).is_multiple_of(GROUP_CELLS) {
        return Err(state_refused());
    }
    if kind == CellKind::Ranks {
        for (x, y) in a[1..]
            .chunks_mut(GROUP_CELLS)
            .zip(b[1..].chunks(GROUP_CELLS))
        {
            x[0] += y[0];
            x[1] = x[1].min(y[1]);
            x[2] = x[2].max(y[2]);
        }
    } else {
        a[1..].iter_mut().zip(&b[1..]).for_each(|(x, y)| *x += y);
    }
    Ok(())
}

impl Preprocessor {
    /// A row's values in feature order from the two arrays an aggregate takes: the numbers
    /// (numeric and date features) and the texts (the others), each in feature order;
    /// `None` when their lengths do not fit.
    pub fn values_from_arrays<'a>(
        &self,
        numbers: &[Option<f64>],
        texts: &[Option<&'a str>],
    ) -> Option<Vec<RawValue<'a>>> {
        let (mut numbers, mut texts) = (numbers.iter(), texts.iter());
        let values: Option<Vec<RawValue<'a>>> = self
            .features
            .iter()
            .map(|f| match f.transform.input() {
                Input::Number | Input::Date => numbers
                    .next()
                    .map(|v| v.map_or(RawValue::Null, RawValue::Number)),
                Input::Text => texts
                    .next()
                    .map(|v| v.map_or(RawValue::Null, RawValue::Text)),
            })
            .collect();
        values.filter(|_| numbers.next().is_none() && texts.next().is_none())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    /// A state that does not fit its pass, or a pass a caller made up, is refused (22023, 54000),
    /// never misread.
    #[test]
    fn made_up_passes_and_states_are_refused() {
        assert!(SumsPass::parse(r#"{"pass": "ranks", "shift": 3, "targets": []}"#).is_err());
        let huge = format!(
            r#"{{"pass": "spread", "means": [{}]}}"#,
            vec!["0"; 1 << 24].join(",")
        );
        assert_eq!(
            SumsPass::parse(&huge).unwrap_err().kind,
            ErrorKind::ResourceLimit
        );
        let pass = SumsPass::parse(r#"{"pass": "moments", "numbers": 2}"#).unwrap();
        let mut cells = pass.zero_cells();
        assert!(pass.add_row(&mut cells, &[Some(1.0)], &[], 1.0).is_err());
        assert!(pass
            .add_row(&mut cells[1..].to_vec(), &[Some(1.0), None], &[], 1.0)
            .is_err());
        let ranks = SumsPass::parse(
            r#"{"pass": "ranks", "shift": 64, "targets": [{"number": 0, "prefix": 0}]}"#,
        )
        .unwrap();
        assert!(combine_cells(&mut cells, &ranks.zero_cells()).is_err());
    }

    /// A pass's identity keeps its kind in the two low bits and tells two texts apart; a
    /// Newton pass's cells are its layout's.
    #[test]
    fn identities_name_their_kind_and_text() {
        let moments = SumsPass::parse(r#"{"pass": "moments", "numbers": 2}"#).unwrap();
        let a = moments.identity("a") as u64;
        let b = moments.identity("b") as u64;
        assert_eq!(a & 3, CellKind::Sums as u64);
        assert_ne!(a, b);
        assert_eq!(CellKind::of_identity(a as f64), Some(CellKind::Sums));
        assert_eq!(moments.cell_count(), 1 + 2 + 3 * 2);
        let layout = NewtonLayout::new(4, 2);
        assert_eq!(layout.cells, 1 + 4 + 16 + 4);
    }

    /// A moments or spread pass riding along a ranks pass sums what it sums alone, and the
    /// ranks' groups are the ranks pass's alone, to the bit, rows summed in two parts or at
    /// once; any other pass riding along is refused.
    #[test]
    fn a_pass_riding_along_sums_what_it_sums_alone() {
        let rows: Vec<[Option<f64>; 2]> = (0..40)
            .map(|i| {
                let x = f64::from(i) * 0.37 - 3.0;
                [Some(x * x), (i % 7 != 0).then_some(-x / 3.0)]
            })
            .collect();
        let targets = r#"[{"number": 0, "prefix": 0}, {"number": 1, "prefix": 0}]"#;
        for with in [
            r#"{"pass": "moments", "numbers": 2}"#,
            r#"{"pass": "spread", "means": [1.5, -0.25]}"#,
        ] {
            let alone = SumsPass::parse(with).unwrap();
            let ranks = SumsPass::parse(&format!(
                r#"{{"pass": "ranks", "shift": 64, "targets": {targets}}}"#
            ))
            .unwrap();
            let both = SumsPass::parse(&format!(
                r#"{{"pass": "ranks", "shift": 64, "targets": {targets}, "with": {with}}}"#
            ))
            .unwrap();
            let sum = |pass: &SumsPass, rows: &[[Option<f64>; 2]]| {
                let mut cells = pass.zero_cells();
                for (i, row) in rows.iter().enumerate() {
                    pass.add_row(&mut cells, row, &[], (i % 3 == 0) as u8 as f64)
                        .unwrap();
                }
                cells
            };
            // Summed at once (split 0), and in two parts added by the combine function (whose
            // rounding differs from one sum's: each pass is compared with itself summed alike).
            let summed = |pass: &SumsPass, split: usize| {
                let mut cells = sum(pass, &rows[..split]);
                combine_cells(&mut cells, &sum(pass, &rows[split..])).unwrap();
                cells
            };
            for split in [0, 13] {
                let cells = summed(&both, split);
                let carried = both.carried_state(&cells).unwrap();
                assert_eq!(bits(&carried), bits(&summed(&alone, split)));
                assert_eq!(
                    bits(&both.ranks_state(&cells)[1..]),
                    bits(&summed(&ranks, split)[1..])
                );
            }
        }
        let ranks_along = format!(
            r#"{{"pass": "ranks", "shift": 64, "targets": {targets}, "with": {{"pass": "ranks", "shift": 64, "targets": []}}}}"#
        );
        assert!(SumsPass::parse(&ranks_along).is_err());
    }

    fn bits(cells: &[f64]) -> Vec<u64> {
        cells.iter().map(|v| v.to_bits()).collect()
    }

    /// Two parts of the rows summed apart and combined equal the rows summed at once.
    #[test]
    fn combined_parts_equal_one_sum() {
        let pass = SumsPass::parse(r#"{"pass": "moments", "numbers": 1}"#).unwrap();
        let rows = [
            (Some(1.5), 1.0),
            (None, 0.0),
            (Some(-2.0), 1.0),
            (Some(4.0), 0.0),
        ];
        let sum = |rows: &[(Option<f64>, f64)]| {
            let mut cells = pass.zero_cells();
            for &(x, label) in rows {
                pass.add_row(&mut cells, &[x], &[], label).unwrap();
            }
            cells
        };
        let mut first = sum(&rows[..2]);
        combine_cells(&mut first, &sum(&rows[2..])).unwrap();
        assert_eq!(first, sum(&rows));
        // Rows, positives, then the number's present count, sum and non-finite count.
        assert_eq!(&first[1..], &[4.0, 2.0, 3.0, 3.5, 0.0]);
    }
}
