//! The stored form of a model: see models/README.md for the byte layout and the
//! compatibility policy. In short: an 8-byte magic, a little-endian u32 format version, then
//! the model as UTF-8 JSON. A reader accepts every version up to its own.

use crate::error::{Error, ErrorKind, Result};
use crate::model::{coefficients_disagree, first_invalid_parameter, Model};

/// First bytes of every stored model.
pub const MAGIC: &[u8; 8] = b"FINML\0MD";
/// The newest format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 3;

/// The oldest version that can represent `model`: 2 added scorecards (binned features and
/// points), 3 MLPs (a network); every other model is still written as version 1, readable by
/// finml 0.1.
fn version_for(model: &Model) -> u32 {
    if model.network.is_some() {
        3
    } else if model.scorecard.is_some() {
        2
    } else {
        1
    }
}

/// Serializes a model into its stored form.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>> {
    let body = serde_json::to_vec(model)
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot serialize model: {e}")))?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 4 + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&version_for(model).to_le_bytes());
    bytes.extend_from_slice(&body);
    Ok(bytes)
}

/// The format version in a stored model's header, if it has one.
pub fn stored_version(bytes: &[u8]) -> Option<u32> {
    let header = bytes.get(..MAGIC.len() + 4)?;
    if &header[..MAGIC.len()] != MAGIC {
        return None;
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&header[MAGIC.len()..]);
    Some(u32::from_le_bytes(version))
}

/// Reads a stored model, ready to predict.
pub fn from_bytes(bytes: &[u8]) -> Result<Model> {
    let corrupt = |why: String| {
        Error::new(
            ErrorKind::CorruptModel,
            format!("stored model is corrupt: {why}"),
        )
        .with_hint("retrain the model, or restore it from a backup")
    };
    if bytes.len() < MAGIC.len() + 4 || &bytes[..MAGIC.len()] != MAGIC {
        return Err(corrupt(
            "it does not start with the finml model header".into(),
        ));
    }
    let mut version = [0u8; 4];
    version.copy_from_slice(&bytes[MAGIC.len()..MAGIC.len() + 4]);
    let version = u32::from_le_bytes(version);
    if version > FORMAT_VERSION {
        return Err(Error::new(
            ErrorKind::Unsupported,
            format!("model format version {version} is newer than this finml ({FORMAT_VERSION})"),
        )
        .with_hint("upgrade the finml extension to read this model"));
    }
    let mut model: Model =
        serde_json::from_slice(&bytes[MAGIC.len() + 4..]).map_err(|e| corrupt(e.to_string()))?;
    if model.weights.len() != model.preprocessor.width() {
        return Err(corrupt(format!(
            "{} weights for {} design columns",
            model.weights.len(),
            model.preprocessor.width()
        )));
    }
    if let Some(network) = &model.network {
        if network.layers[0].in_dim != model.preprocessor.width() {
            return Err(corrupt(format!(
                "the network takes {} inputs, the preprocessing gives {}",
                network.layers[0].in_dim,
                model.preprocessor.width()
            )));
        }
    }
    if let Some(what) = first_invalid_parameter(&model) {
        return Err(corrupt(format!("{what} is not a finite, valid number")));
    }
    if coefficients_disagree(&model) {
        return Err(corrupt(
            "its coefficients do not match the weights it predicts with".into(),
        ));
    }
    model.preprocessor.rebuild_indexes();
    if let Some(points) = &model.scorecard {
        let binnings = model
            .scorecard()
            .map_err(|e| corrupt(e.message))?
            .1
            .into_iter()
            .map(|(name, b)| {
                b.validate()
                    .map(|()| b)
                    .map_err(|why| corrupt(format!("binning of \"{name}\": {why}")))
            })
            .collect::<Result<Vec<_>>>()?;
        points.validate(&binnings).map_err(corrupt)?;
    }
    Ok(model)
}
