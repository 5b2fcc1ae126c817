//! Static checks of a script against the API reference, made before anything runs: by
//! `auto check`, and by every `auto run` (in any mode) right after compiling, so what a
//! dry-run used to find only when it reached the line stops the run before its first
//! effect.
//!
//! - a call of a function that exists nowhere (`terraform::aply`, `fial(..)`), with the
//!   nearest name that does;
//! - a call with a number of arguments the function has no overload for (auto's functions,
//!   the script's own `fn`s and those of the modules it imports);
//! - a literal argument of a type the function does not take (`terraform::apply(root, "x")`);
//! - a key of a literal option map that the function's option struct rejects;
//! - a `params.name` that no `param(...)` declares.
//!
//! What exists comes from the reference (auto's functions: their signatures and option
//! structs), from the engine (every function's overloads with the parameter types Rhai
//! dispatches on, and the keywords), from the script (its `fn`s) and from the modules its
//! imports resolve to (their public `fn`s). What is checked comes
//! from the script's syntax tree, parsed without optimising (`engine::parser`), so every
//! call and key keeps its position. Nothing here knows a binding: a function is checked
//! as the reference documents it and the engine registers it.
//!
//! Only what the text shows is checked: a variable's type or value, a map built at run
//! time, a method's receiver, what a function pointer or `call` reaches and a module
//! imported by a computed path are left to the run.

use std::any::TypeId;
use std::collections::{BTreeMap, BTreeSet};

use rhai::{ASTNode, Engine, Expr, FnAccess, FnCallExpr, FnPtr, Position, Stmt, AST};

use super::reference::api::{signatures, Signature};
use super::reference::options::Options;
use super::reference::Section;
use crate::suggest::closest;

/// One problem, at its place in the checked file.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub message: String,
    pub position: Position,
}

/// What a script can call besides its own `fn`s and its imports'.
pub struct Vocabulary {
    /// Every function in the engine's global namespace (Rhai's packages and auto's).
    global: BTreeMap<String, Overloads>,
    /// The engine's static modules (`terraform`) and their functions.
    modules: BTreeMap<String, BTreeMap<String, Overloads>>,
    /// auto's documented functions by full name (`step`, `terraform::apply`).
    documented: BTreeMap<String, Documented>,
}

struct Documented {
    signatures: Vec<Signature>,
    options: Option<Options>,
}

/// How a function is registered: for each number of arguments, the parameter types of each
/// overload (what Rhai dispatches a call on).
type Overloads = BTreeMap<usize, Vec<Vec<TypeId>>>;

/// A function as the reference documents it and as the engine registers it (either may be
/// missing, not both).
struct Host<'v> {
    documented: Option<&'v Documented>,
    registered: Option<&'v Overloads>,
}

impl Host<'_> {
    /// The numbers of arguments it takes, registered or documented.
    fn arities(&self) -> BTreeSet<usize> {
        let registered = self.registered.into_iter().flat_map(|r| r.keys().copied());
        let documented = self.documented.into_iter().flat_map(|d| d.signatures.iter().map(|s| s.params.len()));
        registered.chain(documented).collect()
    }

    /// Whether a call with `arity` arguments may pass `literal` as argument `index`: some
    /// overload takes it there (or any value), as the engine registers them; the
    /// reference's type when the engine says nothing.
    fn accepts(&self, arity: usize, index: usize, literal: Literal, documented: &str) -> bool {
        match self.registered.and_then(|r| r.get(&arity)) {
            Some(overloads) => overloads.iter().any(|types| types.get(index).is_none_or(|t| literal.fits(*t))),
            None => documented == literal.type_name() || expected(documented).is_none(),
        }
    }
}

impl Vocabulary {
    /// The functions `engine` registers (all of them, Rhai's standard packages included),
    /// and auto's as `sections` document them.
    pub fn new(engine: &Engine, sections: &[Section]) -> Vocabulary {
        let registered = engine.collect_fn_metadata(
            None,
            |f| {
                let types = f.metadata.param_types.to_vec();
                Some((f.namespace.to_string(), f.metadata.name.to_string(), f.metadata.num_params, types))
            },
            true,
        );
        let mut global: BTreeMap<String, Overloads> = BTreeMap::new();
        let mut modules: BTreeMap<String, BTreeMap<String, Overloads>> = BTreeMap::new();
        for (namespace, name, arity, types) in registered {
            let functions = match namespace.as_str() {
                "" => &mut global,
                module => modules.entry(module.to_string()).or_default(),
            };
            functions.entry(name).or_default().entry(arity).or_default().push(types);
        }
        for module in sections.iter().filter_map(|s| s.module.clone()) {
            modules.entry(module).or_default();
        }
        let documented = sections
            .iter()
            .flat_map(|s| &s.functions)
            .map(|f| (f.name.clone(), Documented { signatures: signatures(f), options: f.options.clone() }))
            .collect();
        Vocabulary { global, modules, documented }
    }

    /// auto's modules: `docker`, `exec`, `fs`, ...
    pub fn module_names(&self) -> impl Iterator<Item = &str> {
        self.modules.keys().map(String::as_str)
    }

    /// The function `name` (`step`, `terraform::apply`, `len`): documented, registered or both.
    fn host(&self, name: &str) -> Option<Host<'_>> {
        let registered = match name.split_once("::") {
            Some((module, short)) => self.modules.get(module).and_then(|m| m.get(short)),
            None => self.global.get(name),
        };
        let documented = self.documented.get(name);
        (registered.is_some() || documented.is_some()).then_some(Host { documented, registered })
    }
}

