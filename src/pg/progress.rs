//! Trainings in progress, in shared memory: one slot per training that runs or waits to run.
//! The slots are both finml's concurrency limit (`finml.max_concurrent_trainings`) and what
//! the view `finml.progress` shows, like PostgreSQL's `pg_stat_progress_*` views: no catalog
//! writes, readable from any session while the training's transaction is still open.
//!
//! The board lives in the main shared memory segment, which an extension can only ask for
//! while the postmaster starts: with finml in `shared_preload_libraries`. Without it,
//! trainings run unlimited and untracked, and say so once per session (a WARNING).
//!
//! A slot is freed by its guard's drop (success, or an ERROR such as a cancel unwinding),
//! by a `before_shmem_exit` callback when the backend exits (pg_terminate_backend is a
//! FATAL, which exits without unwinding), and by a sweep of slots whose backend is gone; a
//! crashed backend makes the postmaster reinitialize shared memory altogether.

use crate::error::{fail, ErrorKind, SqlResult};
use crate::gucs;
use pgrx::lwlock::PgLwLock;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::shmem::PGRXSharedMemory;
use pgrx::{PgLogLevel, PgSqlErrorCode};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const SLOTS: usize = gucs::TRAINING_SLOTS;
/// Bytes kept of a model's name (NAMEDATALEN - 1, like a `name`) and of an algorithm's.
const MODEL_BYTES: usize = 63;
const ALGORITHM_BYTES: usize = 31;
/// What to do where the board is missing.
const PRELOAD_HINT: &str =
    "add finml to shared_preload_libraries in postgresql.conf and restart the server (README, \"Install on a server without Rust\")";
/// How often a waiting training looks for a free slot.
const POLL: Duration = Duration::from_millis(100);

/// Where a training is; the view shows [`Phase::name`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(u8)]
pub enum Phase {
    Waiting,
    Reading,
    Preprocessing,
    Fitting,
    Evaluating,
    /// A search's trials (epoch counts trials, loss is the last trial's mean score).
    Tuning,
    Storing,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Waiting => "waiting for a training slot",
            Phase::Reading => "reading",
            Phase::Preprocessing => "preprocessing",
            Phase::Fitting => "fitting",
            Phase::Evaluating => "evaluating",
            Phase::Tuning => "cross-validating trials",
            Phase::Storing => "storing",
        }
    }
}

impl From<finml_models::progress::Phase> for Phase {
    fn from(phase: finml_models::progress::Phase) -> Self {
        use finml_models::progress::Phase as Models;
        match phase {
            Models::Preprocessing => Phase::Preprocessing,
            Models::Fitting => Phase::Fitting,
            Models::Evaluating => Phase::Evaluating,
        }
    }
}

/// Text of at most `N` bytes, cut at a character boundary.
#[derive(Clone, Copy)]
#[repr(C)]
struct ShortText<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> ShortText<N> {
    const EMPTY: Self = ShortText {
        len: 0,
        bytes: [0; N],
    };

    fn new(text: &str) -> Self {
        let mut end = text.len().min(N);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0; N];
        bytes[..end].copy_from_slice(&text.as_bytes()[..end]);
        ShortText {
            len: end as u8,
            bytes,
        }
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

/// One training. Written only by its own backend (under the board's lock).
#[derive(Clone, Copy)]
#[repr(C)]
struct Slot {
    /// 0: free (its other fields are meaningless).
    pid: i32,
    role: pg_sys::Oid,
    database: pg_sys::Oid,
    phase: Phase,
    model: ShortText<MODEL_BYTES>,
    algorithm: ShortText<ALGORITHM_BYTES>,
    /// TimestampTz (µs since 2000-01-01): when it asked for a slot, when it started, when
    /// its phase began.
    queued_at: i64,
    started_at: i64,
    phase_at: i64,
    rows_read: i64,
    /// -1: not known.
    rows_estimated: i64,
    epoch: i32,
    epochs: i32,
    /// NaN: none yet.
    loss: f64,
    /// finml.max_trainings_per_role in the training's session (0: none): a waiting
    /// training that its own role's limit holds back does not hold back others.
    role_limit: i32,
}

impl Slot {
    const FREE: Slot = Slot {
        pid: 0,
        role: pg_sys::InvalidOid,
        database: pg_sys::InvalidOid,
        phase: Phase::Waiting,
        model: ShortText::EMPTY,
        algorithm: ShortText::EMPTY,
        queued_at: 0,
        started_at: 0,
        phase_at: 0,
        rows_read: 0,
        rows_estimated: -1,
        epoch: 0,
        epochs: 0,
        loss: f64::NAN,
        role_limit: 0,
    };

