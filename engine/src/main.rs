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
        Err(clap_error) => {
            let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
            if clap_error.use_stderr() && auto::output::json_requested(&args) {
                let error = auto::Error::Usage(clap_error.render().to_string().trim_end().to_string());
                let _ = auto::output::json_document(&error.to_json());
            }
            return auto::output::clap(&clap_error);
        }
    };
    let json = cli.output == auto::cli::OutputFormat::Json;
    match auto::run(cli) {
        // The work was done, but what it reported was lost (a full disk): not a success.
        Ok(()) if auto::output::report_failure().is_some() => {
            let why = auto::output::report_failure().unwrap_or_default();
            auto::output::stderr(format_args!("error: cannot write the run's report: {why}\n"));
            ExitCode::from(1)
        }
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if json => {
            auto::report_error_as_json(&error);
            ExitCode::from(error.exit_code())
        }
        Err(error) => {
            auto::report_error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}
