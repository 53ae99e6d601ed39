//! What the preview's templates know about a form: each question with the ids its HTML
//! elements use, and its `show_if` as JSON for `preview.js` to apply live.
//!
//! Interface text is Swedish, as the program's readers see it.

use serde_json::{Value, json};
use std::collections::HashMap;
use steg_bundle::manifest::{Alert, AnswerValue, Behavior, Form, Operator, Question, QuestionKind};

/// Every question of the form by id, to describe conditions with labels, not ids.
type ById<'a> = HashMap<&'a str, &'a Question>;

/// The `parts` of a form steg's page.
pub(super) fn parts(form: &Form) -> Value {
    let all = steg_bundle::forms::questions_in_order(&form.questions);
    let by_id: ById<'_> = all.iter().map(|q| (q.id.as_str(), *q)).collect();
    json!({
        "items": items(&form.questions, &by_id),
        "scores": form.scores.iter().map(|s| json!({
            "id": s.id, "label": s.label, "min": num(s.min), "max": num(s.max),
            "questions": s.questions,
            "bands": s.bands,
            "alert": s.alert.as_ref().map(|a| alert_text(a, "poängen", None)),
        })).collect::<Vec<_>>(),
        "alerts": all.iter()
            .filter_map(|q| q.alert.as_ref().map(|a| json!({ "question": q.label, "text": alert_text(a, "svaret", Some(q)) })))
            .collect::<Vec<_>>(),
        "instrument": form.instrument,
    })
}

/// The questions as one flat list, so that templates need no recursion: a group is an item
/// of type `group` (opening its fieldset), its questions, then an item of type `group_end`.
fn items(questions: &[Question], by_id: &ById<'_>) -> Vec<Value> {
    let mut out = Vec::new();
    for q in questions {
        out.push(question(q, by_id));
        if let QuestionKind::Group { questions } = &q.kind {
            out.extend(items(questions, by_id));
            out.push(json!({ "type": "group_end", "id": q.id }));
        }
    }
    out
}

fn question(q: &Question, by_id: &ById<'_>) -> Value {
    let dom_id = format!("q-{}", q.id);
    let mut v = json!({
        "id": q.id, "dom_id": dom_id, "label": q.label, "help": q.help,
        "required": q.required, "type": q.kind.type_name(),
        // For preview.js: which answers show the question.
        "show_if": q.show_if.as_ref().map(|s| json!({
            "behavior": match s.behavior { Behavior::All => "all", Behavior::Any => "any" },
            "conditions": s.conditions.iter().map(|c| json!({
                "question": c.question, "operator": c.operator.as_str(), "value": value_text(&c.value),
            })).collect::<Vec<_>>(),
        }).to_string()),
        "show_if_text": q.show_if.as_ref().map(|s| {
            let joiner = match s.behavior { Behavior::All => " och ", Behavior::Any => " eller " };
            s.conditions.iter()
                .map(|c| {
                    let target = by_id.get(c.question.as_str()).copied();
                    let name = target.map_or(c.question.as_str(), |t| t.label.as_str());
                    format!("”{name}” {}", operator_text(c.operator, &c.value, target))
                })
                .collect::<Vec<_>>()
                .join(joiner)
        }),
    });
    let extra = match &q.kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
            json!({ "options": options })
        }
        QuestionKind::Scale {
            min,
            max,
            step,
            min_label,
            max_label,
        } => json!({
            "min": min, "max": max, "step": step,
            "min_label": min_label, "max_label": max_label,
            "steps": (*min..=*max).step_by(usize::try_from(*step).unwrap_or(1).max(1)).collect::<Vec<_>>(),
        }),
        QuestionKind::Number {
            min,
            max,
            unit,
            decimals,
        } => json!({
            // As text: a template tests `if q.min`, which 0 would fail.
            "min": min.map(num), "max": max.map(num), "unit": unit,
            "step": if *decimals == 0 { "1".to_string() } else { format!("0.{}1", "0".repeat(usize::from(*decimals) - 1)) },
            "inputmode": if *decimals == 0 { "numeric" } else { "decimal" },
        }),
        _ => Value::Null,
    };
    if let (Value::Object(a), Value::Object(b)) = (&mut v, extra) {
        a.extend(b);
    }
    v
}

fn num(n: f64) -> String {
    value_text(&AnswerValue::Number(n))
}

/// A value as the answer is stored in the page: option values and numbers as text,
/// yes/no as `true`/`false`.
fn value_text(v: &AnswerValue) -> String {
    match v {
        AnswerValue::Bool(b) => b.to_string(),
        AnswerValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        AnswerValue::Number(n) => n.to_string(),
        AnswerValue::Text(t) => t.clone(),
    }
}

/// `op v` in words; a choice value by its option's label when `target` is the question.
fn operator_text(op: Operator, v: &AnswerValue, target: Option<&Question>) -> String {
    let value = match (v, target.map(|t| &t.kind)) {
        (AnswerValue::Bool(true), _) => "ja".to_string(),
        (AnswerValue::Bool(false), _) => "nej".to_string(),
        (
            AnswerValue::Text(t),
            Some(QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }),
        ) => options
            .iter()
            .find(|o| &o.value == t)
            .map_or_else(|| t.clone(), |o| format!("”{}”", o.label)),
        (other, _) => value_text(other),
    };
    match op {
        Operator::Equals => format!("är {value}"),
        Operator::NotEquals => format!("inte är {value}"),
        Operator::Greater => format!("är större än {value}"),
        Operator::Less => format!("är mindre än {value}"),
        Operator::Answered if matches!(v, AnswerValue::Bool(false)) => "är obesvarad".into(),
        Operator::Answered => "är besvarad".into(),
    }
}

/// When an alert goes to the clinician: `what` is "svaret" (the answer) or "poängen".
fn alert_text(a: &Alert, what: &str, q: Option<&Question>) -> String {
    format!(
        "när {what} {}: {}",
        operator_text(a.when.operator, &a.when.value, q),
        a.message
    )
}
