//! Progress of a fixer run on standard error: a bar (files done, bytes saved, ETA) on a
//! terminal, one plain line per finished file otherwise (CI logs, pipes).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::size::human;

pub struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    done: AtomicUsize,
    saved: AtomicU64,
    quiet: bool,
    lines: Mutex<()>,
}

impl Progress {
    /// `total` files will be reported; `quiet` prints nothing at all. `slow_note` is shown
    /// before the bar starts (e.g. that AVIF encoding takes seconds per image).
    pub fn new(total: usize, quiet: bool, slow_note: Option<&str>) -> Progress {
        let on_terminal = !quiet && std::io::stderr().is_terminal();
        if let Some(note) = slow_note.filter(|_| !quiet) {
            eprintln!("{note}");
        }
        let bar = on_terminal.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            let style =
                ProgressStyle::with_template("{bar:30} {pos}/{len} files, {msg} saved, ETA {eta}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(human(0));
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        Progress {
            bar,
            total,
            done: AtomicUsize::new(0),
            saved: AtomicU64::new(0),
            quiet,
            lines: Mutex::new(()),
        }
    }

    /// One file is finished; `line` describes what happened to it.
    pub fn finished(&self, saved: u64, line: &str) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let saved = self.saved.fetch_add(saved, Ordering::Relaxed) + saved;
        match &self.bar {
            Some(bar) => {
                bar.set_message(human(saved));
                bar.inc(1);
            }
            None if !self.quiet => {
                let _serialised = self.lines.lock().unwrap_or_else(|e| e.into_inner());
                // The line names files: escaped, so a crafted name cannot forge a line (or, in
                // a CI log, a workflow command) or send terminal sequences.
                let _ = writeln!(
                    std::io::stderr(),
                    "[{done}/{}] {}",
                    self.total,
                    crate::escape::terminal(line)
                );
            }
            None => {}
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