/// A `fn` a module or script defines: its name and parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ScriptFn {
    pub name: String,
    pub params: Vec<String>,
}

/// The public `fn`s of each module a script's imports resolve to, by import path.
pub type Modules = BTreeMap<String, Vec<ScriptFn>>;

/// The modules a self-contained AST (`Engine::compile_into_self_contained`) resolved its
/// imports to, transitively, with their public `fn`s.
pub fn modules(compiled: &AST) -> Modules {
    let Some(resolver) = compiled.resolver() else { return Modules::new() };
    resolver
        .iter()
        .map(|(path, module)| {
            let functions = module
                .iter_script_fn_info()
                .filter(|(_, access, ..)| *access != FnAccess::Private)
                .map(|(.., name, _, def)| ScriptFn {
                    name: name.to_string(),
                    params: def.params.iter().map(|p| p.to_string()).collect(),
                })
                .collect();
            (path.to_string(), functions)
        })
        .collect()
}

/// The import aliases of a script and the paths each names (`platform` → `lib/platform`).
/// An import by a computed path has no path here.
pub fn imports(ast: &AST) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    ast.walk(&mut |path| {
        if let Some(ASTNode::Stmt(Stmt::Import(import, _))) = path.last() {
            let paths = out.entry(import.1.name.to_string()).or_default();
            match &import.0 {
                Expr::StringConstant(path, _) => paths.push(path.to_string()),
                // Resolved only when the import runs: nothing to check its calls against.
                _ => paths.push(String::new()),
            }
        }
        true
    });
    out
}

/// Every call in `ast` (unoptimised, see the module doc) of a function that does not exist,
/// with arguments it does not take, or with an option map naming a key it rejects.
pub fn calls(ast: &AST, modules: &Modules, vocabulary: &Vocabulary) -> Vec<Finding> {
    let mut own: BTreeMap<String, Vec<Vec<String>>> = BTreeMap::new();
    for f in ast.iter_functions() {
        own.entry(f.name.to_string()).or_default().push(f.params.iter().map(|p| p.to_string()).collect());
    }
    let check = Calls { vocabulary, own, imports: imports(ast), modules, variables: variables(ast) };
    let mut found = Vec::new();
    ast.walk(&mut |path| {
        match path.last() {
            Some(ASTNode::Expr(Expr::FnCall(call, position))) | Some(ASTNode::Stmt(Stmt::FnCall(call, position))) => {
                check.call(call, *position, &mut found)
            }
            _ => {}
        }
        true
    });
    sorted(found)
}

/// Every `params.name` (or `params["name"]`) in `ast` that names no declared parameter.
/// Nothing when the script declares a variable or parameter of its own called `params`.
pub fn parameters(ast: &AST, declared: &[&str]) -> Vec<Finding> {
    if params_shadowed(ast) {
        return Vec::new();
    }
    let mut found = Vec::new();
    ast.walk(&mut |path| {
        let (Some(ASTNode::Expr(Expr::Dot(access, ..))) | Some(ASTNode::Expr(Expr::Index(access, ..)))) = path.last()
        else {
            return true;
        };
        let is_params = matches!(&access.lhs, Expr::Variable(v, ..) if v.1 == "params" && v.2.is_empty());
        let (name, position) = match (is_params, path.last(), leftmost(&access.rhs)) {
            (true, Some(ASTNode::Expr(Expr::Dot(..))), Expr::Property(property, position)) => {
                (property.2.to_string(), *position)
            }
            (true, Some(ASTNode::Expr(Expr::Index(..))), Expr::StringConstant(name, position)) => {
                (name.to_string(), *position)
            }
            _ => return true,
        };
        if !declared.contains(&name.as_str()) {
            found.push(Finding { message: unknown_parameter(&name, declared), position });
        }
        true
    });
    sorted(found)
}

fn unknown_parameter(name: &str, declared: &[&str]) -> String {
    match closest(name, declared.iter().copied()) {
        Some(near) => format!("unknown parameter `{name}`: did you mean `{near}`?"),
        None if declared.is_empty() => format!(
            "unknown parameter `{name}`: the script declares no parameters (declare it at the top: `param(\"{name}\", #{{ help: \"...\" }});`)"
        ),
        None => format!("unknown parameter `{name}`: the script declares {}", ticked(declared.iter().copied())),
    }
}

/// The message for a module prefix that is neither auto's nor an import's: Rhai's compiler
/// finds these (strict variables), this says what was meant.
pub fn unknown_module<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let known: BTreeSet<&str> = known.into_iter().collect();
    match closest(name, known.iter().copied()) {
        Some(near) => format!("unknown module `{name}`: did you mean `{near}`?"),
        None => format!(
            "unknown module `{name}`: the modules here are {} (`import \"lib/{name}\" as {name};` imports scripts/lib/{name}.rhai)",
            ticked(known.iter().copied())
        ),
    }
}

