//! A form exported as a FHIR R4 Questionnaire, with the SDC (Structured Data Capture)
//! extensions for scores, so that systems that speak FHIR can render it and compute its scores.
//!
//! Rendered from the validated [`Form`] only: every id is unique, every condition points at an
//! earlier question and compares with a value of the right type, so this module never checks.
//!
//! | steg | FHIR item `type` | also |
//! | --- | --- | --- |
//! | text, long_text | string, text | |
//! | single_choice, multiple_choice | choice (`repeats` for multiple) | `answerOption.valueCoding` {code, display}; `itemWeight` on options with a score |
//! | yes_no | boolean | |
//! | scale | integer | `minValue`, `maxValue`, `sliderStepValue`, `itemControl` slider; end labels as `lower`/`upper` display items |
//! | number | integer (no decimals) or decimal | `minValue`, `maxValue`, `questionnaire-unit`, `maxDecimalPlaces` |
//! | date, time, display, group | date, time, display, group | |
//! | help | a nested display item with `itemControl` help | |
//! | show_if | `enableWhen` (`exists`, `=`, `!=`, `>`, `<`) and `enableBehavior` | |
//! | a score | a read-only decimal item at the end | `calculatedExpression` (FHIRPath) |
//!
//! Beyond the table: every answer `Coding` has the form's code system (`<url>:answers`); a
//! scored option carries both `itemWeight` (R5, SDC 3) and `ordinalValue` (R4), so R4 fillers
//! read it too; a score's bands are a read-only `string` item `<score>.band` computed in
//! FHIRPath; an alert (question or score) is carried in the [`ALERT_EXT`] extension, so a
//! FHIR-only consumer does not lose it. `status` is `draft` unless the build is a release.

use serde_json::{Map, Value, json};
use std::collections::HashMap;
use steg_bundle::forms::questions_in_order;
use steg_bundle::manifest::{
    AnswerValue, Behavior, ChoiceOption, Form, Operator, Question, QuestionKind, Score, ShowIf,
};

const EXT: &str = "http://hl7.org/fhir/StructureDefinition/";
const SDC_CALCULATED: &str =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression";
const ITEM_CONTROL_SYSTEM: &str = "http://hl7.org/fhir/questionnaire-item-control";
/// The SDC profile the export follows: behaviour (enableWhen, calculatedExpression, limits).
pub const SDC_PROFILE: &str =
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-behave";
/// steg's own extension for an alert to the clinician, on the item it tests (a question or a
/// score): sub-extensions `operator` (valueCode: equals, not_equals, greater, less,
/// answered), `value` (valueString, valueDecimal or valueBoolean) and `message` (valueString).
pub const ALERT_EXT: &str = "urn:steg:fhir:StructureDefinition:alert";

/// What the Questionnaire says about itself besides the form.
#[derive(Debug, Clone)]
pub struct Meta<'a> {
    /// The canonical URL, see [`canonical_url`].
    pub url: String,
    /// The moment's version: a form changes only with a new version of its program.
    pub version: &'a str,
    /// A machine-friendly name, see [`name_for`].
    pub name: String,
    /// The steg's title.
    pub title: &'a str,
    /// The moment's language tag.
    pub language: &'a str,
    /// `active` for a release build, else `draft`.
    pub release: bool,
    /// When the form's content was last approved (`YYYY-MM-DD`), if it was.
    pub date: Option<&'a str>,
    /// Who publishes the program, if stated.
    pub publisher: Option<&'a str>,
    /// The logical id, see [`resource_id`].
    pub id: String,
    /// The answer codes' system when not derived from `url`.
    pub answer_system: Option<String>,
}

impl<'a> Meta<'a> {
    /// The metadata of the form at `address` (`modul/avsnitt/steg`) of moment `moment_id`.
    pub fn for_steg(
        moment_id: &str,
        address: &str,
        title: &'a str,
        version: &'a str,
        language: &'a str,
    ) -> Self {
        Meta {
            url: canonical_url(moment_id, address),
            version,
            name: name_for(address),
            title,
            language,
            release: false,
            date: None,
            publisher: None,
            id: resource_id(moment_id, address),
            answer_system: None,
        }
    }

