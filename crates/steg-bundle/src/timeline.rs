//! A participant's timeline: the dated events and flags of a moment for someone who starts on
//! a given day, has some moduler activated, and then does nothing.
//!
//! This is the meaning of the flags (`docs/bundle-format.md`, *Flags and the schedule*) written
//! as code, from the manifest alone, so a platform can schedule with it and tests can use it as
//! the oracle:
//! - day 0 is the day the clinician starts the moment; the moment is open for days
//!   `0..duration_days` and ends (closes) on day `duration_days`;
//! - a modul activated on day `a` with `duration_days: n` closes on day `a + n`, or with the
//!   moment if that is earlier; a modul without `duration_days` stays open until the moment
//!   ends, and `modul_ends` flags are not sent for it (`moment_ends` flags cover that day);
//! - `moment_started` is sent on day 0; `moment_ends` with `days_before: k` on day
//!   `duration_days - k`; `modul_ends` with `days_before: k` on the modul's closing day minus
//!   `k` (not before the modul was activated);
//! - `inactive` with `days: k` is sent `k` days after the last activity (the start counts as
//!   the first), then every `repeat_days` days while nothing happens, if that is set;
//! - nothing is sent on or after the day the moment ends;
//! - a flag to `invanare`, while a guardian uses the program as proxy ("ombud"), goes to the
//!   guardian (`proxy: ombud`) or is not sent (`proxy: none`).

use crate::manifest::{Flag, ModulEntry, MomentEntry, ProxyDelivery, Recipient, Trigger};
use serde::Serialize;
use std::fmt;

/// A calendar date (proleptic Gregorian), as written in a timeline: `YYYY-MM-DD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    /// Days since 1970-01-01.
    days: i64,
}

impl Date {
    /// Parses `YYYY-MM-DD` (a real date, years 1..=9999).
    pub fn parse(s: &str) -> Option<Date> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let part = s.get(r)?;
            if !part.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        };
        let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        if y < 1 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
            return None;
        }
        Some(Date {
            days: days_from_civil(y, m, d),
        })
    }

    /// The date `n` days later.
    pub fn plus_days(self, n: u32) -> Date {
        Date {
            days: self.days + i64::from(n),
        }
    }

    /// Year, month (1–12) and day (1–31).
    pub fn ymd(self) -> (i64, i64, i64) {
        civil_from_days(self.days)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's exact conversions between civil dates and day numbers
// (https://howardhinnant.github.io/date_algorithms.html). Adding days is all a timeline needs,
// so these few lines keep a date crate out of the loader crate's dependencies.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A modul activated on a day of the moment (0: the start date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activation {
    pub modul: String,
    pub day: u32,
}

/// Who the timeline is for.
#[derive(Debug, Clone, Default)]
pub struct Participant {
    /// The moduler activated, and when. Empty: every modul, on day 0.
    pub activations: Vec<Activation>,
    /// A guardian uses the program as proxy ("ombud") for the young person.
    pub via_proxy: bool,
}

/// One dated event of a timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub date: Date,
    /// Days since the start (0: the start date).
    pub day: u32,
    /// `moment_started`, `modul_activated`, `modul_ends`, `moment_ends` for what happens in
    /// the program; `flag` for a flag sent.
    pub event: &'static str,
    /// For a flag: its trigger's event (`moment_started`, `inactive`, `modul_ends`,
    /// `moment_ends`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<&'static str>,
    /// The flag sent, or `None` for an event of the program itself.
    pub flag: Option<String>,
    /// Who gets the flag: `invanare`, `behandlare`, or `ombud` (the guardian acting as proxy).
    pub recipient: Option<&'static str>,
    /// The modul the event is about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modul: Option<String>,
    /// The flag's title, or the modul's or moment's for other events.
    pub title: String,
    /// The flag's message (placeholders as written), if a flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

