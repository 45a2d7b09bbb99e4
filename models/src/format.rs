//! The stored form of a model: see models/README.md for the byte layout and the
//! compatibility policy. In short: an 8-byte magic, a little-endian u32 format version, then
//! the model as UTF-8 JSON. A reader accepts every version up to its own.

use crate::error::{Error, ErrorKind, Result};
use crate::model::Model;

/// First bytes of every stored model.
pub const MAGIC: &[u8; 8] = b"FINML\0MD";
/// The format version this build writes.
pub const FORMAT_VERSION: u32 = 1;

/// Serializes a model into its stored form.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>> {
    let body = serde_json::to_vec(model)
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot serialize model: {e}")))?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 4 + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&body);
    Ok(bytes)
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
    model.preprocessor.rebuild_indexes();
    Ok(model)
}
