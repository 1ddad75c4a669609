//! `crimescope completions` and `crimescope man`: shell completion scripts
//! ([clap_complete](https://docs.rs/clap_complete)) and man pages
//! ([clap_mangen](https://docs.rs/clap_mangen)), both from the command definitions that
//! give `--help`, so they cannot drift from it.

use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::CliError;

/// The options of `crimescope completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, powershell or elvish.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// The options of `crimescope man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The folder to write the pages to (created if missing). Without it, crimescope.1
    /// is printed to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `crimescope completions SHELL`: the script on stdout.
pub fn completions(args: &CompletionsArgs) -> Result<(), CliError> {
    let mut command = Cli::command();
    clap_complete::generate(args.shell, &mut command, "crimescope", &mut std::io::stdout());
    Ok(())
}

/// `crimescope man [--out DIR]`.
pub fn man(args: &ManArgs) -> Result<(), CliError> {
    let command = Cli::command();
    match &args.out {
        None => clap_mangen::Man::new(command)
            .render(&mut std::io::stdout())
            .map_err(CliError::io),
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| CliError::user(format!("cannot create {}: {e}", dir.display())).with_hint("--out"))?;
            let pages = write_pages(&command, dir)?;
            crate::terminal::info(&format!("wrote {pages} man pages to {}", dir.display()));
            Ok(())
        }
    }
}

/// The page of `command` as `<name>.1` in `dir`, then one per subcommand, named
/// `<name>-<sub>.1` (so `crimescope-query-run.1`); returns how many were written.
fn write_pages(command: &clap::Command, dir: &Path) -> Result<usize, CliError> {
    let name = command.get_name().to_string();
    let path = dir.join(format!("{name}.1"));
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .map_err(CliError::io)?;
    std::fs::write(&path, page)
        .map_err(|e| CliError::user(format!("cannot write {}: {e}", path.display())).with_hint("--out"))?;
    let mut written = 1;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        let sub = sub.clone().name(format!("{name}-{}", sub.get_name()));
        written += write_pages(&sub, dir)?;
    }
    Ok(written)
}
