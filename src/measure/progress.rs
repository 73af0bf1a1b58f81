//! What a measuring run has done so far and where its workers' time went: counters the workers
//! update as each file finishes, which a caller may read at any moment from another thread (the
//! command line draws its progress bar from them, `--timings` prints the totals). Measuring
//! itself never prints.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::kind::AssetKind;

#[derive(Debug, Default)]
pub struct MeasureProgress {
    total_files: AtomicU64,
    total_bytes: AtomicU64,
    files_done: AtomicU64,
    bytes_done: AtomicU64,
    images_done: AtomicU64,
    /// Images to decode and re-encode after the site model, and their bytes
    /// ([`super::measure_deferred_images`]).
    images_to_encode: AtomicU64,
    image_bytes_to_encode: AtomicU64,
    images_encoded: AtomicU64,
    image_bytes_encoded: AtomicU64,
    /// When those re-encodes started.
    encoding_since: std::sync::OnceLock<Instant>,
    read_nanos: AtomicU64,
    gzip_nanos: AtomicU64,
    brotli_nanos: AtomicU64,
    /// Analysis time by the kind of file analysed, in the order of [`AssetKind::ALL`].
    analysis_nanos: [AtomicU64; AssetKind::ALL.len()],
}

/// The counters at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgressSnapshot {
    /// Files measuring will go through (0 until it has started).
    pub total_files: u64,
    /// Their bytes on disk.
    pub total_bytes: u64,
    pub files_done: u64,
    pub bytes_done: u64,
    /// Images among the files done: the ones whose re-encoding dominates image-heavy folders.
    pub images_done: u64,
    /// Images whose decoding and re-encodes follow the site model, and how many are done.
    pub images_to_encode: u64,
    pub images_encoded: u64,
    pub image_bytes_to_encode: u64,
    pub image_bytes_encoded: u64,
    /// How long those re-encodes have run (zero before they start).
    pub encoding_for: Duration,
}

/// Kinds of work a measuring worker does, for `--timings`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    /// Opening, reading and hashing files.
    Read,
    Gzip,
    Brotli,
    /// Reading what a file says (imports, references, source maps, image re-encodes), by the
    /// kind of file.
    Analysis(AssetKind),
}

impl MeasureProgress {
    pub fn new() -> MeasureProgress {
        MeasureProgress::default()
    }

