//! What the reference is made of: one [`Section`] per group of functions, read from the
//! Markdown beside the binding that registers them (`bindings/terraform.md` beside
//! `bindings/terraform.rs`), with the option tables of the structs those functions
//! deserialise their option maps into.
//!
//! The Markdown is the reference as a reader sees it, one heading level up:
//!
//! ````markdown
//! # `terraform::`                    a section: a module (`terraform::`) or a title
//!
//! Plan, apply and read terraform roots. (the section's text)
//!
//! ## `terraform::plan`               a function
//!
//! ```rhai
//! terraform::plan(root: string) -> map                      one line per overload
//! terraform::plan(root: string, options: map) -> map
//! ```
//!
//! What it does, its result and errors, and a ```rhai example.
//!
//! <!-- options -->                   where the option table goes
//!
//! # Type `Secret`                    a type scripts see
//!
//! What it is.
//!
//! - `len(secret: Secret) -> int`: the number of characters.    its members, last
//! ````
//!
//! A leading HTML comment (what the file is) is not part of the section.

use super::options::{self, Options};

/// The line a function's doc puts where its option table goes.
pub const OPTIONS_MARKER: &str = "<!-- options -->";

/// A group of functions in the reference: a static module (`terraform`) or a category of
/// global functions, and the types documented with them.
pub struct Section {
    /// The file it was read from (a repository path), for messages.
    pub file: &'static str,
    /// `Some("terraform")` for `terraform::…` functions, `None` for global ones.
    pub module: Option<String>,
    /// `Parameters`, or `` `terraform::` `` for a module.
    pub heading: String,
    /// Markdown shown under the heading.
    pub doc: String,
    pub functions: Vec<Function>,
    pub types: Vec<Type>,
    /// What could not be read, or options given for a function the file does not have.
    pub problems: Vec<String>,
}

pub struct Function {
    /// `step`, `terraform::apply`.
    pub name: String,
    /// One per overload the engine registers, without the module prefix:
    /// `apply(root: string, options: map) -> map`.
    pub signatures: Vec<String>,
    /// Markdown: what it does, its result, errors, an example; [`OPTIONS_MARKER`] where
    /// the option table goes.
    pub doc: String,
    /// The keys of its option map, from the struct its binding deserialises it into.
    pub options: Option<Options>,
}

pub struct Type {
    /// The name scripts see (`type_of(x)`).
    pub name: String,
    pub doc: String,
    pub members: Vec<Member>,
}

/// A property (`get id(customer: Customer) -> string`) or method
/// (`root(customer: Customer, name: string) -> string`); the first parameter is the value.
pub struct Member {
    pub signature: String,
    pub doc: String,
}

impl Section {
    /// Reads one binding's Markdown (see the module doc); what cannot be read is kept in
    /// [`Section::problems`], so `auto docs` reports it with everything else.
    pub fn parse(file: &'static str, text: &str) -> Vec<Section> {
        let mut sections: Vec<Section> = Vec::new();
        let mut stray = Vec::new();
        for (heading, body) in blocks(text, "# ") {
            let Some(heading) = heading else {
                if !is_comment(&body) {
                    stray.push(format!("{file}: text before the first `# ` heading"));
                }
                continue;
            };
            if let Some(name) = heading.strip_prefix("Type `").and_then(|h| h.strip_suffix('`')) {
                match (sections.last_mut(), parse_type(file, name, &body)) {
                    (Some(section), Ok(ty)) => section.types.push(ty),
                    (Some(section), Err(e)) => section.problems.push(e),
                    (None, _) => stray.push(format!("{file}: the type `{name}` comes before any section")),
                }
                continue;
            }
            sections.push(parse_section(file, &heading, &body));
        }
        match sections.first_mut() {
            Some(first) => first.problems.extend(stray),
            None => sections.push(Section {
                file,
                module: None,
                heading: String::new(),
                doc: String::new(),
                functions: Vec::new(),
                types: Vec::new(),
                problems: stray.into_iter().chain([format!("{file} has no `# ` section")]).collect(),
            }),
        }
        sections
    }
}

/// Attaches option tables to the functions of a binding's sections.
pub trait WithOptions {
    /// `function`'s option map is deserialised into `T`: its fields make the table.
    fn options<T: serde::de::DeserializeOwned + schemars::JsonSchema>(self, function: &str) -> Self;
}

impl WithOptions for Vec<Section> {
    fn options<T: serde::de::DeserializeOwned + schemars::JsonSchema>(mut self, function: &str) -> Self {
        let table = options::of::<T>();
        let found = self.iter_mut().find_map(|s| {
            let file = s.file;
            s.functions.iter_mut().find(|f| f.name == function).map(|f| (file, f))
        });
        match found {
            Some((file, f)) if f.options.is_some() => {
                let problem = format!("{file}: `{function}` is given two option structs");
                self[0].problems.push(problem);
            }
            Some((_, f)) => f.options = Some(table),
            None => {
                let file = self.first().map(|s| s.file).unwrap_or_default();
                let problem =
                    format!("options `{}` are given for `{function}`, which {file} does not document", table.rust);
                self[0].problems.push(problem);
            }
        }
        self
    }
}

