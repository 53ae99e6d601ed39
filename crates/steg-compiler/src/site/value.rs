//! Page contexts built directly as Tera values.
//!
//! `tv!` reads like `serde_json::json!` but makes `tera::Value`s: keys are static strings (no
//! allocation), values are converted by reference with [`ToTera`], and a list or map already
//! made is shared, not copied (Tera keeps them behind `Arc`). A page's context used to be
//! built as JSON and converted, which cost as much as rendering the page.

use tera::Value;
use tera::value::Key;

/// A value a page context can hold.
pub(crate) trait ToTera {
    fn to_tera(&self) -> Value;
}

impl ToTera for Value {
    fn to_tera(&self) -> Value {
        self.clone()
    }
}

impl ToTera for str {
    fn to_tera(&self) -> Value {
        Value::from(self)
    }
}

impl ToTera for String {
    fn to_tera(&self) -> Value {
        Value::from(self.as_str())
    }
}

macro_rules! copied {
    ($($t:ty),*) => {
        $(impl ToTera for $t {
            fn to_tera(&self) -> Value {
                Value::from(*self)
            }
        })*
    };
}
copied!(bool, u8, u16, u32, u64, usize, i64, f64);

impl<T: ToTera + ?Sized> ToTera for &T {
    fn to_tera(&self) -> Value {
        (**self).to_tera()
    }
}

impl<T: ToTera> ToTera for Option<T> {
    fn to_tera(&self) -> Value {
        self.as_ref().map_or_else(Value::none, ToTera::to_tera)
    }
}

impl<T: ToTera> ToTera for [T] {
    fn to_tera(&self) -> Value {
        Value::from(self.iter().map(ToTera::to_tera).collect::<Vec<_>>())
    }
}

impl<T: ToTera> ToTera for Vec<T> {
    fn to_tera(&self) -> Value {
        self.as_slice().to_tera()
    }
}

/// A map from static keys.
pub(crate) fn map(entries: Vec<(&'static str, Value)>) -> Value {
    let mut m = tera::Map::default();
    for (k, v) in entries {
        m.insert(Key::Str(k), v);
    }
    Value::from(m)
}

/// A page's context, filled key by key.
#[derive(Default)]
pub(crate) struct Ctx(tera::Context);

impl Ctx {
    pub fn insert(&mut self, key: &'static str, value: Value) {
        self.0.insert_value(key, value);
    }

    pub fn into_inner(self) -> tera::Context {
        self.0
    }
}

/// A JSON value (a form's parts) as Tera's own value, moved over node by node: what
/// `tera::Value::from_serializable` makes, without a pass through serde for every node.
pub(crate) fn from_json(v: serde_json::Value) -> tera::Value {
    use serde_json::Value as J;
    match v {
        J::Null => tera::Value::from(()),
        J::Bool(b) => b.into(),
        J::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u.into(),
            (None, Some(i)) => i.into(),
            _ => n.as_f64().unwrap_or_default().into(),
        },
        J::String(s) => s.into(),
        J::Array(items) => items.into_iter().map(from_json).collect::<Vec<_>>().into(),
        J::Object(map) => map
            .into_iter()
            .map(|(k, v)| (k, from_json(v)))
            .collect::<std::collections::BTreeMap<String, tera::Value>>()
            .into(),
    }
}

/// A Tera value from `{ "key": value, ... }`, `[value, ...]` or an expression; objects and
/// lists may nest, as in `json!`.
macro_rules! tv {
    (@entries $out:ident ()) => {};
    (@entries $out:ident ($k:literal : { $($inner:tt)* } $(, $($rest:tt)*)?)) => {
        $out.push(($k, tv!({ $($inner)* })));
        $( tv!(@entries $out ($($rest)*)); )?
    };
    (@entries $out:ident ($k:literal : [ $($inner:tt)* ] $(, $($rest:tt)*)?)) => {
        $out.push(($k, tv!([ $($inner)* ])));
        $( tv!(@entries $out ($($rest)*)); )?
    };
    (@entries $out:ident ($k:literal : $v:expr $(, $($rest:tt)*)?)) => {
        $out.push(($k, $crate::site::value::ToTera::to_tera(&$v)));
        $( tv!(@entries $out ($($rest)*)); )?
    };
    (@items $out:ident ()) => {};
    (@items $out:ident ({ $($inner:tt)* } $(, $($rest:tt)*)?)) => {
        $out.push(tv!({ $($inner)* }));
        $( tv!(@items $out ($($rest)*)); )?
    };
    (@items $out:ident ($v:expr $(, $($rest:tt)*)?)) => {
        $out.push($crate::site::value::ToTera::to_tera(&$v));
        $( tv!(@items $out ($($rest)*)); )?
    };
    ({ $($tt:tt)* }) => {{
        #[allow(clippy::vec_init_then_push)]
        let entries = {
            let mut entries: Vec<(&'static str, tera::Value)> = Vec::new();
            tv!(@entries entries ($($tt)*));
            entries
        };
        $crate::site::value::map(entries)
    }};
    ([ $($tt:tt)* ]) => {{
        #[allow(clippy::vec_init_then_push)]
        let items = {
            let mut items: Vec<tera::Value> = Vec::new();
            tv!(@items items ($($tt)*));
            items
        };
        tera::Value::from(items)
    }};
    ($e:expr) => {
        $crate::site::value::ToTera::to_tera(&$e)
    };
}
pub(crate) use tv;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tv_builds_what_json_would() {
        let title = String::from("Sömn");
        let none: Option<&str> = None;
        let v = tv!({
            "title": title, "n": 3usize, "ok": true, "none": none,
            "list": [{ "a": 1u32 }, "x"], "inner": { "b": [1u32, 2u32] },
        });
        let json = serde_json::json!({
            "title": "Sömn", "n": 3, "ok": true, "none": null,
            "list": [{ "a": 1 }, "x"], "inner": { "b": [1, 2] },
        });
        assert_eq!(v, Value::from_serializable(&json));
    }

    #[test]
    fn from_json_makes_what_tera_would() {
        let json = serde_json::json!({
            "a": [1, -2, 2.5, null, true, "å"], "b": { "c": [] }, "d": u64::MAX,
        });
        assert_eq!(from_json(json.clone()), Value::from_serializable(&json));
    }
}
