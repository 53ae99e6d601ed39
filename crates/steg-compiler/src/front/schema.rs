//! JSON Schemas of the front matter, for editors: completion, descriptions and checks while
//! typing, before `steg check` runs.
//!
//! They are generated from the structs that parse the front matter (`front.rs`), so a field
//! added there appears here. A steg's fields depend on its `type`, and so do a question's;
//! which fields each type uses is read from the same tables the checks use
//! (`STEG_TYPE_FIELDS`, `QUESTION_TYPE_FIELDS`). The steg schema offers every field for
//! completion and, keyed on `type`, holds each type to its own fields (`if`/`then`); there is
//! also one schema per steg type.
//!
//! Draft 7, not 2020-12 like the bundle's schema: the YAML language server, which most editor
//! integrations use, supports draft 7 fully and newer drafts only in part.
//!
//! Descriptions are in Swedish: they are read by the editors, in their editor.

use super::{AvsnittFront, ModulFront, MomentFront, StegFront};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

/// Every front-matter schema, named as its file is: `<name>.schema.json`.
pub fn front_matter_schemas() -> Vec<(String, Value)> {
    let mut moment = root::<MomentFront>();
    describe_trigger_events(&mut moment);
    // The keys of `lix:` are target groups; schemars describes a map's values only.
    if let Some(Value::Object(lix)) = moment.pointer_mut("/definitions/ChecksFront/properties/lix")
    {
        lix.insert(
            "propertyNames".into(),
            json!({ "$ref": "#/definitions/AudienceGroup" }),
        );
    }
    let mut out = vec![
        ("moment".to_string(), moment),
        ("modul".to_string(), root::<ModulFront>()),
        ("avsnitt".to_string(), root::<AvsnittFront>()),
    ];
    let mut steg = root::<StegFront>();
    restrict_questions(&mut steg);
    allow_licence_spelling(&mut steg);
    for (type_name, _) in super::STEG_TYPE_FIELDS {
        let mut one = steg_of_type(&steg, type_name);
        prune_definitions(&mut one);
        out.push((format!("steg-{type_name}"), one));
    }
    dispatch_steg_on_type(&mut steg);
    out.insert(3, ("steg".to_string(), steg));
    for (_, schema) in &mut out {
        drop_number_formats(schema);
    }
    out
}

/// schemars marks numbers with Rust's types (`"format": "uint32"`), which are no JSON Schema
/// formats: validators ignore them, and some (ajv, behind several editor plugins) warn about
/// each. `minimum` and `maximum` already say what the type allows.
fn drop_number_formats(v: &mut Value) {
    match v {
        Value::Object(o) => {
            let numeric = |f: &str| {
                matches!(
                    f,
                    "int8"
                        | "int16"
                        | "int32"
                        | "int64"
                        | "uint"
                        | "uint8"
                        | "uint16"
                        | "uint32"
                        | "uint64"
                        | "float"
                        | "double"
                )
            };
            if o.get("format").and_then(Value::as_str).is_some_and(numeric) {
                o.remove("format");
            }
            o.values_mut().for_each(drop_number_formats);
        }
        Value::Array(a) => a.iter_mut().for_each(drop_number_formats),
        _ => {}
    }
}

/// The names `steg schema NAME` accepts, in the order [`front_matter_schemas`] gives them.
pub fn front_matter_names() -> Vec<String> {
    let mut names: Vec<String> = ["moment", "modul", "avsnitt", "steg"]
        .map(String::from)
        .to_vec();
    names.extend(
        super::STEG_TYPE_FIELDS
            .iter()
            .map(|(t, _)| format!("steg-{t}")),
    );
    names
}

fn root<T: JsonSchema>() -> Value {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<T>();
    schema.to_value()
}

/// The fields every steg may have, whatever its type.
const STEG_COMMON: &[&str] = &[
    "id",
    "title",
    "type",
    "audience",
    "allow",
    "placeholder",
    "moved_from",
];

