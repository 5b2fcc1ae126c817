//! `terraform::init/plan/apply/output/destroy/validate/fmt_check/summary`: adapters from
//! Rhai to [`crate::primitives::terraform`]. One [`Terraform`] per run holds the version
//! check and the change summary. See docs/terraform.md for the API.

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, EvalAltResult, FuncRegistration, Map, Module, NativeCallContext};

use super::{at_call, options};
use crate::primitives::terraform::{
    ApplyOptions, DestroyOptions, InitOptions, OutputOptions, PlanOptions, Terraform, TerraformError, UnknownInputs,
};
use crate::runtime::data::Data;
use crate::runtime::host::Host;
use crate::runtime::steps::mark_changed;
use crate::script::convert::to_dynamic;
use crate::script::raise;

type Outcome = Result<Dynamic, Box<EvalAltResult>>;

/// What a `terraform::<name>(root, opts)` function does, given the run's session.
type Body = fn(&Terraform, &Host, &str, &Map) -> Outcome;

fn error(function: &str) -> impl Fn(TerraformError) -> Box<EvalAltResult> + '_ {
    move |error| raise(format!("terraform::{function}: {}", error.message), error.kind)
}

fn init(tf: &Terraform, _: &Host, root: &str, opts: &Map) -> Outcome {
    let opts: InitOptions = options("terraform::init", opts)?;
    tf.init(root, &opts).map_err(error("init"))?;
    Ok(Dynamic::UNIT)
}

fn plan(tf: &Terraform, _: &Host, root: &str, opts: &Map) -> Outcome {
    let opts: PlanOptions = options("terraform::plan", opts)?;
    let result = tf.plan(root, &opts).map_err(error("plan"))?;
    if matches!(&result, crate::primitives::terraform::PlanResult::Planned(planned) if planned.changes) {
        crate::runtime::steps::mark_pending_changes(&format!("terraform:{root}"));
    }
    Ok(to_dynamic(result.to_data()))
}

fn apply(tf: &Terraform, host: &Host, root: &str, opts: &Map) -> Outcome {
    let opts: ApplyOptions = options("terraform::apply", opts)?;
    let outcome = tf.apply(&host.locks, root, &opts).map_err(error("apply"))?;
    crate::runtime::steps::clear_pending_changes(&format!("terraform:{root}"));
    if outcome.changed {
        mark_changed();
    }
    Ok(to_dynamic(outcome.outputs))
}

fn destroy(tf: &Terraform, host: &Host, root: &str, opts: &Map) -> Outcome {
    let opts: DestroyOptions = options("terraform::destroy", opts)?;
    let outcome = tf.destroy(&host.locks, root, &opts).map_err(error("destroy"))?;
    crate::runtime::steps::clear_pending_changes(&format!("terraform:{root}"));
    if outcome.changed {
        mark_changed();
    }
    Ok(to_dynamic(outcome.plan.to_data()))
}

fn output(tf: &Terraform, _: &Host, root: &str, opts: &Map) -> Outcome {
    let opts: OutputOptions = options("terraform::output", opts)?;
    Ok(to_dynamic(tf.output(root, &opts).map_err(error("output"))?))
}

fn validate(tf: &Terraform, _: &Host, path: &str, _: &Map) -> Outcome {
    Ok(to_dynamic(tf.validate(path).map_err(error("validate"))?.to_data()))
}

fn fmt_check(tf: &Terraform, _: &Host, path: &str, _: &Map) -> Outcome {
    Ok(match tf.fmt_check(path).map_err(error("fmt_check"))? {
        Some(files) => Dynamic::from_array(files.into_iter().map(Dynamic::from).collect::<Array>()),
        None => to_dynamic(Data::Unknown(format!("fmt_check {path}"))),
    })
}

pub fn register(engine: &mut Engine, host: &Arc<Host>) {
    let terraform =
        Arc::new(Terraform::new(host.runner.clone(), host.repo.clone(), UnknownInputs::for_mode(host.mode())));
    let mut module = Module::new();

    let with_options: [(&str, Body); 5] =
        [("init", init), ("plan", plan), ("apply", apply), ("destroy", destroy), ("output", output)];
    for (name, body) in with_options {
        let (tf, h) = (terraform.clone(), host.clone());
        FuncRegistration::new(name).with_volatility(true).set_into_module(
            &mut module,
            move |ctx: NativeCallContext, root: &str, opts: Map| -> Outcome {
                body(&tf, &h, root, &opts).map_err(at_call(&ctx))
            },
        );
        let (tf, h) = (terraform.clone(), host.clone());
        FuncRegistration::new(name).with_volatility(true).set_into_module(
            &mut module,
            move |ctx: NativeCallContext, root: &str| -> Outcome {
                body(&tf, &h, root, &Map::new()).map_err(at_call(&ctx))
            },
        );
    }
    let path_only: [(&str, Body); 2] = [("validate", validate), ("fmt_check", fmt_check)];
    for (name, body) in path_only {
        let (tf, h) = (terraform.clone(), host.clone());
        FuncRegistration::new(name).with_volatility(true).set_into_module(
            &mut module,
            move |ctx: NativeCallContext, path: &str| -> Outcome {
                body(&tf, &h, path, &Map::new()).map_err(at_call(&ctx))
            },
        );
    }

    let tf = terraform;
    FuncRegistration::new("summary").with_volatility(true).set_into_module(&mut module, move || -> Array {
        tf.summary().iter().map(|s| to_dynamic(s.to_data())).collect()
    });

    engine.register_static_module("terraform", module.into());
}
