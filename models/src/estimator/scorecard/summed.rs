//! A scorecard from sums: the moments' counts, each feature's atoms (a GROUP BY) binned as in
//! memory, then the regression on WoE values by Newton passes and the training rows' scores
//! for the score bands ([`fit_binned`]).

use super::algorithm::ScorecardEstimator;
use super::fit::{check_feature_names, fit_binned, WoeRows};
use super::{in_feature, ScorecardParams};
use crate::binning::{
    bin_levels, bin_numeric_atoms, Binning, BinningParams, Counts, NumericControls,
};
use crate::error::Result;
use crate::estimator::{SummedFit, SummedFitted};
use crate::linalg::spd_inverse;
use crate::linear::summed::{fitted_from_sums, newton};
use crate::linear::{LinearEstimator, LinearFit};
use crate::preprocess::{Input, Preprocessor};
use crate::summed::{Atom, NewtonLayout, SummedRows, SumsInput, SumsPass};
use ndarray::Array2;

impl SummedFit for ScorecardParams {
    fn fit_from_sums(
        &self,
        input: &SumsInput<'_>,
        rows: &mut dyn SummedRows,
        notes: &mut Vec<String>,
    ) -> Result<SummedFitted> {
        let named: Vec<(&str, bool)> = input
            .features
            .iter()
            .map(|(name, kind)| (name.as_str(), *kind != Input::Text))
            .collect();
        check_feature_names(&named, self)?;
        let (_, n, positives) = input.moments(rows)?;
        let mut binned = Vec::with_capacity(named.len());
        for &(name, number) in &named {
            let atoms = input.atoms(rows, name)?;
            let params = self.binning_params(name, input.preprocess.min_level_rows);
            binned.push((
                name.to_owned(),
                bin_atoms(name, number, atoms, self, params)?,
            ));
        }
        let mut woe = WoeSums {
            rows,
            n,
            positives,
            last: Vec::new(),
            information: Array2::zeros((0, 0)),
        };
        let fitted = fit_binned(binned, self, notes, &mut woe)?;
        let layout = NewtonLayout::new(
            fitted.preprocessor.width() + 1,
            fitted.preprocessor.features.len(),
        );
        let term_sums = woe.last.split_off(layout.term_sums);
        let linear = LinearEstimator::from_fit(&fitted.fit, &fitted.preprocessor, true);
        let estimator = Box::new(ScorecardEstimator {
            linear,
            points: fitted.scorecard,
        });
        Ok(fitted_from_sums(
            fitted.preprocessor,
            &fitted.fit,
            &term_sums,
            n,
            estimator,
        ))
    }
}

/// A feature's binning from its atoms, as [`super::bin_feature`] bins
fn bin_atoms(
    name: &str,
    number: bool,
    atoms: Vec<(Atom, u64, f64)>,
    card: &ScorecardParams,
    params: BinningParams,
) -> Result<Binning> {
    let counts = |rows: u64, events: f64| Counts::unweighted(rows, events as u64);
    let mut missing = Counts::default();
    if number {
        let (special_codes, cuts) = card.numeric_controls(name);
        let mut special = vec![Counts::default(); special_codes.len()];
        let mut values = Vec::with_capacity(atoms.len());
        for (atom, rows, events) in atoms {
            match atom {
                Atom::Number(v) => match special_codes.iter().position(|&s| s == v) {
                    Some(code) => special[code].add(counts(rows, events)),
                    None => values.push((v, counts(rows, events))),
                },
                _ => missing.add(counts(rows, events)),
            }
        }
        values.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        let controls = NumericControls {
            special: &special_codes,
            cuts: cuts.as_deref(),
            // The atoms are counted as the aggregate collects them (pg/summed.rs).
            memory: None,
        };
        bin_numeric_atoms(values, special, missing, params, controls)
            .map_err(|e| in_feature(name, e))
    } else {
        let (mut levels, mut per_level) = (Vec::new(), Vec::new());
        for (atom, rows, events) in atoms {
            match atom {
                Atom::Level(level) => {
                    levels.push(level);
                    per_level.push(counts(rows, events));
                }
                _ => missing.add(counts(rows, events)),
            }
        }
        Ok(bin_levels(&levels, &per_level, missing, params))
    }
}

/// The regression on WoE values with its passes summed where the rows are.
struct WoeSums<'r> {
    rows: &'r mut dyn SummedRows,
    n: f64,
    positives: f64,
    /// The last Newton pass's cells (its term sums measure the reference) and penalized
    /// information (its inverse is the kept fit's covariance).
    last: Vec<f64>,
    information: Array2<f64>,
}

impl WoeRows for WoeSums<'_> {
    fn coefficients(
        &mut self,
        preprocessor: &Preprocessor,
        sc: &ScorecardParams,
    ) -> Result<LinearFit> {
        let (solution, last) = newton(self.rows, preprocessor, self.n, self.positives, sc.solver)?;
        self.last = last;
        self.information = solution.information.clone();
        Ok(solution.into_fit(false))
    }

    /// The inverse of the information Newton's last pass summed, at the kept coefficients:
    /// no pass of its own.
    fn covariance(
        &mut self,
        _preprocessor: &Preprocessor,
        _fit: &LinearFit,
        _sc: &ScorecardParams,
    ) -> Option<Array2<f64>> {
        spd_inverse(&self.information)
    }

    fn scores(&mut self, preprocessor: &Preprocessor, points: &[Vec<f64>]) -> Result<Vec<f64>> {
        self.rows.training_outputs(&SumsPass::Points {
            preprocessor: preprocessor.clone(),
            points: points.to_vec(),
        })
    }
}
