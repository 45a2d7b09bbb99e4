//! Every finml setting, in one place.

use finml_models::mlp::DeviceChoice;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting, PostgresGucEnum};
use std::ffi::CString;

/// `finml.threads`: the most threads one training may use (MLP training; the linear solvers
/// run in the backend thread). PGC_SUSET, like `finml.max_training_memory`: limits that
/// protect the server are the DBA's, not each role's (README, "Security").
pub static THREADS: GucSetting<i32> = GucSetting::<i32>::new(2);

/// `finml.max_training_memory` in kB: the most memory the training data of one `fin_train`
/// may take (columns as read plus the design matrix). Default 1 GB.
pub static MAX_TRAINING_MEMORY_KB: GucSetting<i32> = GucSetting::<i32>::new(1024 * 1024);

/// `finml.device`: where MLP training runs unless its options say.
#[derive(PostgresGucEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum Device {
    #[name = c"auto"]
    Auto,
    #[name = c"cpu"]
    Cpu,
    #[name = c"cuda"]
    Cuda,
}

pub static DEVICE: GucSetting<Device> = GucSetting::<Device>::new(Device::Auto);

/// The most trainings that can run or wait at once on a server, whatever the limit says
/// (the slots of pg/progress.rs's board in shared memory).
pub const TRAINING_SLOTS: usize = 128;

/// `finml.max_concurrent_trainings`: trainings beyond it wait for a slot (0: no limit).
pub static MAX_CONCURRENT_TRAININGS: GucSetting<i32> = GucSetting::<i32>::new(2);

/// `finml.max_trainings_per_role`: one role's trainings beyond it wait for one of its own to
/// finish (0: no limit), so that no role can take every slot of
/// `finml.max_concurrent_trainings` (a training can be made to last: a view that sleeps).
pub static MAX_TRAININGS_PER_ROLE: GucSetting<i32> = GucSetting::<i32>::new(1);

/// `finml.max_waiting_trainings_per_role`: how many of one role's trainings may wait for a
/// slot at once; one more fails at once (53400). Bounds the board's slots one role can hold.
pub static MAX_WAITING_TRAININGS_PER_ROLE: GucSetting<i32> = GucSetting::<i32>::new(4);

/// `finml.training_wait_timeout` in ms: how long a training waits for a slot. Default 10 min.
pub static TRAINING_WAIT_TIMEOUT_MS: GucSetting<i32> = GucSetting::<i32>::new(10 * 60 * 1000);

/// `finml.log_trainings`: one LOG line per finished training.
pub static LOG_TRAININGS: GucSetting<bool> = GucSetting::<bool>::new(true);

/// `finml.require_approval`: no version is deployed until a validator approves it
/// (pg/approval.rs). PGC_SUSET, set per server, database or role by a DBA: a developer must
/// not be able to switch off the control that watches them.
pub static REQUIRE_APPROVAL: GucSetting<bool> = GucSetting::<bool>::new(false);

/// `finml.validator_role`: the role whose members approve versions. PGC_SUSET for the same
/// reason: a developer naming their own role would approve their own models.
pub static VALIDATOR_ROLE: GucSetting<Option<CString>> =
    GucSetting::<Option<CString>>::new(Some(c"finml_validator"));

/// `finml.allow_self_approval`: lets a version's developer approve it (a superuser's choice
/// for a one-person test server; off, even superusers are refused).
pub static ALLOW_SELF_APPROVAL: GucSetting<bool> = GucSetting::<bool>::new(false);

