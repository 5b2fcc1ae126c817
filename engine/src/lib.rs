//! `auto`: a Rhai host that runs platform workflows (terraform, docker, kubectl,
//! templates) with a plan first, journaled steps, locks and secrets that never leak.
//! See ARCHITECTURE.md for the map.
// Commands print through `output` (a closed or full stdout must not panic).
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod affected;
pub mod bundle;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod duration;
pub mod effect;
pub mod error;
pub mod failure;
pub mod hcl_deadline;
pub mod lsp;
pub mod memory;
pub mod output;
pub mod primitives;
pub mod process;
pub mod repo;
pub mod report;
pub mod run;
pub mod runtime;
pub mod script;
pub mod secret;
pub mod suggest;
pub mod terraform_lint;

use cli::{Cli, Command, RunsCommand};
pub use error::Error;
use repo::Repo;

/// Diagnostics for whoever asks, on stderr: `AUTO_LOG=debug` (any `tracing` filter) shows
/// choices made quietly, such as which git reader answered `auto affected` and whether its
/// module-graph index was used. Unset, nothing is set up (no cost at start-up).
pub fn init_logging() {
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("AUTO_LOG") {
        use std::io::IsTerminal;
        let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(colour)
            .with_target(false)
            .init();
    }
}

pub fn run(cli: Cli) -> Result<(), Error> {
    if let Command::Completions { shell } = cli.command {
        // The shell code that asks `COMPLETE=<shell> auto -- <words>` for candidates (the
        // dynamic engine: scripts, parameters and run ids of the repository at hand).
        let name = shell.to_string();
        let shells = clap_complete::env::Shells::builtins();
        let completer = shells.completer(&name).ok_or_else(|| {
            Error::Usage(format!("no dynamic completions for {name}: use bash, zsh, fish, elvish or powershell"))
        })?;
        let mut script = Vec::new();
        completer
            .write_registration("COMPLETE", "auto", "auto", "auto", &mut script)
            .map_err(|e| Error::Failed(e.to_string()))?;
        return Ok(output::stdout_bytes(&script)?);
    }
    if let Command::Lsp = cli.command {
        // Each document is served from the repository it is in: none is needed here.
        return commands::lsp::run(cli.repo.as_deref().map(Repo::at).transpose()?);
    }
    let repo = match &cli.repo {
        Some(dir) => Repo::at(dir)?,
        None => Repo::discover(&std::env::current_dir().map_err(|e| Error::Failed(e.to_string()))?)?,
    };
    match cli.command {
        Command::Run(args) => {
            runtime::interrupt::install_handler()
                .map_err(|e| Error::Failed(format!("cannot install the Ctrl-C handler: {e}")))?;
            commands::run::run(repo, args)
        }
        Command::Apply(args) => {
            runtime::interrupt::install_handler()
                .map_err(|e| Error::Failed(format!("cannot install the Ctrl-C handler: {e}")))?;
            commands::run::apply(repo, args)
        }
        Command::Show(args) => commands::run::show(&args),
        Command::Check(args) => commands::inspect::check(&repo, &args.paths),
        Command::List => commands::inspect::list(&repo),
        Command::Describe { script } => commands::inspect::describe(&repo, &script),
        Command::Runs { command: None } => commands::runs::list(&repo),
        Command::Runs { command: Some(RunsCommand::Show { run_id }) } => commands::runs::show(&repo, &run_id),
        Command::Doctor { env } => commands::doctor::doctor(&repo, env.as_deref()),
        Command::New { name } => commands::new::new_script(&repo, &name),
        Command::Affected(args) => commands::affected::run(&repo, args),
        Command::LintTerraform(args) => commands::lint_terraform::run(&repo, args),
        Command::Completions { .. } | Command::Lsp => Ok(()),
        Command::Docs { check } => commands::docs::run(&repo, check),
    }
}

/// Prints the error once, at the top. Script diagnostics already start with `error:`.
pub fn report_error(error: &Error) {
    if error.is_quiet() {
        return;
    }
    let text = secret::redact(&error.to_string());
    if text.starts_with("error:") {
        errln!("{text}");
    } else {
        errln!("error: {text}");
    }
}
