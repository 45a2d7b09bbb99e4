//! Where a network trains: the CPU, or CUDA when finml is built with the `cuda` feature.

use crate::error::{Error, ErrorKind, Result};
pub use crate::fit::DeviceChoice;
use candle_core::Device;

/// Weights of the positive class's rows in the loss.
pub(super) fn candle(e: candle_core::Error) -> Error {
    Error::new(ErrorKind::Internal, format!("candle: {e}"))
}

/// The device for `choice`: CUDA when built with the `cuda` feature and a GPU is visible
/// (auto) or demanded (cuda), else the CPU.
pub fn select_device(choice: DeviceChoice) -> Result<Device> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Auto => Ok(cuda_device().unwrap_or(Device::Cpu)),
        DeviceChoice::Cuda => cuda_device().ok_or_else(|| {
            Error::new(
                ErrorKind::Unsupported,
                if cfg!(feature = "cuda") {
                    "device \"cuda\" was asked for, but no CUDA device is visible"
                } else {
                    "device \"cuda\" was asked for, but this finml was built without CUDA"
                },
            )
            .with_hint("use device auto or cpu, or install finml built with --features cuda on a server with an NVIDIA GPU")
        }),
    }
}

fn cuda_device() -> Option<Device> {
    if !cfg!(feature = "cuda") {
        return None;
    }
    // With the feature, creating the device fails (rather than falling back) without a GPU.
    Device::new_cuda(0).ok()
}

pub(super) fn device_name(device: &Device) -> String {
    match device {
        Device::Cpu => "cpu".to_owned(),
        _ => "cuda:0".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuda_without_the_feature_is_unsupported() {
        if cfg!(feature = "cuda") {
            return;
        }
        let err = select_device(DeviceChoice::Cuda).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Unsupported);
        assert!(matches!(
            select_device(DeviceChoice::Auto).unwrap(),
            Device::Cpu
        ));
    }
}
