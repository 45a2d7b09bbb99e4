//! A pass of `fin_training_sums`: what it sums, its text and identity, and adding a row.

use crate::error::{try_vec, Error, ErrorKind, Result};
use crate::preprocess::{Preprocessor, Transform};
use serde::{Deserialize, Serialize};

/// The order key of a finite number: its bits, rearranged so that the keys' unsigned order
/// is the numbers' order (stored as i64, as SQL's int8 would).
pub fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// What one pass of `fin_training_sums` sums.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "pass", rename_all = "snake_case")]
pub enum SumsPass {
    /// Rows, positive rows, then per number (the `numbers` array's order) its present
    /// count and sum, and its count of non-finite values.
    Moments { numbers: usize },
    /// Per target: for each value of the target's number whose key has the target's prefix
    /// (the key's bits above `shift`), its count, least and greatest value per next byte.
    /// A moments or spread pass may ride along (`with`): its sums, which need no rank, are
    /// the counts of groups of their own before the targets' (their least and greatest
    /// unused), so that one scan serves both and the combine function is the same.
    Ranks {
        shift: u32,
        targets: Vec<RankTarget>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        with: Option<Box<SumsPass>>,
    },
    /// Per number: the sum of its present values' squared deviations from `means[k]`.
    Spread { means: Vec<f64> },
    /// Newton's sums at `theta` on `preprocessor`'s design (see [`NewtonLayout`]).
    Newton {
        preprocessor: Preprocessor,
        theta: Vec<f64>,
    },
    /// Least squares' normal equations on `preprocessor`'s design, in a [`NewtonLayout`]:
    /// `Σy²` in the loss's cell, `Aᵀy` in the gradient's, `AᵀA` in the information's.
    Normal { preprocessor: Preprocessor },
    /// At `theta`: the residual sum of squares, then each feature's term sum and sum of
    /// squares.
    Residuals {
        preprocessor: Preprocessor,
        theta: Vec<f64>,
    },
    /// Not summed: a scorecard's points per bin of each (binned) feature, for each training
    /// row's score (`fin_training_output`).
    Points {
        preprocessor: Preprocessor,
        points: Vec<Vec<f64>>,
    },
}

/// One rank searched in one number: its position in the `numbers` array and the key prefix
/// its value has (the key's bits above the pass's shift; none at the first pass).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankTarget {
    pub number: usize,
    pub prefix: u64,
}

/// The most cells one state may hold (64 MiB): a Newton pass at the widest design Newton's
/// method takes holds 65,536; the bound is there for a pass a caller made up.
pub const MAX_CELLS: usize = 1 << 23;

/// The longest pass text parsed (a pass fin_train makes is a few kB to a few MB: a scorecard's
/// points or a preprocessor's levels). Parsing allocates in proportion to the text, and a
/// caller can pass a 1 GB text: refused before parsing (54000).
pub const MAX_PASS_BYTES: usize = 64 << 20;

/// The fingerprint's bits: with the kind's two bits below them, an identity stays an exact
/// integer in a float8 cell (below 2⁵³).
const FINGERPRINT_BITS: u32 = 48;

/// Each of a Ranks pass's targets has one group of cells per next key byte.
pub(super) const BYTE_GROUPS: usize = 256;
/// A group's cells: count, least value, greatest value.
pub(super) const GROUP_CELLS: usize = 3;

/// How the combine function adds two states: the first cell names the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CellKind {
    /// Every cell added.
    Sums = 1,
    /// Groups of (count, least, greatest): added, least, greatest.
    Ranks = 2,
}

impl CellKind {
    /// The kind a state's identity cell names (its two lowest bits), if any.
    pub(super) fn of_identity(identity: f64) -> Option<CellKind> {
        if !(identity.is_finite() && identity >= 0.0 && identity < (1u64 << 53) as f64) {
            return None;
        }
        match identity as u64 & 3 {
            1 => Some(CellKind::Sums),
            2 => Some(CellKind::Ranks),
            _ => None,
        }
    }
}