/// One steg type's schema: only the fields it uses, and the fields it needs.
fn steg_of_type(steg: &Value, type_name: &str) -> Value {
    let uses = type_fields(super::STEG_TYPE_FIELDS, type_name);
    let mut one = restricted(steg, STEG_COMMON, uses, type_name);
    let o = object(&mut one);
    let mut required = vec!["title"];
    // `type:` may be left out for text, the default.
    if type_name != "text" {
        required.push("type");
    }
    match type_name {
        "video" => required.extend(["captions", "transcript", "duration_seconds"]),
        "audio" => required.extend(["transcript", "duration_seconds"]),
        "image" => required.push("src"),
        "form" => required.push("questions"),
        _ => {}
    }
    o.insert("required".into(), json!(required));
    match type_name {
        "video" | "audio" => {
            o.insert(
                "oneOf".into(),
                json!([{ "required": ["src"] }, { "required": ["url"] }]),
            );
        }
        "image" => {
            o.insert(
                "if".into(),
                json!({ "properties": { "decorative": { "const": true } }, "required": ["decorative"] }),
            );
            o.insert("else".into(), json!({ "required": ["alt"] }));
        }
        _ => {}
    }
    for key in ["$schema", "definitions"] {
        if let Some(v) = steg.get(key) {
            o.insert(key.into(), v.clone());
        }
    }
    o.insert("title".into(), json!(format!("steg (type: {type_name})")));
    one
}

/// The steg schema: every field for completion, each type held to its own fields.
fn dispatch_steg_on_type(steg: &mut Value) {
    let types: Vec<&str> = super::STEG_TYPE_FIELDS.iter().map(|(t, _)| *t).collect();
    let mut rules = Vec::new();
    let mut definitions = Map::new();
    for t in &types {
        let mut one = steg_of_type(steg, t);
        let o = object(&mut one);
        for key in ["$schema", "definitions", "title"] {
            o.remove(key);
        }
        let name = format!("Steg_{t}");
        rules.push(json!({
            "if": if *t == "text" {
                json!({ "properties": { "type": { "const": t } } })
            } else {
                json!({ "properties": { "type": { "const": t } }, "required": ["type"] })
            },
            "then": { "$ref": format!("#/definitions/{name}") },
        }));
        definitions.insert(name, one);
    }
    let o = object(steg);
    if let Some(Value::Object(defs)) = o.get_mut("definitions") {
        defs.extend(definitions);
    }
    set_enum(o, "type", &types);
    o.insert("allOf".into(), Value::Array(rules));
}

/// The fields every question may have, whatever its type.
const QUESTION_COMMON: &[&str] = &[
    "id", "type", "label", "help", "required", "show_if", "alert",
];

/// Holds each question type to its own fields, as the steg schema does for steg types.
fn restrict_questions(steg: &mut Value) {
    let Some(Value::Object(defs)) = object(steg).get_mut("definitions") else {
        return;
    };
    let Some(question) = defs.get("QuestionFront").cloned() else {
        return;
    };
    let mut rules = Vec::new();
    let types: Vec<&str> = super::QUESTION_TYPE_FIELDS
        .iter()
        .map(|(t, _)| *t)
        .collect();
    for t in &types {
        let uses = type_fields(super::QUESTION_TYPE_FIELDS, t);
        let mut one = restricted(&question, QUESTION_COMMON, uses, t);
        let mut required = vec!["id", "type", "label"];
        match *t {
            "single_choice" | "multiple_choice" => required.push("options"),
            "scale" => required.extend(["min", "max"]),
            "group" => required.push("questions"),
            _ => {}
        }
        object(&mut one).insert("required".into(), json!(required));
        let name = format!("Question_{t}");
        rules.push(json!({
            "if": { "properties": { "type": { "const": t } }, "required": ["type"] },
            "then": { "$ref": format!("#/definitions/{name}") },
        }));
        defs.insert(name, one);
    }
    if let Some(Value::Object(q)) = defs.get_mut("QuestionFront") {
        set_enum(q, "type", &types);
        q.insert("allOf".into(), Value::Array(rules));
    }
}