/// Whether `params` is, somewhere, not the script's parameters: a variable, a loop
/// variable, a caught error or a parameter of a `fn` or closure (not one the closure
/// captures) of that name.
fn params_shadowed(ast: &AST) -> bool {
    let mut shadowed = false;
    // A closure's function takes the variables it captures first: `curry(Fn(..), x, ..)`.
    let mut captures: BTreeMap<String, usize> = BTreeMap::new();
    ast.walk(&mut |path| {
        match path.last() {
            Some(ASTNode::Stmt(Stmt::Var(var, ..))) => shadowed |= var.0.name == "params",
            Some(ASTNode::Stmt(Stmt::For(each, ..))) => {
                shadowed |= each.0.name == "params" || each.1.as_ref().is_some_and(|i| i.name == "params")
            }
            Some(ASTNode::Stmt(Stmt::TryCatch(block, ..))) => {
                shadowed |= matches!(&block.expr, Expr::Variable(v, ..) if v.1 == "params")
            }
            Some(ASTNode::Expr(Expr::FnCall(call, _))) if call.name == "curry" && call.namespace.is_empty() => {
                if let Some(Expr::DynamicConstant(value, _)) = call.args.first() {
                    if let Some(pointer) = value.read_lock::<FnPtr>() {
                        captures.insert(pointer.fn_name().to_string(), call.args.len() - 1);
                    }
                }
            }
            _ => {}
        }
        true
    });
    shadowed
        || ast.iter_functions().any(|f| {
            let captured = captures.get(f.name).copied().unwrap_or(0).min(f.params.len());
            f.params[captured..].contains(&"params")
        })
}

/// Every name the script declares a variable or parameter by, anywhere.
fn variables(ast: &AST) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = ast.iter_functions().flat_map(|f| f.params).map(str::to_string).collect();
    ast.walk(&mut |path| {
        match path.last() {
            Some(ASTNode::Stmt(Stmt::Var(var, ..))) => {
                names.insert(var.0.name.to_string());
            }
            Some(ASTNode::Stmt(Stmt::For(each, ..))) => {
                names.extend([Some(&each.0), each.1.as_ref()].into_iter().flatten().map(|i| i.name.to_string()))
            }
            _ => {}
        }
        true
    });
    names
}

/// The first link of an access chain: `env` of `params.env.len()`.
fn leftmost(expr: &Expr) -> &Expr {
    match expr {
        Expr::Dot(x, ..) | Expr::Index(x, ..) => leftmost(&x.lhs),
        other => other,
    }
}

fn sorted(mut found: Vec<Finding>) -> Vec<Finding> {
    found.sort_by_key(|f| (f.position.line(), f.position.position()));
    found.dedup();
    found
}

struct Calls<'a> {
    vocabulary: &'a Vocabulary,
    /// The script's own `fn`s (closures too), by name: the parameters of each overload.
    own: BTreeMap<String, Vec<Vec<String>>>,
    imports: BTreeMap<String, Vec<String>>,
    modules: &'a Modules,
    /// The script's variable and parameter names: `f(x)` of a closure in `f` is a mistake.
    variables: BTreeSet<String>,
}

impl Calls<'_> {
    fn call(&self, call: &FnCallExpr, position: Position, found: &mut Vec<Finding>) {
        // Operators, and Rhai's keywords called like functions (`Fn`, `call`, `curry`,
        // `type_of`, `print`, ...): the parser only accepts the ones that exist.
        if call.op_token.is_some() || !rhai::is_valid_function_name(&call.name) {
            return;
        }
        let mut at = |message: String, position: Position| found.push(Finding { message, position });
        if call.namespace.is_empty() {
            self.global(call, position, &mut at);
            return;
        }
        if call.namespace.path.len() > 1 {
            // `a::b::f`: a module's own imports; not followed.
            return;
        }
        let position = call.namespace.position();
        let module = call.namespace.root();
        let full = format!("{module}::{}", call.name);
        if let Some(paths) = self.imports.get(module) {
            self.imported(call, &full, paths, position, &mut at);
        } else if self.vocabulary.modules.contains_key(module) {
            match self.vocabulary.host(&full) {
                Some(host) => check_host(call, &full, &host, position, &mut at),
                None => at(self.unknown_in_module(module, &call.name), position),
            }
        } else if module != "global" {
            let known = self.vocabulary.module_names().chain(self.imports.keys().map(String::as_str));
            at(unknown_module(module, known), position);
        }
    }

    /// `name(..)`: the script's own `fn`, one of auto's, or one of Rhai's.
    fn global(&self, call: &FnCallExpr, position: Position, at: &mut impl FnMut(String, Position)) {
        let name = call.name.as_str();
        let host = self.vocabulary.host(name);
        if let Some(overloads) = self.own.get(name) {
            if host.is_none() && !overloads.iter().any(|params| params.len() == call.args.len()) {
                at(takes(name, overloads, call.args.len()), position);
            }
            return;
        }
        match host {
            Some(host) => check_host(call, name, &host, position, at),
            None => at(self.unknown_global(name), position),
        }
    }

    fn unknown_global(&self, name: &str) -> String {
        if self.variables.contains(name) {
            return format!(
                "unknown function `{name}`: `{name}` is a variable; a closure in it is called with `{name}.call(..)`"
            );
        }
        // A module's function called without its prefix.
        let mut prefixed: Vec<String> = self
            .imports
            .iter()
            .filter(|(_, paths)| {
                paths.iter().any(|p| self.module_fns(p).is_some_and(|fns| fns.iter().any(|f| f.name == name)))
            })
            .map(|(alias, _)| format!("{alias}::{name}"))
            .collect();
        prefixed.extend(
            self.vocabulary
                .modules
                .iter()
                .filter(|(_, functions)| functions.contains_key(name))
                .map(|(module, _)| format!("{module}::{name}")),
        );
        if !prefixed.is_empty() {
            return format!("unknown function `{name}`: did you mean {}?", or_list(&prefixed));
        }
        let candidates = self
            .own
            .keys()
            .chain(self.vocabulary.global.keys())
            .chain(self.vocabulary.documented.keys().filter(|n| !n.contains("::")))
            .map(String::as_str)
            .filter(|n| rhai::is_valid_function_name(n) && !n.starts_with("anon$"));
        match closest(name, candidates) {
            Some(near) => format!("unknown function `{name}`: did you mean `{near}`?"),
            None => format!(
                "unknown function `{name}`: the script defines no `fn {name}`, and neither auto (docs/script-api.md) nor Rhai has one"
            ),
        }
    }

    fn unknown_in_module(&self, module: &str, name: &str) -> String {
        let functions = &self.vocabulary.modules[module];
        if let Some(near) = closest(name, functions.keys().map(String::as_str)) {
            return format!("unknown function `{module}::{name}`: did you mean `{module}::{near}`?");
        }
        let elsewhere: Vec<String> = self
            .vocabulary
            .modules
            .iter()
            .filter(|(_, functions)| functions.contains_key(name))
            .map(|(other, _)| format!("{other}::{name}"))
            .collect();
        if !elsewhere.is_empty() {
            return format!("unknown function `{module}::{name}`: did you mean {}?", or_list(&elsewhere));
        }
        format!(
            "unknown function `{module}::{name}`: `{module}::` has {} (docs/script-api.md)",
            functions.keys().map(String::as_str).collect::<Vec<_>>().join(", ")
        )
    }

    /// `alias::name(..)` of an imported module: one of its public `fn`s.
    fn imported(
        &self,
        call: &FnCallExpr,
        full: &str,
        paths: &[String],
        position: Position,
        at: &mut impl FnMut(String, Position),
    ) {
        let mut functions: Vec<&ScriptFn> = Vec::new();
        for path in paths {
            match self.module_fns(path) {
                Some(fns) => functions.extend(fns),
                // An import not resolved while compiling: what it has is not known here.
                None => return,
            }
        }
        let alias = call.namespace.root();
        let overloads: Vec<Vec<String>> =
            functions.iter().filter(|f| f.name == call.name.as_str()).map(|f| f.params.clone()).collect();
        if overloads.is_empty() {
            let message = match closest(&call.name, functions.iter().map(|f| f.name.as_str())) {
                Some(near) => format!("unknown function `{full}`: did you mean `{alias}::{near}`?"),
                None => format!(
                    "unknown function `{full}`: scripts/{}.rhai has no public `fn {}`",
                    paths.first().map(String::as_str).unwrap_or_default(),
                    call.name
                ),
            };
            at(message, position);
        } else if !overloads.iter().any(|params| params.len() == call.args.len()) {
            at(takes(full, &overloads, call.args.len()), position);
        }
    }

    fn module_fns(&self, path: &str) -> Option<&Vec<ScriptFn>> {
        self.modules.get(path)
    }
}

