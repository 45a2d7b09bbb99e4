//! How a call names a model: 'credit_risk' (its deployed version) or 'credit_risk@3' (one
//! version), and which names are allowed.

use crate::error::{Error, Result};

/// A model named in a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelRef<'a> {
    pub name: &'a str,
    /// `None`: the deployed version.
    pub version: Option<i32>,
}

impl<'a> ModelRef<'a> {
    /// 'name' or 'name@N' with N a positive version number; the name is everything before
    /// the last '@'.
    pub fn parse(text: &'a str) -> Result<ModelRef<'a>> {
        let Some((name, version)) = text.rsplit_once('@') else {
            return Ok(ModelRef {
                name: text,
                version: None,
            });
        };
        match version.parse::<i32>() {
            Ok(v) if v > 0 && !name.is_empty() => Ok(ModelRef {
                name,
                version: Some(v),
            }),
            _ => Err(
                Error::invalid_option(format!("invalid model reference \"{text}\"")).with_hint(
                    "name a model ('credit_risk', its deployed version) or one version ('credit_risk@3')",
                ),
            ),
        }
    }
}

/// Model names are free text, but not empty, not over 63 bytes, and without '@' (reserved to
/// pin a version: 'name@3'). Checked by every function that takes a model, before anything
/// is read or written.
pub fn validate_model_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 63 || name.contains('@') {
        // A hostile name may be megabytes long: the message shows its start only.
        let shown: String = name.chars().take(63).collect();
        let more = if shown.len() < name.len() { "..." } else { "" };
        return Err(
            Error::invalid_option(format!("invalid model name \"{shown}{more}\""))
                .with_hint("use 1 to 63 bytes without '@', e.g. 'credit_risk'"),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn a_reference_is_a_name_or_a_name_and_a_positive_version() {
        assert_eq!(
            ModelRef::parse("credit_risk").unwrap(),
            ModelRef {
                name: "credit_risk",
                version: None
            }
        );
        assert_eq!(
            ModelRef::parse("credit_risk@12").unwrap(),
            ModelRef {
                name: "credit_risk",
                version: Some(12)
            }
        );
        for bad in [
            "credit_risk@0",
            "credit_risk@-1",
            "credit_risk@x",
            "@3",
            "a@",
        ] {
            let e = ModelRef::parse(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidOption, "{bad}");
        }
    }

    #[test]
    fn names_are_1_to_63_bytes_without_at_and_long_ones_are_shown_cut() {
        assert!(validate_model_name("credit_risk").is_ok());
        assert!(validate_model_name(&"é".repeat(31)).is_ok()); // 62 bytes
        for bad in ["", "a@b", &"x".repeat(64)] {
            assert!(validate_model_name(bad).is_err(), "{bad}");
        }
        let e = validate_model_name(&"y".repeat(1_000_000)).unwrap_err();
        assert!(e.message.len() < 100, "{}", e.message.len());
        assert!(e.message.ends_with("...\""), "{}", e.message);
    }
}