    fn running(&self) -> bool {
        self.pid != 0 && self.phase != Phase::Waiting
    }

    fn enter_phase(&mut self, phase: Phase, now: i64) {
        self.phase = phase;
        self.phase_at = now;
    }
}

#[derive(Clone, Copy)]
#[repr(C)]
struct Board {
    slots: [Slot; SLOTS],
}

impl Board {
    /// How many of `role`'s trainings run, and how many wait.
    fn of_role(&self, role: pg_sys::Oid) -> (usize, usize) {
        self.slots
            .iter()
            .filter(|s| s.pid != 0 && s.role == role)
            .fold((0, 0), |(running, waiting), s| match s.running() {
                true => (running + 1, waiting),
                false => (running, waiting + 1),
            })
    }
}

// SAFETY: plain data without pointers, the same in every process.
unsafe impl PGRXSharedMemory for Board {}

// SAFETY: the name is finml's own.
static BOARD: PgLwLock<Board> = unsafe { PgLwLock::new(c"finml_trainings") };
/// Set in the postmaster (inherited by every backend) when the board was requested.
static IN_SHARED_MEMORY: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// The slot of this backend's training (only the backend's thread ever has one).
    static CURRENT: Cell<Option<usize>> = const { Cell::new(None) };
    static EXIT_CALLBACK: Cell<bool> = const { Cell::new(false) };
    static WARNED: Cell<bool> = const { Cell::new(false) };
}

/// Requests the board, when finml is loaded by `shared_preload_libraries` (from `_PG_init`).
pub fn init() {
    // SAFETY: a plain read of a flag the postmaster sets while it loads the libraries.
    if unsafe { pg_sys::process_shared_preload_libraries_in_progress } {
        pgrx::pg_shmem_init!(
            BOARD = Board {
                slots: [Slot::FREE; SLOTS]
            }
        );
        IN_SHARED_MEMORY.store(true, Ordering::Relaxed);
    }
}

fn now() -> i64 {
    // SAFETY: reads the clock.
    unsafe { pg_sys::GetCurrentTimestamp() }
}

fn my_pid() -> i32 {
    // SAFETY: the backend's pid, set at its start.
    unsafe { pg_sys::MyProcPid }
}

/// A training's hold on its slot; dropping it frees the slot.
#[must_use]
pub struct TrainingSlot {
    index: Option<usize>,
}

impl Drop for TrainingSlot {
    fn drop(&mut self) {
        if let Some(index) = self.index {
            release(index);
        }
    }
}

