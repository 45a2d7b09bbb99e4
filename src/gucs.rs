//! Every finml setting, in one place.

use finml_models::mlp::DeviceChoice;
use pgrx::{GucContext, GucFlags, GucRegistry, GucSetting, PostgresGucEnum};

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
