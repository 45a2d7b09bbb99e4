//! Failures that must outlive their transaction. A failing `fin_retrain` (typically a pg_cron
//! job at night) rolls back everything it did, and its event row with it; the DBA still needs
//! to find it in `finml.events`. So the work runs in a subtransaction; when it fails, the
//! subtransaction is rolled back, a short-lived background worker writes the event in a
//! transaction of its own, and the original error is raised again unchanged (pg_cron then
//! records it in `cron.job_run_details`).
//!
//! The event travels to the worker in a dynamic shared memory segment whose handle is the
//! worker's argument; the backend waits for the worker to finish before it goes on.

use crate::error::SqlResult;
use crate::pg::security::caller;
use crate::pg::security::with_pinned_search_path;
use pgrx::bgworkers::{
    BackgroundWorker, BackgroundWorkerBuilder, BgWorkerStartTime, SignalWakeFlags,
};
use pgrx::datum::DatumWithOid;
use pgrx::pg_sys::panic::CaughtError;
use pgrx::pg_sys::{self, Oid};
use pgrx::prelude::*;
use pgrx::PgLogLevel;
use serde_json::{json, Value};
use std::panic::AssertUnwindSafe;

/// Runs `work`; if it fails (an `Err` or a PostgreSQL ERROR), records a "failed" `action`
/// event for `model` that survives the rollback, then fails with the same error.
pub fn with_durable_failure_event<R>(
    action: &str,
    model: &str,
    work: impl FnOnce() -> SqlResult<R>,
) -> SqlResult<R> {
    with_durable_event(action, (model, None), "failed", work)
}

/// Runs `work`; if it fails, records a "refused" `action` event for `version` of `model` that
/// survives the rollback (a self-approval, a deployment without approval: evidence that the
/// four-eyes rule held), then fails with the same error.
pub fn with_durable_refusal_event<R>(
    action: &str,
    (model, version): (&str, Option<i32>),
    work: impl FnOnce() -> SqlResult<R>,
) -> SqlResult<R> {
    with_durable_event(action, (model, version), "refused", work)
}

fn with_durable_event<R>(
    action: &str,
    (model, version): (&str, Option<i32>),
    event_outcome: &str,
    work: impl FnOnce() -> SqlResult<R>,
) -> SqlResult<R> {
    // SAFETY: the subtransaction protocol of PL/pgSQL's exception blocks (pl_exec.c): begin,
    // run, then release or roll back, restoring the memory context and resource owner.
    let (context, owner) = unsafe {
        let saved = (pg_sys::CurrentMemoryContext, pg_sys::CurrentResourceOwner);
        pg_sys::BeginInternalSubTransaction(std::ptr::null());
        pg_sys::MemoryContextSwitchTo(saved.0);
        saved
    };
    let restore = || unsafe {
        pg_sys::MemoryContextSwitchTo(context);
        pg_sys::CurrentResourceOwner = owner;
    };
    let outcome = PgTryBuilder::new(AssertUnwindSafe(|| match work() {
        Ok(value) => Ok(value),
        // Raised here so that both kinds of failure end in the handler below with a SQLSTATE.
        Err(report) => {
            report.report(PgLogLevel::ERROR);
            unreachable!("an ERROR report does not return")
        }
    }))
    .catch_others(|caught| Err(caught))
    .execute();
    match outcome {
        Ok(value) => {
            unsafe {
                pg_sys::ReleaseCurrentSubTransaction();
            }
            restore();
            Ok(value)
        }
        Err(caught) => {
            unsafe {
                pg_sys::RollbackAndReleaseCurrentSubTransaction();
            }
            restore();
            let (code, message) = match &caught {
                CaughtError::PostgresError(e)
                | CaughtError::ErrorReport(e)
                | CaughtError::RustPanic { ereport: e, .. } => {
                    (e.sql_error_code(), e.message().to_owned())
                }
            };
            // One row of finml.event_log, as sent to the worker.
            let event = json!({
                "role": caller().to_u32(),
                "action": action,
                "model": model,
                "version": version,
                "outcome": event_outcome,
                "detail": format!("{}: {message}", code_text(code)),
            });
            if let Err(why) = write_in_own_transaction(&event) {
                warning!("finml could not record the {event_outcome} {action} of \"{model}\" in finml.events: {why}");
            }
            caught.rethrow()
        }
    }
}

