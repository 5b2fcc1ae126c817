use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    auto::init_logging();
    // Not `parse()`: clap would print help and usage itself, ignoring a failed write.
    let cli = match auto::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(clap_error) => return auto::output::clap(&clap_error),
    };
    match auto::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            auto::report_error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}
