//! The repository model for scripts: `environments()`, `environment(env)`,
//! `customers(env)`, `customer(env, id)`, `customer_exists(env, id)`, `path_exists(path)`.

use std::collections::BTreeMap;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, FuncRegistration};

use super::Bound;
use crate::repo::Customer;
use crate::runtime::data::Data;
use crate::script::bad_input;
use crate::script::convert::to_dynamic;

/// A customer as scripts see it: `c.id`, `c.env`, `c.display_name`, `c.apps`, `c.dir`,
/// `c.root("infra")` → `environments/dev/acme/infra`.
#[derive(Debug, Clone)]
pub struct CustomerHandle {
    pub customer: Customer,
    pub dir: String,
}

pub fn customer_to_data(value: &Dynamic) -> Option<Data> {
    let handle = value.clone().try_cast::<CustomerHandle>()?;
    Some(Data::Map(BTreeMap::from([
        ("id".to_string(), Data::Str(handle.customer.id.clone())),
        ("env".to_string(), Data::Str(handle.customer.env.clone())),
        ("dir".to_string(), Data::Str(handle.dir.clone())),
    ])))
}

pub fn register(engine: &mut Engine, host: &Arc<Bound>) {
    let h = host.clone();
    FuncRegistration::new("environments").with_volatility(true).register_into_engine(engine, move || -> Array {
        h.run.repo.environment_names().into_iter().map(Dynamic::from).collect()
    });
    let h = host.clone();
    FuncRegistration::new("environment").with_volatility(true).register_into_engine(
        engine,
        move |env: &str| -> Result<Dynamic, Box<rhai::EvalAltResult>> {
            let environment = h.run.repo.environment(env).map_err(|e| bad_input(e.to_string()))?;
            let mut data = Data::from_json(environment.config.to_json());
            if let Data::Map(map) = &mut data {
                map.insert("name".into(), Data::Str(environment.name.clone()));
            }
            Ok(to_dynamic(data))
        },
    );
    let h = host.clone();
    FuncRegistration::new("customers").with_volatility(true).register_into_engine(
        engine,
        move |env: &str| -> Result<Array, Box<rhai::EvalAltResult>> {
            let ids = h.run.repo.customer_ids(env).map_err(|e| bad_input(e.to_string()))?;
            Ok(ids.into_iter().map(Dynamic::from).collect::<Array>())
        },
    );
    let h = host.clone();
    FuncRegistration::new("customer").with_volatility(true).register_into_engine(
        engine,
        move |env: &str, id: &str| -> Result<CustomerHandle, Box<rhai::EvalAltResult>> {
            let customer = h.run.repo.customer(env, id).map_err(|e| bad_input(e.to_string()))?;
            let dir = h.run.repo.relative(&customer.dir);
            Ok(CustomerHandle { customer, dir })
        },
    );
    let h = host.clone();
    FuncRegistration::new("customer_exists").with_volatility(true).register_into_engine(
        engine,
        move |env: &str, id: &str| -> Result<bool, Box<rhai::EvalAltResult>> {
            h.run.repo.environment(env).map_err(|e| bad_input(e.to_string()))?;
            crate::repo::names::validate("customer", id).map_err(|e| bad_input(e.to_string()))?;
            Ok(h.run.repo.environments_dir().join(env).join(id).join("customer.toml").is_file())
        },
    );
    let h = host.clone();
    FuncRegistration::new("path_exists").with_volatility(true).register_into_engine(
        engine,
        move |path: &str| -> Result<bool, Box<rhai::EvalAltResult>> {
            h.run.repo.resolve(path).map(|p| p.exists()).map_err(|e| bad_input(e.to_string()))
        },
    );
    engine.register_fn("validate_name", |kind: &str, name: &str| -> Result<(), Box<rhai::EvalAltResult>> {
        let kind: &'static str = match kind {
            "customer" => "customer",
            "environment" => "environment",
            _ => "resource",
        };
        crate::repo::names::validate(kind, name).map_err(|e| bad_input(e.to_string()))
    });

    engine.register_type_with_name::<CustomerHandle>("Customer");
    engine.register_get("id", |c: &mut CustomerHandle| c.customer.id.clone());
    engine.register_get("env", |c: &mut CustomerHandle| c.customer.env.clone());
    engine.register_get("display_name", |c: &mut CustomerHandle| c.customer.config.display_name.clone());
    engine.register_get("apps", |c: &mut CustomerHandle| {
        c.customer.config.apps.iter().cloned().map(Dynamic::from).collect::<Array>()
    });
    engine.register_get("dir", |c: &mut CustomerHandle| c.dir.clone());
    engine.register_fn("root", |c: &mut CustomerHandle, name: &str| -> Result<String, Box<rhai::EvalAltResult>> {
        crate::repo::names::validate("root", name).map_err(|e| bad_input(e.to_string()))?;
        Ok(format!("{}/{name}", c.dir))
    });
    engine.register_fn("to_string", |c: &mut CustomerHandle| format!("{}/{}", c.customer.env, c.customer.id));
    engine.register_fn("to_debug", |c: &mut CustomerHandle| format!("Customer({}/{})", c.customer.env, c.customer.id));
}