/// A call of one of auto's functions: its number of arguments, its literal arguments'
/// types, its literal option map's keys.
fn check_host(call: &FnCallExpr, name: &str, host: &Host, position: Position, at: &mut impl FnMut(String, Position)) {
    // Rhai's own functions are not judged: their overloads are many and undocumented here.
    let Some(documented) = host.documented else { return };
    let arity = call.args.len();
    if !host.arities().contains(&arity) {
        let overloads: Vec<Vec<String>> =
            documented.signatures.iter().map(|s| s.params.iter().map(|(name, _)| name.clone()).collect()).collect();
        at(takes(name, &overloads, arity), position);
        return;
    }
    let Some(signature) = documented.signatures.iter().find(|s| s.params.len() == arity) else { return };
    for (index, (argument, (param, ty))) in call.args.iter().zip(&signature.params).enumerate() {
        if let Some(literal) = Literal::of(argument).filter(|l| !host.accepts(arity, index, *l, ty)) {
            let got = literal.described();
            let what = match expected(ty) {
                Some(expected) => format!("must be {expected}, got {got}"),
                None => format!("cannot be {got}"),
            };
            let message = format!("argument {} of `{name}` ({param}) {what}", index + 1);
            at(message, argument.start_position());
            continue;
        }
        if let (Some(options), Some(true), Expr::Map(map, _)) =
            (&documented.options, signature.options_index().map(|i| i == index), argument)
        {
            for unknown in options.unknown_keys(&map.0) {
                let (prefix, label) = match unknown.path.rsplit_once('.') {
                    Some((prefix, _)) => (format!("{prefix}."), format!("options of `{prefix}`")),
                    None => (String::new(), "options".to_string()),
                };
                let hint = closest(&unknown.key, unknown.accepted.iter().copied())
                    .map(|near| format!(": did you mean `{prefix}{near}`?"))
                    .unwrap_or_default();
                let message = format!(
                    "unknown option `{}` of `{name}`{hint} ({label}: {})",
                    unknown.path,
                    unknown.shown.join(", ")
                );
                at(message, unknown.position);
            }
        }
    }
}

/// "`terraform::apply` takes 1 or 2 arguments (root, options), got 3".
fn takes(name: &str, overloads: &[Vec<String>], got: usize) -> String {
    let mut counts: Vec<usize> = overloads.iter().map(Vec::len).collect();
    counts.sort_unstable();
    counts.dedup();
    let count = match counts.as_slice() {
        [0] => "no arguments".to_string(),
        [1] => "1 argument".to_string(),
        [n] => format!("{n} arguments"),
        many => format!("{} arguments", or_list(&many.iter().map(usize::to_string).collect::<Vec<_>>())),
    };
    let mut lists: Vec<&Vec<String>> = overloads.iter().filter(|p| !p.is_empty()).collect();
    lists.sort_by_key(|p| p.len());
    lists.dedup();
    let longest = lists.last().copied();
    let shown: Vec<String> = match longest {
        Some(longest) if lists.iter().all(|p| longest.starts_with(p)) => vec![format!("({})", longest.join(", "))],
        _ => lists.iter().map(|p| format!("({})", p.join(", "))).collect(),
    };
    let params = if shown.is_empty() { String::new() } else { format!(" {}", shown.join(" or ")) };
    format!("`{name}` takes {count}{params}, got {got}")
}

