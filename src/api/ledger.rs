//! The ledger of finml.event_log (pg/ledger.rs): the trigger that seals each event at commit,
//! and `fin_verify_log`.

use crate::error::fail;
use crate::pg::ledger;
use finml_models::ErrorKind;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::PgLogLevel;

/// The `seq` of the first event of finml.event_log where the ledger's chain breaks: its hash
/// is not the SHA-256 of the previous event's hash and its own content (it was edited by
/// hand), or it does not follow the previous event (one was deleted). 0 for an event written
/// outside the ledger (by hand, with the sealing trigger disabled); NULL when the ledger is
/// intact. The events of the calling transaction are sealed at its commit and not checked.
#[pg_extern(volatile, parallel_unsafe)]
fn fin_verify_log() -> Result<Option<i64>, ErrorReport> {
    ledger::verify()
}

/// Seals a new event of finml.event_log at commit (the deferred constraint trigger
/// event_log_seal, AFTER INSERT FOR EACH ROW). Any other use is refused.
#[pg_trigger]
fn finml_seal_event<'a>(
    trigger: &'a PgTrigger<'a>,
) -> Result<Option<PgHeapTuple<'a, AllocatedByRust>>, PgHeapTupleError> {
    let data = trigger.trigger_data();
    let on_the_log = trigger.table_schema().is_ok_and(|s| s == "finml")
        && trigger.table_name().is_ok_and(|t| t == "event_log")
        && trigger.name().is_ok_and(|n| n == "event_log_seal");
    let row_insert = matches!(trigger.level(), PgTriggerLevel::Row)
        && matches!(trigger.op(), Ok(PgTriggerOperation::Insert))
        && matches!(trigger.when(), Ok(PgTriggerWhen::After));
    // SAFETY: TriggerData of this call; tg_trigtuple is the inserted row of a row trigger.
    let row = (on_the_log && row_insert && !data.tg_trigtuple.is_null())
        .then(|| unsafe { (*data.tg_trigtuple).t_self });
    let sealed = match row {
        Some(row) => ledger::seal(row),
        None => Err(fail(
            ErrorKind::PermissionDenied,
            "finml_seal_event seals the events of finml.event_log only",
            "it is the trigger event_log_seal of that table: attach it to no other",
        )),
    };
    if let Err(report) = sealed {
        report.report(PgLogLevel::ERROR);
    }
    Ok(None)
}

extension_sql!(
    r#"
-- Seals each event at commit (pg/ledger.rs): deferred, so that the ledger's lock is held from
-- the commit of a transaction that wrote events to its end, not while it works.
CREATE CONSTRAINT TRIGGER event_log_seal AFTER INSERT ON finml.event_log
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION finml_seal_event();
"#,
    name = "ledger_trigger",
    requires = [finml_seal_event]
);
