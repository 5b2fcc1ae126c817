//! `auto lint-terraform`: the structural terraform check, one problem per line.

use std::path::PathBuf;

use crate::cli::LintTerraformArgs;
use crate::error::Error;
use crate::repo::Repo;
use crate::terraform_lint;

pub fn run(repo: &Repo, args: LintTerraformArgs) -> Result<(), Error> {
    let targets: Vec<PathBuf> = if args.paths.is_empty() {
        terraform_lint::default_targets(repo.root())
    } else {
        let cwd = std::env::current_dir().map_err(|e| Error::Failed(format!("cannot read the current folder: {e}")))?;
        let mut targets = Vec::new();
        for path in &args.paths {
            // Paths are typed relative to where the user stands, like `auto check`.
            let absolute = cwd.join(path);
            if !absolute.exists() {
                return Err(Error::Io { path: path.clone(), message: "no such file or folder".into() });
            }
            targets.push(absolute);
        }
        targets
    };
    let report = terraform_lint::lint(repo.root(), &targets);
    for problem in &report.problems {
        crate::outln!("{problem}")?;
    }
    crate::outln!("{}", report.summary())?;
    if report.problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Failed(format!("{} problem(s) in terraform code: see the lines above", report.problems.len())))
    }
}