    /// Under a canonical base (`fhir: canonical_base:` in moment.md): the url becomes
    /// `<base>/Questionnaire/<id>` and the answer codes' system `<base>/CodeSystem/<id>`,
    /// FHIR's usual shape, instead of `urn:steg:…`.
    pub fn with_base(mut self, base: Option<&str>) -> Self {
        if let Some(base) = base {
            self.url = format!("{base}/Questionnaire/{}", self.id);
            self.answer_system = Some(format!("{base}/CodeSystem/{}", self.id));
        }
        self
    }

    /// The resource's logical `id`.
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// The code system of the form's answer codes (the option values).
    pub fn answer_system(&self) -> String {
        self.answer_system
            .clone()
            .unwrap_or_else(|| format!("{}:answers", self.url))
    }
}

/// A logical id as FHIR allows (`[A-Za-z0-9.-]{1,64}`): `<moment>.<modul>.<avsnitt>.<steg>`,
/// or `steg-` and a hash of that when it is longer than 64 characters.
pub fn resource_id(moment_id: &str, address: &str) -> String {
    let id = format!("{moment_id}.{}", address.replace('/', "."));
    if id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        id
    } else {
        format!("steg-{}", &steg_bundle::sha256_hex(id.as_bytes())[..40])
    }
}

/// `urn:steg:<moment>:<modul>:<avsnitt>:<steg>`: stable as long as the ids are, and with no
/// web address that would have to be kept alive.
pub fn canonical_url(moment_id: &str, address: &str) -> String {
    format!("urn:steg:{moment_id}:{}", address.replace('/', ":"))
}

