//! Model cards (`fin_describe`): what a model is for and how far it may be trusted, kept in
//! finml.model_cards, shown at the top of `fin_report` and in the view finml.inventory.

use crate::error::{fail, ErrorKind, SqlResult};
use crate::pg::catalog::{caller_name, check_access, validate_model_name, Access};
use crate::pg::facts::stored_card;
use crate::pg::registry::{lock, record_event, write};
use finml_models::report::CARD_KEYS;
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::JsonB;
use serde_json::Value;

/// The most bytes of a card, as JSON text.
const MAX_CARD_BYTES: usize = 64 * 1024;

/// `fin_describe`: merges `changes` into the model's card (a key given NULL is removed) and
/// returns the card as stored.
pub fn describe(name: &str, changes: &Value) -> SqlResult<Value> {
    validate_model_name(name)?;
    check_access(name, Access::Manage)?;
    let Some(changes) = changes.as_object() else {
        return Err(invalid("a model card is a JSON object"));
    };
    for key in CARD_KEYS {
        match changes.get(key) {
            None | Some(Value::Null | Value::String(_)) => {}
            Some(Value::Number(_)) if key == "risk_tier" => {}
            Some(_) => return Err(invalid(&format!("the card's \"{key}\" must be text"))),
        }
    }
    lock(name)?;
    let mut card = stored_card(name)?.unwrap_or_default();
    for (key, value) in changes {
        if value.is_null() {
            card.remove(key);
        } else {
            card.insert(key.clone(), value.clone());
        }
    }
    let card = Value::Object(card);
    if card.to_string().len() > MAX_CARD_BYTES {
        return Err(fail(
            ErrorKind::ResourceLimit,
            format!("the card of model \"{name}\" would exceed {MAX_CARD_BYTES} bytes"),
            "keep documents in the bank's repository and link them from the card",
        ));
    }
    write::<bool>(
        "INSERT INTO finml.model_cards (name, card, described_by)
         VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE
            SET card = EXCLUDED.card, described_at = pg_catalog.now(),
                described_by = EXCLUDED.described_by",
        &[
            DatumWithOid::from(name),
            DatumWithOid::from(JsonB(card.clone())),
            DatumWithOid::from(caller_name()?.as_str()),
        ],
    )?;
    let mut keys: Vec<&str> = changes.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let detail = format!("keys: {}", keys.join(", "));
    record_event("describe", name, None, "described", Some(&detail))?;
    Ok(card)
}

fn invalid(message: &str) -> ErrorReport {
    fail(
        ErrorKind::InvalidOption,
        message,
        format!(
            "documented keys (text): {}; other keys are kept as given; a key set to null is removed",
            CARD_KEYS.join(", ")
        ),
    )
}
