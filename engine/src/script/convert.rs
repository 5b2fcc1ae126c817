//! Conversions between Rhai values and [`Data`]: the only place the two meet.

use std::collections::BTreeMap;

use rhai::{Array, Dynamic, ImmutableString, Map};

use crate::repo::Customer;
use crate::runtime::data::Data;
use crate::secret::Secret;

/// A value known only after an apply, as scripts see it: printing shows
/// `(known after apply: dev/acme/infra.storage_account)`; indexing it yields another.
#[derive(Debug, Clone, PartialEq)]
pub struct Unknown(pub String);

/// A customer as scripts see it: `c.id`, `c.env`, `c.display_name`, `c.apps`, `c.dir`,
/// `c.root("infra")` → `environments/dev/acme/infra`.
#[derive(Debug, Clone)]
pub struct CustomerHandle {
    pub customer: Customer,
    pub dir: String,
}

/// A customer handle travels to tools as its `id`, `env` and `dir`.
fn customer_to_data(value: &Dynamic) -> Option<Data> {
    let handle = value.clone().try_cast::<CustomerHandle>()?;
    Some(Data::Map(BTreeMap::from([
        ("id".to_string(), Data::Str(handle.customer.id.clone())),
        ("env".to_string(), Data::Str(handle.customer.env.clone())),
        ("dir".to_string(), Data::Str(handle.dir.clone())),
    ])))
}

pub fn to_data(value: &Dynamic) -> Result<Data, String> {
    if value.is_unit() {
        return Ok(Data::Null);
    }
    if let Some(b) = value.clone().try_cast::<bool>() {
        return Ok(Data::Bool(b));
    }
    if let Some(i) = value.clone().try_cast::<i64>() {
        return Ok(Data::Int(i));
    }
    if let Some(f) = value.clone().try_cast::<f64>() {
        return Ok(Data::Float(f));
    }
    if value.is_string() || value.is_char() {
        return Ok(Data::Str(value.to_string()));
    }
    if let Some(secret) = value.clone().try_cast::<Secret>() {
        return Ok(Data::Secret(secret));
    }
    if let Some(unknown) = value.clone().try_cast::<Unknown>() {
        return Ok(Data::Unknown(unknown.0));
    }
    if value.is_array() {
        let array = value.read_lock::<Array>().ok_or("array is locked")?;
        return array.iter().map(to_data).collect::<Result<Vec<_>, _>>().map(Data::List);
    }
    if value.is_map() {
        let map = value.read_lock::<Map>().ok_or("map is locked")?;
        let mut out = BTreeMap::new();
        for (key, item) in map.iter() {
            out.insert(key.to_string(), to_data(item)?);
        }
        return Ok(Data::Map(out));
    }
    if let Some(customer) = customer_to_data(value) {
        return Ok(customer);
    }
    Err(format!("a value of type `{}` cannot be passed to a tool", value.type_name()))
}

pub fn to_dynamic(data: Data) -> Dynamic {
    match data {
        Data::Null => Dynamic::UNIT,
        Data::Bool(b) => b.into(),
        Data::Int(i) => i.into(),
        Data::Float(f) => f.into(),
        Data::Str(s) => ImmutableString::from(s).into(),
        Data::Secret(s) => Dynamic::from(s),
        Data::Unknown(what) => Dynamic::from(Unknown(what)),
        Data::List(items) => items.into_iter().map(to_dynamic).collect::<Array>().into(),
        Data::Map(map) => map.into_iter().map(|(k, v)| (k.into(), to_dynamic(v))).collect::<Map>().into(),
    }
}
