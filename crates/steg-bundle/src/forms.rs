//! Evaluating a form against one person's answers: which questions are shown, each score with
//! its band, and the alerts to the clinician.
//!
//! This is the meaning of the manifest's `show_if`, `scores` and `alert` written as code, so a
//! platform (built without the compiler) and steg's own checks agree on it:
//! - Questions are evaluated in the order asked. A question is shown when its group is shown
//!   and its `show_if` holds; an answer to a hidden question counts as no answer.
//! - `equals` holds when an answer is the value (for multiple choice: one chosen value is);
//!   `not_equals` when no answer is the value (so also while unanswered, as FHIR defines
//!   `!=`); `greater` and `less` compare a number answered; `answered: true/false` tests
//!   whether there is an answer.
//! - A score adds up its questions: the chosen options' `score`s, or the number answered on
//!   a scale or number question. Hidden and unanswered questions add nothing; a score is
//!   `complete` when no shown question in it is unanswered.
//!
//! ```
//! use steg_bundle::manifest::Form;
//! use steg_bundle::forms::{Answer, Answers, score};
//! # let form: Form = serde_json::from_str(r#"{"questions":[{"id":"a","label":"A",
//! #   "type":"scale","min":0,"max":3}],"scores":[{"id":"s","label":"S","questions":["a"],
//! #   "min":0,"max":3,"bands":[{"min":0,"max":1,"label":"låg"},{"min":2,"max":3,"label":"hög"}]}]}"#).unwrap();
//! let answers = Answers::from([("a".to_string(), Answer::Number(2.0))]);
//! let result = &score(&form, &answers)[0];
//! assert_eq!(result.value, 2.0);
//! assert_eq!(result.band.map(|b| b.label.as_str()), Some("hög"));
//! ```

use crate::manifest::{AnswerValue, Band, Behavior, Form, Operator, Question, QuestionKind, Score};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One person's answers to a form, by question id.
pub type Answers = BTreeMap<String, Answer>;

/// An answer as a platform stores it. Text from form fields is accepted where a number or
/// `true`/`false` is expected (`"7"`, `"true"`), since that is what HTML forms give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    /// yes_no.
    Bool(bool),
    /// scale, number.
    Number(f64),
    /// text, long_text, date, time, and the chosen value of a single choice.
    Text(String),
    /// The chosen values of a multiple choice.
    Choices(Vec<String>),
}

impl Answer {
    /// Whether there is an answer at all (not empty text, not an empty choice).
    pub fn is_given(&self) -> bool {
        match self {
            Answer::Bool(_) | Answer::Number(_) => true,
            Answer::Text(t) => !t.trim().is_empty(),
            Answer::Choices(c) => !c.is_empty(),
        }
    }

    fn number(&self) -> Option<f64> {
        match self {
            Answer::Number(n) => Some(*n),
            Answer::Text(t) => t.trim().parse().ok().filter(|n: &f64| n.is_finite()),
            _ => None,
        }
    }

    /// The single values the answer consists of, as text (`"true"`, `"3"`, option values).
    fn texts(&self) -> Vec<String> {
        match self {
            Answer::Bool(b) => vec![b.to_string()],
            Answer::Number(n) => vec![number_text(*n)],
            Answer::Text(t) => vec![t.trim().to_string()],
            Answer::Choices(c) => c.clone(),
        }
    }
}

