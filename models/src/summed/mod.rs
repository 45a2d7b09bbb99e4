//! Training from sums over the rows, where the rows are stored: each pass over a relation
//! is one aggregate (`fin_training_sums`) whose state is a fixed array of cells that a
//! parallel worker or a Citus worker fills for its part of the rows, and that parts add up
//! (order-independent but for rounding). Over the training rows:
//!
//! 1. **moments**: the row count, the labels' sum, and each numeric feature's present count
//!    and sum (categorical levels and a scorecard's atoms are a GROUP BY, outside this
//!    module);
//! 2. **ranks**: each median by radix selection over the numbers' order keys, one byte of
//!    the key per pass (at most 8), so a median is exact, as in memory;
//! 3. **spread**: each numeric feature's sum of squared deviations from its mean;
//! 4. **newton**: at each of Newton's steps, the log-loss, gradient and information matrix
//!    (logistic regression, a scorecard's regression on WoE values), and each feature's term
//!    sums for explanations;
//! 5. **normal** and **residuals**: least squares' normal equations, then the residual sum
//!    of squares for the standard errors (linear regression).
//!
//! A **points** pass is not summed: it gives each training row's scorecard score
//! (`fin_training_output`). A pass is described by a [`SumsPass`], sent to every worker as
//! JSON text.
//!
//! This module is what every summed training shares (the passes, their cells, the rank
//! search, the standardizing preprocessing from sums: `input`); an algorithm's own passes
//! are in its folder (`estimator::linear::summed`, `estimator::scorecard::summed`), and the
//! pipeline around them is `train::summed`.

mod atoms;
mod cells;
mod input;
mod pass;
mod ranks;
mod rows;

pub use atoms::{AtomTables, MAX_ATOM_NUMBERS};
pub use cells::combine_cells;
pub use input::SumsInput;
pub use pass::{
    order_key, CellKind, NewtonLayout, RankTarget, SumsPass, MAX_CELLS, MAX_PASS_BYTES,
};
pub use ranks::{median_ranks, RankSearch};
pub use rows::{Atom, SummedRows};
