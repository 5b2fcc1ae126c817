//! Command-line definitions (clap). Only parsing here: no I/O, no policy.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  auto run onboard_customer --set env=dev --set customer=acme --dry-run
  auto run scripts/deploy_app.rhai --set env=qa --set app=hive --plan
  auto run build_images --params-json '{\"app\":\"hive\",\"push\":false}'
  auto run --resume 20261125T133000.123Z-4f2a
  auto check
  auto list
  auto describe onboard_customer
  auto runs show 20261125T133000.123Z-4f2a
  source <(auto completions bash)      # also zsh, fish: completes scripts, --set keys, run ids

Exit codes: 0 ok, 1 failed, 2 usage/bad input, 3 plan has pending changes,
            4 locked by another run, 130 interrupted.
Output:     a stdout closed by its reader (`auto list | head -1`) ends auto quietly
            with 0, as ripgrep does; a failed write (`> /dev/full`) exits 1 with one
            line on stderr. `auto run` keeps running when its stdout goes away.";

#[derive(Debug, Parser)]
#[command(name = "auto", version, about = "Run Rhai workflows that drive terraform, docker and kubectl — with a plan first.", after_help = EXAMPLES)]
pub struct Cli {
    /// Repository root (default: the nearest folder upwards with `scripts/` and `environments/`).
    #[arg(long, global = true, env = "AUTO_REPO", value_name = "DIR")]
    pub repo: Option<PathBuf>,

    /// `human`, or `json`: one JSON document on stdout with a versioned `schema`
    /// (`auto.list/v1`, …; docs/guide/json-output.md), JSON-lines events for `run` and
    /// `apply`, and for an error `{"schema": "auto.error/v1", …}` with its exit code.
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a script: `auto run onboard_customer --set env=dev --set customer=acme`.
    Run(RunArgs),
    /// Apply a reviewed plan bundle (`auto run … --plan --out FILE`): the same script and
    /// parameters, and every effect the reviewed one, or the run stops before it (exit 5).
    Apply(ApplyArgs),
    /// Show what a plan bundle would do, from the bundle alone: Markdown (what the pull
    /// request shows), or JSON with `--output json`. Changes nothing.
    Show(ShowArgs),
    /// Check scripts without running anything: what a run refuses before its first effect (syntax, imports, calls against the API reference, arguments, option keys, parameters).
    Check(CheckArgs),
    /// List the named scripts in scripts/ with their description and parameters.
    List,
    /// Show a script's documentation and parameters.
    Describe {
        /// Script name (`onboard_customer`) or path.
        script: String,
    },
    /// List recorded runs, or show one (`auto runs show <run-id>`).
    Runs {
        #[command(subcommand)]
        command: Option<RunsCommand>,
    },
    /// Check that this machine is ready: tools and versions, Docker engine, Azure login, kube context.
    Doctor {
        /// Also check the kube context and subscription of this environment.
        #[arg(long)]
        env: Option<String>,
    },
    /// Scaffold a new script in scripts/ (doc comment, params, a parallel step skeleton).
    New {
        /// Script name, e.g. `rotate_keys`.
        name: String,
    },
    /// Print the targets (images, terraform roots, scripts) a git change affects: what CI must run.
    Affected(AffectedArgs),
    /// Check all terraform code's structure: syntax, module sources, variables, outputs.
    LintTerraform(LintTerraformArgs),
    /// Print the shell code that completes auto's commands, scripts, `--set` keys and
    /// their choices, environments, customers and run ids: `source <(auto completions bash)`.
    Completions { shell: clap_complete::Shell },
    /// Serve the language server protocol over stdio for an editor: what `auto check` finds
    /// as you type, completion (module functions, option keys, `params.` names, imported
    /// functions, environment and customer names), hover documentation, signature help,
    /// go to definition. Each file is served from the repository it is in (docs/editor.md).
    Lsp,
    /// Generate docs/script-api.md and docs/auto.d.rhai from the engine.
    Docs {
        /// Exit 1 if the committed files differ from what would be generated.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Print the journal of one run, or draw it as a page.
    Show {
        /// A run id from `auto runs`, or `latest`.
        run_id: String,

        /// Write the run's timeline to FILE instead: one self-contained HTML page (nothing
        /// loaded from anywhere) with a lane per scope, every step and the tools it ran,
        /// waits, failures and the critical path.
        #[arg(long, value_name = "FILE")]
        html: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Script name (`onboard_customer` → scripts/onboard_customer.rhai) or path.
    #[arg(required_unless_present = "resume")]
    pub script: Option<String>,

    /// Set a parameter (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    pub sets: Vec<(String, String)>,

    /// Parameters as a JSON object (what CI matrices pass).
    #[arg(long, value_name = "JSON")]
    pub params_json: Option<String>,

    /// Run nothing: record every effect and print the plan. Needs no tools or credentials.
    #[arg(long, conflicts_with = "plan")]
    pub dry_run: bool,

    /// Run read-only effects for real (terraform plan, kubectl diff), record writes; exit 3 if changes are pending.
    #[arg(long)]
    pub plan: bool,

    /// Answer yes to every `confirm(...)` of the script (a run without a terminal fails at the
    /// first one otherwise). Destroys are not confirms: see --allow-destroy.
    #[arg(long)]
    pub yes: bool,

    /// Let terraform applies destroy or replace resources without asking. Resources of a
    /// type that holds data (`[terraform] protected_types` in env.toml) still go only when
    /// the call names them (`allow_destroy: ["<address>"]`).
    #[arg(long)]
    pub allow_destroy: bool,

    /// With --plan: also write a plan bundle to FILE — the script, its parameters and every
    /// reviewed effect with each terraform root's saved plan — for `auto apply FILE`.
    /// Encrypted with the passphrase in AUTO_PLAN_KEY (without it: 0600, and a warning).
    #[arg(long, value_name = "FILE", requires = "plan")]
    pub out: Option<PathBuf>,

    /// Also write the plan as Markdown to FILE (for a pull-request comment): the roots
    /// with their counts, each root's changes folded, destroys and replaces first.
    #[arg(long, value_name = "FILE")]
    pub plan_md: Option<PathBuf>,

    /// Also write every event as JSON lines (the `--output json` schema) to FILE, while the
    /// terminal or log shows the human view: what CI uploads.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// More output (-v: commands and tool output).
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only warnings, failures and the final result.
    #[arg(short, long)]
    pub quiet: bool,

    /// Resume an earlier run: same script and parameters, completed steps skipped.
    #[arg(long, value_name = "RUN_ID", conflicts_with_all = ["sets", "params_json"])]
    pub resume: Option<String>,

    /// Operations limit for the script (runaway-loop guard; at least 1, there is no
    /// unlimited).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_operations: Option<u64>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Scripts or folders to check (default: every script under scripts/).
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The plan bundle (AUTO_PLAN_KEY opens an encrypted one). Markdown, or with
    /// `--output json` the bundle's effects (`auto.plan-show/v1`).
    pub bundle: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    /// The plan bundle `auto run … --plan --out FILE` wrote (AUTO_PLAN_KEY opens an
    /// encrypted one).
    pub bundle: PathBuf,

    /// Answer yes to every `confirm(...)` of the script.
    #[arg(long)]
    pub yes: bool,

    /// Let terraform applies destroy or replace resources without asking (resources of a
    /// protected type still only when the call names them).
    #[arg(long)]
    pub allow_destroy: bool,

    /// Also write every event as JSON lines to FILE.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,

    /// More output (-v: commands and tool output).
    #[arg(short, long, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only warnings, failures and the final result.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

fn parse_key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not KEY=VALUE")),
    }
}

#[derive(Debug, Args)]
pub struct AffectedArgs {
    /// Commit to compare from [default: merge-base of HEAD with origin/<default-branch>; `HEAD^` on the default branch].
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,