/// A name usable as an identifier, as FHIR recommends (`[A-Z][A-Za-z0-9_]*`): the address's
/// words capitalised, e.g. `somn/varfor-sover-vi/formular` → `SomnVarforSoverViFormular`.
pub fn name_for(address: &str) -> String {
    let mut name: String = address
        .split(['/', '-'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<String>()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) {
        name.insert(0, 'Q');
    }
    name.truncate(255);
    name
}

/// The Questionnaire resource for `form`.
pub fn questionnaire(form: &Form, meta: &Meta<'_>) -> Value {
    let kinds: HashMap<&str, &QuestionKind> = questions_in_order(&form.questions)
        .into_iter()
        .map(|q| (q.id.as_str(), &q.kind))
        .collect();
    let system = meta.answer_system();
    let cx = Cx {
        kinds: &kinds,
        system: &system,
    };
    let mut items: Vec<Value> = form.questions.iter().map(|q| item(q, &cx)).collect();
    for s in &form.scores {
        items.push(score_item(s, &kinds));
        if let Some(band) = band_item(s, &kinds) {
            items.push(band);
        }
    }

    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Questionnaire"));
    r.insert("id".into(), json!(meta.id()));
    r.insert("meta".into(), json!({ "profile": [SDC_PROFILE] }));
    r.insert("language".into(), json!(meta.language));
    r.insert("url".into(), json!(meta.url));
    r.insert("version".into(), json!(meta.version));
    r.insert("name".into(), json!(meta.name));
    r.insert("title".into(), json!(meta.title));
    r.insert(
        "status".into(),
        json!(if meta.release { "active" } else { "draft" }),
    );
    if let Some(d) = meta.date {
        r.insert("date".into(), json!(d));
    }
    if let Some(p) = meta.publisher {
        r.insert("publisher".into(), json!(p));
    }
    r.insert("subjectType".into(), json!(["Patient"]));
    if let Some(i) = &form.instrument {
        let mut about = i.name.clone();
        if let Some(v) = &i.version {
            about.push_str(&format!(" ({v})"));
        }
        if let Some(s) = &i.source {
            about.push_str(&format!(": {s}"));
        }
        r.insert("description".into(), json!(about));
        if let Some(l) = &i.licence {
            r.insert("copyright".into(), json!(l));
        }
    }
    r.insert("item".into(), Value::Array(items));
    Value::Object(r)
}

/// The Questionnaire as the bytes of a JSON file: pretty, ending in a newline, and with the
/// elements in FHIR's order (`resourceType` first, nested `item` last) so that it reads like
/// the specification's examples. The order carries no meaning; it only has to be stable.
pub fn questionnaire_json(form: &Form, meta: &Meta<'_>) -> Vec<u8> {
    let mut s = String::new();
    write_ordered(&questionnaire(form, meta), 0, &mut s);
    s.push('\n');
    s.into_bytes()
}

/// Element names in the order FHIR's definitions list them; others follow, alphabetically.
const ELEMENT_ORDER: &[&str] = &[
    "resourceType",
    "id",
    "meta",
    "profile",
    "language",
    "extension",
    "url",
    "version",
    "name",
    "title",
    "status",
    "subjectType",
    "date",
    "publisher",
    "description",
    "copyright",
    "linkId",
    "text",
    "type",
    "enableWhen",
    "enableBehavior",
    "required",
    "repeats",
    "readOnly",
    "answerOption",
    "question",
    "operator",
    "system",
    "code",
    "display",
    "item",
];

fn write_ordered(v: &Value, indent: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    match v {
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_by_key(|k| {
                (
                    ELEMENT_ORDER
                        .iter()
                        .position(|e| e == k)
                        .unwrap_or(ELEMENT_ORDER.len() - 1),
                    k.as_str() == "item",
                    k.as_str(),
                )
            });
            out.push_str("{\n");
            for (i, k) in keys.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                out.push_str(&Value::String((*k).clone()).to_string());
                out.push_str(": ");
                write_ordered(&map[*k], indent + 1, out);
                out.push_str(if i + 1 < keys.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push('}');
        }
        Value::Array(list) if !list.is_empty() => {
            out.push_str("[\n");
            for (i, item) in list.iter().enumerate() {
                out.push_str(&pad(indent + 1));
                write_ordered(item, indent + 1, out);
                out.push_str(if i + 1 < list.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(indent));
            out.push(']');
        }
        // Scalars and empty containers as serde_json writes them.
        other => out.push_str(&other.to_string()),
    }
}

/// What every item of one form needs to know.
struct Cx<'a> {
    kinds: &'a HashMap<&'a str, &'a QuestionKind>,
    /// The form's answer code system.
    system: &'a str,
}

fn item(q: &Question, cx: &Cx<'_>) -> Value {
    let mut it = Map::new();
    it.insert("linkId".into(), json!(q.id));
    match (&q.kind, &q.help) {
        // A display item can have no nested help item: its help joins its text.
        (QuestionKind::Display, Some(help)) => {
            it.insert("text".into(), json!(format!("{}\n\n{help}", q.label)))
        }
        _ => it.insert("text".into(), json!(q.label)),
    };
    let mut parts = ItemParts {
        it,
        ext: Vec::new(),
        children: Vec::new(),
    };
    if let Some(help) = q
        .help
        .as_ref()
        .filter(|_| !matches!(q.kind, QuestionKind::Display))
    {
        // Nested display items get linkIds with a `.`, which a steg id never has.
        parts
            .children
            .push(display_child(&format!("{}.help", q.id), help, "help"));
    }
    let fhir_type = parts.kind(q, cx);
    if let Some(a) = &q.alert {
        parts.ext.push(alert_ext(a));
    }
    let ItemParts {
        mut it,
        ext,
        children,
    } = parts;
    it.insert("type".into(), json!(fhir_type));
    // FHIR forbids `required` on display items; steg never sets it there.
    if q.required && !matches!(q.kind, QuestionKind::Display) {
        it.insert("required".into(), json!(true));
    }
    if let Some(show_if) = &q.show_if {
        insert_enable_when(&mut it, show_if, cx);
    }
    if !ext.is_empty() {
        it.insert("extension".into(), Value::Array(ext));
    }
    // Display items may not have nested items; steg's display items never have help.
    if !children.is_empty() && !matches!(q.kind, QuestionKind::Display) {
        it.insert("item".into(), Value::Array(children));
    }
    Value::Object(it)
}

/// An item as it is made: its fields so far, its extensions and its nested items, which
/// go last.
struct ItemParts {
    it: Map<String, Value>,
    ext: Vec<Value>,
    children: Vec<Value>,
}

impl ItemParts {
    /// Adds what the question's kind needs, and gives the item's FHIR type.
    fn kind(&mut self, q: &Question, cx: &Cx<'_>) -> &'static str {
        match &q.kind {
            QuestionKind::Text => "string",
            QuestionKind::LongText => "text",
            QuestionKind::SingleChoice { options } => self.choice(options, false, cx.system),
            QuestionKind::MultipleChoice { options } => self.choice(options, true, cx.system),
            QuestionKind::YesNo => "boolean",
            QuestionKind::Scale {
                min,
                max,
                step,
                min_label,
                max_label,
            } => {
                self.ext
                    .push(json!({ "url": format!("{EXT}minValue"), "valueInteger": min }));
                self.ext
                    .push(json!({ "url": format!("{EXT}maxValue"), "valueInteger": max }));
                self.ext.push(item_control("slider"));
                self.ext.push(
                    json!({ "url": format!("{EXT}questionnaire-sliderStepValue"), "valueInteger": step }),
                );
                if let Some(l) = min_label {
                    let child = display_child(&format!("{}.lower", q.id), l, "lower");
                    self.children.push(child);
                }
                if let Some(l) = max_label {
                    let child = display_child(&format!("{}.upper", q.id), l, "upper");
                    self.children.push(child);
                }
                "integer"
            }
            QuestionKind::Number {
                min,
                max,
                unit,
                decimals,
            } => self.number(*min, *max, unit.as_deref(), *decimals),
            QuestionKind::Date => "date",
            QuestionKind::Time => "time",
            QuestionKind::Display => "display",
            QuestionKind::Group { questions } => {
                self.children.extend(questions.iter().map(|c| item(c, cx)));
                "group"
            }
        }
    }

    fn choice(&mut self, options: &[ChoiceOption], multiple: bool, system: &str) -> &'static str {
        if multiple {
            self.it.insert("repeats".into(), json!(true));
        }
        self.ext.push(item_control(if multiple {
            "check-box"
        } else {
            "radio-button"
        }));
        self.it.insert(
            "answerOption".into(),
            Value::Array(options.iter().map(|o| answer_option(o, system)).collect()),
        );
        "choice"
    }

    fn number(
        &mut self,
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<&str>,
        decimals: u8,
    ) -> &'static str {
        let value_key = if decimals == 0 {
            "valueInteger"
        } else {
            "valueDecimal"
        };
        for (name, bound) in [("minValue", min), ("maxValue", max)] {
            if let Some(b) = bound {
                self.ext
                    .push(json!({ "url": format!("{EXT}{name}"), value_key: number(b) }));
            }
        }
        if let Some(u) = unit {
            self.ext.push(json!({
                "url": format!("{EXT}questionnaire-unit"),
                "valueCoding": { "display": u },
            }));
        }
        if decimals == 0 {
            "integer"
        } else {
            self.ext
                .push(json!({ "url": format!("{EXT}maxDecimalPlaces"), "valueInteger": decimals }));
            "decimal"
        }
    }
}

