//! Work over a dense design, for the estimators that hold one (k-means, the isolation
//! forest): rows split over threads, and products of row blocks with another matrix. Only the
//! calling (backend) thread's part acts on a cancel (interrupt.rs: elsewhere the check does
//! nothing); the other parts are as long as it.

use crate::interrupt;
use ndarray::linalg::general_mat_mul;
use ndarray::{s, Array2, ArrayView2};

/// Splits rows 0..n into `threads` contiguous parts and runs `work` on each, the first on
/// the calling thread (which checks for a cancel as it goes); the parts' results in order.
pub fn parallel_rows<T: Send>(
    n: usize,
    threads: usize,
    work: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Vec<T> {
    let parts = threads.clamp(1, n.max(1));
    let size = n.div_ceil(parts);
    let ranges: Vec<std::ops::Range<usize>> = (0..parts)
        .map(|p| (p * size).min(n)..((p + 1) * size).min(n))
        .collect();
    if parts == 1 {
        return vec![work(0..n)];
    }
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = ranges[1..]
            .iter()
            .map(|r| {
                let r = r.clone();
                scope.spawn(move || work(r))
            })
            .collect();
        let mut results = vec![work(ranges[0].clone())];
        // A worker only computes (it panics on nothing a caller controls); a panic there is
        // carried to the backend thread, where pgrx reports it as an error.
        results.extend(
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
        );
        results
    })
}

/// Runs `each` on the products of the rows `range` of `x` with every row of `other`
/// (x·otherᵀ), `block` rows at a time: the first row's index and the block's products,
/// row-major (`other.nrows()` per row). Checks for a cancel before each block.
pub fn block_products(
    x: ArrayView2<'_, f64>,
    other: ArrayView2<'_, f64>,
    range: std::ops::Range<usize>,
    block: usize,
    mut each: impl FnMut(usize, &[f64]),
) {
    let mut products = Array2::<f64>::zeros((block.min(range.len()).max(1), other.nrows()));
    let mut start = range.start;
    while start < range.end {
        interrupt::check();
        let end = (start + block).min(range.end);
        let mut out = products.slice_mut(s![..end - start, ..]);
        general_mat_mul(1.0, &x.slice(s![start..end, ..]), &other.t(), 0.0, &mut out);
        // The first rows of a row-major matrix are contiguous.
        each(start, out.as_slice().unwrap_or(&[]));
        start = end;
    }
}