// Events of one day in the order they happen: the start, activations, flags, closings.
const RANK_STARTED: u8 = 0;
const RANK_ACTIVATED: u8 = 1;
const RANK_FLAG: u8 = 2;
const RANK_MODUL_ENDS: u8 = 3;
const RANK_MOMENT_ENDS: u8 = 4;

/// The events for `who` starting `moment` on `start`, sorted by day (and, within a day, the
/// start, activations, flags in the manifest's order, then closings). Activations of moduler
/// the moment does not have, or on or after its end, are ignored.
pub fn timeline(moment: &MomentEntry, start: Date, who: &Participant) -> Vec<Event> {
    let end = moment.duration_days;
    let mut t = Timeline {
        start,
        end,
        out: Vec::new(),
    };
    t.push(
        0,
        RANK_STARTED,
        0,
        0,
        t.program_event(0, "moment_started", None, &moment.title),
    );
    let closings = t.push_moduler(moment, &activations_of(moment, who));
    for (seq, flag) in moment.flags.iter().enumerate() {
        let Some(recipient) = flag_recipient(flag, who.via_proxy) else {
            continue;
        };
        for (sub, (day, modul)) in flag_days(flag, end, &closings).into_iter().enumerate() {
            if day >= end {
                continue;
            }
            let e = t.flag_event(flag, recipient, day, modul);
            t.push(day, RANK_FLAG, seq, sub, e);
        }
    }
    t.push(
        end,
        RANK_MOMENT_ENDS,
        0,
        0,
        t.program_event(end, "moment_ends", None, &moment.title),
    );
    t.out
        .sort_by_key(|&(day, rank, seq, sub, _)| (day, rank, seq, sub));
    t.out.into_iter().map(|(.., e)| e).collect()
}

/// The moduler activated for `who`: every modul on day 0 if none are given, else the given
/// ones the moment has, activated before its end.
fn activations_of(moment: &MomentEntry, who: &Participant) -> Vec<Activation> {
    if who.activations.is_empty() {
        moment
            .moduler
            .iter()
            .map(|m| Activation {
                modul: m.id.clone(),
                day: 0,
            })
            .collect()
    } else {
        who.activations
            .iter()
            .filter(|a| {
                a.day < moment.duration_days && moment.moduler.iter().any(|m| m.id == a.modul)
            })
            .cloned()
            .collect()
    }
}

/// An activated modul that closes before the moment: its activation day, closing day, entry.
type Closing<'a> = (u32, u32, &'a ModulEntry);

/// The events of a timeline being built, each with its sort key.
struct Timeline {
    start: Date,
    end: u32,
    // Sorted by day, rank within the day, then the order of the flag or modul in the manifest.
    out: Vec<(u32, u8, usize, usize, Event)>,
}

impl Timeline {
    /// Adds an event, unless it falls after the moment's end.
    fn push(&mut self, day: u32, rank: u8, seq: usize, sub: usize, e: Event) {
        if day <= self.end {
            self.out.push((day, rank, seq, sub, e));
        }
    }

    /// An event of the program itself (not a flag).
    fn program_event(
        &self,
        day: u32,
        event: &'static str,
        modul: Option<&str>,
        title: &str,
    ) -> Event {
        Event {
            date: self.start.plus_days(day),
            day,
            event,
            trigger: None,
            flag: None,
            recipient: None,
            modul: modul.map(String::from),
            title: title.to_string(),
            message: None,
        }
    }

    /// The event of `flag` sent to `recipient` on `day`.
    fn flag_event(
        &self,
        flag: &Flag,
        recipient: &'static str,
        day: u32,
        modul: Option<String>,
    ) -> Event {
        Event {
            date: self.start.plus_days(day),
            day,
            event: "flag",
            trigger: Some(flag.trigger.event_name()),
            flag: Some(flag.id.clone()),
            recipient: Some(recipient),
            modul,
            title: flag.title.clone(),
            message: Some(flag.message.clone()),
        }
    }

