//! Progress of an audit on standard error, drawn from the counters measuring updates
//! (`webaudit::measure::progress`). On a terminal: a line that redraws itself (files, bytes,
//! images, time left) once the audit has run for [`DELAY`], so short audits show nothing, and
//! is erased before the report is printed. In a pipe or a CI log nothing is drawn while the
//! audit runs (redrawn lines would fill the log), and one timing line is written at the end of
//! an audit that took [`DELAY`] or more.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use webaudit::measure::progress::{MeasureProgress, ProgressSnapshot};
use webaudit::size::human;

use crate::cli::ProgressChoice;

/// How long an audit runs before it shows progress: under it, a report simply appears.
pub const DELAY: Duration = Duration::from_secs(2);

const REDRAW: Duration = Duration::from_millis(150);

pub struct AuditProgress {
    counters: Arc<MeasureProgress>,
    started: Instant,
    choice: ProgressChoice,
    on_terminal: bool,
    /// Dropped to tell the drawing thread to erase its line and end.
    stop: Option<mpsc::Sender<()>>,
    drawer: Option<JoinHandle<()>>,
}

impl AuditProgress {
    pub fn start(choice: ProgressChoice) -> AuditProgress {
        let counters = Arc::new(MeasureProgress::new());
        let on_terminal = std::io::stderr().is_terminal();
        let delay = match choice {
            ProgressChoice::Always => Some(Duration::ZERO),
            ProgressChoice::Auto => Some(DELAY),
            ProgressChoice::Never => None,
        };
        let (stop, drawer) = match delay.filter(|_| on_terminal) {
            Some(delay) => {
                let (stop, stopped) = mpsc::channel();
                let shown = Arc::clone(&counters);
                let drawer = std::thread::Builder::new()
                    .name("progress".into())
                    .spawn(move || draw(&shown, &stopped, delay))
                    .ok();
                (Some(stop), drawer)
            }
            None => (None, None),
        };
        AuditProgress {
            counters,
            started: Instant::now(),
            choice,
            on_terminal,
            stop,
            drawer,
        }
    }

    /// The counters to give the audit.
    pub fn counters(&self) -> Arc<MeasureProgress> {
        Arc::clone(&self.counters)
    }

    /// Erases the progress line (on a terminal), or writes the timing line when it is due (in a
    /// pipe). Call before printing the report.
    pub fn finish(mut self) {
        drop(self.stop.take());
        if let Some(drawer) = self.drawer.take() {
            let _ = drawer.join();
        }
        let elapsed = self.started.elapsed();
        let due = match self.choice {
            ProgressChoice::Always => true,
            ProgressChoice::Auto => elapsed >= DELAY,
            ProgressChoice::Never => false,
        };
        if due && !self.on_terminal {
            eprintln!("{}", timing_line(&self.counters.snapshot(), elapsed));
        }
    }
}

/// The line a pipe or CI log gets at the end of an audit.
pub fn timing_line(done: &ProgressSnapshot, elapsed: Duration) -> String {
    format!(
        "webaudit: measured {} file{} ({}{}) in {:.1} s",
        done.files_done,
        if done.files_done == 1 { "" } else { "s" },
        human(done.bytes_done),
        images(done.images_done),
        elapsed.as_secs_f64()
    )
}

fn images(count: u64) -> String {
    match count {
        0 => String::new(),
        1 => ", 1 image".into(),
        n => format!(", {n} images"),
    }
}

