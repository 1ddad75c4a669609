//! `crimescope`: the command-line tool. Each command is a thin layer over the library.
//!
//! Exit codes: 0 success, 1 a user error (the message names the file, line, field or
//! flag), 2 an internal error (a bug; please report it).

mod assess;
mod cli;
mod cluster;
mod csv_text;
mod demo;
mod error;
mod generate;
mod hotspots;
mod ingest;
mod options;
mod output;
mod progress;
mod query;
mod reference;
mod repeats;
mod shell;
mod signals;
mod store;
mod terminal;
mod trend;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{BoundariesAction, Cli, Command, PopulationAction, QueryAction};
use crate::error::CliError;

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        eprintln!("internal error: {info}\nThis is a bug in crimescope; please report it with the command you ran.");
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version print and succeed; a usage mistake is the user's (exit 1).
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    terminal::init(cli.color, cli.quiet);
    match std::panic::catch_unwind(|| run(cli)) {
        Ok(Ok(())) => ExitCode::SUCCESS,
        Ok(Err(e)) => {
            terminal::error(&e.message);
            ExitCode::from(e.exit_code() as u8)
        }
        Err(_) => ExitCode::from(2),
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    fault_injection::check()?;
    // The commands that write stop cleanly on Ctrl-C and SIGTERM; the others only
    // read, and keep the default action (end at once).
    let writes = matches!(
        cli.command,
        Command::Assess(_)
            | Command::Ingest(_)
            | Command::Compact(_)
            | Command::Boundaries {
                action: BoundariesAction::Add(_)
            }
    );
    if writes {
        signals::install()?;
    }
    match cli.command {
        Command::Assess(args) => block_on(assess::assess_command(args)),
        Command::Ingest(args) => ingest::ingest(&args),
        Command::Profiles => ingest::profiles(),
        Command::Boundaries {
            action: BoundariesAction::Add(args),
        } => reference::boundaries_add(&args),
        Command::Boundaries {
            action: BoundariesAction::Lookup(args),
        } => reference::boundaries_lookup(&args),
        Command::Generate(args) => generate::generate(&args),
        Command::Compact(args) => store::compact(&args),
        Command::Verify(args) => verify::verify(&args),
        Command::Info(args) => block_on(store::info(&args)),
        Command::Trend(args) => block_on(trend::trend(&args)),
        Command::Hotspots(args) => block_on(hotspots::hotspots(&args)),
        Command::Repeats(args) => block_on(repeats::repeats(&args)),
        Command::NearRepeat(args) => block_on(repeats::near_repeat(&args)),
        Command::Reoffending(args) => block_on(repeats::reoffending(&args)),
        Command::Query {
            action: QueryAction::List(args),
        } => query::list(&args),
        Command::Query {
            action: QueryAction::Run(args),
        } => block_on(query::run(&args)),
        Command::Population {
            action: PopulationAction::Add(args),
        } => reference::population_add(&args),
        Command::Sql(args) => block_on(store::sql(&args)),
        Command::Scheduler(args) => cluster::block_on_server(cluster::scheduler(args)),
        Command::Executor(args) => cluster::block_on_server(cluster::executor(args)),
        Command::Completions(args) => shell::completions(&args),
        Command::Man(args) => shell::man(&args),
    }
}

/// Run a future on a multi-threaded tokio runtime with 32 MB worker stacks: plans sent
/// to a cluster are encoded recursively, and the trend queries' are deep. File reads run
/// on at most [`crimescope_engine::blocking_threads`] blocking threads. Tasks still
/// running when it ends (an assessment stopped by Ctrl-C) get 200 ms, not a wait.
pub fn block_on<F: Future<Output = Result<(), CliError>>>(future: F) -> Result<(), CliError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 * 1024 * 1024)
        .max_blocking_threads(crimescope_engine::blocking_threads())
        .build()
        .map_err(|e| CliError::internal(format!("cannot start the async runtime: {e}")))?;
    let result = runtime.block_on(future);
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    result
}

/// Debug builds only: `CRIMESCOPE_INJECT_FAULT=internal` makes the command fail as a
/// bug would, and `=panic` makes it panic, so the tests can check that defects are
/// reported once and exit 2. Release builds ignore the variable.
mod fault_injection {
    use crate::error::CliError;

    #[cfg(debug_assertions)]
    pub fn check() -> Result<(), CliError> {
        match std::env::var("CRIMESCOPE_INJECT_FAULT").as_deref() {
            Ok("internal") => Err(CliError::internal("injected internal fault (CRIMESCOPE_INJECT_FAULT)")),
            Ok("panic") => panic!("injected panic (CRIMESCOPE_INJECT_FAULT)"),
            _ => Ok(()),
        }
    }

    #[cfg(not(debug_assertions))]
    pub fn check() -> Result<(), CliError> {
        Ok(())
    }
}
