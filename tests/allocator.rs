//! The server's allocator settings (issue 14): after `tune_allocator` (what `serve` calls
//! first), threads allocating at the same time share at most `MALLOC_ARENAS` glibc malloc arenas,
//! so what the blocking threads of large reports freed is not kept once per thread; and
//! `release_free_memory` (after large database work) gives freed pages back. Its own test binary
//! and one test: the setting is process-wide and must come before other threads allocate.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn arenas_are_bounded_and_freed_memory_goes_back_to_the_system() {
    use std::sync::{Arc, Barrier};

    use worklog_kpi::auth::hashing::{tune_allocator, MALLOC_ARENAS};

    tune_allocator();
    // Without the bound glibc gives each of these threads an arena of its own (up to 8 per core).
    const THREADS: usize = 16;
    let barrier = Arc::new(Barrier::new(THREADS));
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let blocks: Vec<Vec<u8>> = (0..512).map(|i| vec![(t + i) as u8; 4096]).collect();
                barrier.wait();
                blocks.iter().map(|b| usize::from(b[0])).sum::<usize>()
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let arenas = malloc_info().matches("<heap nr=").count();
    assert!(arenas >= 1, "malloc_info lists the arenas");
    assert!(
        arenas <= MALLOC_ARENAS as usize,
        "{arenas} arenas, at most {MALLOC_ARENAS} expected"
    );

    // 128 MiB in small blocks, freed but for the last one (which keeps the heap's top in use,
    // as a response being written does): the pages stay resident until they are given back.
    let mut blocks: Vec<Vec<u8>> = (0..128 * 1024).map(|i| vec![i as u8; 1000]).collect();
    let last = blocks.pop();
    drop(blocks);
    let held = rss_kib();
    worklog_kpi::auth::hashing::release_free_memory();
    let after = rss_kib();
    assert!(
        held.saturating_sub(after) > 64 * 1024,
        "RSS {held} KiB -> {after} KiB after release_free_memory"
    );
    drop(last);
}

/// Resident set of this process in KiB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmRSS")
}

/// glibc's `malloc_info` XML (one `<heap nr=…>` per arena).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn malloc_info() -> String {
    let mut buf: *mut libc::c_char = std::ptr::null_mut();
    let mut len: libc::size_t = 0;
    // SAFETY: open_memstream allocates `buf` and writes through the pointers while the stream is
    // open; after fclose they hold the text and its length, and `buf` is freed with `free`.
    unsafe {
        let stream = libc::open_memstream(&mut buf, &mut len);
        assert!(!stream.is_null(), "open_memstream");
        assert_eq!(libc::malloc_info(0, stream), 0, "malloc_info");
        libc::fclose(stream);
        let text = std::slice::from_raw_parts(buf.cast::<u8>(), len).to_vec();
        libc::free(buf.cast());
        String::from_utf8_lossy(&text).into_owned()
    }
}
