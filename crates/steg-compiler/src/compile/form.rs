//! A form steg: checking its questions, conditions, scores and instrument, and building the
//! typed [`Form`].
//!
//! Three passes over the questions, so every problem is reported with its place:
//! 1. index: every id, in the order asked (groups before their questions), checked unique;
//! 2. build: each question's type and fields, its `show_if` (which may only test questions
//!    earlier in that order) and its `alert`;
//! 3. scores: which questions they add up, their possible range and their bands.

use super::{Parsed, nonempty_slug};
use crate::front::*;
use serde_saphyr::Spanned;
use std::collections::{HashMap, HashSet};
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, Location, codes::*};
use steg_bundle::forms;
use steg_bundle::ids::is_valid_id;
use steg_bundle::manifest::{
    Alert, AnswerValue, Band, Behavior, ChoiceOption, Comparison, Condition, Form, Instrument,
    Operator, QUESTION_TYPES, Question, QuestionKind, Score, ShowIf,
};

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
            Diagnostic::new(E0501, "form")
                .in_file(&p.file)
                .at_opt(p.at(questions)),
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

/// A value a condition compares an answer with, as findings about it name it.
struct Compared<'s> {
    at: Option<Location>,
    /// `_question` or `_score`: what `id` is.
    phrase: &'static str,
    id: &'s str,
    /// The question's type, or `score`.
    kind: &'s str,
    op: &'s str,
    /// The value as written.
    shown: String,
}

impl Compared<'_> {
    /// Reports the value as wrong for what it tests (E0510 `key`), with `args` besides.
    fn wrong(
        &self,
        check: &mut Check<'_, '_>,
        key: &'static str,
        args: &[(&'static str, String)],
    ) -> Option<AnswerValue> {
        // Every E0510 message names what it tests ("question `x`" or "score `x`") as `{name}`.
        let mut d = Diagnostic::new(E0510, key)
            .arg_phrase("name", self.phrase, &[("id", self.id.to_string())])
            .arg("kind", self.kind)
            .arg("op", self.op)
            .arg("value", &self.shown);
        for (k, v) in args {
            d = d.arg(k, v);
        }
        check.push(self.at.clone(), d);
        None
    }
}

/// A band's bounds in whole units of its score's precision, and the band.
type BandUnits<'b> = (i64, i64, &'b Spanned<BandFront>);

/// The range and precision of a score whose bands are checked.
struct BandScale<'a> {
    id: &'a str,
    lo: f64,
    hi: f64,
    decimals: u32,
    /// How many steps of the score's precision make 1 (10 for one decimal).
    unit: f64,
}

impl BandScale<'_> {
    /// An E0514 finding. Every hint gives the score's range and precision (`{step}`, e.g.
    /// "whole numbers").
    fn hint(&self, key: &'static str) -> Diagnostic {
        let d = Diagnostic::new(E0514, key)
            .arg("id", self.id)
            .arg("lo", num(self.lo))
            .arg("hi", num(self.hi));
        if self.decimals == 0 {
            d.arg_phrase("step", "_whole", &[])
        } else {
            d.arg_phrase("step", "_steps", &[("unit", num(1.0 / self.unit))])
        }
    }

    fn to_units(&self, x: f64) -> i64 {
        (x * self.unit).round() as i64
    }

    /// A value in units, as the author would write it.
    fn show(&self, u: i64) -> String {
        num(forms::round_to(u as f64 / self.unit, self.decimals))
    }
}