/// A literal argument: what its type is without running anything.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Literal {
    String,
    Int,
    Float,
    Bool,
    Char,
    Array,
    Map,
    Closure,
    Unit,
}

impl Literal {
    fn of(expr: &Expr) -> Option<Literal> {
        Some(match expr {
            Expr::StringConstant(..) | Expr::InterpolatedString(..) => Literal::String,
            Expr::IntegerConstant(..) => Literal::Int,
            Expr::FloatConstant(..) => Literal::Float,
            Expr::BoolConstant(..) => Literal::Bool,
            Expr::CharConstant(..) => Literal::Char,
            Expr::Array(..) => Literal::Array,
            Expr::Map(..) => Literal::Map,
            Expr::Unit(..) => Literal::Unit,
            // A closure capturing nothing; the parser makes other constants of their own kind.
            Expr::DynamicConstant(value, _) if value.is_fnptr() => Literal::Closure,
            _ => return None,
        })
    }

    /// Whether a parameter the engine registers as `ty` takes it (`&str` and `String` are
    /// registered as `ImmutableString`).
    fn fits(self, ty: TypeId) -> bool {
        let own = match self {
            Literal::String => TypeId::of::<rhai::ImmutableString>(),
            Literal::Int => TypeId::of::<rhai::INT>(),
            Literal::Float => TypeId::of::<rhai::FLOAT>(),
            Literal::Bool => TypeId::of::<bool>(),
            Literal::Char => TypeId::of::<char>(),
            Literal::Array => TypeId::of::<rhai::Array>(),
            Literal::Map => TypeId::of::<rhai::Map>(),
            Literal::Closure => TypeId::of::<FnPtr>(),
            Literal::Unit => TypeId::of::<()>(),
        };
        ty == own || ty == TypeId::of::<rhai::Dynamic>()
    }

    /// As the reference names types.
    fn type_name(self) -> &'static str {
        match self {
            Literal::String => "string",
            Literal::Int => "int",
            Literal::Float => "float",
            Literal::Bool => "bool",
            Literal::Char => "char",
            Literal::Array => "array",
            Literal::Map => "map",
            Literal::Closure => "Fn",
            Literal::Unit => "()",
        }
    }

    fn described(self) -> &'static str {
        match self {
            Literal::String => "a string",
            Literal::Int => "an int",
            Literal::Float => "a float",
            Literal::Bool => "a bool",
            Literal::Char => "a char",
            Literal::Array => "an array",
            Literal::Map => "a map",
            Literal::Closure => "a closure",
            Literal::Unit => "`()`",
        }
    }
}

/// What a parameter documented as `ty` must be, in words; `None` for any value (`?`) and
/// for types no literal can be (`Customer`), where a literal is not judged.
fn expected(ty: &str) -> Option<&'static str> {
    Some(match ty {
        "string" => "a string",
        "int" => "an int",
        "float" => "a float",
        "bool" => "a bool",
        "array" => "an array",
        "map" => "a map",
        "Fn" => "a closure",
        _ => return None,
    })
}

