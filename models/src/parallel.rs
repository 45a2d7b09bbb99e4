//! Work split over threads by rows, for the estimators that compute over a dense design
//! (k-means, the isolation forest). Only the calling (backend) thread's part checks for a
//! cancel (interrupt.rs: elsewhere the check does nothing); the other parts are short.

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