impl<'a> Check<'a, '_> {
    fn push(&mut self, at: Option<Location>, d: Diagnostic) {
        if d.is_error() {
            self.ok = false;
        }
        self.d.push(d.in_file(&self.p.file).at_opt(at));
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
                    self.at(&q.id),
                    Diagnostic::new(E0301, "question")
                        .arg("id", id)
                        .arg("suggestion", nonempty_slug(id)),
                );
            } else if self.index.contains_key(id) {
                self.push(
                    self.at(&q.id),
                    Diagnostic::new(E0502, "question").arg("id", id),
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
            at.or_else(|| self.at(&q.kind)),
            Diagnostic::new(W0507, "unused")
                .arg("type", type_name)
                .arg("field", name)
                .arg("id", &q.id.value),
        );
    }

    fn kind(&mut self, q: &'a QuestionFront, pos: &mut usize) -> Option<QuestionKind> {
        let type_name = q.kind.value.as_str();
        let Some((_, uses)) = crate::front::QUESTION_TYPE_FIELDS
            .iter()
            .find(|(t, _)| *t == type_name)
        else {
            self.push(
                self.at(&q.kind),
                Diagnostic::new(E0506, "unknown")
                    .arg("value", type_name)
                    .arg("known", QUESTION_TYPES.join(", ")),
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
                        q.questions
                            .as_ref()
                            .and_then(|v| self.at(v))
                            .or_else(|| self.at(&q.kind)),
                        Diagnostic::new(E0501, "group").arg("id", &q.id.value),
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
                self.push(at, Diagnostic::new(E0503, "none").arg("id", &q.id.value));
                return None;
            }
        };
        let mut seen = HashSet::new();
        let mut ok = true;
        for o in &opts.value {
            if !seen.insert(o.value.value.0.as_str()) {
                self.push(
                    self.at(&o.value),
                    Diagnostic::new(E0505, "same")
                        .arg("id", &q.id.value)
                        .arg("value", &o.value.value.0),
                );
                ok = false;
            }
        }
        // A score needs every option's weight: a missing one would silently count as 0.
        let scored = opts.value.iter().filter(|o| o.score.is_some()).count();
        if scored > 0 && scored < opts.value.len() {
            let first_unscored = opts.value.iter().find(|o| o.score.is_none());
            self.push(
                first_unscored.and_then(|o| self.at(&o.value)),
                Diagnostic::new(E0513, "partly")
                    .arg("scored", scored)
                    .arg("total", opts.value.len())
                    .arg("id", &q.id.value),
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
                self.at(&q.kind),
                Diagnostic::new(E0504, "scale-bounds").arg("id", id),
            );
            return None;
        };
        for (name, v) in [("min", min), ("max", max)]
            .into_iter()
            .chain(q.step.as_ref().map(|s| ("step", s)))
        {
            if !is_whole(v.value) {
                self.push(
                    self.at(v),
                    Diagnostic::new(E0504, "scale-whole")
                        .arg("id", id)
                        .arg("field", name)
                        .arg("value", num(v.value)),
                );
                return None;
            }
        }
        let (lo, hi) = (min.value as i64, max.value as i64);
        let step = q.step.as_ref().map_or(1, |s| s.value as i64);
        if lo >= hi || (q.step.is_none() && hi - lo > MAX_SCALE_POINTS) {
            self.push(
                self.at(max),
                Diagnostic::new(E0504, "scale-order")
                    .arg("id", id)
                    .arg("max", MAX_SCALE_POINTS),
            );
            return None;
        }
        if let Some(s) = &q.step {
            if step <= 0 || (hi - lo) % step != 0 {
                let key = if (hi - lo) % 2 == 0 {
                    "scale-step-even"
                } else {
                    "scale-step"
                };
                self.push(
                    self.at(s),
                    Diagnostic::new(E0504, key)
                        .arg("id", id)
                        .arg("span", hi - lo)
                        .arg("min", lo)
                        .arg("max", hi),
                );
                return None;
            }
            if (hi - lo) / step > MAX_SCALE_POINTS {
                self.push(
                    self.at(s),
                    Diagnostic::new(E0504, "scale-points")
                        .arg("id", id)
                        .arg("points", (hi - lo) / step + 1)
                        .arg("max", MAX_SCALE_POINTS),
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
                self.at(d),
                Diagnostic::new(E0504, "decimals")
                    .arg("id", id)
                    .arg("decimals", d.value)
                    .arg("max", MAX_DECIMALS),
            );
            return None;
        }
        for (name, v) in [("min", &q.min), ("max", &q.max)] {
            if let Some(v) = v
                && forms::decimals_of(v.value) > u32::from(decimals)
            {
                self.push(
                    self.at(v),
                    Diagnostic::new(E0504, "bound-decimals")
                        .arg("field", name)
                        .arg("value", num(v.value))
                        .arg("id", id)
                        .arg("decimals", decimals),
                );
                return None;
            }
        }
        if let (Some(min), Some(max)) = (&q.min, &q.max)
            && min.value >= max.value
        {
            self.push(
                self.at(max),
                Diagnostic::new(E0504, "number-order").arg("id", id),
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
                    self.at(s),
                    Diagnostic::new(E0511, "empty").arg("id", &q.id.value),
                );
                return None;
            }
            _ => {
                self.push(
                    self.at(s),
                    Diagnostic::new(E0511, "mixed").arg("id", &q.id.value),
                );
                return None;
            }
        };
        if list.value.is_empty() {
            self.push(
                self.at(list),
                Diagnostic::new(E0511, "no-conditions").arg("id", &q.id.value),
            );
            return None;
        }
        let mut conditions = Vec::new();
        for item in &list.value {
            if item.value.all.is_some() || item.value.any.is_some() {
                self.push(
                    self.at(item),
                    Diagnostic::new(E0511, "nested").arg("id", &q.id.value),
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
                self.at(s),
                Diagnostic::new(E0511, "no-question").arg("id", &q.id.value),
            );
            return None;
        };
        let (operator, value) = self.one_operator(&operators(c), s, &q.id.value)?;
        let id = target.value.as_str();
        let Some(&(there, front)) = self.index.get(id) else {
            let earlier: Vec<&str> = self.order[..here.min(self.order.len())].to_vec();
            let key = if earlier.is_empty() {
                "condition-first"
            } else {
                "condition"
            };
            self.push(
                self.at(target),
                Diagnostic::new(E0508, key)
                    .arg("id", &q.id.value)
                    .arg("target", id)
                    .arg("earlier", earlier.join(", ")),
            );
            return None;
        };
        if there >= here {
            let key = if there == here { "itself" } else { "later" };
            self.push(
                self.at(target),
                Diagnostic::new(E0509, key)
                    .arg("id", &q.id.value)
                    .arg("target", id),
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
        let names: Vec<&str> = ops.iter().map(|(o, _)| o.as_str()).collect();
        let key = if ops.is_empty() {
            "no-operator"
        } else {
            "operators"
        };
        self.push(
            self.at(at),
            Diagnostic::new(E0511, key)
                .arg("owner", owner)
                .arg("count", ops.len())
                .arg("operators", names.join(", ")),
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
                self.at(&a.value.message),
                Diagnostic::new(E0511, "alert-message").arg("owner", owner),
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
        let (phrase, id, kind) = match subject {
            Subject::Question(q) => ("_question", q.id.value.as_str(), q.kind.value.as_str()),
            Subject::Score(id) => ("_score", id, "score"),
        };
        let c = Compared {
            at: self.at(v),
            phrase,
            id,
            kind,
            op: operator.as_str(),
            shown: value_text(&v.value),
        };
        if kind != "score" && !QUESTION_TYPES.contains(&kind) {
            // An unknown type was reported where it is written (E0506).
            self.ok = false;
            return None;
        }
        if matches!(kind, "display" | "group") {
            return c.wrong(self, "no-answer", &[]);
        }
        if operator == Operator::Answered {
            if kind == "score" {
                return c.wrong(self, "score-answered", &[]);
            }
            return match v.value {
                ValueFront::Bool(b) => Some(AnswerValue::Bool(b)),
                _ => c.wrong(self, "answered-bool", &[]),
            };
        }
        match kind {
            "single_choice" | "multiple_choice" => {
                let Subject::Question(q) = subject else {
                    return None;
                };
                self.choice_value(&c, operator, v, q)
            }
            "yes_no" => match (operator, &v.value) {
                (Operator::Equals | Operator::NotEquals, ValueFront::Bool(b)) => {
                    Some(AnswerValue::Bool(*b))
                }
                _ => c.wrong(self, "yes-no", &[]),
            },
            "scale" | "number" | "score" => self.number_value(&c, v, subject),
            // text, long_text, date, time
            _ => c.wrong(self, "free-text", &[]),
        }
    }

    /// A value compared with a choice question's answer: one of its options' values.
    fn choice_value(
        &mut self,
        c: &Compared<'_>,
        operator: Operator,
        v: &Spanned<ValueFront>,
        q: &QuestionFront,
    ) -> Option<AnswerValue> {
        let values: Vec<&str> = q
            .options
            .iter()
            .flat_map(|o| &o.value)
            .map(|o| o.value.value.0.as_str())
            .collect();
        if matches!(operator, Operator::Greater | Operator::Less) {
            return c.wrong(self, "choice-compare", &[("values", values.join(", "))]);
        }
        if matches!(v.value, ValueFront::Bool(_)) || !values.contains(&c.shown.as_str()) {
            return c.wrong(self, "choice-value", &[("values", values.join(", "))]);
        }
        Some(AnswerValue::Text(c.shown.clone()))
    }

    /// A value compared with a scale, a number or a score: a number, whole where the
    /// answer is.
    fn number_value(
        &mut self,
        c: &Compared<'_>,
        v: &Spanned<ValueFront>,
        subject: Subject<'_>,
    ) -> Option<AnswerValue> {
        let ValueFront::Number(n, _) = v.value else {
            return c.wrong(self, "number", &[]);
        };
        let whole_only = match subject {
            Subject::Question(q) => {
                c.kind == "scale" || q.decimals.as_ref().is_none_or(|d| d.value == 0)
            }
            Subject::Score(_) => false,
        };
        if whole_only && !is_whole(n) {
            return c.wrong(self, "whole", &[("whole", n.floor().to_string())]);
        }
        Some(AnswerValue::Number(n))
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
                    self.at(&s.id),
                    Diagnostic::new(E0301, "score")
                        .arg("id", id)
                        .arg("suggestion", nonempty_slug(id)),
                );
                continue;
            }
            // Scores share FHIR's linkIds with the questions, so one namespace.
            if self.index.contains_key(id) || !ids.insert(id) {
                self.push(
                    self.at(&s.id),
                    Diagnostic::new(E0502, "score").arg("id", id),
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
                self.at(&s.questions),
                Diagnostic::new(E0512, "empty").arg("id", id),
            );
            return None;
        }
        let (lo, hi) = self.score_range(s, by_id)?;
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

    /// The lowest and highest sum the score's questions can make, or `None` when one is
    /// named twice or cannot be counted (every such question reported).
    fn score_range(
        &mut self,
        s: &'a ScoreFront,
        by_id: &HashMap<&str, &Question>,
    ) -> Option<(f64, f64)> {
        let id = s.id.value.as_str();
        let mut ok = true;
        let mut seen = HashSet::new();
        let (mut lo, mut hi) = (0.0, 0.0);
        for qid in &s.questions.value {
            let name = qid.value.as_str();
            if !seen.insert(name) {
                self.push(
                    self.at(qid),
                    Diagnostic::new(E0512, "twice")
                        .arg("id", id)
                        .arg("question", name),
                );
                ok = false;
                continue;
            }
            match self.contribution(id, qid, by_id) {
                Some((a, b)) => {
                    lo += a;
                    hi += b;
                }
                None => ok = false,
            }
        }
        ok.then_some((lo, hi))
    }

    /// The least and most question `qid` adds to score `id`, or `None` (reported) when it
    /// is not a question that can be counted.
    fn contribution(
        &mut self,
        id: &str,
        qid: &Spanned<String>,
        by_id: &HashMap<&str, &Question>,
    ) -> Option<(f64, f64)> {
        let name = qid.value.as_str();
        let Some(q) = by_id.get(name) else {
            // A question that exists but failed its own checks was reported already.
            if !self.index.contains_key(name) {
                let d = Diagnostic::new(E0508, "score")
                    .arg("id", id)
                    .arg("question", name);
                let d = self.scorable(d, by_id);
                self.push(self.at(qid), d);
            }
            return None;
        };
        if let Some(range) = forms::contribution_range(&q.kind) {
            return Some(range);
        }
        let key = match &q.kind {
            QuestionKind::SingleChoice { .. } | QuestionKind::MultipleChoice { .. } => {
                "unscored-options"
            }
            QuestionKind::Number { .. } => "unbounded-number",
            _ => "unscorable",
        };
        let d = Diagnostic::new(E0512, key)
            .arg("id", id)
            .arg("question", name)
            .arg("type", q.kind.type_name());
        let d = self.scorable(d, by_id);
        self.push(self.at(qid), d);
        None
    }

    /// The ids a score may count, as `{scorable}` for hints.
    fn scorable(&self, d: Diagnostic, by_id: &HashMap<&str, &Question>) -> Diagnostic {
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
            d.arg_phrase("scorable", "_none-yet", &[])
        } else {
            d.arg("scorable", ids.join(", "))
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
        let scale = BandScale {
            id,
            lo,
            hi,
            decimals,
            unit: 10f64.powi(decimals as i32),
        };
        if bands.value.is_empty() {
            self.push(self.at(bands), scale.hint("no-band"));
            return None;
        }
        let mut units = self.band_units(&scale, &bands.value)?;
        units.sort_by_key(|(min, _, _)| *min);
        let covered = self.bands_cover(&scale, &units);
        let ends = self.bands_end(&scale, &units);
        (covered && ends).then(|| {
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

    /// Each band's bounds in whole units of the score's precision, or `None` when a bound is
    /// not such a value or a band is reversed (all reported).
    fn band_units<'b>(
        &mut self,
        scale: &BandScale<'_>,
        bands: &'b [Spanned<BandFront>],
    ) -> Option<Vec<BandUnits<'b>>> {
        let mut ok = true;
        let mut units = Vec::new();
        for b in bands {
            let to_units = |this: &mut Self, v: &Spanned<f64>| {
                let scaled = v.value * scale.unit;
                if (scaled - scaled.round()).abs() > 1e-6 {
                    let d = scale.hint("not-value").arg("value", num(v.value));
                    this.push(this.at(v), d);
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
                    self.at(&b.value.max),
                    scale
                        .hint("reversed")
                        .arg("label", &b.value.label)
                        .arg("max", num(b.value.max.value))
                        .arg("min", num(b.value.min.value)),
                );
                ok = false;
                continue;
            }
            units.push((min, max, b));
        }
        ok.then_some(units)
    }

    /// Reports every gap and overlap between the bands (sorted by their start), and a first
    /// band that starts above or below the score's lowest value. `true` when there are none.
    fn bands_cover(&mut self, scale: &BandScale<'_>, units: &[BandUnits<'_>]) -> bool {
        let mut ok = true;
        let lo_u = scale.to_units(scale.lo);
        let mut next = lo_u;
        for (i, (min, max, b)) in units.iter().enumerate() {
            let label = &b.value.label;
            if *min > next {
                let d = if i == 0 {
                    scale
                        .hint("starts-high")
                        .arg("start", scale.show(*min))
                        .arg("lowest", scale.show(lo_u))
                } else if *min - next > 1 {
                    scale
                        .hint("gap-range")
                        .arg("from", scale.show(next))
                        .arg("to", scale.show(*min - 1))
                } else {
                    scale.hint("gap").arg("from", scale.show(next))
                };
                self.push(self.at(&b.value.min), d);
                ok = false;
            } else if *min < next {
                let d = if i == 0 {
                    scale
                        .hint("starts-low")
                        .arg("label", label)
                        .arg("start", scale.show(*min))
                        .arg("lowest", scale.show(lo_u))
                } else {
                    let d = scale.hint("overlap").arg("label", label);
                    d.arg("value", scale.show(*min))
                };
                self.push(self.at(&b.value.min), d);
                ok = false;
            }
            next = next.max(max + 1);
        }
        ok
    }

    /// Reports a last band that ends below or above the score's highest value.
    fn bands_end(&mut self, scale: &BandScale<'_>, units: &[BandUnits<'_>]) -> bool {
        let Some((_, max, b)) = units.last() else {
            return true;
        };
        let hi_u = scale.to_units(scale.hi);
        let d = if *max < hi_u {
            scale.hint("ends-low")
        } else if *max > hi_u {
            scale.hint("ends-high").arg("label", &b.value.label)
        } else {
            return true;
        };
        let d = d
            .arg("end", scale.show(*max))
            .arg("highest", scale.show(hi_u));
        self.push(self.at(&b.value.max), d);
        false
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
                at,
                Diagnostic::new(E0515, "no-licence").arg("name", &f.name),
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
