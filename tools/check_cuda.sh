#!/usr/bin/env bash
# Proves that the `cuda` feature compiles and links on a machine without a GPU: installs the
# CUDA 13.0 toolkit from PyPI wheels (about 1.2 GB, once, into $FINML_CUDA_DIR), then builds
# the models crate's MLP timing example with --features cuda (candle's kernels compiled by
# nvcc for sm_90; about 12 minutes the first time on 2 cores). The binary it leaves,
# target/cuda/release/examples/mlp_timing, runs on a GPU machine with the NVIDIA driver
# (see ../shared/SETUP.md "CUDA builds"); here it cannot even load (no libcuda.so.1).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CUDA_DIR=${FINML_CUDA_DIR:-$HOME/.cache/finml-cuda}
C="$CUDA_DIR/nvidia/cu13"

if [ ! -x "$C/bin/nvcc" ]; then
    echo "== installing the CUDA 13.0 toolkit wheels into $CUDA_DIR"
    python3 -m pip install -q --no-deps --target "$CUDA_DIR" \
        nvidia-cuda-nvcc==13.0.88 nvidia-cuda-crt==13.0.88 nvidia-nvvm==13.0.88 \
        nvidia-cuda-runtime==13.0.96 nvidia-cuda-cccl==13.0.85 nvidia-cublas==13.0.2.14 \
        nvidia-curand==10.4.0.35 nvidia-cuda-nvrtc==13.0.88
fi
# Unversioned names for the linker, and lib64 where build scripts look.
(cd "$C/lib" && for l in cudart.so.13 nvrtc.so.13 cublas.so.13 cublasLt.so.13 curand.so.10; do
    ln -sf "lib$l" "lib${l%%.so*}.so"; done)
ln -sfn lib "$C/lib64"

export CUDA_HOME="$C" CUDA_PATH="$C" PATH="$C/bin:$PATH" CUDA_COMPUTE_CAP=${CUDA_COMPUTE_CAP:-90}
export CARGO_TARGET_DIR="$ROOT/target/cuda"
nvcc --version | tail -1

# The driver library (libcuda.so) comes with the NVIDIA driver, not with any wheel: link
# against a stand-in that defines the cu* symbols the build asks for (found by linking once).
STUBS="$C/lib/stubs"
mkdir -p "$STUBS"
stub() { # builds libcuda.so from symbol names on stdin
    { echo "/* link-time stand-in for the NVIDIA driver library; never loaded */";
      sed 's/.*/int &(void) { return 999; }/'; } > "$STUBS/libcuda_stub.c"
    gcc -shared -fPIC -Wl,-soname,libcuda.so.1 -o "$STUBS/libcuda.so" "$STUBS/libcuda_stub.c"
}
[ -f "$STUBS/libcuda.so" ] || echo cuInit | stub
export RUSTFLAGS="-L $STUBS -L $C/lib -C link-arg=-Wl,--error-limit=0"
build() { cargo build --release -p finml-models --features cuda --example mlp_timing 2>&1; }
if ! out=$(build); then
    # GNU ld says "undefined reference to `cuX'", rust-lld "undefined symbol: cuX".
    missing=$(echo "$out" | grep -oE "(undefined reference to \`|undefined symbol: )cu[A-Za-z0-9_]*" \
              | sed -E 's/.*(`|: )//' | sort -u || true)
    [ -n "$missing" ] || { echo "$out" | tail -40; exit 1; }
    { echo cuInit; echo "$missing"; } | sort -u | stub
    build | tail -3
fi
ls -l "$CARGO_TARGET_DIR/release/examples/mlp_timing"
echo "cuda feature: compiled and linked"
