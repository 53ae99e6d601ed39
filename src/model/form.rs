//! A form steg: checking its questions, conditions, scores and instrument, and building the
//! typed [`Form`].
//!
//! Three passes over the questions, so every problem is reported with its place:
//! 1. index: every id, in the order asked (groups before their questions), checked unique;
//! 2. build: each question's type and fields, its `show_if` (which may only test questions
//!    earlier in that order) and its `alert`;
//! 3. scores: which questions they add up, their possible range and their bands.

use super::front::*;
use super::load::{Parsed, nonempty_slug};
use crate::bundle::manifest::{
    Alert, AnswerValue, Band, Behavior, ChoiceOption, Comparison, Condition, Form, Instrument,
    Operator, QUESTION_TYPES, Question, QuestionKind, Score, ShowIf,
};
use crate::diagnostic::{Code, Diagnostic, Diagnostics, Location, codes::*};
use crate::forms;
use crate::ids::is_valid_id;
use serde_saphyr::Spanned;
use std::collections::{HashMap, HashSet};

/// The fields each question type uses, besides id, type, label, help, required, show_if and
/// alert.
pub(super) const TYPE_FIELDS: &[(&str, &[&str])] = &[
    ("text", &[]),
    ("long_text", &[]),
    ("single_choice", &["options"]),
    ("multiple_choice", &["options"]),
    ("yes_no", &[]),
    ("scale", &["min", "max", "step", "min_label", "max_label"]),
    ("number", &["min", "max", "unit", "decimals"]),
    ("date", &[]),
    ("time", &[]),
    ("display", &[]),
    ("group", &["questions"]),
];

/// A scale has at most this many points: more is not a scale a person can use.
const MAX_SCALE_POINTS: i64 = 100;
/// Digits after the decimal point a number question may ask for.
const MAX_DECIMALS: u8 = 6;

/// Checks the form of steg `p` (which has `questions:`) and builds it.
pub(super) fn build(
    p: &Parsed<StegFront>,
    questions: &Spanned<Vec<QuestionFront>>,
    d: &mut Diagnostics,
) -> Option<Form> {
    if questions.value.is_empty() {
        d.push(
            Diagnostic::new(E0501, "the form has no questions")
                .in_file(&p.file)
                .at_opt(p.at(questions))
                .hint("add at least one question under `questions:`"),
        );
        return None;
    }
    let mut c = Check {
        p,
        d,
        ok: true,
        index: HashMap::new(),
        order: Vec::new(),
    };
    c.index(&questions.value);
    let mut pos = 0;
    let built = c.questions(&questions.value, &mut pos);
    let scores = match &p.front.scores {
        Some(s) => c.scores(&s.value, &built),
        None => vec![],
    };
    let instrument = p.front.instrument.as_ref().and_then(|i| c.instrument(i));
    c.ok.then_some(Form {
        questions: built,
        scores,
        instrument,
    })
}

struct Check<'a, 'd> {
    p: &'a Parsed<StegFront>,
    d: &'d mut Diagnostics,
    ok: bool,
    /// Questions with a valid, unique id: their position in the order asked, and source.
    index: HashMap<&'a str, (usize, &'a QuestionFront)>,
    /// Every valid id in the order asked, for hints.
    order: Vec<&'a str>,
}

/// What an alert tests: a question's own answer, or a score's value.
#[derive(Clone, Copy)]
enum Subject<'a> {
    Question(&'a QuestionFront),
    Score(&'a str),
}

/// The questions of a group (or `None` for any other type: only groups hold questions).
fn children(q: &QuestionFront) -> Option<&Vec<QuestionFront>> {
    (q.kind.value == "group")
        .then_some(q.questions.as_ref())
        .flatten()
        .map(|s| &s.value)
}

fn value_text(v: &ValueFront) -> String {
    match v {
        ValueFront::Bool(b) => b.to_string(),
        ValueFront::Number(_, text) => text.clone(),
        ValueFront::Text(t) => t.clone(),
    }
}

/// A number as written in YAML: `3`, `2.5`.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        x.to_string()
    }
}

fn is_whole(x: f64) -> bool {
    x.fract() == 0.0 && x.abs() <= f64::from(i32::MAX)
}

