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
        let colour = output::escapes_allowed(std::io::stderr().is_terminal());
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
            commands::run::run(repo, args, cli.output)
        }
        Command::Apply(args) => {
            runtime::interrupt::install_handler()
                .map_err(|e| Error::Failed(format!("cannot install the Ctrl-C handler: {e}")))?;
            commands::run::apply(repo, args, cli.output)
        }
        Command::Show(args) => commands::run::show(&args, cli.output),
        Command::Check(args) => commands::inspect::check(&repo, &args.paths, cli.output),
        Command::List => commands::inspect::list(&repo, cli.output),
        Command::Describe { script } => commands::inspect::describe(&repo, &script, cli.output),
        Command::Runs { command: None } => commands::runs::list(&repo, cli.output),
        Command::Runs { command: Some(RunsCommand::Show { run_id, html: Some(file) }) } => {
            commands::runs::write_timeline(&repo, &run_id, &file)
        }
        Command::Runs { command: Some(RunsCommand::Show { run_id, html: None }) } => {
            commands::runs::show(&repo, &run_id, cli.output)
        }
        Command::Doctor { env } => commands::doctor::doctor(&repo, env.as_deref(), cli.output),
        Command::New { name } => commands::new::new_script(&repo, &name),
        Command::Affected(args) => commands::affected::run(&repo, args, cli.output),
        Command::LintTerraform(args) => commands::lint_terraform::run(&repo, args),
        Command::Completions { .. } | Command::Lsp => Ok(()),
        Command::Docs { check } => commands::docs::run(&repo, check),
    }
}

/// With `--output json`, the error as one JSON document on stdout (`auto.error/v1`) for
/// whatever reads it — unless the command's own document already told, or the run's
/// JSON-lines events did (their `run_finished` carries the exit code) — and, for a
/// person, the message on stderr as always.
pub fn report_error_as_json(error: &Error) {
    let told = matches!(error, Error::Reported { .. }) || output::stdout_has_run_finished();
    if !error.is_quiet() && !told {
        let _ = output::json_document(&error.to_json());
    }
    report_error(error);
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