/// The five-character SQLSTATE of an error code.
fn code_text(code: pgrx::PgSqlErrorCode) -> String {
    let mut packed = code as isize;
    (0..5)
        .map(|_| {
            let c = ((packed & 0x3F) as u8 + b'0') as char;
            packed >>= 6;
            c
        })
        .collect()
}

/// Hands `event` to a background worker and waits until it has committed it.
fn write_in_own_transaction(event: &Value) -> Result<(), String> {
    let payload = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    // SAFETY: a fresh segment of the requested size; the worker only reads it, and this
    // backend detaches only after the worker has exited.
    unsafe {
        let segment = pg_sys::dsm_create(payload.len() + 8, 0);
        let base = pg_sys::dsm_segment_address(segment).cast::<u8>();
        std::ptr::copy_nonoverlapping((payload.len() as u64).to_le_bytes().as_ptr(), base, 8);
        std::ptr::copy_nonoverlapping(payload.as_ptr(), base.add(8), payload.len());
        let handle = pg_sys::dsm_segment_handle(segment);
        let started = BackgroundWorkerBuilder::new("finml event writer")
            .set_library("finml")
            .set_function("finml_event_writer")
            .enable_spi_access()
            .set_start_time(BgWorkerStartTime::RecoveryFinished)
            .set_argument(Some(pg_sys::Datum::from(handle as usize)))
            .set_extra(&pg_sys::MyDatabaseId.to_u32().to_string())
            .set_notify_pid(pg_sys::MyProcPid)
            .load_dynamic();
        let result = match started {
            Ok(worker) => worker
                .wait_for_shutdown()
                .map_err(|status| format!("the event writer ended with {status:?}")),
            Err(_) => Err("no background worker slot is free (max_worker_processes)".to_owned()),
        };
        pg_sys::dsm_detach(segment);
        result
    }
}

/// The background worker: connects to the failing backend's database as the bootstrap
/// superuser and inserts the event it was handed.
#[pg_guard]
#[no_mangle]
pub extern "C-unwind" fn finml_event_writer(argument: pg_sys::Datum) {
    BackgroundWorker::attach_signal_handlers(SignalWakeFlags::SIGTERM);
    let Ok(database) = BackgroundWorker::get_extra().parse::<u32>() else {
        return;
    };
    BackgroundWorker::connect_worker_to_spi_by_oid(Some(Oid::from(database)), None);
    let handle = argument.value() as pg_sys::dsm_handle;
    BackgroundWorker::transaction(move || {
        // SAFETY: the segment stays attached in the sending backend until this worker exits.
        let event = unsafe {
            let segment = pg_sys::dsm_attach(handle);
            if segment.is_null() {
                return;
            }
            let base = pg_sys::dsm_segment_address(segment).cast::<u8>();
            let mut length = [0u8; 8];
            std::ptr::copy_nonoverlapping(base, length.as_mut_ptr(), 8);
            let bytes =
                std::slice::from_raw_parts(base.add(8), u64::from_le_bytes(length) as usize);
            let event = serde_json::from_slice::<Value>(bytes);
            pg_sys::dsm_detach(segment);
            event
        };
        let Ok(event) = event else {
            return;
        };
        let text = |key: &str| event[key].as_str().unwrap_or_default().to_owned();
        let role = Oid::from(event["role"].as_u64().unwrap_or(0) as u32);
        let version = event["version"]
            .as_i64()
            .and_then(|v| i32::try_from(v).ok());
        let (action, model, outcome, detail) = (
            text("action"),
            text("model"),
            text("outcome"),
            text("detail"),
        );
        // A superuser's connection: its statement runs with the search_path pinned too.
        let _ = with_pinned_search_path(|| {
            Spi::connect_mut(|client| {
                client
                    .update(
                        "INSERT INTO finml.event_log (role, action, model, outcome, detail, version)
                 VALUES (pg_catalog.pg_get_userbyid($1), $2, $3, $4, $5, $6)",
                        None,
                        &[
                            DatumWithOid::from(role),
                            DatumWithOid::from(action.as_str()),
                            DatumWithOid::from(model.as_str()),
                            DatumWithOid::from(outcome.as_str()),
                            DatumWithOid::from(detail.as_str()),
                            DatumWithOid::from(version),
                        ],
                    )
                    .map(|_| ())
            })
        });
    });
}