/// `enableWhen` from `show_if:`, with `enableBehavior` when there is more than one condition.
fn insert_enable_when(it: &mut Map<String, Value>, show_if: &ShowIf, cx: &Cx<'_>) {
    let when: Vec<Value> = show_if
        .conditions
        .iter()
        .map(|c| enable_when(&c.question, c.operator, &c.value, cx))
        .collect();
    if when.len() > 1 {
        let behavior = match show_if.behavior {
            Behavior::All => "all",
            Behavior::Any => "any",
        };
        it.insert("enableBehavior".into(), json!(behavior));
    }
    it.insert("enableWhen".into(), Value::Array(when));
}

fn answer_option(o: &ChoiceOption, system: &str) -> Value {
    let mut v = json!({ "valueCoding": { "system": system, "code": o.value, "display": o.label } });
    if let Some(score) = o.score {
        // itemWeight is the SDC 3 / R5 name, ordinalValue the R4 one: R4 fillers (LHC-Forms
        // among them) read the latter; FHIRPath's weight() reads either.
        v["extension"] = json!([
            { "url": format!("{EXT}itemWeight"), "valueDecimal": number(score) },
            { "url": format!("{EXT}ordinalValue"), "valueDecimal": number(score) },
        ]);
    }
    v
}

/// An alert as the [`ALERT_EXT`] extension.
fn alert_ext(a: &steg_bundle::manifest::Alert) -> Value {
    let value = match &a.when.value {
        AnswerValue::Bool(b) => json!({ "url": "value", "valueBoolean": b }),
        AnswerValue::Number(n) => json!({ "url": "value", "valueDecimal": number(*n) }),
        AnswerValue::Text(t) => json!({ "url": "value", "valueString": t }),
    };
    json!({
        "url": ALERT_EXT,
        "extension": [
            { "url": "operator", "valueCode": a.when.operator.as_str() },
            value,
            { "url": "message", "valueString": a.message },
        ],
    })
}

