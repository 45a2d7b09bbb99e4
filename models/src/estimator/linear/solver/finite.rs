//! The refusal of a design with a NaN or an infinity, which every solver shares.

use crate::design::{for_each_block, DesignRows};
use crate::error::{Error, Result};

/// The error for a design with a NaN or an infinity (a standardization that overflowed).
pub(super) fn non_finite_design() -> Error {
    Error::invalid_data("the design matrix holds a value that is not finite")
        .with_hint("rescale features whose values are near the limits of double precision")
}

/// Refuses a design with a NaN or an infinity.
pub(super) fn check_finite_design(x: &dyn DesignRows) -> Result<()> {
    if let Some(sparse) = x.sparse() {
        return match sparse.all_finite() {
            true => Ok(()),
            false => Err(non_finite_design()),
        };
    }
    for_each_block(x, |_, block| {
        if block.iter().all(|v| v.is_finite()) {
            Ok(())
        } else {
            Err(non_finite_design())
        }
    })
}
