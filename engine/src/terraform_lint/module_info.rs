//! The interface and calls of one terraform folder, read with the HCL parser: variables
//! (required or not), outputs, `module` calls with their arguments, and every
//! `module.<name>.<output>` reference, each with its file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hcl::edit::expr::{Expression, Traversal, TraversalOperator};
use hcl::edit::structure::{Body, Structure};
use hcl::edit::visit::{self, Visit};

use super::Problem;
use crate::affected::modules::line_of_span;

/// Arguments every `module` block may take besides the called module's variables.
pub const META_ARGUMENTS: [&str; 6] = ["source", "version", "providers", "count", "for_each", "depends_on"];

/// Blocks whose `module.…` addresses name resources or old module names, not outputs.
const ADDRESS_BLOCKS: [&str; 3] = ["moved", "removed", "import"];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleInfo {
    pub dir: PathBuf,
    /// Paths of its `.tf` files as shown in messages.
    pub files: Vec<String>,
    pub syntax_errors: Vec<Problem>,
    /// Variable name → whether it must be passed (no `default`).
    pub variables: BTreeMap<String, bool>,
    pub outputs: BTreeSet<String>,
    pub calls: Vec<ModuleCall>,
    pub references: Vec<ModuleReference>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleCall {
    pub name: String,
    pub file: String,
    pub line: usize,
    pub source: Source,
    /// Attribute name and line.
    pub arguments: Vec<(String, usize)>,
    /// Nested blocks (never valid in a `module` block): name and line.
    pub blocks: Vec<(String, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Missing,
    /// A template or expression: terraform requires a literal string.
    NotLiteral,
    Literal(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleReference {
    pub file: String,
    pub line: usize,
    pub module: String,
    /// `None` for a bare `module.x` (as in `depends_on`).
    pub output: Option<String>,
}

impl ModuleInfo {
    /// Reads every `*.tf` file directly in `dir`; `show` turns a path into its display form.
    pub fn read(dir: &Path, show: &dyn Fn(&Path) -> String) -> ModuleInfo {
        let mut info = ModuleInfo { dir: dir.to_path_buf(), ..ModuleInfo::default() };
        for name in tf_files_in(dir) {
            let path = dir.join(&name);
            let file = show(&path);
            info.files.push(file.clone());
            let text = match std::fs::read_to_string(&path) {
                Ok(text) => text,
                Err(error) => {
                    info.syntax_errors.push(Problem::new(&file, 1, format!("cannot read the file: {error}")));
                    continue;
                }
            };
            let parsed = {
                let text = text.clone();
                crate::hcl_deadline::within_deadline(move || hcl::edit::parser::parse_body(&text))
            };
            let Some(parsed) = parsed else {
                info.syntax_errors.push(Problem::new(&file, 1, crate::hcl_deadline::too_slow_message()));
                continue;
            };
            match parsed {
                Ok(body) => info.add_file(&file, &text, &body),
                Err(error) => {
                    let location = error.location();
                    info.syntax_errors.push(Problem {
                        path: file.clone(),
                        line: location.line(),
                        column: Some(location.column()),
                        message: format!("syntax error: {}", error.message()),
                    });
                }
            }
        }
        info
    }

    fn add_file(&mut self, file: &str, text: &str, body: &Body) {
        for structure in body.iter() {
            let Structure::Block(block) = structure else { continue };
            let label = block.labels.first().map(|l| l.as_str().to_string()).unwrap_or_default();
            match block.ident.as_str() {
                "variable" => {
                    self.variables.insert(label, !block.body.has_attribute("default"));
                }
                "output" => {
                    self.outputs.insert(label);
                }
                "module" => {
                    let source = match block.body.get_attribute("source").map(|a| &a.value) {
                        None => Source::Missing,
                        Some(Expression::String(value)) => Source::Literal(value.as_str().to_string()),
                        Some(_) => Source::NotLiteral,
                    };
                    let mut arguments = Vec::new();
                    let mut blocks = Vec::new();
                    for inner in block.body.iter() {
                        match inner {
                            Structure::Attribute(attr) => {
                                arguments.push((attr.key.as_str().to_string(), line_of_span(text, attr)))
                            }
                            Structure::Block(nested) => {
                                blocks.push((nested.ident.as_str().to_string(), line_of_span(text, nested)))
                            }
                        }
                    }
                    self.calls.push(ModuleCall {
                        name: label,
                        file: file.to_string(),
                        line: line_of_span(text, block),
                        source,
                        arguments,
                        blocks,
                    });
                }
                _ => {}
            }
            if !ADDRESS_BLOCKS.contains(&block.ident.as_str()) {
                let mut finder = ReferenceFinder { file, text, found: &mut self.references };
                finder.visit_block(block);
            }
        }
        // Top-level attributes (a `locals`-free `.tf` has none, but HCL allows them).
        for structure in body.iter() {
            if let Structure::Attribute(attr) = structure {
                let mut finder = ReferenceFinder { file, text, found: &mut self.references };
                finder.visit_attr(attr);
            }
        }
    }
}

/// The `*.tf` files directly in `dir`, sorted.
pub fn tf_files_in(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .filter(|name| name.ends_with(".tf") && !name.starts_with('.'))
        .collect();
    files.sort();
    files
}

/// Collects `module.<name>[index].<output>` traversals anywhere in expressions and
/// string templates.
struct ReferenceFinder<'a> {
    file: &'a str,
    text: &'a str,
    found: &'a mut Vec<ModuleReference>,
}

impl Visit for ReferenceFinder<'_> {
    fn visit_traversal(&mut self, node: &Traversal) {
        if let Expression::Variable(root) = &node.expr {
            if root.as_str() == "module" {
                let mut operators = node.operators.iter().map(|op| op.value());
                if let Some(TraversalOperator::GetAttr(name)) = operators.next() {
                    // `module.x[0].out`, `module.x["k"].out`, `module.x[*].out`: skip to the attribute.
                    let output = operators.find_map(|op| match op {
                        TraversalOperator::GetAttr(attr) => Some(Some(attr.as_str().to_string())),
                        TraversalOperator::Index(_)
                        | TraversalOperator::LegacyIndex(_)
                        | TraversalOperator::FullSplat(_)
                        | TraversalOperator::AttrSplat(_) => None,
                    });
                    self.found.push(ModuleReference {
                        file: self.file.to_string(),
                        line: line_of_span(self.text, node),
                        module: name.as_str().to_string(),
                        output: output.flatten(),
                    });
                }
            }
        }
        // Index expressions may hold references of their own.
        visit::visit_traversal(self, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_interface_calls_and_references() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("main.tf"),
            r#"variable "name" {
  type = string
}
variable "tags" {
  default = {}
}
module "ns" {
  source    = "../ns"
  count     = 1
  name      = var.name
  dynamic "x" {
  }
}
module "tpl" {
  source = "${path.module}/x"
}
output "id" {
  value = module.ns[0].id
}
locals {
  a = "${module.ns[0].name}-${module.other.x}"
  b = [for m in module.ns[*].hosts : m]
  c = module.map["k"].value
  d = module.ns
}
moved {
  from = module.old
  to   = module.ns
}
"#,
        )
        .expect("write");
        let info = ModuleInfo::read(dir.path(), &|p| {
            p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        });
        assert_eq!(info.variables, BTreeMap::from([("name".into(), true), ("tags".into(), false)]));
        assert_eq!(info.outputs, BTreeSet::from(["id".into()]));
        let calls: Vec<String> = info
            .calls
            .iter()
            .map(|c| format!("{}@{} {:?} args {:?} blocks {:?}", c.name, c.line, c.source, c.arguments, c.blocks))
            .collect();
        expect_test::expect![[r#"
            ns@7 Literal("../ns") args [("source", 8), ("count", 9), ("name", 10)] blocks [("dynamic", 11)]
            tpl@14 NotLiteral args [("source", 15)] blocks []"#]]
        .assert_eq(&calls.join("\n"));
        let refs: Vec<String> = info
            .references
            .iter()
            .map(|r| format!("{}:{} module.{}.{:?}", r.file, r.line, r.module, r.output))
            .collect();
        expect_test::expect![[r#"
            main.tf:18 module.ns.Some("id")
            main.tf:21 module.ns.Some("name")
            main.tf:21 module.other.Some("x")
            main.tf:22 module.ns.Some("hosts")
            main.tf:23 module.map.Some("value")
            main.tf:24 module.ns.None"#]]
        .assert_eq(&refs.join("\n"));
    }
}
