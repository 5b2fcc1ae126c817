//! `auto affected`: which images, roots and scripts a change needs CI to run.

use crate::affected::output::{self, Explain, Kind, MatrixKind, Rendering};
use crate::affected::{self, GitReader, GraphIndex, Request, Uncommitted};
use crate::cli::{AffectedArgs, AffectedFormat, AffectedKind, OutputFormat};
use crate::error::Error;
use crate::process::SystemRunner;
use crate::repo::Repo;

pub fn run(repo: &Repo, args: AffectedArgs, output: OutputFormat) -> Result<(), Error> {
    // `--output json` is `--format json` (the one JSON form), as for every command.
    let format = if output == OutputFormat::Json { AffectedFormat::Json } else { args.format };
    let rendering = rendering(format, args.kind)?;
    let request = Request {
        base: args.base,
        head: args.head,
        default_branch: args.default_branch,
        uncommitted: if args.include_uncommitted { Uncommitted::Include } else { Uncommitted::Exclude },
        graph_index: match args.graph_index {
            None => GraphIndex::InGitDir,
            Some(dir) if dir.as_os_str() == "off" => GraphIndex::Off,
            Some(dir) => GraphIndex::At(dir),
        },
        save_graph_index: args.save_graph_index,
        git_reader: if args.git_processes { GitReader::Processes } else { GitReader::InProcessFirst },
    };
    // git only reads here, and has no dry-run: the system runner is the only one that fits.
    let reader = affected::InProcessReader::open(repo.root(), &request);
    let affected = affected::detect_using(&reader, repo.root(), &SystemRunner, &request).map_err(|error| {
        if error.is_usage() {
            Error::Usage(error.to_string())
        } else {
            Error::Failed(error.to_string())
        }
    })?;
    let rendered = output::render(&affected, rendering, if args.why { Explain::Why } else { Explain::Targets });
    let printed = crate::out!("{}", rendered.stdout);
    crate::output::stderr(format_args!("{}", rendered.stderr));
    crate::errln!("{}", output::summary(&affected));
    // The process ends next: its exit returns this memory at once, where dropping it would
    // free thousands of allocations and unmap the packs one by one (a tenth of the run
    // when a module used by thousands of roots changed).
    std::mem::forget((reader, affected, rendered));
    Ok(printed?)
}

fn rendering(format: AffectedFormat, kind: AffectedKind) -> Result<Rendering, Error> {
    let kind = match kind {
        AffectedKind::Image => Kind::Image,
        AffectedKind::Root => Kind::Root,
        AffectedKind::Script => Kind::Script,
        AffectedKind::All => Kind::All,
    };
    Ok(match format {
        AffectedFormat::List => Rendering::List(kind),
        AffectedFormat::Json => Rendering::Json(kind),
        AffectedFormat::GithubMatrix => Rendering::GithubMatrix(match kind {
            Kind::Image => MatrixKind::Image,
            Kind::Root => MatrixKind::Root,
            Kind::Script => MatrixKind::Script,
            Kind::All => {
                return Err(Error::Usage(
                    "`--format github-matrix` needs `--kind image`, `--kind root` or `--kind script`: a matrix holds one kind of job".into(),
                ))
            }
        }),
    })
}
