//! Progress bars on a TTY only (indicatif draws to stderr and hides itself when it is not a terminal).

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use seawall_scan::Progress;

/// A layer progress bar.
pub(crate) struct Bar {
    bar: ProgressBar,
}

impl Bar {
    pub(crate) fn new(quiet: bool) -> Self {
        let target = if quiet { ProgressDrawTarget::hidden() } else { ProgressDrawTarget::stderr() };
        let bar = ProgressBar::with_draw_target(None, target);
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} layers") {
            bar.set_style(style.progress_chars("=> "));
        }
        Bar { bar }
    }
}

impl Progress for Bar {
    fn start(&self, layers: usize, _bytes: u64) {
        self.bar.set_length(layers as u64);
    }
    fn layer_done(&self, _index: u32, _bytes: u64, _cached: bool) {
        self.bar.inc(1);
    }
    fn phase(&self, name: &str) {
        self.bar.set_message(name.to_string());
    }
    fn download(&self, done: u64, total: u64) {
        let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
        if total > 0 {
            self.bar.set_message(format!(
                "fetching vulnerability database {:.1}/{:.1} MiB",
                mib(done),
                mib(total)
            ));
        } else {
            self.bar.set_message(format!("fetching vulnerability database {:.1} MiB", mib(done)));
        }
        self.bar.tick();
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
