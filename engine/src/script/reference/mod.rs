//! The script API reference (docs/script-api.md) and the editor definitions
//! (docs/auto.d.rhai), generated from three sources that each say one thing once:
//!
//! - the engine a run builds: which functions exist, their overloads and (for global
//!   functions) their types ([`api`]);
//! - the Markdown beside each binding (`script/bindings/terraform.md` beside
//!   `terraform.rs`): what the functions do, their results, errors and examples
//!   ([`source`]);
//! - the option structs the bindings deserialise option maps into: each field's doc
//!   comment, key, type and default make the function's option table ([`options`]).
//!
//! [`generate`] joins them and lists every way they disagree: a function without an entry
//! or an entry without a function, a documented type the registration contradicts, an
//! option key the struct accepts that the table does not show, an example passing a key
//! the struct rejects, a link to no heading. `auto docs --check` (commands/docs.rs) fails
//! on any of them and on committed files that differ from what would be generated.

pub mod api;
pub mod definitions;
pub mod markdown;
pub mod options;
pub mod source;

use rhai::Engine;

pub use markdown::anchor;
pub use source::{Section, WithOptions};

use api::{signatures, Api};
use source::OPTIONS_MARKER;

pub const REFERENCE: &str = "docs/script-api.md";
pub const DEFINITIONS: &str = "docs/auto.d.rhai";
/// What the reference is generated from, for messages and the generated files' headers.
pub const SOURCES: &str = "engine/src/script/bindings/*.md and the option structs";

pub struct Generated {
    pub reference: String,
    pub definitions: String,
}

/// Both files, or every way the engine, the Markdown and the option structs disagree.
pub fn generate(engine: &Engine, sections: &[Section]) -> Result<Generated, Vec<String>> {
    let api = Api::of(engine).map_err(|e| vec![e])?;
    let mut problems: Vec<String> = sections.iter().flat_map(|s| s.problems.iter().cloned()).collect();
    problems.extend(api.problems(sections));
    problems.extend(option_problems(sections));
    if !problems.is_empty() {
        return Err(problems);
    }
    let reference = markdown::reference(engine, &api, sections);
    let broken = markdown::broken_links(&reference);
    if !broken.is_empty() {
        return Err(broken);
    }
    Ok(Generated { reference, definitions: definitions::definitions(engine, &api, sections) })
}

/// Every way the engine, the Markdown and the option structs disagree (empty when all is
/// well).
pub fn problems(engine: &Engine, sections: &[Section]) -> Vec<String> {
    match generate(engine, sections) {
        Ok(_) => Vec::new(),
        Err(problems) => problems,
    }
}

/// Option tables ⇄ signatures ⇄ structs ⇄ examples.
pub fn option_problems(sections: &[Section]) -> Vec<String> {
    let mut out = Vec::new();
    let functions: Vec<_> = sections.iter().flat_map(|s| s.functions.iter().map(move |f| (s.file, f))).collect();
    for (file, f) in &functions {
        let takes_options = signatures(f).iter().any(|s| s.options_index().is_some());
        let markers = f.doc.matches(OPTIONS_MARKER).count();
        match &f.options {
            Some(options) => {
                out.extend(options.problems(&f.name));
                if !takes_options {
                    out.push(format!(
                        "`{}` is given the options {}, but none of its signatures in {file} takes `options: map`",
                        f.name, options.rust
                    ));
                }
                if markers != 1 {
                    out.push(format!(
                        "{file}: the doc of `{}` must have one `{OPTIONS_MARKER}` line where its option table goes, not {markers}",
                        f.name
                    ));
                }
            }
            None if takes_options => out.push(format!(
                "`{}` takes `options: map` but no option struct is given for it (`.options::<T>(\"{}\")` in engine/src/script/bindings/mod.rs)",
                f.name, f.name
            )),
            None if markers > 0 => {
                out.push(format!("{file}: the doc of `{}` marks an option table but it has no options", f.name))
            }
            None => {}
        }
    }

    // Examples: an option map passed to a documented function names only keys its struct accepts.
    let options_of = |name: &str, arity: usize| {
        let (_, f) = functions.iter().find(|(_, f)| f.name == name)?;
        let index = signatures(f).into_iter().find(|s| s.params.len() == arity)?.options_index()?;
        Some((index, f.options.as_ref()?))
    };
    let mut texts: Vec<(String, &str)> = vec![("the script environment".to_string(), markdown::ENVIRONMENT)];
    for section in sections {
        texts.push((format!("{}: the section text", section.file), &section.doc));
        texts.extend(section.functions.iter().map(|f| (format!("{}: `{}`", section.file, f.name), f.doc.as_str())));
        texts.extend(section.types.iter().map(|t| (format!("{}: type `{}`", section.file, t.name), t.doc.as_str())));
    }
    for (place, text) in texts {
        out.extend(options::example_problems(&place, text, &options_of));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The options of a made-up `tool::run`: `label` is accepted but nowhere documented.
    #[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct ToolOptions {
        /// What to call it.
        #[serde(alias = "label")]
        name: Option<String>,
    }

    const TOOL: &str = "# `tool::`\n\nTools.\n\n## `tool::run`\n\n```rhai\ntool::run(x: string, options: map) -> ()\n```\n\nRuns.\n\n<!-- options -->\n\n```rhai\ntool::run(\"a\", #{ name: \"b\" });\ntool::run(\"a\", #{ nmae: \"b\" });\n```\n\n## `tool::other`\n\n```rhai\ntool::other(options: map) -> ()\n```\n\nOther.\n\n```rhai\ntool::other(#{});\n```\n\n## `tool::plain`\n\n```rhai\ntool::plain() -> ()\n```\n\nPlain.\n\n```rhai\ntool::plain();\n```\n";

    #[test]
    fn option_tables_and_examples_are_checked_against_the_structs() {
        let sections = Section::parse("tool.md", TOOL)
            .options::<ToolOptions>("tool::run")
            .options::<ToolOptions>("tool::plain")
            .options::<ToolOptions>("tool::missing");
        let mut problems: Vec<String> = sections.iter().flat_map(|s| s.problems.clone()).collect();
        problems.extend(option_problems(&sections));
        expect_test::expect![[r#"
            [
                "options `script::reference::tests::ToolOptions` are given for `tool::missing`, which tool.md does not document",
                "`tool::run`: script::reference::tests::ToolOptions accepts `label`, which the table does not show: document it on the field",
                "`tool::other` takes `options: map` but no option struct is given for it (`.options::<T>(\"tool::other\")` in engine/src/script/bindings/mod.rs)",
                "`tool::plain`: script::reference::tests::ToolOptions accepts `label`, which the table does not show: document it on the field",
                "`tool::plain` is given the options script::reference::tests::ToolOptions, but none of its signatures in tool.md takes `options: map`",
                "tool.md: the doc of `tool::plain` must have one `<!-- options -->` line where its option table goes, not 0",
                "tool.md: `tool::run`: the example passes `nmae` to `tool::run`, which script::reference::tests::ToolOptions rejects (its keys: `label`, `name`)",
            ]
        "#]]
        .assert_debug_eq(&problems);
    }
}
