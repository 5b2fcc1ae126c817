use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // `COMPLETE=bash auto -- …` (what the shell code of `auto completions` calls): answer
    // the completion and exit, before anything else is printed.
    clap_complete::CompleteEnv::with_factory(auto::commands::complete::command).complete();
    auto::init_logging();
    // Not `parse()`: clap would print help and usage itself, ignoring a failed write.
    let cli = match auto::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(clap_error) => return auto::output::clap(&clap_error),
    };
    match auto::run(cli) {
        // The work was done, but what it reported was lost (a full disk): not a success.
        Ok(()) if auto::output::report_failure().is_some() => {
            let why = auto::output::report_failure().unwrap_or_default();
            auto::output::stderr(format_args!("error: cannot write the run's report: {why}\n"));
            ExitCode::from(1)
        }
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            auto::report_error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}