/// schemars gives the tag of an enum (`event:`) no description; each event's is its variant's.
fn describe_trigger_events(moment: &mut Value) {
    let Some(Value::Array(variants)) = moment.pointer_mut("/definitions/Trigger/oneOf") else {
        return;
    };
    for variant in variants {
        let description = variant.get("description").cloned();
        if let (Some(d), Some(Value::Object(event))) =
            (description, variant.pointer_mut("/properties/event"))
        {
            event.insert("description".into(), d);
        }
    }
}

/// `license:` is read as `licence:` (`#[serde(alias)]`, which schemars does not see).
fn allow_licence_spelling(steg: &mut Value) {
    let Some(Value::Object(i)) = steg.pointer_mut("/definitions/InstrumentFront") else {
        return;
    };
    if let Some(Value::Object(props)) = i.get_mut("properties")
        && let Some(licence) = props.get("licence").cloned()
    {
        let mut license = licence;
        object(&mut license).insert("description".into(), json!("Samma som licence."));
        props.insert("license".into(), license);
    }
    i.insert(
        "if".into(),
        json!({ "properties": { "licensed": { "const": true } }, "required": ["licensed"] }),
    );
    i.insert(
        "then".into(),
        json!({ "anyOf": [{ "required": ["licence"] }, { "required": ["license"] }] }),
    );
}

fn type_fields(
    table: &[(&'static str, &'static [&'static str])],
    t: &str,
) -> &'static [&'static str] {
    table
        .iter()
        .find(|(name, _)| *name == t)
        .map_or(&[], |(_, f)| f)
}

/// `base` with only the `common` and `uses` properties, `type` fixed to `type_name`, and no
/// other property allowed.
fn restricted(base: &Value, common: &[&str], uses: &[&str], type_name: &str) -> Value {
    let mut properties = Map::new();
    if let Some(Value::Object(all)) = base.get("properties") {
        for (name, schema) in all {
            if common.contains(&name.as_str()) || uses.contains(&name.as_str()) {
                properties.insert(name.clone(), schema.clone());
            }
        }
    }
    let type_description = properties
        .get("type")
        .and_then(|t| t.get("description"))
        .cloned()
        .unwrap_or(Value::Null);
    properties.insert(
        "type".into(),
        json!({ "const": type_name, "description": type_description }),
    );
    let mut out = Map::new();
    out.insert("type".into(), json!("object"));
    if let Some(d) = base.get("description") {
        out.insert("description".into(), d.clone());
    }
    out.insert("properties".into(), Value::Object(properties));
    out.insert("additionalProperties".into(), json!(false));
    Value::Object(out)
}

fn set_enum(schema: &mut Map<String, Value>, property: &str, values: &[&str]) {
    if let Some(Value::Object(p)) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut(property))
    {
        p.insert("enum".into(), json!(values));
    }
}

/// Drops the definitions nothing refers to (a text steg has no questions).
fn prune_definitions(schema: &mut Value) {
    let mut used = std::collections::BTreeSet::new();
    let mut todo = Vec::new();
    collect_refs(&without_definitions(schema), &mut todo);
    while let Some(name) = todo.pop() {
        if used.insert(name.clone())
            && let Some(def) = schema.pointer(&format!("/definitions/{name}"))
        {
            collect_refs(def, &mut todo);
        }
    }
    let o = object(schema);
    if let Some(Value::Object(defs)) = o.get_mut("definitions") {
        defs.retain(|name, _| used.contains(name));
        if defs.is_empty() {
            o.remove("definitions");
        }
    }
}

fn without_definitions(schema: &Value) -> Value {
    let mut copy = schema.clone();
    object(&mut copy).remove("definitions");
    copy
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref")
                && let Some(name) = r.strip_prefix("#/definitions/")
            {
                out.push(name.to_string());
            }
            o.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(a) => a.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// Every schema here is an object; this gives its map.
fn object(v: &mut Value) -> &mut Map<String, Value> {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(o) => o,
        _ => unreachable!("made an object above"),
    }
}

// Schema-only copies of the manifest's enums, with Swedish descriptions and the spellings the
// front matter also accepts (`#[serde(alias)]`). A test holds them to the manifest's values.

/// A target group.
#[derive(JsonSchema)]
#[schemars(rename = "AudienceGroup", description = "En målgrupp.")]
#[allow(dead_code)] // only its schema is used
pub(super) enum AudienceGroupDoc {
    #[schemars(rename = "unga", description = "Unga.")]
    Unga,
    #[schemars(rename = "vardnadshavare", description = "Vårdnadshavare.")]
    Vardnadshavare,
    #[schemars(rename = "vårdnadshavare", description = "Samma som vardnadshavare.")]
    VardnadshavareAlias,
}

#[derive(JsonSchema)]
#[schemars(rename = "Recipient", description = "Vem som får meddelandet.")]
#[allow(dead_code)] // only its schema is used
pub(super) enum RecipientDoc {
    #[schemars(rename = "invanare", description = "Den unga (eller ombudet).")]
    Invanare,
    #[schemars(rename = "invånare", description = "Samma som invanare.")]
    InvanareAlias,
    #[schemars(rename = "behandlare", description = "Den ansvariga behandlaren.")]
    Behandlare,
}

#[derive(JsonSchema)]
#[schemars(rename = "Activity", description = "Vad som räknas som aktivitet.")]
#[allow(dead_code)] // only its schema is used
pub(super) enum ActivityDoc {
    #[schemars(
        rename = "any",
        description = "Allt den unga (eller ombudet) gör: loggar in, öppnar ett steg, sparar ett svar."
    )]
    Any,
    #[schemars(
        rename = "steg_opened",
        description = "Att öppna ett steg (eller spara ett svar); att bara logga in räknas inte."
    )]
    StegOpened,
    #[schemars(
        rename = "answer",
        description = "Att spara ett formulär eller en uppgift; att bara läsa räknas inte."
    )]
    Answer,
}