fn display_child(link_id: &str, text: &str, control: &str) -> Value {
    json!({
        "extension": [item_control(control)],
        "linkId": link_id,
        "text": text,
        "type": "display",
    })
}

fn item_control(code: &str) -> Value {
    json!({
        "url": format!("{EXT}questionnaire-itemControl"),
        "valueCodeableConcept": { "coding": [{ "system": ITEM_CONTROL_SYSTEM, "code": code }] },
    })
}

fn enable_when(question: &str, operator: Operator, value: &AnswerValue, cx: &Cx<'_>) -> Value {
    let kinds = cx.kinds;
    let op = match operator {
        Operator::Answered => "exists",
        Operator::Equals => "=",
        Operator::NotEquals => "!=",
        Operator::Greater => ">",
        Operator::Less => "<",
    };
    let (key, answer) = match (operator, value, kinds.get(question)) {
        (Operator::Answered, v, _) => {
            ("answerBoolean", json!(matches!(v, AnswerValue::Bool(true))))
        }
        (_, v, Some(QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. })) => (
            "answerCoding",
            json!({ "system": cx.system, "code": text_of(v) }),
        ),
        (_, AnswerValue::Bool(b), _) => ("answerBoolean", json!(b)),
        (_, AnswerValue::Number(n), Some(QuestionKind::Number { decimals, .. }))
            if *decimals > 0 =>
        {
            ("answerDecimal", number(*n))
        }
        (_, AnswerValue::Number(n), _) => ("answerInteger", number(*n)),
        (_, AnswerValue::Text(t), _) => ("answerString", json!(t)),
    };
    json!({ "question": question, "operator": op, key: answer })
}

fn text_of(v: &AnswerValue) -> String {
    match v {
        AnswerValue::Text(t) => t.clone(),
        AnswerValue::Bool(b) => b.to_string(),
        AnswerValue::Number(n) => number(*n).to_string(),
    }
}

/// A JSON number, whole numbers without `.0`.
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

/// A score as a read-only item whose value a form filler computes with FHIRPath: the weights
/// of the chosen options plus the numbers answered, over the score's questions.
fn score_item(s: &Score, kinds: &HashMap<&str, &QuestionKind>) -> Value {
    let mut v = json!({
        "extension": [{
            "url": SDC_CALCULATED,
            "valueExpression": {
                "description": s.label,
                "language": "text/fhirpath",
                "expression": score_expression(s, kinds),
            },
        }],
        "linkId": s.id,
        "text": s.label,
        "type": "decimal",
        "readOnly": true,
    });
    if let (Some(a), Some(ext)) = (&s.alert, v["extension"].as_array_mut()) {
        ext.push(alert_ext(a));
    }
    v
}

