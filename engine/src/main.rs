use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    auto::init_logging();
    match auto::run(auto::cli::Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            auto::report_error(&error);
            ExitCode::from(error.exit_code())
        }
    }
}
