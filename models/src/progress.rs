//! How a long training reports to its caller: after every step (a batch, a solver iteration)
//! so that a cancel is honoured, and after every epoch with its losses (the SQL layer turns
//! them into NOTICEs and the stored training log). Any iterative estimator uses it.

use crate::error::Result;

/// One epoch of a training log.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochLog {
    /// 1-based.
    pub epoch: usize,
    /// The epochs the training plans (it may stop earlier).
    pub of: usize,
    pub train_loss: f64,
    pub valid_loss: Option<f64>,
    pub seconds: f64,
    /// Self-training: the unlabelled rows this round labelled (the "epoch" is the round).
    pub rows_added: Option<usize>,
}

/// The stages of a training that the models crate runs (reading and storing are the SQL
/// layer's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Fitting the preprocessing (imputation, scaling, encodings) or a scorecard's binning.
    Preprocessing,
    /// The estimator's solver, epochs or iterations.
    Fitting,
    /// Measuring the fitted model on the held-out (or training) rows.
    Evaluating,
}

/// Called after each step and each epoch; an error stops the training.
pub trait Progress {
    /// The training entered `phase`.
    fn phase(&mut self, _phase: Phase) {}
    fn step(&mut self) -> Result<()> {
        Ok(())
    }
    fn epoch(&mut self, _log: &EpochLog) -> Result<()> {
        Ok(())
    }
}

/// No reporting (tests, benchmarks).
pub struct Silent;
impl Progress for Silent {}
