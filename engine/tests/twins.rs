//! The `test` environment is `dev`'s twin: every root of environments/test has the same
//! interface as the root at the same path in environments/dev, and every root of
//! templates/customer_test the same as its counterpart in templates/customer.
//!
//! The interface of a root is what its callers (auto, the other roots, the reader of a
//! plan) depend on:
//!
//! - each variable: name, `type` (the expression's text, whitespace normalised),
//!   `sensitive`, `ephemeral`, `nullable`, its `validation` blocks (condition and
//!   error_message, with the environment and customer names replaced by placeholders) and
//!   whether it has a default;
//! - each output: name, `sensitive`, `ephemeral`;
//! - the terraform block's `required_version`.
//!
//! What the stand-ins may do differently (resources, providers, backend, defaults,
//! descriptions, output values) is not compared; environments/test/README.md says why.
//!
//! Templates are rendered with one sample context (the variables
//! scripts/lib/platform.rhai `scaffold_customer` passes) before they are parsed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use expect_test::expect;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root").to_path_buf()
}

/// One side of a comparison: where it is, how its files are read, and the names that
/// are expected to differ between the twins.
struct Side {
    /// Shown in messages (`environments/test`, `templates/customer`, …).
    label: String,
    dir: PathBuf,
    /// The environment's name, replaced by `<env>` in validation texts.
    env: String,
    /// Customer names, replaced by `<customer>` in validation texts.
    customers: Vec<String>,
    templates: bool,
}

/// The interface of one variable.
#[derive(Debug, PartialEq)]
struct Variable {
    type_: String,
    sensitive: String,
    ephemeral: String,
    nullable: String,
    has_default: bool,
    /// (condition, error_message) of each validation block, in order.
    validations: Vec<(String, String)>,
}

/// The interface of one output.
#[derive(Debug, PartialEq)]
struct Output {
    sensitive: String,
    ephemeral: String,
}

#[derive(Debug, Default)]
struct Interface {
    variables: BTreeMap<String, Variable>,
    outputs: BTreeMap<String, Output>,
    required_version: Option<String>,
}

/// Text of an expression with whitespace runs collapsed to one space.
fn expr_text(expr: &hcl::Expression) -> String {
    let text = hcl::format::to_string(expr).unwrap_or_else(|e| format!("<unformattable: {e}>"));
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `expr_text` with the environment and customer names replaced by placeholders.
fn neutral_text(expr: &hcl::Expression, side: &Side) -> String {
    let mut text = expr_text(expr);
    let mut names: Vec<(&str, &str)> = vec![(side.env.as_str(), "<env>")];
    names.extend(side.customers.iter().map(|c| (c.as_str(), "<customer>")));
    for (name, placeholder) in names {
        let word = regex::Regex::new(&format!(r"\b{}\b", regex::escape(name))).expect("valid regex");
        text = word.replace_all(&text, placeholder).into_owned();
    }
    text
}

fn attr<'a>(body: &'a hcl::Body, key: &str) -> Option<&'a hcl::Expression> {
    body.attributes().find(|a| a.key() == key).map(|a| a.expr())
}

/// A boolean argument's effective value: its text, or `default` when it is absent.
fn flag(body: &hcl::Body, key: &str, default: bool) -> String {
    attr(body, key).map(expr_text).unwrap_or_else(|| default.to_string())
}

fn label(block: &hcl::Block) -> String {
    block.labels().first().map(|l| l.as_str().to_string()).unwrap_or_default()
}

/// The `.tf` files of a root (or `.tf.j2` of a template root), as text.
fn root_sources(dir: &Path, side: &Side) -> Result<Vec<(PathBuf, String)>, String> {
    let suffix = if side.templates { ".tf.j2" } else { ".tf" };
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(suffix)))
        .collect();
    files.sort();
    let mut sources = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let text = if side.templates { render(&file, &text)? } else { text };
        sources.push((file, text));
    }
    Ok(sources)
}

/// The sample context templates are rendered with: what `scaffold_customer` passes.
const SAMPLE_ENV: &str = "sample";
const SAMPLE_CUSTOMER: &str = "acme";

fn render(file: &Path, text: &str) -> Result<String, String> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // As engine/src/primitives/template: trailing newline kept, block lines trimmed.
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .trim_blocks(true)
        .build()
        .map_err(|e| e.to_string())?;
    env.set_syntax(syntax);
    let context = minijinja::context! {
        env => SAMPLE_ENV,
        customer => SAMPLE_CUSTOMER,
        display_name => "Acme Corp",
        azure => minijinja::context! {
            subscription_id => "00000000-0000-0000-0000-000000000000",
            tenant_id => "00000000-0000-0000-0000-000000000000",
            location => "westeurope",
        },
        naming => minijinja::context! { prefix => "anl" },
        backend => minijinja::context! { kind => "azurerm" },
    };
    env.render_str(text, context).map_err(|e| format!("{}: rendering: {e:#}", file.display()))
}

