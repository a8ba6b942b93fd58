//! The process's memory settings.

/// Turn transparent huge pages off for this process (Linux `PR_SET_THP_DISABLE`; elsewhere nothing happens).
///
/// The allocator asks the kernel for huge pages (`madvise(MADV_HUGEPAGE)`), and on a machine whose kernel
/// defragments on demand for such regions (`/sys/kernel/mm/transparent_hugepage/defrag` = `madvise`, Debian's
/// default) the first touch of each 2 MiB page can stall in compaction and zeroing. `vaern obligations` on the
/// national journal touches 1.5 GiB once: with huge pages it spent 2.9–3.7 s in the kernel, without them 1.2–1.4 s,
/// and 4.6–4.8 s against 5.4–6.1 s in all (BENCHMARKS.md, 2026-11-28 night). The flag is checked at each page
/// fault, so memory the allocator set up before `main` is covered too.
#[allow(unsafe_code)]
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes only integer arguments and sets a flag of the calling process; it reads and
    // writes no memory of ours. A kernel without it returns an error, which leaves things as they were.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(test)]
mod tests {
    /// After the call the kernel reports huge pages off for this process (Linux shows it in /proc/self/status).
    #[test]
    #[cfg(target_os = "linux")]
    fn huge_pages_are_off_afterwards() {
        super::no_huge_pages();
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("THP_enabled:")).expect("the kernel reports THP_enabled");
        assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
    }
}