#[derive(JsonSchema)]
#[schemars(
    rename = "ProxyDelivery",
    description = "Vart flaggan går när en vårdnadshavare är ombud."
)]
#[allow(dead_code)] // only its schema is used
pub(super) enum ProxyDeliveryDoc {
    #[schemars(
        rename = "ombud",
        description = "Till vårdnadshavaren som är ombud, som allt annat i ombudsläget."
    )]
    Ombud,
    #[schemars(
        rename = "none",
        description = "Skickas inte när programmet används via ombud."
    )]
    None,
}

#[derive(JsonSchema)]
#[schemars(
    rename = "Trigger",
    tag = "event",
    rename_all = "snake_case",
    deny_unknown_fields,
    description = "När meddelandet skickas. event säger vilken händelse."
)]
#[allow(dead_code)] // only its schema is used
pub(super) enum TriggerDoc {
    #[schemars(description = "När behandlaren startar programmet.")]
    MomentStarted,
    #[schemars(description = "När den unga inte har varit aktiv på days dagar.")]
    Inactive {
        #[schemars(description = "Antal dagar utan aktivitet.")]
        days: u32,
    },
    #[schemars(description = "days_before dagar innan en modul stänger.")]
    ModulEnds {
        #[schemars(description = "Antal dagar innan modulen stänger.")]
        days_before: u32,
        #[schemars(
            default,
            description = "Bara dessa moduler (deras id). Utan listan gäller det alla moduler."
        )]
        moduler: Vec<String>,
    },
    #[schemars(description = "days_before dagar innan programmets tid är slut.")]
    MomentEnds {
        #[schemars(description = "Antal dagar innan programmet slutar.")]
        days_before: u32,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use steg_bundle::manifest::{AudienceGroup, Recipient, Trigger};

    fn schema_of<T: JsonSchema>() -> Value {
        root::<T>()
    }

    /// The `const` values of a `oneOf` enum schema, or of a plain `enum`.
    fn values(schema: &Value) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        if let Some(Value::Array(one_of)) = schema.get("oneOf") {
            for v in one_of {
                if let Some(Value::String(c)) = v.get("const") {
                    out.insert(c.clone());
                }
            }
        }
        if let Some(Value::Array(e)) = schema.get("enum") {
            out.extend(e.iter().filter_map(|v| v.as_str().map(String::from)));
        }
        out
    }

    #[test]
    fn the_copies_of_the_manifest_enums_match_them() {
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            values(&schema_of::<AudienceGroupDoc>()),
            &values(&schema_of::<AudienceGroup>()) | &set(&["vårdnadshavare"])
        );
        assert_eq!(
            values(&schema_of::<ActivityDoc>()),
            values(&schema_of::<steg_bundle::manifest::Activity>())
        );
        assert_eq!(
            values(&schema_of::<ProxyDeliveryDoc>()),
            values(&schema_of::<steg_bundle::manifest::ProxyDelivery>())
        );
        assert_eq!(
            values(&schema_of::<RecipientDoc>()),
            &values(&schema_of::<Recipient>()) | &set(&["invånare"])
        );
        // Each trigger: its event, its fields and which of them are required.
        let shape = |s: Value| -> BTreeSet<String> {
            s["oneOf"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| {
                    let props: Vec<_> = v["properties"].as_object().unwrap().keys().collect();
                    format!(
                        "{} {props:?} {}",
                        v["properties"]["event"]["const"], v["required"]
                    )
                })
                .collect()
        };
        assert_eq!(
            shape(schema_of::<TriggerDoc>()),
            shape(schema_of::<Trigger>())
        );
    }

    /// Every property of every schema, with the path to it.
    fn properties(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::Object(props)) = o.get("properties") {
                    for (name, p) in props {
                        out.push((format!("{path}/properties/{name}"), p.clone()));
                    }
                }
                for (k, v) in o {
                    properties(v, format!("{path}/{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    properties(v, format!("{path}/{i}"), out);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_field_has_a_description() {
        for (name, schema) in front_matter_schemas() {
            let mut props = Vec::new();
            properties(&schema, String::new(), &mut props);
            assert!(!props.is_empty(), "{name}");
            for (path, p) in props {
                // `if` conditions name properties only to test them.
                if path.contains("/if/") || p.as_bool() == Some(false) {
                    continue;
                }
                let described = p
                    .get("description")
                    .and_then(Value::as_str)
                    .is_some_and(|d| !d.is_empty());
                assert!(described, "{name}: {path} has no description: {p}");
            }
        }
    }

    #[test]
    fn every_object_refuses_unknown_fields() {
        fn walk(v: &Value, path: &str, name: &str) {
            if let Value::Object(o) = v {
                if o.contains_key("properties") && !path.contains("/if") {
                    assert_eq!(
                        o.get("additionalProperties"),
                        Some(&json!(false)),
                        "{name}: {path}"
                    );
                }
                for (k, v) in o {
                    walk(v, &format!("{path}/{k}"), name);
                }
            } else if let Value::Array(a) = v {
                for (i, v) in a.iter().enumerate() {
                    walk(v, &format!("{path}/{i}"), name);
                }
            }
        }
        for (name, schema) in front_matter_schemas() {
            walk(&schema, "", &name);
        }
    }

    #[test]
    fn each_steg_type_has_its_fields_and_no_others() {
        let schemas: std::collections::HashMap<_, _> = front_matter_schemas().into_iter().collect();
        for (t, uses) in crate::front::STEG_TYPE_FIELDS {
            let s = &schemas[&format!("steg-{t}")];
            let props: BTreeSet<&str> = s["properties"]
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let expected: BTreeSet<&str> = STEG_COMMON.iter().chain(uses.iter()).copied().collect();
            assert_eq!(props, expected, "{t}");
            assert_eq!(s["properties"]["type"]["const"], *t);
        }
        let names: Vec<String> = front_matter_schemas().into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, front_matter_names());
    }
}