fn parse_section(file: &'static str, heading: &str, body: &str) -> Section {
    let module = heading.strip_prefix('`').and_then(|h| h.strip_suffix("::`")).map(str::to_string);
    let mut section = Section {
        file,
        module,
        heading: heading.to_string(),
        doc: String::new(),
        functions: Vec::new(),
        types: Vec::new(),
        problems: Vec::new(),
    };
    for (name, text) in blocks(body, "## ") {
        let Some(name) = name else {
            section.doc = text.trim().to_string();
            continue;
        };
        let Some(name) = name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) else {
            section.problems.push(format!("{file}: the heading `## {name}` is not a function name in backticks"));
            continue;
        };
        match parse_function(name, &text, section.module.as_deref()) {
            Ok(function) => section.functions.push(function),
            Err(e) => section.problems.push(format!("{file}: `{name}`: {e}")),
        }
    }
    section
}

/// `## name`, then a ```rhai block of its signatures (with the module prefix), then its doc.
fn parse_function(name: &str, text: &str, module: Option<&str>) -> Result<Function, String> {
    let text = text.trim_start();
    let rest = text.strip_prefix("```rhai\n").ok_or("the heading must be followed by a ```rhai block of signatures")?;
    let end = rest.find("```").ok_or("the block of signatures is not closed")?;
    let prefix = module.map(|m| format!("{m}::")).unwrap_or_default();
    let mut signatures = Vec::new();
    for line in rest[..end].lines().map(str::trim).filter(|l| !l.is_empty()) {
        match line.strip_prefix(&prefix) {
            Some(signature) if !signature.contains("::") => signatures.push(signature.to_string()),
            _ => return Err(format!("the signature `{line}` does not start with `{prefix}{}(`", short(name))),
        }
    }
    Ok(Function { name: name.to_string(), signatures, doc: rest[end + 3..].trim().to_string(), options: None })
}

/// `# Type \`Name\``: its doc, then a list of its members (`- \`signature\`: doc`).
fn parse_type(file: &str, name: &str, body: &str) -> Result<Type, String> {
    let lines: Vec<&str> = body.trim_end().lines().collect();
    let first_member = lines.iter().rposition(|l| !l.starts_with("- `")).map_or(0, |i| i + 1);
    let mut members = Vec::new();
    for line in &lines[first_member..] {
        let item = &line[3..];
        let (signature, doc) = item
            .split_once("`: ")
            .ok_or_else(|| format!("{file}: the member `{line}` of `{name}` is not `- \\`signature\\`: what it is`"))?;
        members.push(Member { signature: signature.to_string(), doc: doc.trim().to_string() });
    }
    Ok(Type { name: name.to_string(), doc: lines[..first_member].join("\n").trim().to_string(), members })
}

fn is_comment(text: &str) -> bool {
    let text = text.trim();
    text.is_empty() || (text.starts_with("<!--") && text.ends_with("-->"))
}

pub fn short(name: &str) -> &str {
    name.rsplit("::").next().unwrap_or(name)
}

/// The text split at lines starting with `marker` outside code fences: the text before the
/// first one (heading `None`), then each heading with the text under it.
fn blocks(text: &str, marker: &str) -> Vec<(Option<String>, String)> {
    let mut out = vec![(None, String::new())];
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        match line.strip_prefix(marker) {
            Some(heading) if !fenced => out.push((Some(heading.trim().to_string()), String::new())),
            _ => {
                let body = &mut out.last_mut().expect("never empty").1;
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    if out[0].1.trim().is_empty() && out.len() > 1 {
        out.remove(0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "<!-- what this is -->\n\n# `tool::`\n\nDo things.\n\n## `tool::run`\n\n```rhai\ntool::run(x: string) -> map\ntool::run(x: string, options: map) -> map\n```\n\nRuns.\n\n<!-- options -->\n\n```rhai\n# not a heading\ntool::run(\"a\");\n```\n\n# Type `Thing`\n\nA thing.\n\n- `len(thing: Thing) -> int`: its length.\n";

    #[test]
    fn a_binding_s_markdown_is_read() {
        let sections = Section::parse("tool.md", TEXT);
        assert_eq!(sections.len(), 1);
        let s = &sections[0];
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!((s.module.as_deref(), s.heading.as_str(), s.doc.as_str()), (Some("tool"), "`tool::`", "Do things."));
        let f = &s.functions[0];
        assert_eq!(f.name, "tool::run");
        assert_eq!(f.signatures, ["run(x: string) -> map", "run(x: string, options: map) -> map"]);
        assert!(f.doc.starts_with("Runs.\n\n<!-- options -->\n\n```rhai\n# not a heading"), "{}", f.doc);
        assert_eq!(s.types[0].name, "Thing");
        assert_eq!(s.types[0].doc, "A thing.");
        assert_eq!(s.types[0].members[0].signature, "len(thing: Thing) -> int");
    }

    #[test]
    fn malformed_markdown_is_a_problem_not_a_panic() {
        let sections =
            Section::parse("bad.md", "stray\n# `m::`\n\n## run\n\n## `m::go`\n\n```rhai\nother::go() -> ()\n```\n");
        expect_test::expect![[r#"
            [
                "bad.md: the heading `## run` is not a function name in backticks",
                "bad.md: `m::go`: the signature `other::go() -> ()` does not start with `m::go(`",
                "bad.md: text before the first `# ` heading",
            ]
        "#]]
        .assert_debug_eq(&sections[0].problems);
    }
}