fn release(index: usize) {
    CURRENT.with(|c| c.set(None));
    let mut board = BOARD.exclusive();
    if board.slots[index].pid == my_pid() {
        board.slots[index] = Slot::FREE;
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn release_at_exit(_code: i32, _arg: pg_sys::Datum) {
    if let Some(index) = CURRENT.with(Cell::get) {
        release(index);
    }
}

/// Takes a slot for a training of `model` (`None`: a backtest) with `algorithm`, waiting up
/// to finml.training_wait_timeout while finml.max_concurrent_trainings trainings run (53400
/// past it). A training started inside another one's statement shares the outer slot.
pub fn enter(model: Option<&str>, algorithm: &str) -> SqlResult<TrainingSlot> {
    let untracked = TrainingSlot { index: None };
    if CURRENT.with(Cell::get).is_some() {
        return Ok(untracked);
    }
    if !IN_SHARED_MEMORY.load(Ordering::Relaxed) {
        warn_untracked();
        return Ok(untracked);
    }
    if !EXIT_CALLBACK.with(Cell::get) {
        // SAFETY: registers a callback that runs when this backend exits.
        unsafe { pg_sys::before_shmem_exit(Some(release_at_exit), pg_sys::Datum::from(0)) };
        EXIT_CALLBACK.with(|c| c.set(true));
    }
    let index = queue(model, algorithm)?;
    CURRENT.with(|c| c.set(Some(index)));
    let slot = TrainingSlot { index: Some(index) };
    let limit = gucs::max_concurrent_trainings();
    let timeout = gucs::training_wait_timeout();
    let waiting_since = Instant::now();
    let mut told = false;
    while let Some(held) = try_start(index, limit) {
        let waited = waiting_since.elapsed();
        if waited >= timeout {
            return Err(held.busy(limit, timeout));
        }
        if !told {
            held.notice(limit, timeout);
            told = true;
        }
        wait((timeout - waited).min(POLL));
        pgrx::check_for_interrupts!();
    }
    Ok(slot)
}

/// Claims a free slot in the waiting phase, or 53400 when all [`SLOTS`] are taken or the
/// role already has finml.max_waiting_trainings_per_role trainings waiting.
fn queue(model: Option<&str>, algorithm: &str) -> SqlResult<usize> {
    let at = now();
    // SAFETY: the backend's current user and database.
    let (role, database) = unsafe { (pg_sys::GetUserId(), pg_sys::MyDatabaseId) };
    let role_limit = gucs::max_trainings_per_role();
    let waiting_bound = gucs::max_waiting_trainings_per_role();
    let mut board = BOARD.exclusive();
    sweep_exited(&mut board);
    let (role_running, role_waiting) = board.of_role(role);
    // A training that would wait counts against the role's waiting bound: with the role at
    // its own limit it waits for sure; otherwise the server's limit may still hold it.
    let would_wait = role_limit != 0 && role_running >= role_limit;
    if (would_wait || gucs::max_concurrent_trainings() != 0) && role_waiting >= waiting_bound {
        drop(board);
        return Err(fail(
            ErrorKind::Busy,
            format!(
                "role \"{}\" already has {role_waiting} trainings waiting for a slot (finml.max_waiting_trainings_per_role = {waiting_bound})",
                role_name(role)
            ),
            "wait for the role's trainings to finish (SELECT * FROM finml.progress shows them), or ask the DBA to raise finml.max_waiting_trainings_per_role",
        ));
    }
    let Some(index) = board.slots.iter().position(|s| s.pid == 0) else {
        return Err(fail(
            ErrorKind::Busy,
            format!("all {SLOTS} of finml's training slots are taken"),
            "wait for a training to finish (SELECT * FROM finml.progress shows them)",
        ));
    };
    board.slots[index] = Slot {
        pid: my_pid(),
        role,
        database,
        phase: Phase::Waiting,
        model: ShortText::new(model.unwrap_or("")),
        algorithm: ShortText::new(algorithm),
        queued_at: at,
        started_at: at,
        phase_at: at,
        role_limit: role_limit as i32,
        ..Slot::FREE
    };
    Ok(index)
}

/// A role's name for a message ("role 16384" once dropped).
fn role_name(role: pg_sys::Oid) -> String {
    // SAFETY: a syscache lookup; with noerr, NULL for a missing role.
    let name = unsafe { pg_sys::GetUserNameFromId(role, true) };
    if name.is_null() {
        return format!("role {}", role.to_u32());
    }
    // SAFETY: a palloc'd, NUL-terminated name.
    unsafe { std::ffi::CStr::from_ptr(name) }
        .to_string_lossy()
        .into_owned()
}

/// What holds a waiting training back.
#[derive(Clone, Copy)]
enum Held {
    /// The server's limit: this many trainings run.
    Server { running: usize },
    /// The role's own limit: this many of its trainings run.
    Role {
        role: pg_sys::Oid,
        running: usize,
        limit: usize,
    },
}

impl Held {
    fn notice(self, limit: usize, timeout: Duration) {
        let seconds = timeout.as_secs_f64();
        match self {
            Held::Server { running } => notice!(
                "finml: {running} trainings are running (finml.max_concurrent_trainings = {limit}): waiting up to {seconds} s for a slot"
            ),
            Held::Role { role, running, limit } => notice!(
                "finml: {running} trainings of role \"{}\" are running (finml.max_trainings_per_role = {limit}): waiting up to {seconds} s for one to finish",
                role_name(role)
            ),
        }
    }

    fn busy(self, limit: usize, waited: Duration) -> ErrorReport {
        match self {
            Held::Server { running } => busy(running, limit, waited),
            Held::Role { role, running, limit } => fail(
                ErrorKind::Busy,
                format!(
                    "finml.max_trainings_per_role ({limit}) trainings of role \"{}\" are running ({running} now), and none finished within finml.training_wait_timeout ({} s)",
                    role_name(role),
                    waited.as_secs_f64()
                ),
                "try again when the role's other trainings finish (SELECT * FROM finml.progress shows them), or ask the DBA to raise finml.max_trainings_per_role for the role (ALTER ROLE ... SET)",
            ),
        }
    }
}

/// Starts the training of slot `index` when fewer than `limit` (0: no limit) run, no
/// training queued earlier still waits for the same opening, and fewer of its role's than
/// its role's limit run; else what holds it back (the server's limit first).
fn try_start(index: usize, limit: usize) -> Option<Held> {
    let mut board = BOARD.exclusive();
    sweep_exited(&mut board);
    let slots = &board.slots;
    let running = slots.iter().filter(|s| s.running()).count();
    let running_of = |role: pg_sys::Oid| board.of_role(role).0;
    // A waiting training that its own role's limit holds is not in line for the opening.
    let eligible = |s: &Slot| s.role_limit == 0 || running_of(s.role) < s.role_limit as usize;
    let mine = (slots[index].queued_at, index);
    let ahead = slots
        .iter()
        .enumerate()
        .filter(|(k, s)| {
            s.pid != 0 && s.phase == Phase::Waiting && (s.queued_at, *k) < mine && eligible(s)
        })
        .count();
    if limit != 0 && running + ahead >= limit {
        return Some(Held::Server { running });
    }
    let me = &slots[index];
    if !eligible(me) {
        return Some(Held::Role {
            role: me.role,
            running: running_of(me.role),
            limit: me.role_limit as usize,
        });
    }
    let at = now();
    let slot = &mut board.slots[index];
    slot.started_at = at;
    slot.enter_phase(Phase::Reading, at);
    None
}

/// Frees the slots of backends that are gone (a slot outlives its backend only if the exit
/// callback could not run).
fn sweep_exited(board: &mut Board) {
    for slot in board.slots.iter_mut().filter(|s| s.pid != 0) {
        // SAFETY: looks the pid up in the proc array (under its own lock).
        if unsafe { pg_sys::BackendPidGetProc(slot.pid) }.is_null() {
            *slot = Slot::FREE;
        }
    }
}

fn wait(duration: Duration) {
    let events = pg_sys::WL_LATCH_SET | pg_sys::WL_TIMEOUT | pg_sys::WL_EXIT_ON_PM_DEATH;
    // SAFETY: waits on the backend's own latch, as a background loop does (shows as wait
    // event "Extension" in pg_stat_activity).
    unsafe {
        pg_sys::WaitLatch(
            pg_sys::MyLatch,
            events as i32,
            duration.as_millis() as std::ffi::c_long,
            pg_sys::PG_WAIT_EXTENSION,
        );
        pg_sys::ResetLatch(pg_sys::MyLatch);
    }
}

fn busy(running: usize, limit: usize, waited: Duration) -> ErrorReport {
    fail(
        ErrorKind::Busy,
        format!(
            "finml.max_concurrent_trainings ({limit}) trainings are running ({running} now), and none finished within finml.training_wait_timeout ({} s)",
            waited.as_secs_f64()
        ),
        "try again later, or ask the DBA to raise finml.max_concurrent_trainings or finml.training_wait_timeout (SELECT * FROM finml.progress shows the running trainings)",
    )
}

fn warn_untracked() {
    if WARNED.with(Cell::get) || gucs::max_concurrent_trainings() == 0 {
        return;
    }
    WARNED.with(|w| w.set(true));
    // ereport!'s fourth argument is a DETAIL: the hint needs the report itself.
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_WARNING,
        "finml is not in shared_preload_libraries: finml.max_concurrent_trainings is not enforced and finml.progress cannot show this training",
        "finml",
    )
    .set_hint(PRELOAD_HINT)
    .report(PgLogLevel::WARNING);
}

/// Runs `change` on the current training's slot, if it has one.
fn update(change: impl FnOnce(&mut Slot)) {
    if let Some(index) = CURRENT.with(Cell::get) {
        let mut board = BOARD.exclusive();
        change(&mut board.slots[index]);
    }
}

/// The current training entered `phase`.
pub fn phase(phase: Phase) {
    let at = now();
    update(|slot| slot.enter_phase(phase, at));
}

/// The current training starts reading about `estimated` rows. Only the reading phase's
/// read counts: another read of a training (a summed training's drift sample, read while it
/// fits) leaves the slot as it is, as does [`rows_read`].
pub fn reading(estimated: Option<i64>) {
    let at = now();
    update(|slot| {
        if slot.phase == Phase::Reading {
            slot.phase_at = at;
            slot.rows_read = 0;
            slot.rows_estimated = estimated.unwrap_or(-1);
        }
    });
}

/// The current training has read `rows` rows (an estimate below that is raised to it).
pub fn rows_read(rows: usize) {
    update(|slot| {
        if slot.phase == Phase::Reading {
            slot.rows_read = rows as i64;
            if slot.rows_estimated >= 0 {
                slot.rows_estimated = slot.rows_estimated.max(slot.rows_read);
            }
        }
    });
}

/// The current training finished epoch `epoch` of `epochs` with training loss `loss`.
pub fn epoch(epoch: usize, epochs: usize, loss: f64) {
    update(|slot| {
        slot.epoch = epoch as i32;
        slot.epochs = epochs as i32;
        slot.loss = loss;
    });
}

/// One row of `finml.progress`; for a training of a role the caller does not have the
/// privileges of (nor of pg_read_all_stats), only the pid and database are shown.
pub struct Row {
    pub pid: i32,
    pub database: Option<String>,
    pub role: Option<String>,
    pub model: Option<String>,
    pub algorithm: Option<String>,
    pub phase: Option<&'static str>,
    pub rows_read: Option<i64>,
    pub rows_estimated: Option<i64>,
    pub epoch: Option<i32>,
    pub epochs: Option<i32>,
    pub loss: Option<f64>,
    pub started_at: Option<TimestampWithTimeZone>,
    pub elapsed_seconds: Option<f64>,
    pub seconds_left: Option<f64>,
}

/// A [`Row`] as fin_progress's columns, in order.
pub type RowColumns = (
    i32,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<&'static str>,
    Option<i64>,
    Option<i64>,
    Option<i32>,
    Option<i32>,
    Option<f64>,
    Option<TimestampWithTimeZone>,
    Option<f64>,
    Option<f64>,
);

/// fin_progress's rows: [`rows`] as its columns.
pub fn row_columns() -> SqlResult<Vec<RowColumns>> {
    Ok(rows()?
        .into_iter()
        .map(|r| {
            (
                r.pid,
                r.database,
                r.role,
                r.model,
                r.algorithm,
                r.phase,
                r.rows_read,
                r.rows_estimated,
                r.epoch,
                r.epochs,
                r.loss,
                r.started_at,
                r.elapsed_seconds,
                r.seconds_left,
            )
        })
        .collect())
}

/// The trainings running or waiting now, as the caller may see them (55000 without the board).
pub fn rows() -> SqlResult<Vec<Row>> {
    if !IN_SHARED_MEMORY.load(Ordering::Relaxed) {
        return Err(fail(
            ErrorKind::NotReady,
            "finml.progress needs finml in shared_preload_libraries",
            PRELOAD_HINT,
        ));
    }
    let slots: Vec<Slot> = {
        let board = BOARD.share();
        board.slots.iter().filter(|s| s.pid != 0).copied().collect()
    };
    let at = now();
    // SAFETY: role membership checks of the current user, as pg_stat_get_progress_info does.
    let may_see = |role| unsafe {
        let me = pg_sys::GetUserId();
        pg_sys::has_privs_of_role(me, role)
            || pg_sys::has_privs_of_role(me, pg_sys::Oid::from(pg_sys::ROLE_PG_READ_ALL_STATS))
    };
    Ok(slots
        .iter()
        .map(|slot| {
            // SAFETY: NULL for a dropped database.
            let database = name_of(slot.database, |oid| unsafe {
                pg_sys::get_database_name(oid)
            });
            if may_see(slot.role) {
                seen(slot, database, at)
            } else {
                hidden(slot.pid, database)
            }
        })
        .collect())
}

fn seen(slot: &Slot, database: Option<String>, at: i64) -> Row {
    let seconds = |from: i64| (at - from).max(0) as f64 / 1e6;
    let model = slot.model.as_str();
    let fitting_epochs = slot.phase == Phase::Fitting && slot.epochs > 0;
    Row {
        pid: slot.pid,
        database,
        role: name_of(slot.role, |oid| {
            // SAFETY: NULL for a dropped role (noerr).
            unsafe { pg_sys::GetUserNameFromId(oid, true) }
        }),
        model: (!model.is_empty()).then(|| model.to_owned()),
        algorithm: Some(slot.algorithm.as_str().to_owned()),
        phase: Some(slot.phase.name()),
        rows_read: (slot.phase != Phase::Waiting).then_some(slot.rows_read),
        rows_estimated: (slot.rows_estimated >= 0).then_some(slot.rows_estimated),
        epoch: fitting_epochs.then_some(slot.epoch),
        epochs: fitting_epochs.then_some(slot.epochs),
        loss: slot.loss.is_finite().then_some(slot.loss),
        started_at: TimestampWithTimeZone::try_from(slot.started_at).ok(),
        elapsed_seconds: Some(seconds(slot.started_at)),
        seconds_left: seconds_left(slot, seconds(slot.phase_at)),
    }
}

fn hidden(pid: i32, database: Option<String>) -> Row {
    Row {
        pid,
        database,
        role: None,
        model: None,
        algorithm: None,
        phase: None,
        rows_read: None,
        rows_estimated: None,
        epoch: None,
        epochs: None,
        loss: None,
        started_at: None,
        elapsed_seconds: None,
        seconds_left: None,
    }
}

/// The seconds the current phase needs still, at the pace it kept so far: for reading (rows
/// of the estimate) and for an MLP's epochs; unknown otherwise.
fn seconds_left(slot: &Slot, in_phase: f64) -> Option<f64> {
    let (done, total) = match slot.phase {
        Phase::Reading if slot.rows_estimated > 0 => {
            (slot.rows_read as f64, slot.rows_estimated as f64)
        }
        Phase::Fitting if slot.epochs > 0 => (f64::from(slot.epoch), f64::from(slot.epochs)),
        _ => return None,
    };
    (done > 0.0).then(|| (in_phase * (total - done).max(0.0) / done).max(0.0))
}

fn name_of(
    oid: pg_sys::Oid,
    lookup: impl FnOnce(pg_sys::Oid) -> *mut std::ffi::c_char,
) -> Option<String> {
    let name = lookup(oid);
    if name.is_null() {
        return None;
    }
    // SAFETY: a palloc'd NUL-terminated name.
    Some(
        unsafe { std::ffi::CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned(),
    )
}