impl<'a> Check<'a, '_> {
    fn push(&mut self, code: Code, at: Option<Location>, message: String, hint: String) {
        if code.severity() == crate::diagnostic::Severity::Error {
            self.ok = false;
        }
        self.d.push(
            Diagnostic::new(code, message)
                .in_file(&self.p.file)
                .at_opt(at)
                .hint(hint),
        );
    }

    fn at<V>(&self, v: &Spanned<V>) -> Option<Location> {
        self.p.at(v)
    }

    // -----------------------------------------------------------------------------------------
    // Pass 1: ids

    fn index(&mut self, qs: &'a [QuestionFront]) {
        for q in qs {
            let id = q.id.value.as_str();
            if !is_valid_id(id) {
                self.push(
                    E0301,
                    self.at(&q.id),
                    format!("the question id `{id}` is not valid"),
                    format!(
                        "use lower-case a-z, digits and -, e.g. `{}`",
                        nonempty_slug(id)
                    ),
                );
            } else if self.index.contains_key(id) {
                self.push(
                    E0502,
                    self.at(&q.id),
                    format!("two questions have the id `{id}`"),
                    "give each question its own id; answers are stored under it".into(),
                );
            } else {
                self.index.insert(id, (self.order.len(), q));
            }
            // Positions count every question, valid or not, so "earlier" means what it reads as.
            self.order.push(id);
            if let Some(c) = children(q) {
                self.index(c);
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Pass 2: questions

    fn questions(&mut self, qs: &'a [QuestionFront], pos: &mut usize) -> Vec<Question> {
        let mut out = Vec::new();
        for q in qs {
            let here = *pos;
            *pos += 1;
            let kind = self.kind(q, pos);
            let show_if = q.show_if.as_ref().and_then(|s| self.show_if(s, q, here));
            let alert = q
                .alert
                .as_ref()
                .and_then(|a| self.alert(a, Subject::Question(q)));
            let takes_answer = kind.as_ref().is_some_and(QuestionKind::takes_answer);
            if let (Some(r), Some(k)) = (&q.required, &kind)
                && !takes_answer
            {
                self.unused_field(q, k.type_name(), "required", self.at(r));
            }
            if let Some(kind) = kind {
                out.push(Question {
                    id: q.id.value.clone(),
                    label: q.label.clone(),
                    help: q.help.clone(),
                    required: takes_answer && q.required.as_ref().is_some_and(|r| r.value),
                    show_if,
                    alert,
                    kind,
                });
            }
        }
        out
    }

    fn unused_field(
        &mut self,
        q: &QuestionFront,
        type_name: &str,
        name: &str,
        at: Option<Location>,
    ) {
        self.push(
            W0507,
            at.or_else(|| self.at(&q.kind)),
            format!("a question of type `{type_name}` does not use `{name}`"),
            format!(
                "remove `{name}:` from question `{}`, or change its `type:`",
                q.id.value
            ),
        );
    }

    fn kind(&mut self, q: &'a QuestionFront, pos: &mut usize) -> Option<QuestionKind> {
        let type_name = q.kind.value.as_str();
        let Some((_, uses)) = TYPE_FIELDS.iter().find(|(t, _)| *t == type_name) else {
            self.push(
                E0506,
                self.at(&q.kind),
                format!("`{type_name}` is not a question type"),
                format!("the types are: {}", QUESTION_TYPES.join(", ")),
            );
            return None;
        };
        let present: [(&str, Option<Option<Location>>); 9] = [
            ("options", q.options.as_ref().map(|v| self.at(v))),
            ("min", q.min.as_ref().map(|v| self.at(v))),
            ("max", q.max.as_ref().map(|v| self.at(v))),
            ("step", q.step.as_ref().map(|v| self.at(v))),
            ("min_label", q.min_label.as_ref().map(|v| self.at(v))),
            ("max_label", q.max_label.as_ref().map(|v| self.at(v))),
            ("unit", q.unit.as_ref().map(|v| self.at(v))),
            ("decimals", q.decimals.as_ref().map(|v| self.at(v))),
            ("questions", q.questions.as_ref().map(|v| self.at(v))),
        ];
        for (name, at) in present {
            if let Some(at) = at
                && !uses.contains(&name)
            {
                self.unused_field(q, type_name, name, at);
            }
        }
        Some(match type_name {
            "text" => QuestionKind::Text,
            "long_text" => QuestionKind::LongText,
            "yes_no" => QuestionKind::YesNo,
            "date" => QuestionKind::Date,
            "time" => QuestionKind::Time,
            "display" => QuestionKind::Display,
            "single_choice" => QuestionKind::SingleChoice {
                options: self.options(q)?,
            },
            "multiple_choice" => QuestionKind::MultipleChoice {
                options: self.options(q)?,
            },
            "scale" => self.scale(q)?,
            "number" => self.number(q)?,
            _ => {
                let Some(qs) = children(q).filter(|c| !c.is_empty()) else {
                    self.push(
                        E0501,
                        q.questions
                            .as_ref()
                            .and_then(|v| self.at(v))
                            .or_else(|| self.at(&q.kind)),
                        format!("the group `{}` has no questions", q.id.value),
                        "add the group's questions under its `questions:`, indented below it"
                            .into(),
                    );
                    return None;
                };
                QuestionKind::Group {
                    questions: self.questions(qs, pos),
                }
            }
        })
    }

    fn options(&mut self, q: &QuestionFront) -> Option<Vec<ChoiceOption>> {
        let opts = match &q.options {
            Some(o) if !o.value.is_empty() => o,
            other => {
                let at = other
                    .as_ref()
                    .and_then(|o| self.at(o))
                    .or_else(|| self.at(&q.kind));
                self.push(
                    E0503,
                    at,
                    format!("the choice question `{}` has no options", q.id.value),
                    "add `options:` with at least two items, each `- value: ...` and `label: ...`"
                        .into(),
                );
                return None;
            }
        };
        let mut seen = HashSet::new();
        let mut ok = true;
        for o in &opts.value {
            if !seen.insert(o.value.value.0.as_str()) {
                self.push(
                    E0505,
                    self.at(&o.value),
                    format!(
                        "two options of question `{}` have the value `{}`",
                        q.id.value, o.value.value.0
                    ),
                    "give each option its own value; the answer is stored as the value".into(),
                );
                ok = false;
            }
        }
        // A score needs every option's weight: a missing one would silently count as 0.
        let scored = opts.value.iter().filter(|o| o.score.is_some()).count();
        if scored > 0 && scored < opts.value.len() {
            let first_unscored = opts.value.iter().find(|o| o.score.is_none());
            self.push(
                E0513,
                first_unscored.and_then(|o| self.at(&o.value)),
                format!(
                    "{scored} of the {} options of question `{}` have a `score`, the others do not",
                    opts.value.len(),
                    q.id.value
                ),
                "give every option a `score:` (0 is a score), or remove `score:` from all of them"
                    .into(),
            );
            ok = false;
        }
        ok.then(|| {
            opts.value
                .iter()
                .map(|o| ChoiceOption {
                    value: o.value.value.0.clone(),
                    label: o.label.clone(),
                    score: o.score.as_ref().map(|s| s.value),
                })
                .collect()
        })
    }

    fn scale(&mut self, q: &QuestionFront) -> Option<QuestionKind> {
        let id = &q.id.value;
        let (Some(min), Some(max)) = (&q.min, &q.max) else {
            self.push(
                E0504,
                self.at(&q.kind),
                format!("the scale question `{id}` needs `min:` and `max:`"),
                "add e.g. `min: 0` and `max: 10`".into(),
            );
            return None;
        };
        for (name, v) in [("min", min), ("max", max)]
            .into_iter()
            .chain(q.step.as_ref().map(|s| ("step", s)))
        {
            if !is_whole(v.value) {
                self.push(
                    E0504,
                    self.at(v),
                    format!(
                        "the scale of question `{id}` counts in whole numbers; `{name}: {}` is not one",
                        num(v.value)
                    ),
                    "write a whole number, e.g. `min: 0`, `max: 10`, `step: 1`; for decimals use `type: number`".into(),
                );
                return None;
            }
        }
        let (lo, hi) = (min.value as i64, max.value as i64);
        let step = q.step.as_ref().map_or(1, |s| s.value as i64);
        if lo >= hi || (q.step.is_none() && hi - lo > MAX_SCALE_POINTS) {
            self.push(
                E0504,
                self.at(max),
                format!(
                    "the scale of question `{id}` must have `max` greater than `min`, at most 100 steps apart"
                ),
                "e.g. `min: 0` and `max: 10`".into(),
            );
            return None;
        }
        if let Some(s) = &q.step {
            if step <= 0 || (hi - lo) % step != 0 {
                self.push(
                    E0504,
                    self.at(s),
                    format!(
                        "the step of the scale `{id}` must be greater than 0 and divide `max - min` ({})",
                        hi - lo
                    ),
                    format!(
                        "choose a step that goes evenly from {lo} to {hi}, e.g. `step: 1`{}",
                        if (hi - lo) % 2 == 0 { " or `step: 2`" } else { "" }
                    ),
                );
                return None;
            }
            if (hi - lo) / step > MAX_SCALE_POINTS {
                self.push(
                    E0504,
                    self.at(s),
                    format!(
                        "the scale of question `{id}` has {} points; at most {MAX_SCALE_POINTS} can be shown",
                        (hi - lo) / step + 1
                    ),
                    "use a larger `step:`, or a `type: number` question".into(),
                );
                return None;
            }
        }
        Some(QuestionKind::Scale {
            min: lo as i32,
            max: hi as i32,
            step: step as i32,
            min_label: q.min_label.as_ref().map(|s| s.value.clone()),
            max_label: q.max_label.as_ref().map(|s| s.value.clone()),
        })
    }

    fn number(&mut self, q: &QuestionFront) -> Option<QuestionKind> {
        let id = &q.id.value;
        let decimals = q.decimals.as_ref().map_or(0, |d| d.value);
        if let Some(d) = q.decimals.as_ref().filter(|d| d.value > MAX_DECIMALS) {
            self.push(
                E0504,
                self.at(d),
                format!(
                    "question `{id}` asks for {} decimals; at most {MAX_DECIMALS} are allowed",
                    d.value
                ),
                "write the number of digits after the decimal point, e.g. `decimals: 1`".into(),
            );
            return None;
        }
        for (name, v) in [("min", &q.min), ("max", &q.max)] {
            if let Some(v) = v
                && forms::decimals_of(v.value) > u32::from(decimals)
            {
                self.push(
                    E0504,
                    self.at(v),
                    format!(
                        "`{name}: {}` of question `{id}` has more decimals than the answer may have ({decimals})",
                        num(v.value)
                    ),
                    "round the bound, or allow more digits with `decimals:`".into(),
                );
                return None;
            }
        }
        if let (Some(min), Some(max)) = (&q.min, &q.max)
            && min.value >= max.value
        {
            self.push(
                E0504,
                self.at(max),
                format!("question `{id}` must have `max` greater than `min`"),
                "e.g. `min: 0` and `max: 24`; leave out a bound that the answer does not have"
                    .into(),
            );
            return None;
        }
        Some(QuestionKind::Number {
            min: q.min.as_ref().map(|v| v.value),
            max: q.max.as_ref().map(|v| v.value),
            unit: q.unit.as_ref().map(|u| u.value.clone()),
            decimals,
        })
    }

    // -----------------------------------------------------------------------------------------
    // Conditions and alerts

    fn show_if(
        &mut self,
        s: &'a Spanned<ConditionFront>,
        q: &QuestionFront,
        here: usize,
    ) -> Option<ShowIf> {
        let c = &s.value;
        let simple = c.question.is_some() || !operators(c).is_empty();
        let shape_hint = "write `question:` with one of equals, not_equals, greater, less, answered; or `all:` or `any:` with a list of such conditions";
        let (behavior, list) = match (simple, &c.all, &c.any) {
            (true, None, None) => {
                return Some(ShowIf {
                    behavior: Behavior::All,
                    conditions: vec![self.condition(s, q, here)?],
                });
            }
            (false, Some(l), None) => (Behavior::All, l),
            (false, None, Some(l)) => (Behavior::Any, l),
            (false, None, None) => {
                self.push(
                    E0511,
                    self.at(s),
                    format!("the `show_if:` of question `{}` is empty", q.id.value),
                    shape_hint.into(),
                );
                return None;
            }
            _ => {
                self.push(
                    E0511,
                    self.at(s),
                    format!(
                        "the `show_if:` of question `{}` mixes `all:`, `any:` and `question:`",
                        q.id.value
                    ),
                    shape_hint.into(),
                );
                return None;
            }
        };
        if list.value.is_empty() {
            self.push(
                E0511,
                self.at(list),
                format!(
                    "the `show_if:` of question `{}` lists no conditions",
                    q.id.value
                ),
                shape_hint.into(),
            );
            return None;
        }
        let mut conditions = Vec::new();
        for item in &list.value {
            if item.value.all.is_some() || item.value.any.is_some() {
                self.push(
                    E0511,
                    self.at(item),
                    format!(
                        "a condition of question `{}` holds another `all:` or `any:`",
                        q.id.value
                    ),
                    "list plain conditions under one `all:` or `any:`; a FHIR questionnaire cannot nest them".into(),
                );
                continue;
            }
            conditions.extend(self.condition(item, q, here));
        }
        (conditions.len() == list.value.len()).then_some(ShowIf {
            behavior,
            conditions,
        })
    }

    /// One `question:` + operator condition of question `q` (at position `here`).
    fn condition(
        &mut self,
        s: &'a Spanned<ConditionFront>,
        q: &QuestionFront,
        here: usize,
    ) -> Option<Condition> {
        let c = &s.value;
        let Some(target) = &c.question else {
            self.push(
                E0511,
                self.at(s),
                format!(
                    "a condition of question `{}` has no `question:`",
                    q.id.value
                ),
                "add `question:` with the id of an earlier question, e.g. `question: somn`".into(),
            );
            return None;
        };
        let (operator, value) = self.one_operator(&operators(c), s, &q.id.value)?;
        let id = target.value.as_str();
        let Some(&(there, front)) = self.index.get(id) else {
            let earlier: Vec<&str> = self.order[..here.min(self.order.len())].to_vec();
            self.push(
                E0508,
                self.at(target),
                format!("the condition of question `{}` tests `{id}`, which is not a question of this form", q.id.value),
                if earlier.is_empty() {
                    "a condition tests an earlier question, and this is the first one; remove `show_if:`".into()
                } else {
                    format!("use the id of an earlier question: {}", earlier.join(", "))
                },
            );
            return None;
        };
        if there >= here {
            let what = if there == here {
                "itself".to_string()
            } else {
                format!("`{id}`, which comes after it")
            };
            self.push(
                E0509,
                self.at(target),
                format!("the condition of question `{}` tests {what}", q.id.value),
                format!(
                    "a question can only depend on questions asked before it; move `{}` below `{id}`, or test an earlier question",
                    q.id.value
                ),
            );
            return None;
        }
        let value = self.value(operator, value, Subject::Question(front))?;
        Some(Condition {
            question: id.to_string(),
            operator,
            value,
        })
    }

    fn one_operator(
        &mut self,
        ops: &[(Operator, &'a Spanned<ValueFront>)],
        at: &Spanned<impl Sized>,
        owner: &str,
    ) -> Option<(Operator, &'a Spanned<ValueFront>)> {
        if let [one] = ops {
            return Some(*one);
        }
        let message = if ops.is_empty() {
            format!("a condition of `{owner}` says what to test but not how")
        } else {
            let names: Vec<&str> = ops.iter().map(|(o, _)| o.as_str()).collect();
            format!(
                "a condition of `{owner}` has {} operators ({}); it takes one",
                ops.len(),
                names.join(", ")
            )
        };
        self.push(
            E0511,
            self.at(at),
            message,
            "use exactly one of `equals:`, `not_equals:`, `greater:`, `less:`, `answered:`; combine several conditions with `all:` or `any:`".into(),
        );
        None
    }

    fn alert(&mut self, a: &'a Spanned<AlertFront>, subject: Subject<'a>) -> Option<Alert> {
        let owner = match subject {
            Subject::Question(q) => q.id.value.as_str(),
            Subject::Score(id) => id,
        };
        if a.value.message.value.trim().is_empty() {
            self.push(
                E0511,
                self.at(&a.value.message),
                format!("the alert of `{owner}` has no message"),
                "write in `message:` what the clinician should know or do".into(),
            );
            return None;
        }
        let when = &a.value.when;
        let ops = comparison_operators(&when.value);
        let (operator, value) = self.one_operator(&ops, when, owner)?;
        let value = self.value(operator, value, subject)?;
        Some(Alert {
            when: Comparison { operator, value },
            message: a.value.message.value.clone(),
        })
    }

    /// The value `operator` compares `subject`'s answer with, checked against its type.
    fn value(
        &mut self,
        operator: Operator,
        v: &Spanned<ValueFront>,
        subject: Subject<'_>,
    ) -> Option<AnswerValue> {
        let at = self.at(v);
        let shown = value_text(&v.value);
        let (name, kind) = match subject {
            Subject::Question(q) => (format!("question `{}`", q.id.value), q.kind.value.as_str()),
            Subject::Score(id) => (format!("score `{id}`"), "score"),
        };
        let wrong = |this: &mut Self, message: String, hint: String| {
            this.push(E0510, at.clone(), message, hint);
            None
        };
        if kind != "score" && !QUESTION_TYPES.contains(&kind) {
            // An unknown type was reported where it is written (E0506).
            self.ok = false;
            return None;
        }
        if matches!(kind, "display" | "group") {
            return wrong(
                self,
                format!("{name} is a `{kind}`, which has no answer to test"),
                "test a question that people answer".into(),
            );
        }
        if operator == Operator::Answered {
            if kind == "score" {
                return wrong(
                    self,
                    format!("{name} always has a value; `answered:` cannot test it"),
                    "compare the score with a number, e.g. `greater: 9`".into(),
                );
            }
            return match v.value {
                ValueFront::Bool(b) => Some(AnswerValue::Bool(b)),
                _ => wrong(
                    self,
                    format!("`answered:` takes true or false, not `{shown}`"),
                    "write `answered: true` (has an answer) or `answered: false` (has none)".into(),
                ),
            };
        }
        let op = operator.as_str();
        match kind {
            "single_choice" | "multiple_choice" => {
                let Subject::Question(q) = subject else {
                    return None;
                };
                let values: Vec<&str> = q
                    .options
                    .iter()
                    .flat_map(|o| &o.value)
                    .map(|o| o.value.value.0.as_str())
                    .collect();
                if matches!(operator, Operator::Greater | Operator::Less) {
                    return wrong(
                        self,
                        format!("`{op}:` compares numbers, but {name} is a choice"),
                        format!(
                            "use `equals:` or `not_equals:` with one of its values: {}",
                            values.join(", ")
                        ),
                    );
                }
                if matches!(v.value, ValueFront::Bool(_)) || !values.contains(&shown.as_str()) {
                    return wrong(
                        self,
                        format!("{name} has no option with the value `{shown}`"),
                        format!("use one of its option values: {}", values.join(", ")),
                    );
                }
                Some(AnswerValue::Text(shown))
            }
            "yes_no" => match (operator, &v.value) {
                (Operator::Equals | Operator::NotEquals, ValueFront::Bool(b)) => {
                    Some(AnswerValue::Bool(*b))
                }
                _ => wrong(
                    self,
                    format!("{name} is answered yes or no; `{op}: {shown}` cannot test it"),
                    "write `equals: true` (yes) or `equals: false` (no)".into(),
                ),
            },
            "scale" | "number" | "score" => {
                let ValueFront::Number(n, _) = v.value else {
                    return wrong(
                        self,
                        format!("{name} is a number; compare it with a number, not `{shown}`"),
                        format!("write a number, e.g. `{op}: 5`"),
                    );
                };
                let whole_only = match subject {
                    Subject::Question(q) => {
                        kind == "scale" || q.decimals.as_ref().is_none_or(|d| d.value == 0)
                    }
                    Subject::Score(_) => false,
                };
                if whole_only && !is_whole(n) {
                    return wrong(
                        self,
                        format!(
                            "{name} is answered with whole numbers; `{op}: {shown}` is not one"
                        ),
                        format!("compare with a whole number, e.g. `{op}: {}`", n.floor()),
                    );
                }
                Some(AnswerValue::Number(n))
            }
            // text, long_text, date, time
            _ => wrong(
                self,
                format!(
                    "`{op}:` cannot test {name} ({kind}); free text, dates and times can only be tested with `answered:`"
                ),
                "write `answered: true` or `answered: false`".into(),
            ),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Pass 3: scores

    fn scores(&mut self, fronts: &'a [ScoreFront], built: &[Question]) -> Vec<Score> {
        let by_id: HashMap<&str, &Question> = forms::questions_in_order(built)
            .into_iter()
            .map(|q| (q.id.as_str(), q))
            .collect();
        let probe = Form {
            questions: built.to_vec(),
            scores: vec![],
            instrument: None,
        };
        let mut ids: HashSet<&str> = HashSet::new();
        let mut out = Vec::new();
        for s in fronts {
            let id = s.id.value.as_str();
            if !is_valid_id(id) {
                self.push(
                    E0301,
                    self.at(&s.id),
                    format!("the score id `{id}` is not valid"),
                    format!(
                        "use lower-case a-z, digits and -, e.g. `{}`",
                        nonempty_slug(id)
                    ),
                );
                continue;
            }
            // Scores share FHIR's linkIds with the questions, so one namespace.
            if self.index.contains_key(id) || !ids.insert(id) {
                self.push(
                    E0502,
                    self.at(&s.id),
                    format!("the score id `{id}` is already used by a question or another score"),
                    "give the score an id of its own".into(),
                );
                continue;
            }
            if let Some(score) = self.score(s, &by_id, &probe) {
                out.push(score);
            }
        }
        out
    }

    fn score(
        &mut self,
        s: &'a ScoreFront,
        by_id: &HashMap<&str, &Question>,
        probe: &Form,
    ) -> Option<Score> {
        let id = s.id.value.as_str();
        if s.questions.value.is_empty() {
            self.push(
                E0512,
                self.at(&s.questions),
                format!("the score `{id}` adds up no questions"),
                "list the ids of the scored questions, e.g. `questions: [fraga-1, fraga-2]`".into(),
            );
            return None;
        }
        let mut ok = true;
        let mut seen = HashSet::new();
        let (mut lo, mut hi) = (0.0, 0.0);
        for qid in &s.questions.value {
            let name = qid.value.as_str();
            if !seen.insert(name) {
                self.push(
                    E0512,
                    self.at(qid),
                    format!("the score `{id}` counts `{name}` twice"),
                    "list each question once".into(),
                );
                ok = false;
                continue;
            }
            let Some(q) = by_id.get(name) else {
                // A question that exists but failed its own checks was reported already.
                if !self.index.contains_key(name) {
                    self.push(
                        E0508,
                        self.at(qid),
                        format!(
                            "the score `{id}` counts `{name}`, which is not a question of this form"
                        ),
                        format!("use the ids of scored questions: {}", self.scorable(by_id)),
                    );
                }
                ok = false;
                continue;
            };
            match forms::contribution_range(&q.kind) {
                Some((a, b)) => {
                    lo += a;
                    hi += b;
                }
                None => {
                    let why = match &q.kind {
                        QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } => {
                            "its options have no `score:`".to_string()
                        }
                        QuestionKind::Number { .. } => {
                            "a number question needs `min:` and `max:` to be counted".to_string()
                        }
                        k => format!("a `{}` question has no score", k.type_name()),
                    };
                    self.push(
                        E0512,
                        self.at(qid),
                        format!("the score `{id}` counts `{name}`, but {why}"),
                        format!(
                            "count choice questions whose options have `score:`, scales, and numbers with bounds: {}",
                            self.scorable(by_id)
                        ),
                    );
                    ok = false;
                }
            }
        }
        if !ok {
            return None;
        }
        let questions: Vec<String> = s.questions.value.iter().map(|q| q.value.clone()).collect();
        let decimals = forms::score_decimals(probe, &questions);
        let (lo, hi) = (forms::round_to(lo, decimals), forms::round_to(hi, decimals));
        let bands = match &s.bands {
            Some(b) => self.bands(id, b, lo, hi, decimals)?,
            None => vec![],
        };
        let alert = match &s.alert {
            Some(a) => Some(self.alert(a, Subject::Score(id))?),
            None => None,
        };
        Some(Score {
            id: id.to_string(),
            label: s.label.clone(),
            questions,
            min: lo,
            max: hi,
            bands,
            alert,
        })
    }

    /// The ids a score may count, for hints.
    fn scorable(&self, by_id: &HashMap<&str, &Question>) -> String {
        let ids: Vec<&str> = self
            .order
            .iter()
            .copied()
            .filter(|id| {
                by_id
                    .get(id)
                    .is_some_and(|q| forms::contribution_range(&q.kind).is_some())
            })
            .collect();
        if ids.is_empty() {
            "none in this form yet".into()
        } else {
            ids.join(", ")
        }
    }

    /// Checks that the bands cover `lo..=hi` in steps of the score's precision, with no gap
    /// and no overlap. Works in whole units of that precision, so 0.1 + 0.2 is no problem.
    fn bands(
        &mut self,
        id: &str,
        bands: &Spanned<Vec<Spanned<BandFront>>>,
        lo: f64,
        hi: f64,
        decimals: u32,
    ) -> Option<Vec<Band>> {
        let unit = 10f64.powi(decimals as i32);
        let step = if decimals == 0 {
            "whole numbers".to_string()
        } else {
            format!("steps of {}", num(1.0 / unit))
        };
        let range_hint = format!(
            "the score `{id}` goes from {} to {} in {step}; give bands that start at {}, each starting just after the one before, and end at {}",
            num(lo),
            num(hi),
            num(lo),
            num(hi)
        );
        if bands.value.is_empty() {
            self.push(
                E0514,
                self.at(bands),
                format!("the score `{id}` has `bands:` but no band"),
                range_hint,
            );
            return None;
        }
        let mut ok = true;
        let mut units = Vec::new();
        for b in &bands.value {
            let to_units = |this: &mut Self, v: &Spanned<f64>| {
                let scaled = v.value * unit;
                if (scaled - scaled.round()).abs() > 1e-6 {
                    this.push(
                        E0514,
                        this.at(v),
                        format!(
                            "the score `{id}` counts in {step}; {} is not a value it can have",
                            num(v.value)
                        ),
                        range_hint.clone(),
                    );
                    None
                } else {
                    Some(scaled.round() as i64)
                }
            };
            let (Some(min), Some(max)) =
                (to_units(self, &b.value.min), to_units(self, &b.value.max))
            else {
                ok = false;
                continue;
            };
            if min > max {
                self.push(
                    E0514,
                    self.at(&b.value.max),
                    format!(
                        "the band `{}` of score `{id}` ends ({}) before it starts ({})",
                        b.value.label,
                        num(b.value.max.value),
                        num(b.value.min.value)
                    ),
                    "write the lower end as `min:` and the higher as `max:`".into(),
                );
                ok = false;
                continue;
            }
            units.push((min, max, b));
        }
        if !ok {
            return None;
        }
        units.sort_by_key(|(min, _, _)| *min);
        let (lo_u, hi_u) = ((lo * unit).round() as i64, (hi * unit).round() as i64);
        let show = |u: i64| num(forms::round_to(u as f64 / unit, decimals));
        let mut next = lo_u;
        for (i, (min, max, b)) in units.iter().enumerate() {
            let label = &b.value.label;
            if *min > next {
                let message = if i == 0 {
                    format!(
                        "the bands of score `{id}` start at {}, but the score can be as low as {}",
                        show(*min),
                        show(lo_u)
                    )
                } else {
                    format!(
                        "the bands of score `{id}` leave a gap: no band holds {}{}",
                        show(next),
                        if *min - next > 1 {
                            format!(" to {}", show(*min - 1))
                        } else {
                            String::new()
                        }
                    )
                };
                self.push(E0514, self.at(&b.value.min), message, range_hint.clone());
                ok = false;
            } else if *min < next {
                let message = if i == 0 {
                    format!(
                        "the band `{label}` of score `{id}` starts at {}, below the lowest possible score, {}",
                        show(*min),
                        show(lo_u)
                    )
                } else {
                    format!(
                        "the band `{label}` of score `{id}` overlaps the band before it: both hold {}",
                        show(*min)
                    )
                };
                self.push(E0514, self.at(&b.value.min), message, range_hint.clone());
                ok = false;
            }
            next = next.max(max + 1);
        }
        if let Some((_, max, b)) = units.last() {
            if *max < hi_u {
                self.push(
                    E0514,
                    self.at(&b.value.max),
                    format!(
                        "the bands of score `{id}` end at {}, but the score can reach {}",
                        show(*max),
                        show(hi_u)
                    ),
                    range_hint.clone(),
                );
                ok = false;
            } else if *max > hi_u {
                self.push(
                    E0514,
                    self.at(&b.value.max),
                    format!(
                        "the band `{}` of score `{id}` goes up to {}, above the highest possible score, {}",
                        b.value.label,
                        show(*max),
                        show(hi_u)
                    ),
                    range_hint.clone(),
                );
                ok = false;
            }
        }
        ok.then(|| {
            units
                .iter()
                .map(|(_, _, b)| Band {
                    min: b.value.min.value,
                    max: b.value.max.value,
                    label: b.value.label.clone(),
                })
                .collect()
        })
    }

    // -----------------------------------------------------------------------------------------
    // Instrument

    fn instrument(&mut self, i: &Spanned<InstrumentFront>) -> Option<Instrument> {
        let f = &i.value;
        let licence = f
            .licence
            .as_ref()
            .map(|l| l.value.trim().to_string())
            .filter(|l| !l.is_empty());
        let licensed = f.licensed.as_ref().is_some_and(|l| l.value);
        if licensed && licence.is_none() {
            let at = f
                .licence
                .as_ref()
                .and_then(|l| self.at(l))
                .or_else(|| f.licensed.as_ref().and_then(|l| self.at(l)));
            self.push(
                E0515,
                at,
                format!("`{}` is marked `licensed: true` but has no licence text", f.name),
                "add `licence:` with the licence or the permission you have to use it (who granted it, for what); without one the form cannot be published".into(),
            );
            return None;
        }
        Some(Instrument {
            name: f.name.clone(),
            source: f.source.clone(),
            licence,
            version: f.version.as_ref().map(|v| v.0.clone()),
            licensed,
        })
    }
}

fn operators(c: &ConditionFront) -> Vec<(Operator, &Spanned<ValueFront>)> {
    [
        (Operator::Equals, &c.equals),
        (Operator::NotEquals, &c.not_equals),
        (Operator::Greater, &c.greater),
        (Operator::Less, &c.less),
        (Operator::Answered, &c.answered),
    ]
    .into_iter()
    .filter_map(|(o, v)| v.as_ref().map(|v| (o, v)))
    .collect()
}

fn comparison_operators(c: &ComparisonFront) -> Vec<(Operator, &Spanned<ValueFront>)> {
    [
        (Operator::Equals, &c.equals),
        (Operator::NotEquals, &c.not_equals),
        (Operator::Greater, &c.greater),
        (Operator::Less, &c.less),
        (Operator::Answered, &c.answered),
    ]
    .into_iter()
    .filter_map(|(o, v)| v.as_ref().map(|v| (o, v)))
    .collect()
}