    pub(super) fn start(&self, files: u64, bytes: u64) {
        self.total_files.fetch_add(files, Ordering::Relaxed);
        self.total_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(super) fn file_done(&self, bytes: u64, kind: Option<AssetKind>) {
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.bytes_done.fetch_add(bytes, Ordering::Relaxed);
        if kind == Some(AssetKind::Image) {
            self.images_done.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(super) fn images_start(&self, sizes: impl Iterator<Item = u64>) {
        let mut count = 0;
        let mut bytes = 0;
        for size in sizes {
            count += 1;
            bytes += size;
        }
        self.image_bytes_to_encode
            .fetch_add(bytes, Ordering::Relaxed);
        self.images_to_encode.fetch_add(count, Ordering::Relaxed);
        let _ = self.encoding_since.set(Instant::now());
    }

    pub(super) fn image_done(&self, bytes: u64) {
        self.images_encoded.fetch_add(1, Ordering::Relaxed);
        self.image_bytes_encoded.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(super) fn spent(&self, work: Work, time: Duration) {
        let nanos = u64::try_from(time.as_nanos()).unwrap_or(u64::MAX);
        let counter = match work {
            Work::Read => &self.read_nanos,
            Work::Gzip => &self.gzip_nanos,
            Work::Brotli => &self.brotli_nanos,
            Work::Analysis(kind) => &self.analysis_nanos[kind_index(kind)],
        };
        counter.fetch_add(nanos, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> ProgressSnapshot {
        ProgressSnapshot {
            total_files: self.total_files.load(Ordering::Relaxed),
            total_bytes: self.total_bytes.load(Ordering::Relaxed),
            files_done: self.files_done.load(Ordering::Relaxed),
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            images_done: self.images_done.load(Ordering::Relaxed),
            images_to_encode: self.images_to_encode.load(Ordering::Relaxed),
            images_encoded: self.images_encoded.load(Ordering::Relaxed),
            image_bytes_to_encode: self.image_bytes_to_encode.load(Ordering::Relaxed),
            image_bytes_encoded: self.image_bytes_encoded.load(Ordering::Relaxed),
            encoding_for: self
                .encoding_since
                .get()
                .map_or(Duration::ZERO, Instant::elapsed),
        }
    }

    /// Time the workers spent on each kind of work, summed over workers; kinds never worked on
    /// are left out.
    pub fn work_times(&self) -> Vec<(Work, Duration)> {
        let load = |counter: &AtomicU64| Duration::from_nanos(counter.load(Ordering::Relaxed));
        let mut times = vec![
            (Work::Read, load(&self.read_nanos)),
            (Work::Gzip, load(&self.gzip_nanos)),
            (Work::Brotli, load(&self.brotli_nanos)),
        ];
        times.extend(
            AssetKind::ALL
                .iter()
                .zip(&self.analysis_nanos)
                .map(|(kind, counter)| (Work::Analysis(*kind), load(counter))),
        );
        times.retain(|(_, time)| !time.is_zero());
        times
    }
}

/// Times one piece of a worker's work in the CPU time of its thread, so that what it reports is
/// what the work cost, however busy the machine (a wall clock would add the time the thread
/// waited for a core). Where threads have no CPU clock, wall-clock time.
pub(super) struct Stopwatch {
    cpu: Option<Duration>,
    wall: Instant,
}

impl Stopwatch {
    pub(super) fn start() -> Stopwatch {
        Stopwatch {
            cpu: thread_cpu_time(),
            wall: Instant::now(),
        }
    }

    /// A stopwatch on the wall clock alone, for work of microseconds that waits for nothing
    /// (a cache lookup): reading a thread's CPU clock is a system call (0.7 µs here, where the
    /// wall clock costs 0.02 µs), and a warm run would make two per file.
    pub(super) fn start_wall() -> Stopwatch {
        Stopwatch {
            cpu: None,
            wall: Instant::now(),
        }
    }

    pub(super) fn elapsed(&self) -> Duration {
        match self
            .cpu
            .and_then(|start| Some(thread_cpu_time()?.saturating_sub(start)))
        {
            Some(spent) => spent,
            None => self.wall.elapsed(),
        }
    }
}

#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a pointer to a live local.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    let seconds = u64::try_from(now.tv_sec).ok()?;
    let nanos = u32::try_from(now.tv_nsec).ok()?;
    (status == 0).then(|| Duration::new(seconds, nanos))
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

fn kind_index(kind: AssetKind) -> usize {
    AssetKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(AssetKind::ALL.len() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_add_up_and_images_are_counted_apart() {
        let progress = MeasureProgress::new();
        progress.start(3, 300);
        progress.file_done(100, Some(AssetKind::Script));
        progress.file_done(150, Some(AssetKind::Image));
        assert_eq!(
            progress.snapshot(),
            ProgressSnapshot {
                total_files: 3,
                total_bytes: 300,
                files_done: 2,
                bytes_done: 250,
                images_done: 1,
                ..ProgressSnapshot::default()
            }
        );
        // The images encoded after the site model are counted apart, from when they start.
        progress.images_start([40, 60].into_iter());
        progress.image_done(60);
        let snapshot = progress.snapshot();
        assert_eq!(
            (
                snapshot.images_to_encode,
                snapshot.images_encoded,
                snapshot.image_bytes_to_encode,
                snapshot.image_bytes_encoded
            ),
            (2, 1, 100, 60)
        );
        assert_eq!(snapshot.files_done, 2);
    }

    #[test]
    fn work_times_are_summed_by_kind_and_unused_kinds_left_out() {
        let progress = MeasureProgress::new();
        progress.spent(Work::Gzip, Duration::from_millis(5));
        progress.spent(Work::Gzip, Duration::from_millis(7));
        progress.spent(Work::Analysis(AssetKind::Image), Duration::from_millis(40));
        assert_eq!(
            progress.work_times(),
            vec![
                (Work::Gzip, Duration::from_millis(12)),
                (Work::Analysis(AssetKind::Image), Duration::from_millis(40)),
            ]
        );
    }

    #[test]
    fn a_stopwatch_counts_the_threads_work_not_its_sleep() {
        let watch = Stopwatch::start();
        std::thread::sleep(Duration::from_millis(50));
        // Sleeping costs no CPU: far less than the 50 ms of wall clock.
        assert!(
            watch.elapsed() < Duration::from_millis(25),
            "{:?}",
            watch.elapsed()
        );
        let watch = Stopwatch::start();
        let mut x = 0u64;
        while watch.elapsed() < Duration::from_millis(5) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        assert!(x > 0);
    }

    #[test]
    fn every_kind_has_its_own_analysis_counter() {
        let progress = MeasureProgress::new();
        for (n, kind) in AssetKind::ALL.iter().enumerate() {
            progress.spent(Work::Analysis(*kind), Duration::from_nanos(n as u64 + 1));
        }
        let times = progress.work_times();
        assert_eq!(times.len(), AssetKind::ALL.len());
        for (n, kind) in AssetKind::ALL.iter().enumerate() {
            assert!(times.contains(&(Work::Analysis(*kind), Duration::from_nanos(n as u64 + 1))));
        }
    }
}
