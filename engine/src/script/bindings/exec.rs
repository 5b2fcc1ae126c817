//! `exec::run(["prog", "arg"], #{ env, cwd, stdin, effect, timeout, check, secret_output })`
//! → `#{ code, stdout, stderr, recorded }`; `stdout` and `stderr` are secrets when the
//! primitive says so.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration, Map, Module, NativeCallContext};

use super::{at_call, data_of, options, scope_of, Bound};
use crate::primitives::exec::{self, ExecOptions, ExecResult};
use crate::report::Event;
use crate::run::RunScope;
use crate::runtime::steps::Changes;
use crate::script::convert::{to_dynamic, Unknown};
use crate::script::{bad_input, failure};

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let mut module = Module::new();
    let h = host.clone();
    let run = move |ctx: NativeCallContext, argv: Array, opts: Map| -> Result<Map, Box<rhai::EvalAltResult>> {
        run_exec(&h, &scope_of(&ctx, &h.run), argv, opts).map_err(at_call(&ctx))
    };
    let run2 = run.clone();
    FuncRegistration::new("run").with_volatility(true).set_into_module(&mut module, run);
    FuncRegistration::new("run")
        .with_volatility(true)
        .set_into_module(&mut module, move |ctx: NativeCallContext, argv: Array| run2(ctx, argv, Map::new()));
    engine.register_static_module("exec", module.into());
}

fn run_exec(h: &Bound, here: &RunScope, argv: Array, opts: Map) -> Result<Map, Box<rhai::EvalAltResult>> {
    {
        let argv = argv.iter().map(|a| data_of("exec::run", "argv", a)).collect::<Result<Vec<_>, _>>()?;
        let opts: ExecOptions = options("exec::run", &opts)?;
        let cwd =
            opts.cwd.as_deref().map(|c| h.run.repo.resolve(c)).transpose().map_err(|e| bad_input(e.to_string()))?;
        // stdout becomes a script string: keep no more than a script may hold.
        let invocation = exec::invocation(&argv, &opts, cwd).map_err(bad_input)?.max_stdout(h.limits.max_string_size);
        let observer = |_: crate::process::Stream, line: &str| here.emit(Event::ToolOutput { line: line.to_string() });
        let mut result = Map::new();
        let secrecy = exec::output_secrecy(&opts);
        match exec::run(&here.runner(), &invocation, opts.check.unwrap_or(true), secrecy, &observer).map_err(failure)? {
            ExecResult::Completed { code, stdout, stderr } => {
                // A command that may write ran: auto cannot see what it changed, so it did.
                here.settle(Changes::changed_if(invocation.effect == crate::process::Effect::Write));
                result.insert("code".into(), code.map(|c| Dynamic::from(c as i64)).unwrap_or(Dynamic::UNIT));
                result.insert("stdout".into(), to_dynamic(stdout));
                result.insert("stderr".into(), to_dynamic(stderr));
                result.insert("recorded".into(), false.into());
            }
            ExecResult::Recorded => {
                let what = format!("exec {}", invocation.program);
                result.insert("code".into(), Dynamic::from(Unknown(format!("{what}.code"))));
                result.insert("stdout".into(), Dynamic::from(Unknown(format!("{what}.stdout"))));
                result.insert("stderr".into(), Dynamic::from(Unknown(format!("{what}.stderr"))));
                result.insert("recorded".into(), true.into());
            }
        }
        Ok(result)
    }
}