fn draw(counters: &MeasureProgress, stopped: &mpsc::Receiver<()>, delay: Duration) {
    // Stopped before the delay ran out: nothing is drawn, nothing to erase.
    if !delay.is_zero() && !matches!(stopped.recv_timeout(delay), Err(RecvTimeoutError::Timeout)) {
        return;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{spinner} {msg}")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    bar.set_style(style);
    let measuring_since = Instant::now();
    loop {
        bar.set_message(describe(&counters.snapshot(), measuring_since.elapsed()));
        bar.tick();
        match stopped.recv_timeout(REDRAW) {
            Err(RecvTimeoutError::Timeout) => continue,
            _ => break,
        }
    }
    bar.finish_and_clear();
}

/// What the progress line says: how far measuring is, then what follows it.
pub fn describe(done: &ProgressSnapshot, elapsed: Duration) -> String {
    if done.total_files == 0 {
        return "listing files…".into();
    }
    if done.files_done >= done.total_files {
        if done.images_encoded < done.images_to_encode {
            let left = time_left(
                done.image_bytes_encoded,
                done.image_bytes_to_encode,
                done.encoding_for,
            )
            .map(|left| format!(", about {} s left", left.as_secs_f64().round().max(1.0)))
            .unwrap_or_default();
            return format!(
                "measured {} files ({}); checking images {}/{}{left}",
                done.files_done,
                human(done.bytes_done),
                done.images_encoded,
                done.images_to_encode
            );
        }
        return format!(
            "measured {} files ({}{}); checking pages and rules…",
            done.files_done,
            human(done.bytes_done),
            images(done.images_done)
        );
    }
    let left = time_left(done.bytes_done, done.total_bytes, elapsed)
        .map(|left| format!(", about {} s left", left.as_secs_f64().round().max(1.0)))
        .unwrap_or_default();
    format!(
        "measuring {}/{} files, {} of {}{}{left}",
        done.files_done,
        done.total_files,
        human(done.bytes_done),
        human(done.total_bytes),
        images(done.images_done)
    )
}

/// The bytes left at the rate measured so far, once there is a rate to go by. Bytes, not files:
/// a folder's time goes with its bytes, and measuring takes the largest files first.
fn time_left(bytes_done: u64, total_bytes: u64, elapsed: Duration) -> Option<Duration> {
    if bytes_done == 0 || elapsed < Duration::from_millis(500) {
        return None;
    }
    let rate = bytes_done as f64 / elapsed.as_secs_f64();
    let left = total_bytes.saturating_sub(bytes_done) as f64 / rate;
    Some(Duration::from_secs_f64(left.min(1e7)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(files: (u64, u64), bytes: (u64, u64), images: u64) -> ProgressSnapshot {
        ProgressSnapshot {
            files_done: files.0,
            total_files: files.1,
            bytes_done: bytes.0,
            total_bytes: bytes.1,
            images_done: images,
            ..ProgressSnapshot::default()
        }
    }

    #[test]
    fn the_line_says_files_bytes_images_and_time_left_by_bytes() {
        let line = describe(
            &snapshot((10, 40), (3_000_000, 9_000_000), 4),
            Duration::from_secs(3),
        );
        // 3 MB in 3 s: the 6 MB left take 6 s, whatever the count of files left.
        assert_eq!(
            line,
            "measuring 10/40 files, 3 MB of 9 MB, 4 images, about 6 s left"
        );
    }

    #[test]
    fn after_measuring_the_line_counts_the_images_being_checked() {
        let encoding = ProgressSnapshot {
            images_to_encode: 40,
            images_encoded: 10,
            image_bytes_to_encode: 8_000_000,
            image_bytes_encoded: 2_000_000,
            encoding_for: Duration::from_secs(4),
            ..snapshot((50, 50), (9_000_000, 9_000_000), 40)
        };
        // 2 MB of images in 4 s: the 6 MB left take 12 s.
        assert_eq!(
            describe(&encoding, Duration::from_secs(9)),
            "measured 50 files (9 MB); checking images 10/40, about 12 s left"
        );
        let encoded = ProgressSnapshot {
            images_encoded: 40,
            image_bytes_encoded: 8_000_000,
            ..encoding
        };
        assert_eq!(
            describe(&encoded, Duration::from_secs(20)),
            "measured 50 files (9 MB, 40 images); checking pages and rules…"
        );
    }

    #[test]
    fn no_time_left_before_there_is_a_rate() {
        let line = describe(
            &snapshot((0, 40), (0, 9_000_000), 0),
            Duration::from_secs(3),
        );
        assert_eq!(line, "measuring 0/40 files, 0 B of 9 MB");
        let early = describe(
            &snapshot((1, 40), (10, 9_000_000), 0),
            Duration::from_millis(100),
        );
        assert!(!early.contains("left"), "{early}");
    }

    #[test]
    fn after_measuring_the_line_says_what_follows() {
        assert_eq!(
            describe(
                &snapshot((40, 40), (9_000_000, 9_000_000), 1),
                Duration::ZERO
            ),
            "measured 40 files (9 MB, 1 image); checking pages and rules…"
        );
        assert_eq!(
            describe(&ProgressSnapshot::default(), Duration::ZERO),
            "listing files…"
        );
    }

    #[test]
    fn the_timing_line_names_what_was_measured() {
        assert_eq!(
            timing_line(
                &snapshot((1, 1), (2_500, 2_500), 0),
                Duration::from_millis(2_340)
            ),
            "webaudit: measured 1 file (2.50 kB) in 2.3 s"
        );
    }
}
