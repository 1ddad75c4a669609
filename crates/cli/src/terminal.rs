//! How the tool talks on stderr: colour (`--color auto|always|never`, honouring
//! `NO_COLOR`) and `--quiet`, set once from the command line.
//!
//! Results go to stdout whatever these say; errors always go to stderr. `--quiet` drops
//! everything else on stderr: progress bars, notes and the lines that say what is being
//! done.

use std::io::IsTerminal;
use std::sync::OnceLock;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when stderr is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// The settings of this run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Terminal {
    /// Whether "error:" and "note:" are coloured.
    pub color: bool,
    /// Whether only results and errors are printed.
    pub quiet: bool,
}

static TERMINAL: OnceLock<Terminal> = OnceLock::new();

/// Whether to colour, from the choice, whether stderr is a terminal and `NO_COLOR`
/// (<https://no-color.org>: present and not empty means no colour).
pub fn use_color(choice: ColorChoice, stderr_is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stderr_is_terminal && no_color.is_none_or(|v| v.is_empty()),
    }
}

/// Set this run's settings (the first call wins).
pub fn init(choice: ColorChoice, quiet: bool) {
    let no_color = std::env::var_os("NO_COLOR");
    let color = use_color(choice, std::io::stderr().is_terminal(), no_color.as_deref());
    let _ = TERMINAL.set(Terminal { color, quiet });
}

/// This run's settings (defaults before [`init`]).
pub fn get() -> Terminal {
    TERMINAL.get().copied().unwrap_or_default()
}

/// Whether progress bars and spinners may be drawn: not `--quiet`, and stderr is a
/// terminal.
pub fn progress_visible() -> bool {
    !get().quiet && std::io::stderr().is_terminal()
}

/// A caveat about the results ("note: …"), unless `--quiet`.
pub fn note(text: &str) {
    if !get().quiet {
        eprintln!("{} {text}", paint("note:", "33"));
    }
}

/// A line saying what was done ("wrote …"), unless `--quiet`.
pub fn info(text: &str) {
    if !get().quiet {
        eprintln!("{text}");
    }
}

/// The error line, always.
pub fn error(text: &str) {
    eprintln!("{} {text}", paint("error:", "1;31"));
}

/// `text` in the SGR colour `code` when colour is on.
fn paint(text: &str, code: &str) -> String {
    if get().color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_the_choice_decide() {
        use std::ffi::OsStr;
        assert!(use_color(ColorChoice::Auto, true, None));
        assert!(
            use_color(ColorChoice::Auto, true, Some(OsStr::new(""))),
            "an empty NO_COLOR is unset"
        );
        assert!(!use_color(ColorChoice::Auto, true, Some(OsStr::new("1"))));
        assert!(!use_color(ColorChoice::Auto, false, None), "not a terminal");
        assert!(use_color(ColorChoice::Always, false, Some(OsStr::new("1"))));
        assert!(!use_color(ColorChoice::Never, true, None));
    }
}