fn ticked<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names.into_iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// `a`, `a or b`, `a, b or c`, the items in backticks unless they are numbers.
fn or_list(items: &[String]) -> String {
    let items: Vec<String> = items
        .iter()
        .map(|i| if i.chars().all(|c| c.is_ascii_digit()) { i.clone() } else { format!("`{i}`") })
        .collect();
    match items.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use crate::repo::Repo;
    use crate::run::Run;
    use crate::script::bindings::Bound;
    use crate::script::limits::Limits;
    use crate::script::{self, ScriptFile};

    /// A repository with `scripts/lib/platform.rhai` (two public `fn`s and a private one).
    fn repo() -> (tempfile::TempDir, Repo) {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("environments")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("scripts/lib")).expect("mkdir");
        std::fs::write(
            dir.path().join("scripts/lib/platform.rhai"),
            "export const LIMIT = 3;\nfn customer_roots(env, id) { #{ infra: `${env}/${id}` } }\nfn namespace(id) { `cust-${id}` }\nprivate fn hidden() { 1 }\n",
        )
        .expect("write");
        let repo = Repo::at(dir.path()).expect("repository");
        (dir, repo)
    }

    /// What `auto check` reports for `source` as `scripts/t.rhai`, as it renders it, or `ok`.
    fn check(source: &str) -> String {
        let (dir, repo) = repo();
        std::fs::write(dir.path().join("scripts/t.rhai"), source).expect("write");
        let file = ScriptFile::load(&repo, &dir.path().join("scripts/t.rhai")).expect("script");
        let bound = Bound::new(Run::inspecting(repo.clone(), "lint"), file.display.clone(), Limits::default());
        let engine = script::engine::build(&bound);
        let compiled = match script::compile(&engine, &file, &repo, &bound.limits) {
            Ok(compiled) => compiled,
            Err(diagnostic) => return diagnostic.rendered,
        };
        let found = script::checked_params(&engine, &compiled, &bound, &repo, &script::vocabulary(&engine))
            .err()
            .unwrap_or_default();
        match found.is_empty() {
            true => "ok".to_string(),
            false => found.iter().map(|d| d.rendered.clone()).collect::<Vec<_>>().join("\n"),
        }
    }

    #[test]
    fn unknown_functions_are_named_with_the_nearest_that_exists() {
        expect_test::expect![[r#"
            error: unknown function `terraform::aply`: did you mean `terraform::apply`?
              --> scripts/t.rhai:1:1
              |
            1 | terraform::aply("environments/dev/infra");
              | ^
            error: unknown function `terraform::rollout_status`: did you mean `kubectl::rollout_status`?
              --> scripts/t.rhai:2:22
              |
            2 | step("s", || { let x=terraform::rollout_status("dev", "x"); x });
              |                      ^
            error: unknown function `terraform::frobnicate`: `terraform::` has apply, destroy, fmt_check, init, output, plan, state, summary, validate (docs/script-api.md)
              --> scripts/t.rhai:3:1
              |
            3 | terraform::frobnicate();
              | ^
            error: unknown function `fial`: did you mean `fail`?
              --> scripts/t.rhai:4:1
              |
            4 | fial("stop");
              | ^
            error: unknown function `frobnicate`: the script defines no `fn frobnicate`, and neither auto (docs/script-api.md) nor Rhai has one
              --> scripts/t.rhai:5:9
              |
            5 | let y = frobnicate(1);
              |         ^
            error: unknown function `apply`: did you mean `kubectl::apply` or `terraform::apply`?
              --> scripts/t.rhai:6:1
              |
            6 | apply("x");
              | ^
            error: unknown function `f`: `f` is a variable; a closure in it is called with `f.call(..)`
              --> scripts/t.rhai:8:1
              |
            8 | f(1);
              | ^"#]]
        .assert_eq(&check(
            "terraform::aply(\"environments/dev/infra\");\nstep(\"s\", || { let x=terraform::rollout_status(\"dev\", \"x\"); x });\nterraform::frobnicate();\nfial(\"stop\");\nlet y = frobnicate(1);\napply(\"x\");\nlet f = |x| x;\nf(1);\n",
        ));
    }

    #[test]
    fn unknown_modules_are_named_with_the_nearest_that_exists() {
        expect_test::expect![[r#"
            error: unknown module `terraform2`: did you mean `terraform`?
              --> scripts/t.rhai:1:1
              |
            1 | terraform2::apply("x");
              | ^"#]]
        .assert_eq(&check("terraform2::apply(\"x\");\n"));
        expect_test::expect![[r#"
            error: unknown module `platfrom`: did you mean `platform`?
              --> scripts/t.rhai:2:9
              |
            2 | let n = platfrom::namespace("acme");
              |         ^"#]]
        .assert_eq(&check("import \"lib/platform\" as platform;\nlet n = platfrom::namespace(\"acme\");\n"));
        // Without a near one, the modules there are (auto's: whichever the engine has).
        let cloud = check("cloud::up();\n");
        assert!(cloud.starts_with("error: unknown module `cloud`: the modules here are `"), "{cloud}");
        assert!(["`exec`", "`fs`", "`kubectl`", "`template`"].iter().all(|m| cloud.contains(m)), "{cloud}");
        assert!(
            cloud.contains(", `terraform` (`import \"lib/cloud\" as cloud;` imports scripts/lib/cloud.rhai)\n  --> scripts/t.rhai:1:1"),
            "{cloud}"
        );
    }

    #[test]
    fn imported_modules_are_read_for_their_public_functions() {
        expect_test::expect![[r#"
            error: unknown function `platform::customer_root`: did you mean `platform::customer_roots`?
              --> scripts/t.rhai:2:1
              |
            2 | platform::customer_root("dev", "acme");
              | ^
            error: `platform::customer_roots` takes 2 arguments (env, id), got 1
              --> scripts/t.rhai:3:1
              |
            3 | platform::customer_roots("dev");
              | ^
            error: unknown function `platform::hidden`: scripts/lib/platform.rhai has no public `fn hidden`
              --> scripts/t.rhai:4:1
              |
            4 | platform::hidden();
              | ^
            error: unknown function `namespace`: did you mean `platform::namespace`?
              --> scripts/t.rhai:5:1
              |
            5 | namespace("acme");
              | ^"#]]
        .assert_eq(&check(
            "import \"lib/platform\" as platform;\nplatform::customer_root(\"dev\", \"acme\");\nplatform::customer_roots(\"dev\");\nplatform::hidden();\nnamespace(\"acme\");\nlet ok = platform::customer_roots(\"dev\", \"acme\").infra + platform::namespace(\"a\") + platform::LIMIT;\n",
        ));
    }

    #[test]
    fn a_wrong_number_of_arguments_names_the_parameters() {
        expect_test::expect![[r#"
            error: `terraform::apply` takes 1 or 2 arguments (root, options), got 3
              --> scripts/t.rhai:2:1
              |
            2 | terraform::apply(root, #{}, 3);
              | ^
            error: `step` takes 2 or 3 arguments (name, body) or (name, options, body), got 1
              --> scripts/t.rhai:3:1
              |
            3 | step("x");
              | ^
            error: `now` takes no arguments, got 1
              --> scripts/t.rhai:4:9
              |
            4 | let t = now(1);
              |         ^
            error: `pair` takes 2 arguments (a, b), got 1
              --> scripts/t.rhai:6:1
              |
            6 | pair(1);
              | ^"#]]
        .assert_eq(&check(
            "let root = \"environments/dev/infra\";\nterraform::apply(root, #{}, 3);\nstep(\"x\");\nlet t = now(1);\nfn pair(a, b) { [a, b] }\npair(1);\n",
        ));
    }

    #[test]
    fn a_literal_argument_of_the_wrong_type_says_what_it_must_be() {
        expect_test::expect![[r#"
            error: argument 2 of `terraform::apply` (options) must be a map, got a string
              --> scripts/t.rhai:1:40
              |
            1 | terraform::apply("environments/dev/x", "x");
              |                                        ^
            error: argument 1 of `exec::run` (argv) must be an array, got a string
              --> scripts/t.rhai:2:11
              |
            2 | exec::run("echo hi");
              |           ^
            error: argument 1 of `step` (name) must be a string, got a closure
              --> scripts/t.rhai:3:6
              |
            3 | step(|| 1, || 2);
              |      ^
            error: argument 1 of `lock` (scope) must be a string, got an int
              --> scripts/t.rhai:4:6
              |
            4 | lock(42);
              |      ^
            error: argument 2 of `customer` (id) must be a string, got an array
              --> scripts/t.rhai:5:17
              |
            5 | customer("dev", ["acme"]);
              |                 ^"#]]
        .assert_eq(&check(
            "terraform::apply(\"environments/dev/x\", \"x\");\nexec::run(\"echo hi\");\nstep(|| 1, || 2);\nlock(42);\ncustomer(\"dev\", [\"acme\"]);\n",
        ));
    }

    #[test]
    fn unknown_option_keys_are_named_with_the_options_there_are() {
        expect_test::expect![[r#"
            error: unknown option `varz` of `terraform::apply`: did you mean `vars`? (options: vars, workspace, plan_only, allow_destroy, lock_timeout, retries)
              --> scripts/t.rhai:1:30
              |
            1 | terraform::apply("env/x", #{ varz: #{}, retries: #{ attempt: 2 } });
              |                              ^
            error: unknown option `retries.attempt` of `terraform::apply`: did you mean `retries.attempts`? (options of `retries`: attempts, delay, patterns)
              --> scripts/t.rhai:1:53
              |
            1 | terraform::apply("env/x", #{ varz: #{}, retries: #{ attempt: 2 } });
              |                                                     ^
            error: unknown option `colour` of `step` (options: timeout)
              --> scripts/t.rhai:2:14
              |
            2 | step("s", #{ colour: "red" }, || 1);
              |              ^
            error: unknown option `hlep` of `param`: did you mean `help`? (options: help, type, default_value, choices, pattern)
              --> scripts/t.rhai:3:15
              |
            3 | param("x", #{ hlep: "typo" });
              |               ^"#]]
        .assert_eq(&check(
            "terraform::apply(\"env/x\", #{ varz: #{}, retries: #{ attempt: 2 } });\nstep(\"s\", #{ colour: \"red\" }, || 1);\nparam(\"x\", #{ hlep: \"typo\" });\nterraform::plan(\"env/x\", #{ vars: #{ anything: 1 }, workspace: \"w\" });\n",
        ));
    }

    #[test]
    fn parameters_read_must_be_declared() {
        expect_test::expect![[r#"
            error: unknown parameter `custmer`: did you mean `customer`?
              --> scripts/t.rhai:3:16
              |
            3 | let c = params.custmer;
              |                ^
            error: unknown parameter `custmer`: did you mean `customer`?
              --> scripts/t.rhai:4:13
              |
            4 | info(params["custmer"]);
              |             ^
            error: unknown parameter `region`: the script declares `env`, `customer`
              --> scripts/t.rhai:5:29
              |
            5 | step("s", || info(`${params.region.len()}`));
              |                             ^"#]]
        .assert_eq(&check(
            "param(\"env\", #{ help: \"environment\" });\nparam(\"customer\", #{ help: \"customer\" });\nlet c = params.custmer;\ninfo(params[\"custmer\"]);\nstep(\"s\", || info(`${params.region.len()}`));\ninfo(params.env + params.customer.len() + params[\"env\"]);\n",
        ));
        expect_test::expect![[r#"
            error: unknown parameter `env`: the script declares no parameters (declare it at the top: `param("env", #{ help: "..." });`)
              --> scripts/t.rhai:1:13
              |
            1 | info(params.env);
              |             ^"#]]
        .assert_eq(&check("info(params.env);\n"));
        // A closure parameter of that name is not the script's parameters.
        assert_eq!(check("let f = |params| params.anything;\ninfo(f.call(#{ anything: 1 }));\n"), "ok");
    }

    #[test]
    fn every_problem_is_reported_at_once_in_file_order() {
        expect_test::expect![[r#"
            error: unknown parameter `custmer`: did you mean `customer`?
              --> scripts/t.rhai:2:16
              |
            2 | let c = params.custmer;
              |                ^
            error: unknown function `terraform::aply`: did you mean `terraform::apply`?
              --> scripts/t.rhai:3:1
              |
            3 | terraform::aply(c);
              | ^"#]]
        .assert_eq(&check(
            "param(\"customer\", #{ help: \"customer\" });\nlet c = params.custmer;\nterraform::aply(c);\n",
        ));
        // A declaration that fails for a misspelt function is that function's problem.
        expect_test::expect![[r#"
            error: unknown function `enviroments`: did you mean `environments`?
              --> scripts/t.rhai:1:47
              |
            1 | param("env", #{ help: "environment", choices: enviroments() });
              |                                               ^"#]]
        .assert_eq(&check("param(\"env\", #{ help: \"environment\", choices: enviroments() });\ninfo(params.env);\n"));
    }

    #[test]
    fn what_a_script_may_call_is_not_flagged() {
        let source = r#"import "lib/platform" as platform;
param("env", #{ help: "environment", default_value: "dev", choices: environments() });
const N = 2;
fn helper(a, b) { a + b }
fn helper(a) { a }
fn inner() { import "lib/platform" as p; p::namespace("x") }
let roots = platform::customer_roots(params.env, "acme");
let obj = #{ value: 1, get: |x| this.value + x };
obj.get(1);
let f = Fn("helper");
f.call(1, 2);
call(f, 1, 2);
f.curry(1).call(2);
let h = |x| x + N + platform::LIMIT;
h.call(helper(1));
print(is_def_fn("helper", 2) && is_def_var("h"));
debug(`${type_of(h)} ${params.env} ${inner()} ${global::N}`);
let items = [3, 1, 2];
items.sort();
sort(items);
push(items, 4);
let m = #{ a: 1 };
print(keys(m) + m.values() + len(items) + items.len() + contains(items, 4));
print(items.map(|x| x * 2).filter(|x| x > 2).reduce(|sum, x| sum + x, 0));
print("a,b".split(",").map(|x| x.to_upper()) + sub_string("hello", 1, 2) + parse_int("12").to_string());
print(is_empty("") || "x" in params);
let options = #{ vars: #{ name: params.env } };
let r = step("plan", || terraform::plan(roots.infra, options));
step("apply", #{ timeout: "5m" }, || terraform::apply(roots.infra, options + #{ workspace: "w" }));
parallel([|| 1, || 2], #{ limit: 1 });
parallel_map(items, |x| x * 2, #{ limit: 2 });
exec::run(["echo", `${roots.infra}`], #{ effect: "read", env: #{ A: secret("x") } });
kubectl::rollout_status(params.env, "deployment/x", #{ namespace: platform::namespace("a"), timeout: "5m" });
switch params.env { "dev" => info("dev"), _ => warn("other") }
"#;
        assert_eq!(check(source), "ok");
    }

    #[test]
    fn rhai_s_functions_and_keywords_come_from_the_engine() {
        let (_dir, repo) = repo();
        let bound = Bound::new(Run::inspecting(repo, "lint"), "t".into(), Limits::default());
        let vocabulary = super::Vocabulary::new(&script::engine::build(&bound), &[]);
        for name in ["len", "push", "map", "filter", "contains", "sub_string", "split", "to_string", "parse_int"] {
            assert!(vocabulary.global.contains_key(name), "{name}");
        }
        for name in ["is_empty", "keys", "values", "reduce", "sort", "print", "debug", "parse_json", "step"] {
            assert!(vocabulary.global.contains_key(name), "{name}");
        }
        // Keywords are not registered functions: the parser accepts only those there are.
        for keyword in ["call", "type_of", "Fn", "curry", "is_def_fn", "is_def_var", "is_shared"] {
            assert!(!rhai::is_valid_function_name(keyword), "{keyword}");
        }
        assert!(vocabulary.module_names().any(|m| m == "terraform"));
    }

    /// A literal argument is judged by the overloads the engine registers: a name auto
    /// shares with Rhai (`sleep`) takes what either takes.
    #[test]
    fn literal_types_are_judged_by_every_overload_of_the_name() {
        let mut engine = rhai::Engine::new_raw();
        engine.register_fn("pause", |_: rhai::INT| ());
        engine.register_fn("pause", |_: &str| ());
        let sections = crate::script::reference::Section::parse(
            "t.md",
            "# Tools\n\nTools.\n\n## `pause`\n\n```rhai\npause(duration: string) -> ()\n```\n\nPauses.\n\n```rhai\npause(\"1s\");\n```\n",
        );
        let vocabulary = super::Vocabulary::new(&engine, &sections);
        let ast = crate::script::engine::parser().compile("pause(\"1s\");\npause(2);\npause([3]);\n").expect("parses");
        let found: Vec<String> = super::calls(&ast, &super::Modules::new(), &vocabulary)
            .into_iter()
            .map(|f| format!("{}: {}", f.position, f.message))
            .collect();
        expect_test::expect![[r#"
            [
                "line 3, position 7: argument 1 of `pause` (duration) must be a string, got an array",
            ]
        "#]]
        .assert_debug_eq(&found);
    }

    #[test]
    fn a_library_imported_by_a_script_is_checked_with_it() {
        let (dir, repo) = repo();
        std::fs::write(dir.path().join("scripts/lib/bad.rhai"), "fn f() { terraform::plna(\"x\") }\n").expect("write");
        std::fs::write(dir.path().join("scripts/t.rhai"), "import \"lib/bad\" as bad;\nbad::f();\n").expect("write");
        let file = ScriptFile::load(&repo, &dir.path().join("scripts/t.rhai")).expect("script");
        let bound = Bound::new(Run::inspecting(repo.clone(), "lint"), file.display.clone(), Limits::default());
        let engine = script::engine::build(&bound);
        let compiled = script::compile(&engine, &file, &repo, &bound.limits).expect("compiles");
        let found = script::check_calls(&compiled, &repo, &script::vocabulary(&engine));
        expect_test::expect![[r#"
            error: unknown function `terraform::plna`: did you mean `terraform::plan`?
              --> scripts/lib/bad.rhai:1:10
              |
            1 | fn f() { terraform::plna("x") }
              |          ^"#]]
        .assert_eq(&found.iter().map(|d| d.rendered.clone()).collect::<Vec<_>>().join("\n"));
    }

    #[test]
    fn the_arity_message_lists_the_overloads() {
        let list =
            |items: &[&[&str]]| items.iter().map(|p| p.iter().map(|s| s.to_string()).collect()).collect::<Vec<_>>();
        expect_test::expect!["`f` takes 1 argument (x), got 0"].assert_eq(&super::takes("f", &list(&[&["x"]]), 0));
        expect_test::expect!["`f` takes 0, 1 or 2 arguments (x, y), got 3"].assert_eq(&super::takes(
            "f",
            &list(&[&[], &["x"], &["x", "y"]]),
            3,
        ));
    }
}