pub fn init() {
    GucRegistry::define_enum_guc(
        c"finml.device",
        c"Where MLP training runs: auto, cpu or cuda.",
        c"auto trains on CUDA when finml was built with the cuda feature and a GPU is visible, else on the CPU; cuda without either is an error.",
        &DEVICE,
        GucContext::Userset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"finml.threads",
        c"Maximum number of threads one finml training uses.",
        c"Caps the thread pools of MLP training; each backend that trains keeps its pool. Superuser-only: a DBA sets it per server, database or role (ALTER ROLE ... SET).",
        &THREADS,
        1,
        256,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"finml.max_training_memory",
        c"Maximum memory the training data of one fin_train may use.",
        c"fin_train stops with an error, before running out of memory, when the relation would not fit. Superuser-only: a DBA sets it per server, database or role (ALTER ROLE ... SET), and no other role can raise it.",
        &MAX_TRAINING_MEMORY_KB,
        1024,
        i32::MAX,
        GucContext::Suset,
        GucFlags::UNIT_KB,
    );
    GucRegistry::define_int_guc(
        c"finml.max_concurrent_trainings",
        c"Maximum number of finml trainings that run at once on this server (0: no limit).",
        c"A training beyond it waits up to finml.training_wait_timeout for one to finish, then fails with SQLSTATE 53400. finml.progress shows running and waiting trainings. Needs finml in shared_preload_libraries. Superuser-only; a value set per role makes that role's trainings wait while that many run.",
        &MAX_CONCURRENT_TRAININGS,
        0,
        TRAINING_SLOTS as i32,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"finml.max_trainings_per_role",
        c"Maximum number of one role's finml trainings that run at once on this server (0: no limit).",
        c"A role's training beyond it waits, as for finml.max_concurrent_trainings, for one of the role's own to finish: no role can take every slot. Needs finml in shared_preload_libraries. Superuser-only: a DBA raises it for a service role with ALTER ROLE ... SET.",
        &MAX_TRAININGS_PER_ROLE,
        0,
        TRAINING_SLOTS as i32,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"finml.max_waiting_trainings_per_role",
        c"Maximum number of one role's finml trainings that wait for a slot at once.",
        c"One more fails at once with SQLSTATE 53400: a role cannot fill finml's 128 training slots with waiting trainings. Superuser-only.",
        &MAX_WAITING_TRAININGS_PER_ROLE,
        0,
        TRAINING_SLOTS as i32,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_int_guc(
        c"finml.training_wait_timeout",
        c"How long a training waits for a slot of finml.max_concurrent_trainings (0: not at all).",
        c"Past it the training fails with SQLSTATE 53400 and nothing is written. Superuser-only: a DBA sets it per server, database or role (ALTER ROLE ... SET).",
        &TRAINING_WAIT_TIMEOUT_MS,
        0,
        i32::MAX,
        GucContext::Suset,
        GucFlags::UNIT_MS,
    );
    GucRegistry::define_bool_guc(
        c"finml.log_trainings",
        c"Writes one LOG line to the server log per finished finml training or retraining.",
        c"The line reads: finml: training finished: action=... model=... version=... algorithm=... rows=... seconds=... <metric>=... deployed=...",
        &LOG_TRAININGS,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"finml.require_approval",
        c"Deploys no model version until a member of finml.validator_role other than its developer approves it (fin_approve).",
        c"Covers fin_deploy, fin_rollback, a training's deploy policy, fin_retrain (pg_cron too) and fin_import: a new version is stored as pending. Superuser-only: ALTER DATABASE ... SET or ALTER ROLE ... SET.",
        &REQUIRE_APPROVAL,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_string_guc(
        c"finml.validator_role",
        c"The role whose members approve model versions with fin_approve.",
        c"Created by the DBA as NOLOGIN (CREATE ROLE finml_validator NOLOGIN) and granted to the validators. Superuser-only.",
        &VALIDATOR_ROLE,
        GucContext::Suset,
        GucFlags::default(),
    );
    GucRegistry::define_bool_guc(
        c"finml.allow_self_approval",
        c"Lets the role that trained a model version approve it.",
        c"Off, fin_approve refuses a version's developer (SQLSTATE 42501), superusers included. Superuser-only.",
        &ALLOW_SELF_APPROVAL,
        GucContext::Suset,
        GucFlags::default(),
    );
}

/// Whether versions wait for a validator's approval before they are deployed.
pub fn require_approval() -> bool {
    REQUIRE_APPROVAL.get()
}

/// Whether a version's developer may approve it.
pub fn allow_self_approval() -> bool {
    ALLOW_SELF_APPROVAL.get()
}

/// The name of the validators' role (empty when the setting is empty).
pub fn validator_role() -> String {
    VALIDATOR_ROLE
        .get()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The most trainings that may run at once (0: no limit).
pub fn max_concurrent_trainings() -> usize {
    MAX_CONCURRENT_TRAININGS.get().max(0) as usize
}

/// The most trainings of one role that may run at once (0: no limit).
pub fn max_trainings_per_role() -> usize {
    MAX_TRAININGS_PER_ROLE.get().max(0) as usize
}

/// The most trainings of one role that may wait for a slot at once.
pub fn max_waiting_trainings_per_role() -> usize {
    MAX_WAITING_TRAININGS_PER_ROLE.get().max(0) as usize
}

/// How long a training waits for a slot.
pub fn training_wait_timeout() -> std::time::Duration {
    std::time::Duration::from_millis(TRAINING_WAIT_TIMEOUT_MS.get().max(0) as u64)
}

/// Whether each finished training writes its LOG line.
pub fn log_trainings() -> bool {
    LOG_TRAININGS.get()
}

/// The training memory budget in bytes.
pub fn max_training_memory_bytes() -> usize {
    (MAX_TRAINING_MEMORY_KB.get().max(0) as usize) * 1024
}

/// The device setting for the models crate.
pub fn device() -> DeviceChoice {
    match DEVICE.get() {
        Device::Auto => DeviceChoice::Auto,
        Device::Cpu => DeviceChoice::Cpu,
        Device::Cuda => DeviceChoice::Cuda,
    }
}

/// The most threads one training may use.
pub fn threads() -> usize {
    THREADS.get().max(1) as usize
}
