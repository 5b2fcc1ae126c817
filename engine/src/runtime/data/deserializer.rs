//! A serde [`Deserializer`] over `&Data`: how an option map becomes a typed request
//! (`#[serde(deny_unknown_fields)]` structs) without going through JSON.
//!
//! It answers like `serde_json::Value` does (the same visits, the same error messages:
//! `unknown field`, `invalid type: null, expected a string`), so a request reads the
//! same whichever of the two it comes from. What JSON has no form for — a secret, a value
//! known only after an apply — reaches a field typed [`Data`] or [`Secret`] as itself,
//! through a private channel: [`Data`]'s `Deserialize` asks for the newtype struct
//! [`DATA_TOKEN`], which only this deserializer answers with the value (as an enum
//! variant only `Data`'s visitor knows). A field of any other type (a `String`, a
//! number) is refused with `invalid type: secret` or `invalid type: unknown value`, so a
//! secret never turns into plain text on the way.

use std::fmt;

use serde::de::value::{BorrowedStrDeserializer, StringDeserializer};
use serde::de::{
    DeserializeSeed, Deserializer, EnumAccess, Error as _, IntoDeserializer, MapAccess, SeqAccess, Unexpected,
    VariantAccess, Visitor,
};

use super::Data;
use crate::secret::Secret;

/// The newtype-struct name under which [`Data`] asks for itself; see the module docs.
pub(super) const DATA_TOKEN: &str = "$auto::Data";
/// The variants that carry a secret (registered line by line, or whole) and an unknown
/// through the channel. Only [`DataDeserializer`] produces them.
pub(super) const SECRET_EACH_LINE: &str = "$auto::Secret";
pub(super) const SECRET_WHOLE: &str = "$auto::SecretWhole";
pub(super) const UNKNOWN: &str = "$auto::Unknown";

/// A failed deserialisation: serde's message, worded as `serde_json` words it.
#[derive(Debug, Clone, PartialEq)]
pub struct DataError(pub String);

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DataError {}

impl serde::de::Error for DataError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DataError(message.to_string())
    }

    fn invalid_type(unexpected: Unexpected, expected: &dyn serde::de::Expected) -> Self {
        DataError(format!("invalid type: {}, expected {expected}", JsonLike(unexpected)))
    }

    fn invalid_value(unexpected: Unexpected, expected: &dyn serde::de::Expected) -> Self {
        DataError(format!("invalid value: {}, expected {expected}", JsonLike(unexpected)))
    }
}

/// `()` reads `null` and floats print as JSON prints them, as in `serde_json`'s messages.
struct JsonLike<'a>(Unexpected<'a>);

impl fmt::Display for JsonLike<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Unexpected::Unit => f.write_str("null"),
            Unexpected::Float(value) => match serde_json::Number::from_f64(value) {
                Some(number) => write!(f, "floating point `{number}`"),
                None => write!(f, "floating point `{value}`"),
            },
            other => fmt::Display::fmt(&other, f),
        }
    }
}

/// Deserialises from a borrowed [`Data`]; see the module docs.
#[derive(Clone, Copy)]
pub struct DataDeserializer<'de>(pub &'de Data);

impl<'de> DataDeserializer<'de> {
    /// A float JSON cannot hold (NaN, infinity) is `null` there, and so here.
    fn value(&self) -> &'de Data {
        match self.0 {
            Data::Float(f) if !f.is_finite() => &Data::Null,
            other => other,
        }
    }

    fn unexpected(&self) -> Unexpected<'de> {
        match self.value() {
            Data::Null => Unexpected::Unit,
            Data::Bool(b) => Unexpected::Bool(*b),
            Data::Int(i) if *i >= 0 => Unexpected::Unsigned(*i as u64),
            Data::Int(i) => Unexpected::Signed(*i),
            Data::Float(f) => Unexpected::Float(*f),
            Data::Str(s) => Unexpected::Str(s),
            Data::List(_) => Unexpected::Seq,
            Data::Map(_) => Unexpected::Map,
            Data::Secret(_) => Unexpected::Other("secret"),
            Data::Unknown(_) => Unexpected::Other("unknown value"),
        }
    }

    fn invalid_type<V: Visitor<'de>>(&self, visitor: &V) -> DataError {
        DataError::invalid_type(self.unexpected(), visitor)
    }

    fn number<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Int(i) if *i >= 0 => visitor.visit_u64(*i as u64),
            Data::Int(i) => visitor.visit_i64(*i),
            Data::Float(f) => visitor.visit_f64(*f),
            _ => Err(self.invalid_type(&visitor)),
        }
    }
}

macro_rules! numbers {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
            self.number(visitor)
        })*
    };
}