fn interface(dir: &Path, side: &Side) -> Result<Interface, String> {
    let mut found = Interface::default();
    for (file, text) in root_sources(dir, side)? {
        let body: hcl::Body = hcl::parse(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        for block in body.blocks() {
            let b = block.body();
            match block.identifier() {
                "variable" => {
                    let validations = b
                        .blocks()
                        .filter(|v| v.identifier() == "validation")
                        .map(|v| {
                            let text = |key| attr(v.body(), key).map(|e| neutral_text(e, side)).unwrap_or_default();
                            (text("condition"), text("error_message"))
                        })
                        .collect();
                    let variable = Variable {
                        type_: attr(b, "type").map(expr_text).unwrap_or_else(|| "<none>".into()),
                        sensitive: flag(b, "sensitive", false),
                        ephemeral: flag(b, "ephemeral", false),
                        nullable: flag(b, "nullable", true),
                        has_default: attr(b, "default").is_some(),
                        validations,
                    };
                    found.variables.insert(label(block), variable);
                }
                "output" => {
                    let output =
                        Output { sensitive: flag(b, "sensitive", false), ephemeral: flag(b, "ephemeral", false) };
                    found.outputs.insert(label(block), output);
                }
                "terraform" => {
                    if let Some(v) = attr(b, "required_version") {
                        found.required_version = Some(expr_text(v));
                    }
                }
                _ => {}
            }
        }
    }
    Ok(found)
}

/// Every interface difference of `ours` (a root shown as `name`) from its twin.
fn differences(name: &str, ours: &Interface, twin: &Interface, twin_label: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut say = |what: String| out.push(format!("{name}: {what}"));
    let version = |v: &Option<String>| v.clone().unwrap_or_else(|| "unset".into());
    if ours.required_version != twin.required_version {
        say(format!(
            "required_version is {}, {twin_label} has {}",
            version(&ours.required_version),
            version(&twin.required_version)
        ));
    }
    for (var, theirs) in &twin.variables {
        let Some(mine) = ours.variables.get(var) else {
            say(format!("variable {var:?}: missing, {twin_label} declares it"));
            continue;
        };
        let mut field = |field: &str, a: &str, b: &str| {
            if a != b {
                say(format!("variable {var:?}: {field} is {a}, {twin_label} has {b}"));
            }
        };
        field("type", &mine.type_, &theirs.type_);
        field("sensitive", &mine.sensitive, &theirs.sensitive);
        field("ephemeral", &mine.ephemeral, &theirs.ephemeral);
        field("nullable", &mine.nullable, &theirs.nullable);
        let has = |d: bool| if d { "a default" } else { "no default" };
        if mine.has_default != theirs.has_default {
            say(format!(
                "variable {var:?}: has {}, {twin_label} has {}",
                has(mine.has_default),
                has(theirs.has_default)
            ));
        }
        if mine.validations.len() != theirs.validations.len() {
            say(format!(
                "variable {var:?}: {} validation blocks, {twin_label} has {}",
                mine.validations.len(),
                theirs.validations.len()
            ));
        } else {
            for (i, ((c1, m1), (c2, m2))) in mine.validations.iter().zip(&theirs.validations).enumerate() {
                if c1 != c2 {
                    say(format!("variable {var:?}: validation {} condition is {c1}, {twin_label} has {c2}", i + 1));
                }
                if m1 != m2 {
                    say(format!("variable {var:?}: validation {} error_message is {m1}, {twin_label} has {m2}", i + 1));
                }
            }
        }
    }
    for var in ours.variables.keys().filter(|v| !twin.variables.contains_key(*v)) {
        say(format!("variable {var:?}: not declared in {twin_label}"));
    }
    for (output, theirs) in &twin.outputs {
        let Some(mine) = ours.outputs.get(output) else {
            say(format!("output {output:?}: missing, {twin_label} declares it"));
            continue;
        };
        for (field, a, b) in
            [("sensitive", &mine.sensitive, &theirs.sensitive), ("ephemeral", &mine.ephemeral, &theirs.ephemeral)]
        {
            if a != b {
                say(format!("output {output:?}: {field} is {a}, {twin_label} has {b}"));
            }
        }
    }
    for output in ours.outputs.keys().filter(|o| !twin.outputs.contains_key(*o)) {
        say(format!("output {output:?}: not declared in {twin_label}"));
    }
    out
}

/// Directories under `dir` (relative to it) holding a root: a file ending in `suffix`.
/// `.terraform` directories are passed over.
fn roots(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    fn walk(base: &Path, dir: &Path, suffix: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        let mut is_root = false;
        let mut subdirs = Vec::new();
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') {
                    subdirs.push(path);
                }
            } else if name.ends_with(suffix) {
                is_root = true;
            }
        }
        if is_root {
            out.push(dir.strip_prefix(base).expect("under base").to_path_buf());
        }
        for sub in subdirs {
            walk(base, &sub, suffix, out);
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, suffix, &mut out);
    out.sort();
    out
}

