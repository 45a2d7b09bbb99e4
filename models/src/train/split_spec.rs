//! The training and test parts of a training's rows as `options.split` says: the one place a
//! supervised training and a survival training split.

use crate::data::Dataset;
use crate::error::{Error, ErrorKind, Result};
use crate::options::{SplitSpec, TrainOptions};
use crate::split::{self, Split};

/// The training and test parts of `rows` as `options.split` says (`default` when it says
/// nothing). A stratified split asks `classes` for each row's class (in the order of `rows`):
/// `None` for a target without classes, which refuses it.
pub fn split_rows(
    data: &Dataset,
    rows: &[usize],
    classes: impl FnOnce() -> Option<Vec<u32>>,
    default: &SplitSpec,
    options: &TrainOptions,
) -> Result<Split> {
    match options.split.as_ref().unwrap_or(default) {
        SplitSpec::Random => Ok(split::random(rows, options.test_size, options.seed)),
        SplitSpec::Stratified => match classes() {
            Some(classes) => Ok(split::stratified(
                rows,
                &classes,
                options.test_size,
                options.seed,
            )),
            None => Err(
                Error::invalid_option("a stratified split needs a classification target")
                    .with_hint(r#"use "split": "random" for a regression"#),
            ),
        },
        SplitSpec::OutOfTime { column, .. } => match &data.test_mask {
            Some(mask) => Ok(split::by_mask(rows, mask)),
            None => Err(Error::new(
                ErrorKind::Internal,
                format!("out-of-time split on \"{column}\" without its test mask"),
            )),
        },
    }
}
