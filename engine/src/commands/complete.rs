//! Dynamic shell completions (clap_complete's engine, `COMPLETE=bash auto`): what each
//! argument can be in the repository the shell is in — script names, the `--set` keys of
//! the script on the command line with their `choices`, environment and customer names,
//! run ids. Each completer finds the repository as `auto` does and answers nothing when
//! there is none; it never fails (a completion has no one to tell).

use std::ffi::OsStr;

use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};

use crate::repo::Repo;
use crate::script;

/// The command line with its completers attached (`cli.rs` stays parsing only): what
/// `CompleteEnv` completes against.
pub fn command() -> clap::Command {
    <crate::cli::Cli as clap::CommandFactory>::command()
        .mut_subcommand("run", |run| {
            run.mut_arg("script", |a| a.add(ArgValueCompleter::new(scripts)))
                .mut_arg("sets", |a| a.add(ArgValueCompleter::new(set_pairs)))
                .mut_arg("resume", |a| a.add(ArgValueCompleter::new(run_ids)))
        })
        .mut_subcommand("doctor", |doctor| doctor.mut_arg("env", |a| a.add(ArgValueCompleter::new(environments))))
        .mut_subcommand("runs", |runs| {
            runs.mut_subcommand("show", |show| show.mut_arg("run_id", |a| a.add(ArgValueCompleter::new(run_ids))))
        })
}

fn repo() -> Option<Repo> {
    match std::env::var_os("AUTO_REPO") {
        Some(dir) => Repo::at(std::path::Path::new(&dir)).ok(),
        None => Repo::discover(&std::env::current_dir().ok()?).ok(),
    }
}

fn matching(current: &OsStr, candidates: impl IntoIterator<Item = (String, String)>) -> Vec<CompletionCandidate> {
    let current = current.to_string_lossy();
    candidates
        .into_iter()
        .filter(|(value, _)| value.starts_with(current.as_ref()))
        .map(|(value, help)| {
            let candidate = CompletionCandidate::new(value);
            if help.is_empty() {
                candidate
            } else {
                candidate.help(Some(help.into()))
            }
        })
        .collect()
}

/// `auto run <TAB>`: the scripts, with their summary line.
pub fn scripts(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(repo) = repo() else { return Vec::new() };
    matching(current, script::list_scripts(&repo).into_iter().map(|s| (s.name.clone(), s.summary())))
}

/// `--env <TAB>`.
pub fn environments(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(repo) = repo() else { return Vec::new() };
    matching(current, repo.environment_names().into_iter().map(|e| (e, String::new())))
}

/// `auto runs show <TAB>`, `--resume <TAB>`: the recorded runs, newest first, and `latest`.
pub fn run_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(repo) = repo() else { return Vec::new() };
    let mut runs: Vec<(String, String)> = crate::runtime::journal::list_runs(&repo.root().join(".auto"))
        .into_iter()
        .map(|(id, records)| {
            let script = match records.ok().and_then(|r| r.into_iter().next()) {
                Some(crate::runtime::journal::Record::RunStarted { script, .. }) => script,
                _ => String::new(),
            };
            (id, script)
        })
        .collect();
    runs.push(("latest".into(), "the newest run".into()));
    matching(current, runs)
}

/// `--set <TAB>`: `key=` for each parameter of the script on the command line; after
/// `key=`, its `choices`, or the environments for `env` and the customers of the `env`
/// already set for `customer`.
pub fn set_pairs(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(repo) = repo() else { return Vec::new() };
    let words: Vec<String> = std::env::args().skip_while(|a| a != "--").skip(1).collect();
    let Some(name) = script_in(&words) else { return Vec::new() };
    let Ok(file) = script::ScriptFile::locate(&repo, &name) else { return Vec::new() };
    let Ok(specs) = super::inspect::inspect(&repo, &file) else { return Vec::new() };
    let text = current.to_string_lossy();
    let Some((key, _)) = text.split_once('=') else {
        return matching(current, specs.iter().map(|s| (format!("{}=", s.name), s.help.clone())));
    };
    let Some(spec) = specs.iter().find(|s| s.name == key) else { return Vec::new() };
    let values: Vec<String> = if !spec.choices.is_empty() {
        spec.choices
            .iter()
            .map(|c| match c {
                crate::runtime::data::Data::Str(text) => text.clone(),
                other => other.to_string(),
            })
            .collect()
    } else if key == "env" {
        repo.environment_names()
    } else if key == "customer" {
        let env = set_value(&words, "env");
        env.and_then(|env| repo.customer_ids(&env).ok()).unwrap_or_default()
    } else {
        Vec::new()
    };
    matching(current, values.into_iter().map(|v| (format!("{key}={v}"), String::new())))
}

/// The script of `auto run SCRIPT …` on the command line being completed.
fn script_in(words: &[String]) -> Option<String> {
    let run = words.iter().position(|w| w == "run")?;
    let mut rest = words[run + 1..].iter();
    while let Some(word) = rest.next() {
        match word.as_str() {
            "--set" | "--params-json" | "--out" | "--plan-md" | "--events" | "--output" | "--max-operations" => {
                rest.next();
            }
            flag if flag.starts_with('-') => {}
            script => return Some(script.to_string()),
        }
    }
    None
}

/// The value of `--set key=value` already on the command line.
fn set_value(words: &[String], key: &str) -> Option<String> {
    words.windows(2).rev().find_map(|pair| match (pair[0].as_str(), pair[1].split_once('=')) {
        ("--set", Some((k, v))) if k == key => Some(v.to_string()),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_and_set_values_are_found_on_the_command_line() {
        let words: Vec<String> =
            ["auto", "run", "--plan", "--set", "env=dev", "onboard_customer", "--set"].map(String::from).to_vec();
        assert_eq!(script_in(&words).as_deref(), Some("onboard_customer"));
        assert_eq!(set_value(&words, "env").as_deref(), Some("dev"));
        assert_eq!(script_in(&["auto".to_string(), "run".to_string()]), None);
    }
}