/// A score's bands as a read-only text item `<score>.band`: the label of the band the score's
/// value falls in. The bands cover min..max in order, so each is chosen by the next one's
/// lower end.
fn band_item(s: &Score, kinds: &HashMap<&str, &QuestionKind>) -> Option<Value> {
    let last = s.bands.last()?;
    let quote = |t: &str| format!("'{}'", t.replace('\\', "\\\\").replace('\'', "\\'"));
    let mut choice = quote(&last.label);
    for pair in s.bands.windows(2).rev() {
        choice = format!(
            "iif($this < {}, {}, {choice})",
            number(pair[1].min),
            quote(&pair[0].label)
        );
    }
    Some(json!({
        "extension": [{
            "url": SDC_CALCULATED,
            "valueExpression": {
                "description": format!("{}: nivå", s.label),
                "language": "text/fhirpath",
                "expression": format!("({}).select({choice})", score_expression(s, kinds)),
            },
        }],
        "linkId": format!("{}.band", s.id),
        "text": format!("{}: nivå", s.label),
        "type": "string",
        "readOnly": true,
    }))
}

/// The FHIRPath sum of a score: the weights of the chosen options plus the numbers answered.
fn score_expression(s: &Score, kinds: &HashMap<&str, &QuestionKind>) -> String {
    let list = |ids: Vec<&String>| {
        ids.iter()
            .map(|id| format!("'{id}'"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let (choices, numbers): (Vec<&String>, Vec<&String>) = s.questions.iter().partition(|id| {
        matches!(
            kinds.get(id.as_str()),
            Some(QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. })
        )
    });
    let mut terms = Vec::new();
    if !choices.is_empty() {
        terms.push(format!(
            "%resource.repeat(item).where(linkId in ({})).answer.value.weight().aggregate($total + $this, 0)",
            list(choices)
        ));
    }
    if !numbers.is_empty() {
        terms.push(format!(
            "%resource.repeat(item).where(linkId in ({})).answer.value.aggregate($total + $this, 0)",
            list(numbers)
        ));
    }
    terms.join(" + ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_urls() {
        assert_eq!(
            name_for("somn/varfor-sover-vi/formular"),
            "SomnVarforSoverViFormular"
        );
        assert_eq!(name_for("1-a/b/c"), "Q1ABC");
        assert_eq!(
            canonical_url("plus-ung", "somn/a/b"),
            "urn:steg:plus-ung:somn:a:b"
        );
    }

    #[test]
    fn a_scored_choice_and_a_condition() {
        let form: Form = serde_json::from_value(json!({
            "questions": [
                { "id": "a", "label": "A", "type": "single_choice", "help": "Hjälp",
                  "options": [ { "value": "0", "label": "Nej", "score": 0 },
                               { "value": "1", "label": "Ja", "score": 1.5 } ] },
                { "id": "b", "label": "B", "type": "text", "required": true,
                  "show_if": { "behavior": "any", "conditions": [
                      { "question": "a", "operator": "equals", "value": "1" },
                      { "question": "a", "operator": "answered", "value": false } ] } }
            ],
            "scores": [{ "id": "s", "label": "Summa", "questions": ["a"], "min": 0, "max": 1.5 }]
        }))
        .unwrap();
        let q = questionnaire(&form, &Meta::for_steg("m", "x/y/z", "Titel", "1.0.0", "sv"));
        assert_eq!(q["resourceType"], "Questionnaire");
        assert_eq!(q["version"], "1.0.0");
        let a = &q["item"][0];
        assert_eq!(a["type"], "choice");
        assert_eq!(a["answerOption"][1]["valueCoding"]["code"], "1");
        assert_eq!(a["answerOption"][1]["extension"][0]["valueDecimal"], 1.5);
        assert_eq!(a["item"][0]["linkId"], "a.help");
        let b = &q["item"][1];
        assert_eq!(b["enableBehavior"], "any");
        assert_eq!(b["enableWhen"][0]["answerCoding"]["code"], "1");
        assert_eq!(b["enableWhen"][1]["operator"], "exists");
        assert_eq!(b["enableWhen"][1]["answerBoolean"], false);
        let s = &q["item"][2];
        assert_eq!(s["readOnly"], true);
        assert_eq!(
            s["extension"][0]["valueExpression"]["expression"],
            "%resource.repeat(item).where(linkId in ('a')).answer.value.weight().aggregate($total + $this, 0)"
        );
    }
}
