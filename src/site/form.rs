//! What the preview's templates know about a form: each question with the ids its HTML
//! elements use, and its `show_if` as JSON for `preview.js` to apply live.
//!
//! Interface text is Swedish, as the program's readers see it.

use crate::bundle::manifest::{
    Alert, AnswerValue, Behavior, Form, Operator, Question, QuestionKind,
};
use serde_json::{Value, json};

/// The `parts` of a form steg's page.
pub(super) fn parts(form: &Form) -> Value {
    json!({
        "questions": form.questions.iter().map(question).collect::<Vec<_>>(),
        "scores": form.scores.iter().map(|s| json!({
            "id": s.id, "label": s.label, "min": s.min, "max": s.max,
            "questions": s.questions,
            "bands": s.bands,
            "alert": s.alert.as_ref().map(alert_text),
        })).collect::<Vec<_>>(),
        "alerts": crate::forms::questions_in_order(&form.questions)
            .into_iter()
            .filter_map(|q| q.alert.as_ref().map(|a| json!({ "question": q.label, "text": alert_text(a) })))
            .collect::<Vec<_>>(),
        "instrument": form.instrument,
    })
}

fn question(q: &Question) -> Value {
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
                .map(|c| format!("”{}” {}", c.question, operator_text(c.operator, &c.value)))
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
            "min": min, "max": max, "unit": unit,
            "step": if *decimals == 0 { "1".to_string() } else { format!("0.{}1", "0".repeat(usize::from(*decimals) - 1)) },
            "inputmode": if *decimals == 0 { "numeric" } else { "decimal" },
        }),
        QuestionKind::Group { questions } => {
            json!({ "questions": questions.iter().map(question).collect::<Vec<_>>() })
        }
        _ => Value::Null,
    };
    if let (Value::Object(a), Value::Object(b)) = (&mut v, extra) {
        a.extend(b);
    }
    v
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

fn operator_text(op: Operator, v: &AnswerValue) -> String {
    let value = match v {
        AnswerValue::Bool(true) => "ja".to_string(),
        AnswerValue::Bool(false) => "nej".to_string(),
        other => value_text(other),
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

fn alert_text(a: &Alert) -> String {
    format!(
        "när svaret {}: {}",
        operator_text(a.when.operator, &a.when.value),
        a.message
    )
}
