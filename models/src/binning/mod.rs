//! Optimal binning of one feature for a scorecard, fitted on the training split.
//!
//! The feature's values are first reduced to ordered *atoms*: distinct values in ascending
//! order for a numeric feature, levels in ascending order of event rate for a categorical
//! one. A CART-style pre-binning then cuts the atoms into at most [`MAX_PREBINS`] groups of at
//! least `min_bin_size` rows each, splitting where the Gini impurity drops most (as
//! optbinning's default pre-binning does). Finally a dynamic program merges adjacent pre-bins
//! into at most `max_bins` bins that maximize the information value, subject to a monotonic
//! event rate, the minimum bin size and events, and both classes present in every bin (a
//! finite WoE). A modeller may fix a numeric feature's cut points instead (checked against
//! the trend) and give special codes (-9999) bins of their own.
//! IV is a sum over bins, so the dynamic program finds the exact optimum over all such
//! merges. NULLs always get a bin of their own.
//!
//! One job per file: `counts` (rows, events and weights of a group of rows), `bins` (the
//! fitted binning and a value's bin), `optimal` (the constraints, pre-binning and the dynamic
//! program), `fit` (a feature's binning from its rows or its atoms).

mod bins;
mod counts;
mod fit;
mod optimal;

pub use bins::{woe_iv, Bin, Binning, Edges};
pub use counts::{Counts, RowLabels};
pub use fit::{
    bin_levels, bin_numeric_atoms, fit_categorical, fit_categorical_with, fit_numeric,
    fit_numeric_with, numeric_binning_bytes, BinningMemory, NumericControls,
};
pub use optimal::{BinningParams, Monotonic, MAX_PREBINS};

#[cfg(test)]
pub(crate) mod tests;