/// Every difference between the roots of `ours` and those of `twin`: interfaces of the
/// pairs found by walking `ours`, and roots on either side without a twin.
fn compare(ours: &Side, twin: &Side) -> Vec<String> {
    let suffix = if ours.templates { ".tf.j2" } else { ".tf" };
    let our_roots = roots(&ours.dir, suffix);
    let twin_roots = roots(&twin.dir, suffix);
    let shown = |side: &Side, rel: &Path| {
        if rel.as_os_str().is_empty() {
            side.label.clone()
        } else {
            format!("{}/{}", side.label, rel.display())
        }
    };
    let mut out = Vec::new();
    if our_roots.is_empty() {
        out.push(format!("{}: no roots found", ours.label));
    }
    for rel in &our_roots {
        let name = shown(ours, rel);
        if !twin_roots.contains(rel) {
            out.push(format!("{name}: no twin, {} is not a root", shown(twin, rel)));
            continue;
        }
        match (interface(&ours.dir.join(rel), ours), interface(&twin.dir.join(rel), twin)) {
            (Ok(a), Ok(b)) => out.extend(differences(&name, &a, &b, &twin.label_short())),
            (Err(e), _) | (_, Err(e)) => out.push(format!("{name}: {e}")),
        }
    }
    for rel in twin_roots.iter().filter(|r| !our_roots.contains(r)) {
        out.push(format!("{}: no twin in {}", shown(twin, rel), ours.label));
    }
    out
}

impl Side {
    /// How the twin is named in a message: the environment's name (`dev has true`), or
    /// the template folder.
    fn label_short(&self) -> String {
        if self.templates {
            self.label.clone()
        } else {
            self.env.clone()
        }
    }
}

fn environment(repo: &Path, env: &str) -> Side {
    Side {
        label: format!("environments/{env}"),
        dir: repo.join("environments").join(env),
        env: env.to_string(),
        customers: customers(&repo.join("environments").join(env)),
        templates: false,
    }
}

/// The customers of an environment: the folders holding a customer.toml.
fn customers(env_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(env_dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().join("customer.toml").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn template_dir(repo: &Path, name: &str) -> Side {
    Side {
        label: format!("templates/{name}"),
        dir: repo.join("templates").join(name),
        env: SAMPLE_ENV.to_string(),
        customers: vec![SAMPLE_CUSTOMER.to_string()],
        templates: true,
    }
}

fn assert_twins(differences: Vec<String>) {
    assert!(differences.is_empty(), "{} difference(s):\n{}", differences.len(), differences.join("\n"));
}

#[test]
fn test_environment_roots_have_the_interfaces_of_dev() {
    let repo = workspace();
    assert_twins(compare(&environment(&repo, "test"), &environment(&repo, "dev")));
}

#[test]
fn customer_test_templates_have_the_interfaces_of_customer() {
    let repo = workspace();
    assert_twins(compare(&template_dir(&repo, "customer_test"), &template_dir(&repo, "customer")));
}

/// The comparison bites: a test root that lost `ephemeral = true` on one variable is
/// reported with exactly that difference.
#[test]
fn a_lost_ephemeral_flag_is_reported() {
    let repo = workspace();
    let copy = tempfile::tempdir().expect("tempdir");
    let env_dir = copy.path().join("environments").join("test");
    let root = env_dir.join("demo").join("hive");
    fs::create_dir_all(&root).expect("create root");
    fs::copy(repo.join("environments/test/demo/customer.toml"), env_dir.join("demo/customer.toml"))
        .expect("copy customer.toml");
    for (file, _) in root_sources(&repo.join("environments/test/demo/hive"), &environment(&repo, "test"))
        .expect("read the hive root")
    {
        fs::copy(&file, root.join(file.file_name().expect("file name"))).expect("copy");
    }
    let variables = root.join("variables.tf");
    let text = fs::read_to_string(&variables).expect("read variables.tf");
    let block_start = text.find("variable \"hive_db_password\"").expect("hive_db_password declared");
    let flag_at =
        block_start + text[block_start..].find("  ephemeral   = true\n").expect("hive_db_password is ephemeral");
    let edited = format!("{}{}", &text[..flag_at], &text[flag_at + "  ephemeral   = true\n".len()..]);
    fs::write(&variables, edited).expect("write variables.tf");

    let ours = Side { label: "environments/test".into(), dir: env_dir.clone(), ..environment(&repo, "test") };
    let dev = environment(&repo, "dev");
    let pair = differences(
        "environments/test/demo/hive",
        &interface(&root, &ours).expect("edited root"),
        &interface(&dev.dir.join("demo/hive"), &dev).expect("dev root"),
        "dev",
    );
    expect![[r#"
        environments/test/demo/hive: variable "hive_db_password": ephemeral is false, dev has true"#]]
    .assert_eq(&pair.join("\n"));

    // Walking the copy finds the same difference, and that the copy lacks dev's other roots.
    let all = compare(&ours, &dev);
    assert!(all.contains(&pair[0]), "{all:#?}");
}