/// 64-bit FNV-1a of a pass's text: a pass's states carry it so that states of two passes
/// (same length or not) are never added together, and a state made up for another pass is
/// refused (22023). Not a defence against a forger, who may choose the cells anyway: it
/// keeps a mistake or a crafted query from summing one pass's parts into another's.
fn fingerprint(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl SumsPass {
    /// Parses a pass as the workers receive it; 22023 for anything else.
    pub fn parse(text: &str) -> Result<SumsPass> {
        if text.len() > MAX_PASS_BYTES {
            return Err(Error::new(
                ErrorKind::ResourceLimit,
                format!(
                    "a training pass of {} bytes is longer than the {MAX_PASS_BYTES} a pass may be",
                    text.len()
                ),
            )
            .with_hint("fin_train makes these passes; they are not for direct use"));
        }
        let mut pass: SumsPass = serde_json::from_str(text).map_err(|e| {
            Error::invalid_option(format!("invalid training pass: {e}"))
                .with_hint("fin_train makes these passes; they are not for direct use")
        })?;
        if let SumsPass::Ranks { shift, with, .. } = &pass {
            if *shift < 8 || *shift > 64 || shift % 8 != 0 {
                return Err(Error::invalid_option(format!(
                    "a ranks pass's shift must be a multiple of 8 from 8 to 64, got {shift}"
                )));
            }
            if let Some(with) = with {
                if !matches!(**with, SumsPass::Moments { .. } | SumsPass::Spread { .. }) {
                    return Err(Error::invalid_option(
                        "only a moments or spread pass rides along a ranks pass",
                    )
                    .with_hint("fin_train makes these passes; they are not for direct use"));
                }
            }
        }
        if let Some(preprocessor) = pass.preprocessor() {
            if let Some(problem) = preprocessor.structure_problem() {
                return Err(Error::invalid_option(format!(
                    "a training pass's preprocessing is not valid: {problem}"
                ))
                .with_hint("fin_train makes these passes; they are not for direct use"));
            }
        }
        if pass.cell_count() > MAX_CELLS {
            return Err(Error::new(
                ErrorKind::ResourceLimit,
                format!(
                    "a training pass of {} cells is more than the {MAX_CELLS} one pass may sum",
                    pass.cell_count()
                ),
            )
            .with_hint("select fewer features, or lower options.max_categories"));
        }
        match &mut pass {
            SumsPass::Newton {
                preprocessor,
                theta,
            }
            | SumsPass::Residuals {
                preprocessor,
                theta,
            } => {
                preprocessor.rebuild_indexes();
                if theta.len() != preprocessor.width() + 1 {
                    return Err(Error::invalid_option(
                        "a pass's coefficients do not fit its design",
                    )
                    .with_hint("fin_train makes these passes; they are not for direct use"));
                }
            }
            SumsPass::Normal { preprocessor } => preprocessor.rebuild_indexes(),
            SumsPass::Points {
                preprocessor,
                points,
            } => {
                preprocessor.rebuild_indexes();
                let fits = points.len() == preprocessor.features.len()
                    && preprocessor.features.iter().zip(points.iter()).all(|(f, p)| {
                        matches!(&f.transform, Transform::Binned(b) if b.bins.len() == p.len())
                    });
                if !fits {
                    return Err(Error::invalid_option(
                        "a points pass's points do not fit its bins",
                    )
                    .with_hint("fin_train makes these passes; they are not for direct use"));
                }
            }
            _ => {}
        }
        Ok(pass)
    }

    pub fn kind(&self) -> CellKind {
        match self {
            SumsPass::Ranks { .. } => CellKind::Ranks,
            _ => CellKind::Sums,
        }
    }

    /// The state's length, its identity cell first. Saturating: a made-up pass's count is
    /// compared with [`MAX_CELLS`] before anything is allocated, and must not wrap to a small
    /// one on the way (the release build does not check overflow).
    pub fn cell_count(&self) -> usize {
        1usize.saturating_add(match self {
            SumsPass::Moments { numbers } => numbers.saturating_mul(3).saturating_add(2),
            SumsPass::Ranks { targets, with, .. } => targets
                .len()
                .saturating_mul(BYTE_GROUPS)
                .saturating_add(with.as_ref().map_or(0, |w| w.cell_count() - 1))
                .saturating_mul(GROUP_CELLS),
            SumsPass::Spread { means } => means.len(),
            SumsPass::Newton {
                preprocessor,
                theta,
            } => NewtonLayout::new(theta.len(), preprocessor.features.len()).cells,
            SumsPass::Normal { preprocessor } => {
                NewtonLayout::new(
                    preprocessor.width().saturating_add(1),
                    preprocessor.features.len(),
                )
                .cells
            }
            SumsPass::Residuals { preprocessor, .. } => preprocessor
                .features
                .len()
                .saturating_mul(2)
                .saturating_add(1),
            SumsPass::Points { .. } => 0,
        })
    }

    /// The identity a state of the pass given by `text` carries in its first cell: the
    /// pass's kind in the two lowest bits, a fingerprint of the text above them.
    pub fn identity(&self, text: &str) -> f64 {
        let fingerprint = fingerprint(text) & ((1 << FINGERPRINT_BITS) - 1);
        ((fingerprint << 2) | self.kind() as u64) as f64
    }

    /// The zero state (a Ranks group's least and greatest start at +∞ and −∞), with the
    /// kind alone as its identity: for the passes fin_train sums itself.
    pub fn zero_cells(&self) -> Vec<f64> {
        let mut cells = vec![0.0; self.cell_count()];
        self.reset(&mut cells, self.kind() as u64 as f64);
        cells
    }

    /// The zero state of the pass `identity` names, allocated fallibly (up to
    /// [`MAX_CELLS`] cells, 64 MiB, for a pass a caller made up): 53200 when the memory is
    /// not there, where an infallible allocation would abort the server.
    pub fn zero_state(&self, identity: f64) -> Result<Vec<f64>> {
        let count = self.cell_count();
        let mut cells = try_vec(count, "a training state")?;
        cells.resize(count, 0.0);
        self.reset(&mut cells, identity);
        Ok(cells)
    }

    fn reset(&self, cells: &mut [f64], identity: f64) {
        cells.fill(0.0);
        cells[0] = identity;
        if self.kind() == CellKind::Ranks {
            for group in cells[1..].chunks_mut(GROUP_CELLS) {
                group[1] = f64::INFINITY;
                group[2] = f64::NEG_INFINITY;
            }
        }
    }

    /// Refuses a state that is not one of this pass's (22023): its length, and its identity
    /// cell against `identity` (from [`SumsPass::identity`]).
    pub fn check_state(&self, cells: &[f64], identity: f64) -> Result<()> {
        match cells.first() {
            Some(&first) if cells.len() == self.cell_count() && first == identity => Ok(()),
            _ => Err(state_refused()),
        }
    }
}

pub(super) fn state_refused() -> Error {
    Error::invalid_option("the training sums' state does not fit its pass")
        .with_hint("fin_train makes these passes; they are not for direct use")
}

pub(super) fn arrays_refused() -> Error {
    Error::invalid_option("the feature arrays do not fit the training pass")
        .with_hint("fin_train makes these passes; they are not for direct use")
}

/// Where a Newton pass's sums lie in its cells (after the kind cell): the log-loss, the
/// gradient (`terms`), the information matrix's upper triangle (`terms × terms`, row-major),
/// then each feature's term sum and sum of squares.
pub struct NewtonLayout {
    pub gradient: usize,
    pub information: usize,
    pub term_sums: usize,
    pub cells: usize,
}

impl NewtonLayout {
    /// Saturating, as [`SumsPass::cell_count`] is: a made-up width gives a count past
    /// [`MAX_CELLS`], never a wrapped small one.
    pub fn new(terms: usize, features: usize) -> NewtonLayout {
        let gradient: usize = 1;
        let information = gradient.saturating_add(terms);
        let term_sums = information.saturating_add(terms.saturating_mul(terms));
        NewtonLayout {
            gradient,
            information,
            term_sums,
            cells: term_sums.saturating_add(features.saturating_mul(2)),
        }
    }
}