    /// Commit to compare to; read from git, so it need not be checked out [default: HEAD].
    #[arg(long, value_name = "REF")]
    pub head: Option<String>,

    /// `list`: one target per line; `json`: everything; `github-matrix`: `{"include":[…]}` for one `--kind`.
    #[arg(long, value_enum, default_value_t = AffectedFormat::List)]
    pub format: AffectedFormat,

    /// Which targets to print.
    #[arg(long, value_enum, default_value_t = AffectedKind::All)]
    pub kind: AffectedKind,

    /// Explain every target: the changed file and the module chain that reaches it.
    #[arg(long)]
    pub why: bool,

    /// Also count staged, unstaged and untracked files.
    #[arg(long)]
    pub include_uncommitted: bool,

    /// Branch the default base is computed against (`main` → `origin/main`; `remote/branch` as given).
    #[arg(long, env = "AUTO_DEFAULT_BRANCH", default_value = "main", value_name = "BRANCH")]
    pub default_branch: String,

    /// Folder keeping the module graph between runs, so a run re-reads only the terraform folders changed since [default: <git dir>/auto/affected-graph]; `off` reads every folder each time.
    #[arg(long, env = "AUTO_GRAPH_INDEX", value_name = "DIR|off")]
    pub graph_index: Option<std::path::PathBuf>,

    /// Keep head's module graph in the index even when it came cheaply from an older one or no module changed (the run on the default branch, so that pull requests start from it).
    #[arg(long)]
    pub save_graph_index: bool,

    /// Ask git processes only, never read the object database in-process (slower; for a repository format the in-process reader does not know).
    #[arg(long)]
    pub git_processes: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AffectedFormat {
    List,
    Json,
    GithubMatrix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AffectedKind {
    Image,
    Root,
    Script,
    All,
}

#[derive(Debug, Args)]
pub struct LintTerraformArgs {
    /// Folders or files to check [default: infra/, apps/*/kubernetes, environments/].
    pub paths: Vec<PathBuf>,
}
