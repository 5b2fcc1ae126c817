//! `terraform::init/plan/apply/output/destroy/validate/fmt_check/summary`: adapters from
//! Rhai to [`crate::primitives::terraform`]. One [`Terraform`] per run holds the version
//! check and the change summary. See docs/terraform.md for the API.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};

use super::{at_call, options, scope_of, Bound};
use crate::primitives::terraform::{
    ApplyOptions, DestroyOptions, InitOptions, OutputOptions, PlanOptions, Terraform, TerraformError,
};
use crate::run::RunScope;
use crate::runtime::data::Data;
use crate::runtime::steps::{Outcome as _, Target};
use crate::script::convert::to_dynamic;
use crate::script::raise;

type Outcome = Result<Dynamic, Box<EvalAltResult>>;

/// What a `terraform::<name>(root, opts)` function does, given the run's session.
type Body = fn(&Terraform, &RunScope, &str, &Map) -> Outcome;

fn error(function: &str) -> impl Fn(TerraformError) -> Box<EvalAltResult> + '_ {
    move |error| raise(format!("terraform::{function}: {}", error.message), error.kind)
}

fn init(tf: &Terraform, _: &RunScope, root: &str, opts: &Map) -> Outcome {
    let opts: InitOptions = options("terraform::init", opts)?;
    tf.init(root, &opts).map_err(error("init"))?;
    Ok(Dynamic::UNIT)
}

fn plan(tf: &Terraform, here: &RunScope, root: &str, opts: &Map) -> Outcome {
    let opts: PlanOptions = options("terraform::plan", opts)?;
    let result = tf.plan(&here.run.locks, root, &opts).map_err(error("plan"))?;
    here.settle_on(&Target::TerraformRoot(root.to_string()), result.changes());
    Ok(to_dynamic(result.to_data()))
}

fn apply(tf: &Terraform, here: &RunScope, root: &str, opts: &Map) -> Outcome {
    let opts: ApplyOptions = options("terraform::apply", opts)?;
    let outcome = tf.apply(&here.run.locks, &here.run.apply_checks(), root, &opts).map_err(error("apply"))?;
    here.settle_on(&Target::TerraformRoot(root.to_string()), outcome.changes());
    Ok(to_dynamic(outcome.outputs))
}

fn destroy(tf: &Terraform, here: &RunScope, root: &str, opts: &Map) -> Outcome {
    let opts: DestroyOptions = options("terraform::destroy", opts)?;
    let outcome = tf.destroy(&here.run.locks, &here.run.apply_checks(), root, &opts).map_err(error("destroy"))?;
    here.settle_on(&Target::TerraformRoot(root.to_string()), outcome.changes());
    Ok(to_dynamic(outcome.plan.to_data()))
}

fn output(tf: &Terraform, _: &RunScope, root: &str, opts: &Map) -> Outcome {
    let opts: OutputOptions = options("terraform::output", opts)?;
    Ok(to_dynamic(tf.output(root, &opts).map_err(error("output"))?))
}

fn state(tf: &Terraform, _: &RunScope, root: &str, opts: &Map) -> Outcome {
    let opts: OutputOptions = options("terraform::state", opts)?;
    Ok(to_dynamic(tf.state(root, &opts).map_err(error("state"))?))
}

fn validate(tf: &Terraform, _: &RunScope, path: &str, _: &Map) -> Outcome {
    Ok(to_dynamic(tf.validate(path).map_err(error("validate"))?.to_data()))
}

fn fmt_check(tf: &Terraform, _: &RunScope, path: &str, _: &Map) -> Outcome {
    Ok(match tf.fmt_check(path).map_err(error("fmt_check"))? {
        Some(files) => Dynamic::from_array(files.into_iter().map(Dynamic::from).collect::<Array>()),
        None => to_dynamic(Data::Unknown(format!("fmt_check {path}"))),
    })
}

/// Runs `body` with the session's commands going through the calling step's runner.
fn call(body: Body, tf: &Terraform, h: &Bound, ctx: &NativeCallContext, path: &str, opts: &Map) -> Outcome {
    let here = scope_of(ctx, &h.run);
    body(&tf.through(Arc::new(here.runner())), &here, path, opts).map_err(at_call(ctx))
}

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let run = &host.run;
    let terraform = Arc::new(
        Terraform::with_planned(
            Arc::new(run.root_scope().runner()),
            run.repo.clone(),
            run.unknowns,
            run.planned.clone(),
        )
        .predicting(run.policy.predicts)
        .in_run(&run.run_id),
    );
    let mut module = Module::new();

    let with_options: [(&str, Body); 6] =
        [("init", init), ("plan", plan), ("apply", apply), ("destroy", destroy), ("output", output), ("state", state)];
    for (name, body) in with_options {
        let (tf, h) = (terraform.clone(), host.clone());
        FuncRegistration::new(name)
            .with_volatility(true)
            .set_into_module(&mut module, move |ctx: NativeCallContext, root: &str, opts: Map| -> Outcome {
                call(body, &tf, &h, &ctx, root, &opts)
            });
        let (tf, h) = (terraform.clone(), host.clone());
        FuncRegistration::new(name)
            .with_volatility(true)
            .set_into_module(&mut module, move |ctx: NativeCallContext, root: &str| -> Outcome {
                call(body, &tf, &h, &ctx, root, &Map::new())
            });
    }
    let path_only: [(&str, Body); 2] = [("validate", validate), ("fmt_check", fmt_check)];
    for (name, body) in path_only {
        let (tf, h) = (terraform.clone(), host.clone());
        FuncRegistration::new(name)
            .with_volatility(true)
            .set_into_module(&mut module, move |ctx: NativeCallContext, path: &str| -> Outcome {
                call(body, &tf, &h, &ctx, path, &Map::new())
            });
    }

    let tf = terraform;
    FuncRegistration::new("summary").with_volatility(true).set_into_module(&mut module, move || -> Array {
        tf.summary().iter().map(|s| to_dynamic(s.to_data())).collect()
    });

    engine.register_static_module("terraform", module.into());
}