impl<'de> Deserializer<'de> for DataDeserializer<'de> {
    type Error = DataError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Null => visitor.visit_unit(),
            Data::Bool(b) => visitor.visit_bool(*b),
            Data::Int(_) | Data::Float(_) => self.number(visitor),
            Data::Str(s) => visitor.visit_borrowed_str(s),
            Data::List(items) => visit_list(items, visitor),
            Data::Map(map) => visit_map(map, visitor),
            Data::Secret(_) | Data::Unknown(_) => Err(self.invalid_type(&visitor)),
        }
    }

    numbers! { deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
    deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Str(variant) => visitor.visit_enum(Variant { name: variant, value: None }),
            Data::Map(map) => {
                let mut entries = map.iter();
                match (entries.next(), entries.next()) {
                    (Some((name, value)), None) => visitor.visit_enum(Variant { name, value: Some(value) }),
                    _ => Err(DataError::invalid_value(Unexpected::Map, &"map with a single key")),
                }
            }
            _ => Err(DataError::invalid_type(self.unexpected(), &"string or map")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Secret(secret) if name == DATA_TOKEN => visitor.visit_enum(Opaque::Secret(secret)),
            Data::Unknown(what) if name == DATA_TOKEN => visitor.visit_enum(Opaque::Unknown(what)),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Bool(b) => visitor.visit_bool(*b),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Str(s) => visitor.visit_borrowed_str(s),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Str(s) => visitor.visit_borrowed_str(s),
            Data::List(items) => visit_list(items, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Null => visitor.visit_unit(),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, DataError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value() {
            Data::List(items) => visit_list(items, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DataError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DataError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        match self.value() {
            Data::Map(map) => visit_map(map, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DataError> {
        match self.value() {
            Data::List(items) => visit_list(items, visitor),
            Data::Map(map) => visit_map(map, visitor),
            _ => Err(self.invalid_type(&visitor)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DataError> {
        visitor.visit_unit()
    }
}

fn visit_list<'de, V: Visitor<'de>>(items: &'de [Data], visitor: V) -> Result<V::Value, DataError> {
    let mut access = List { items: items.iter() };
    let value = visitor.visit_seq(&mut access)?;
    if access.items.len() == 0 {
        Ok(value)
    } else {
        Err(DataError::invalid_length(items.len(), &"fewer elements in array"))
    }
}

fn visit_map<'de, V: Visitor<'de>>(
    map: &'de std::collections::BTreeMap<String, Data>,
    visitor: V,
) -> Result<V::Value, DataError> {
    let mut access = Entries { entries: map.iter(), value: None };
    let value = visitor.visit_map(&mut access)?;
    if access.entries.len() == 0 {
        Ok(value)
    } else {
        Err(DataError::invalid_length(map.len(), &"fewer elements in map"))
    }
}

struct List<'de> {
    items: std::slice::Iter<'de, Data>,
}

impl<'de> SeqAccess<'de> for List<'de> {
    type Error = DataError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, DataError> {
        self.items.next().map(|item| seed.deserialize(DataDeserializer(item))).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct Entries<'de> {
    entries: std::collections::btree_map::Iter<'de, String, Data>,
    value: Option<&'de Data>,
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = DataError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, DataError> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(BorrowedStrDeserializer::new(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DataError> {
        match self.value.take() {
            Some(value) => seed.deserialize(DataDeserializer(value)),
            None => Err(DataError::custom("value is missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

/// An enum as JSON writes it: `"variant"`, or `{ variant: value }`.
struct Variant<'de> {
    name: &'de str,
    value: Option<&'de Data>,
}

impl<'de> EnumAccess<'de> for Variant<'de> {
    type Error = DataError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DataError> {
        let name = seed.deserialize(BorrowedStrDeserializer::new(self.name))?;
        Ok((name, self))
    }
}

impl<'de> VariantAccess<'de> for Variant<'de> {
    type Error = DataError;

    fn unit_variant(self) -> Result<(), DataError> {
        match self.value {
            Some(value) => serde::Deserialize::deserialize(DataDeserializer(value)),
            None => Ok(()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DataError> {
        match self.value {
            Some(value) => seed.deserialize(DataDeserializer(value)),
            None => Err(DataError::invalid_type(Unexpected::UnitVariant, &"newtype variant")),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, DataError> {
        match self.value {
            Some(Data::List(items)) => visit_list(items, visitor),
            Some(other) => Err(DataError::invalid_type(DataDeserializer(other).unexpected(), &"tuple variant")),
            None => Err(DataError::invalid_type(Unexpected::UnitVariant, &"tuple variant")),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DataError> {
        match self.value {
            Some(Data::Map(map)) => visit_map(map, visitor),
            Some(other) => Err(DataError::invalid_type(DataDeserializer(other).unexpected(), &"struct variant")),
            None => Err(DataError::invalid_type(Unexpected::UnitVariant, &"struct variant")),
        }
    }
}

/// A secret or an unknown on its way to `Data`'s visitor: a variant of the channel's
/// private enum, with the value as its newtype payload.
enum Opaque<'de> {
    Secret(&'de Secret),
    Unknown(&'de str),
}

impl<'de> EnumAccess<'de> for Opaque<'de> {
    type Error = DataError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self), DataError> {
        let name = match self {
            Opaque::Secret(secret) if secret.is_whole() => SECRET_WHOLE,
            Opaque::Secret(_) => SECRET_EACH_LINE,
            Opaque::Unknown(_) => UNKNOWN,
        };
        let name = seed.deserialize(BorrowedStrDeserializer::new(name))?;
        Ok((name, self))
    }
}

impl<'de> VariantAccess<'de> for Opaque<'de> {
    type Error = DataError;

    fn unit_variant(self) -> Result<(), DataError> {
        Err(DataError::invalid_type(Unexpected::NewtypeVariant, &"unit variant"))
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, DataError> {
        match self {
            Opaque::Secret(secret) => {
                let value: StringDeserializer<DataError> = secret.expose().to_string().into_deserializer();
                seed.deserialize(value)
            }
            Opaque::Unknown(what) => seed.deserialize(BorrowedStrDeserializer::new(what)),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, DataError> {
        Err(DataError::invalid_type(Unexpected::NewtypeVariant, &"tuple variant"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, DataError> {
        Err(DataError::invalid_type(Unexpected::NewtypeVariant, &"struct variant"))
    }
}