/// A number as text the way YAML and JSON write it: `3`, not `3.0`.
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Every question of a form, groups and the questions in them included, in the order they
/// are asked (a group comes before its questions).
pub fn questions_in_order(questions: &[Question]) -> Vec<&Question> {
    fn walk<'a>(qs: &'a [Question], out: &mut Vec<&'a Question>) {
        for q in qs {
            out.push(q);
            if let QuestionKind::Group { questions } = &q.kind {
                walk(questions, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(questions, &mut out);
    out
}

/// Whether `answer` (None: no answer, or the question is hidden) passes `operator value`.
pub fn compare(answer: Option<&Answer>, operator: Operator, value: &AnswerValue) -> bool {
    let given = answer.filter(|a| a.is_given());
    match operator {
        Operator::Answered => matches!(value, AnswerValue::Bool(b) if *b == given.is_some()),
        Operator::Equals => given.is_some_and(|a| equals(a, value)),
        Operator::NotEquals => !given.is_some_and(|a| equals(a, value)),
        Operator::Greater | Operator::Less => {
            let (Some(n), AnswerValue::Number(v)) = (given.and_then(Answer::number), value) else {
                return false;
            };
            if operator == Operator::Greater {
                n > *v
            } else {
                n < *v
            }
        }
    }
}

fn equals(answer: &Answer, value: &AnswerValue) -> bool {
    match value {
        AnswerValue::Number(v) => answer.number().is_some_and(|n| (n - v).abs() < 1e-9),
        AnswerValue::Bool(b) => answer.texts().contains(&b.to_string()),
        AnswerValue::Text(t) => answer.texts().iter().any(|a| a == t.trim()),
    }
}

/// The ids of the questions (and groups and texts) shown, given `answers`.
pub fn shown(form: &Form, answers: &Answers) -> BTreeSet<String> {
    fn walk(qs: &[Question], answers: &Answers, shown: &mut BTreeSet<String>) {
        for q in qs {
            let holds = |c: &crate::manifest::Condition| {
                // Conditions only point at earlier questions, so `shown` already knows them.
                let answer = shown
                    .contains(&c.question)
                    .then(|| answers.get(&c.question))
                    .flatten();
                compare(answer, c.operator, &c.value)
            };
            let visible = match &q.show_if {
                None => true,
                Some(s) => match s.behavior {
                    Behavior::All => s.conditions.iter().all(holds),
                    Behavior::Any => s.conditions.iter().any(holds),
                },
            };
            if visible {
                shown.insert(q.id.clone());
                if let QuestionKind::Group { questions } = &q.kind {
                    walk(questions, answers, shown);
                }
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(&form.questions, answers, &mut out);
    out
}

/// One score computed from a person's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreResult<'a> {
    pub score: &'a Score,
    /// The sum, rounded to the score's precision.
    pub value: f64,
    /// The band `value` falls in, if any (a sum of an incomplete form may fall in none).
    pub band: Option<&'a Band>,
    /// No shown question of the score is unanswered.
    pub complete: bool,
    /// Shown questions of the score without an answer.
    pub missing: Vec<&'a str>,
    /// The score's alert message, when its condition holds.
    pub alert: Option<&'a str>,
}

/// Computes every score of `form` from `answers`.
pub fn score<'a>(form: &'a Form, answers: &Answers) -> Vec<ScoreResult<'a>> {
    let visible = shown(form, answers);
    let by_id: BTreeMap<&str, &Question> = questions_in_order(&form.questions)
        .into_iter()
        .map(|q| (q.id.as_str(), q))
        .collect();
    form.scores
        .iter()
        .map(|s| {
            let mut sum = 0.0;
            let mut missing = Vec::new();
            for id in &s.questions {
                let Some(q) = by_id.get(id.as_str()) else {
                    continue;
                };
                if !visible.contains(id) {
                    continue;
                }
                let answer = answers.get(id).filter(|a| a.is_given());
                match (answer, &q.kind) {
                    (Some(a), kind) => sum += contribution(kind, a),
                    // No tick in a multiple choice is an answer: none of them applies.
                    (None, QuestionKind::MultipleChoice { .. }) => {}
                    (None, _) => missing.push(id.as_str()),
                }
            }
            let value = round_to(sum, score_decimals(form, &s.questions));
            let alert = s.alert.as_ref().and_then(|a| {
                compare(Some(&Answer::Number(value)), a.when.operator, &a.when.value)
                    .then_some(a.message.as_str())
            });
            ScoreResult {
                score: s,
                value,
                band: band_of(s, value),
                complete: missing.is_empty(),
                missing,
                alert,
            }
        })
        .collect()
}

/// The band of `score` that `value` falls in.
pub fn band_of(score: &Score, value: f64) -> Option<&Band> {
    score
        .bands
        .iter()
        .find(|b| b.min - 1e-9 <= value && value <= b.max + 1e-9)
}

fn contribution(kind: &QuestionKind, answer: &Answer) -> f64 {
    let option_score = |options: &[crate::manifest::ChoiceOption], v: &str| {
        options
            .iter()
            .find(|o| o.value == v)
            .and_then(|o| o.score)
            .unwrap_or(0.0)
    };
    match kind {
        QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => answer
            .texts()
            .iter()
            .map(|v| option_score(options, v))
            .sum(),
        QuestionKind::Scale { .. } | QuestionKind::Number { .. } => answer.number().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// An alert whose condition holds: on a question (its id) or on a score (its id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiredAlert<'a> {
    pub id: &'a str,
    pub message: &'a str,
}

/// The alerts to the clinician that `answers` set off, questions first, in form order.
pub fn alerts<'a>(form: &'a Form, answers: &Answers) -> Vec<FiredAlert<'a>> {
    let visible = shown(form, answers);
    let mut out: Vec<FiredAlert<'a>> = questions_in_order(&form.questions)
        .into_iter()
        .filter(|q| visible.contains(&q.id))
        .filter_map(|q| {
            let a = q.alert.as_ref()?;
            compare(answers.get(&q.id), a.when.operator, &a.when.value).then_some(FiredAlert {
                id: &q.id,
                message: &a.message,
            })
        })
        .collect();
    out.extend(score(form, answers).into_iter().filter_map(|r| {
        r.alert.map(|message| FiredAlert {
            id: &r.score.id,
            message,
        })
    }));
    out
}

/// The lowest and highest value a question can add to a score when answered; `None` when it
/// has no score (text, yes/no, a choice without option scores, a number without bounds).
pub fn contribution_range(kind: &QuestionKind) -> Option<(f64, f64)> {
    match kind {
        QuestionKind::SingleChoice { options } => {
            let scores: Option<Vec<f64>> = options.iter().map(|o| o.score).collect();
            let scores = scores.filter(|s| !s.is_empty())?;
            let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
            let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Some((min, max))
        }
        QuestionKind::MultipleChoice { options } => {
            let scores: Option<Vec<f64>> = options.iter().map(|o| o.score).collect();
            let scores = scores.filter(|s| !s.is_empty())?;
            let low = scores.iter().filter(|s| **s < 0.0).sum();
            let high = scores.iter().filter(|s| **s > 0.0).sum();
            Some((low, high))
        }
        QuestionKind::Scale { min, max, .. } => Some((f64::from(*min), f64::from(*max))),
        QuestionKind::Number {
            min: Some(min),
            max: Some(max),
            ..
        } => Some((*min, *max)),
        _ => None,
    }
}

/// The digits after the decimal point a score over `ids` can have: 0 when every value it adds
/// is whole. Bands of a whole-number score meet at `max + 1`; of one decimal at `max + 0.1`.
pub fn score_decimals(form: &Form, ids: &[String]) -> u32 {
    let all = questions_in_order(&form.questions);
    all.iter()
        .filter(|q| ids.contains(&q.id))
        .map(|q| match &q.kind {
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options } => {
                options
                    .iter()
                    .filter_map(|o| o.score)
                    .map(decimals_of)
                    .max()
                    .unwrap_or(0)
            }
            QuestionKind::Number { decimals, .. } => u32::from(*decimals),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// How many digits after the decimal point `x` needs (at most 6).
pub fn decimals_of(x: f64) -> u32 {
    (0..6)
        .find(|d| {
            let scaled = x * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(6)
}

/// `x` rounded to `decimals` digits after the decimal point.
pub fn round_to(x: f64, decimals: u32) -> f64 {
    let f = 10f64.powi(decimals as i32);
    (x * f).round() / f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(json: serde_json::Value) -> Form {
        serde_json::from_value(json).expect("a valid form")
    }

    fn answers(json: serde_json::Value) -> Answers {
        serde_json::from_value(json).expect("valid answers")
    }

    /// A PHQ-like form: two scored choices, a scale, a follow-up shown on a high answer.
    fn sample() -> Form {
        form(serde_json::json!({
            "questions": [
                { "id": "a", "label": "A", "type": "single_choice", "options": [
                    { "value": "0", "label": "Inte alls", "score": 0 },
                    { "value": "1", "label": "Flera dagar", "score": 1 },
                    { "value": "2", "label": "Mer än hälften", "score": 2 },
                    { "value": "3", "label": "Nästan varje dag", "score": 3 } ] },
                { "id": "g", "label": "Grupp", "type": "group", "questions": [
                    { "id": "b", "label": "B", "type": "multiple_choice", "options": [
                        { "value": "x", "label": "X", "score": 1 },
                        { "value": "y", "label": "Y", "score": 2 } ] },
                    { "id": "c", "label": "C", "type": "scale", "min": 0, "max": 4 } ] },
                { "id": "d", "label": "D", "type": "yes_no",
                  "show_if": { "behavior": "all", "conditions": [
                      { "question": "a", "operator": "greater", "value": 1 } ] },
                  "alert": { "when": { "operator": "equals", "value": true }, "message": "Ring" } }
            ],
            "scores": [{ "id": "summa", "label": "Summa", "questions": ["a", "b", "c"],
                "min": 0, "max": 10,
                "bands": [ { "min": 0, "max": 4, "label": "Låg" },
                           { "min": 5, "max": 10, "label": "Hög" } ],
                "alert": { "when": { "operator": "greater", "value": 8 }, "message": "Hög summa" } }]
        }))
    }

    #[test]
    fn scores_sample_answers_into_a_band() {
        let f = sample();
        let r = score(
            &f,
            &answers(serde_json::json!({ "a": "2", "b": ["x", "y"], "c": 1 })),
        );
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].value, 6.0);
        assert_eq!(r[0].band.map(|b| b.label.as_str()), Some("Hög"));
        assert!(r[0].complete);
        assert_eq!(r[0].alert, None);

        let low = score(&f, &answers(serde_json::json!({ "a": "0", "c": "3" })));
        assert_eq!(
            low[0].value, 3.0,
            "text from a form field counts as a number"
        );
        assert_eq!(low[0].band.map(|b| b.label.as_str()), Some("Låg"));
        assert!(low[0].complete, "no tick in a multiple choice is an answer");
    }

    #[test]
    fn a_missing_answer_makes_a_score_incomplete() {
        let f = sample();
        let r = score(&f, &answers(serde_json::json!({ "a": "3" })));
        assert_eq!(r[0].value, 3.0);
        assert!(!r[0].complete);
        assert_eq!(r[0].missing, ["c"]);
    }

    #[test]
    fn conditions_show_and_hide_questions() {
        let f = sample();
        let low = shown(&f, &answers(serde_json::json!({ "a": "1" })));
        assert!(!low.contains("d"));
        assert!(low.contains("b") && low.contains("g"));
        let high = shown(&f, &answers(serde_json::json!({ "a": "2" })));
        assert!(high.contains("d"));
    }

    #[test]
    fn alerts_fire_on_answers_and_scores_but_not_on_hidden_questions() {
        let f = sample();
        let fired = alerts(
            &f,
            &answers(serde_json::json!({ "a": "3", "b": ["x", "y"], "c": 4, "d": true })),
        );
        let ids: Vec<&str> = fired.iter().map(|a| a.id).collect();
        assert_eq!(ids, ["d", "summa"]);
        // `d` is hidden when `a` is low: its answer counts as none.
        let hidden = alerts(&f, &answers(serde_json::json!({ "a": "0", "d": true })));
        assert!(hidden.is_empty(), "{hidden:?}");
    }

    #[test]
    fn operators() {
        let n = |x: f64| Some(Answer::Number(x));
        let v = AnswerValue::Number(5.0);
        assert!(compare(n(6.0).as_ref(), Operator::Greater, &v));
        assert!(!compare(n(5.0).as_ref(), Operator::Greater, &v));
        assert!(compare(n(4.0).as_ref(), Operator::Less, &v));
        assert!(!compare(None, Operator::Less, &v));
        assert!(compare(n(5.0).as_ref(), Operator::Equals, &v));
        assert!(compare(None, Operator::NotEquals, &v), "as FHIR's !=");
        let t = AnswerValue::Bool(true);
        assert!(compare(n(1.0).as_ref(), Operator::Answered, &t));
        assert!(!compare(
            Some(&Answer::Text(" ".into())),
            Operator::Answered,
            &t
        ));
        assert!(compare(None, Operator::Answered, &AnswerValue::Bool(false)));
        let chosen = Answer::Choices(vec!["x".into(), "y".into()]);
        assert!(compare(
            Some(&chosen),
            Operator::Equals,
            &AnswerValue::Text("y".into())
        ));
        assert!(!compare(
            Some(&chosen),
            Operator::NotEquals,
            &AnswerValue::Text("y".into())
        ));
        assert!(compare(
            Some(&Answer::Bool(false)),
            Operator::Equals,
            &AnswerValue::Bool(false)
        ));
    }

    #[test]
    fn ranges_and_decimals() {
        let f = sample();
        let all = questions_in_order(&f.questions);
        let ranges: Vec<Option<(f64, f64)>> =
            all.iter().map(|q| contribution_range(&q.kind)).collect();
        assert_eq!(
            ranges,
            [
                Some((0.0, 3.0)),
                None,
                Some((0.0, 3.0)),
                Some((0.0, 4.0)),
                None
            ]
        );
        assert_eq!(score_decimals(&f, &["a".into(), "c".into()]), 0);
        assert_eq!(decimals_of(0.5), 1);
        assert_eq!(decimals_of(2.25), 2);
        assert_eq!(round_to(0.1 + 0.2, 1), 0.3);
    }
}