    /// Each activated modul: its activation and (if it closes before the moment) its closing.
    /// Returns the closings, in activation order.
    fn push_moduler<'a>(
        &mut self,
        moment: &'a MomentEntry,
        activations: &[Activation],
    ) -> Vec<Closing<'a>> {
        let mut closings = Vec::new();
        for (i, a) in activations.iter().enumerate() {
            let Some(m) = moment.moduler.iter().find(|m| m.id == a.modul) else {
                continue;
            };
            let e = self.program_event(a.day, "modul_activated", Some(&m.id), &m.title);
            self.push(a.day, RANK_ACTIVATED, i, 0, e);
            if let Some(n) = m.duration_days {
                let closes = a.day.saturating_add(n).min(self.end);
                let e = self.program_event(closes, "modul_ends", Some(&m.id), &m.title);
                self.push(closes, RANK_MODUL_ENDS, i, 0, e);
                closings.push((a.day, closes, m));
            }
        }
        closings
    }
}

/// Who gets `flag`, or `None` if it is not sent (to the young person while a guardian acts
/// as proxy, with `proxy: none`).
fn flag_recipient(flag: &Flag, via_proxy: bool) -> Option<&'static str> {
    match (flag.recipient, via_proxy, flag.proxy) {
        (Recipient::Behandlare, _, _) => Some("behandlare"),
        (Recipient::Invanare, false, _) => Some("invanare"),
        (Recipient::Invanare, true, ProxyDelivery::Ombud) => Some("ombud"),
        (Recipient::Invanare, true, ProxyDelivery::None) => None,
    }
}

/// The days `flag` fires on (with the modul it is about, if any), before filtering out
/// those on or after the moment's end (`end`).
fn flag_days(flag: &Flag, end: u32, closings: &[Closing<'_>]) -> Vec<(u32, Option<String>)> {
    let mut days: Vec<(u32, Option<String>)> = Vec::new();
    // Closings are in activation order, so flags about them are too.
    match &flag.trigger {
        Trigger::MomentStarted => days.push((0, None)),
        Trigger::Inactive { days: k } => {
            // The participant does nothing after the start, so the inactivity counts from
            // day 0 and lasts until the end.
            let mut day = *k;
            while day < end && *k > 0 {
                days.push((day, None));
                match flag.repeat_days {
                    Some(r) if r > 0 => day = day.saturating_add(r),
                    _ => break,
                }
            }
        }
        Trigger::ModulEnds {
            days_before,
            moduler,
        } => {
            for (activated, closes, m) in closings {
                if !moduler.is_empty() && !moduler.contains(&m.id) {
                    continue;
                }
                if let Some(day) = closes.checked_sub(*days_before)
                    && day >= *activated
                {
                    days.push((day, Some(m.id.clone())));
                }
            }
        }
        Trigger::MomentEnds { days_before } => {
            if let Some(day) = end.checked_sub(*days_before) {
                days.push((day, None));
            }
        }
    }
    days
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_print_and_add() {
        let d = Date::parse("2026-02-27").unwrap();
        assert_eq!(d.plus_days(2).to_string(), "2026-03-01");
        assert_eq!(
            Date::parse("2024-02-28").unwrap().plus_days(1).to_string(),
            "2024-02-29"
        );
        assert_eq!(
            Date::parse("2026-12-31").unwrap().plus_days(1).to_string(),
            "2027-01-01"
        );
        assert_eq!(
            Date::parse("1970-01-01").unwrap().plus_days(0).to_string(),
            "1970-01-01"
        );
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "26-01-01",
            "2026-00-10",
            "abcd-ef-gh",
            "0000-01-01",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        // Every day of four centuries round-trips through the day number.
        let mut d = Date::parse("1900-01-01").unwrap();
        for _ in 0..146_097 {
            assert_eq!(Date::parse(&d.to_string()), Some(d));
            d = d.plus_days(1);
        }
        assert_eq!(d.to_string(), "2300-01-01");
    }
}
