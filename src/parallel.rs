//! Independent work spread over threads: `f(0)`, …, `f(n - 1)`, each taken by the next free thread,
//! the results in order. Used where a batch of equal-kind work must finish as one (embedding a batch of
//! texts, ranking every evaluation profile).

/// Up to `threads` threads (never more than there is work, at least one); the calling thread is one of
/// them, so a single item starts no thread.
pub fn map<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= n {
                break done;
            }
            done.push((i, f(i)));
        }
    };
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads.clamp(1, n.max(1))).map(|_| scope.spawn(work)).collect();
        let mut done = work();
        for other in others {
            done.extend(other.join().expect("a worker thread panicked"));
        }
        done
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

/// The threads this machine can run side by side.
pub fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_item_once_in_order_whatever_the_threads() {
        for threads in [0, 1, 3, 64] {
            let seen = std::sync::Mutex::new(Vec::new());
            let out = super::map(100, threads, |i| {
                seen.lock().unwrap().push(i);
                i * i
            });
            assert_eq!(out, (0..100).map(|i| i * i).collect::<Vec<_>>(), "{threads} threads");
            let mut seen = seen.into_inner().unwrap();
            seen.sort();
            assert_eq!(seen, (0..100).collect::<Vec<_>>(), "each item computed once");
        }
        assert!(super::map(0, 4, |i| i).is_empty());
    }
}
