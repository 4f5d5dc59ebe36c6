//! Java date-time patterns as Flink uses them. Flink has two pattern languages:
//! - `java.text.SimpleDateFormat` ([`Dialect::Simple`]): `DATE_FORMAT(STRING, …)`,
//!   `FROM_UNIXTIME`, `UNIX_TIMESTAMP(s, fmt)`, `TO_DATE(s, fmt)`. Parsing is lenient: a
//!   prefix of the text is enough, out-of-range fields roll over (`2024-02-30` is March 1).
//! - `java.time.format.DateTimeFormatter` ([`Dialect::Time`]): `DATE_FORMAT(TIMESTAMP, …)`,
//!   `TO_TIMESTAMP(s, fmt)`. Parsing is strict: the whole text, fields in range, with the
//!   SMART resolver's day clamping (`02-30` is the last day of February).
//!
//! They share most letters; they differ in `S` (milliseconds as a number vs. a fraction of
//! the second), `u` (day number of the week vs. year) and text widths. Letters that Java
//! knows but Weft does not format (zones, week-based fields, …) are refused with an error
//! naming the letter, never approximated.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Simple,
    Time,
}

#[derive(Clone, Debug, PartialEq)]
enum Item {
    Lit(String),
    Field(char, usize),
}

#[derive(Clone, Debug)]
pub struct Pattern {
    items: Vec<Item>,
    dialect: Dialect,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn numeric(c: char, n: usize, _d: Dialect) -> bool {
    match c {
        'M' | 'L' | 'Q' | 'q' => n <= 2,
        'E' | 'a' | 'G' => false,
        _ => true,
    }
}

impl Pattern {
    /// Compile a pattern; the error names the offending letter.
    pub fn compile(p: &str, dialect: Dialect) -> Result<Pattern, String> {
        let chars: Vec<char> = p.chars().collect();
        let mut items: Vec<Item> = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        let flush = |lit: &mut String, items: &mut Vec<Item>| {
            if !lit.is_empty() {
                items.push(Item::Lit(std::mem::take(lit)));
            }
        };
        while i < chars.len() {
            let c = chars[i];
            if c == '\'' {
                if i + 1 < chars.len() && chars[i + 1] == '\'' {
                    lit.push('\'');
                    i += 2;
                    continue;
                }
                // a quoted text up to the closing quote; '' inside is a quote
                let mut j = i + 1;
                let mut closed = false;
                while j < chars.len() {
                    if chars[j] == '\'' {
                        if j + 1 < chars.len() && chars[j + 1] == '\'' {
                            lit.push('\'');
                            j += 2;
                            continue;
                        }
                        closed = true;
                        break;
                    }
                    lit.push(chars[j]);
                    j += 1;
                }
                if !closed {
                    return Err(format!("unterminated quote in pattern '{p}'"));
                }
                i = j + 1;
                continue;
            }
            if c.is_ascii_alphabetic() {
                let mut n = 1;
                while i + n < chars.len() && chars[i + n] == c {
                    n += 1;
                }
                check_letter(c, n, dialect, p)?;
                flush(&mut lit, &mut items);
                items.push(Item::Field(c, n));
                i += n;
                continue;
            }
            if dialect == Dialect::Time && matches!(c, '#' | '{' | '}') {
                return Err(format!(
                    "pattern character '{c}' is reserved in pattern '{p}'"
                ));
            }
            if dialect == Dialect::Time && matches!(c, '[' | ']') {
                // optional sections: every field of a date-time is present, so a no-op
                i += 1;
                continue;
            }
            lit.push(c);
            i += 1;
        }
        flush(&mut lit, &mut items);
        Ok(Pattern { items, dialect })
    }

    pub fn format(&self, dt: &NaiveDateTime, out: &mut String) {
        for item in &self.items {
            match item {
                Item::Lit(s) => out.push_str(s),
                Item::Field(c, n) => self.format_field(*c, *n, dt, out),
            }
        }
    }

    fn format_field(&self, c: char, n: usize, dt: &NaiveDateTime, out: &mut String) {
        let simple = self.dialect == Dialect::Simple;
        let pad = |out: &mut String, v: i64, w: usize| {
            if v < 0 {
                out.push('-');
            }
            let s = v.unsigned_abs().to_string();
            for _ in s.len()..w {
                out.push('0');
            }
            out.push_str(&s);
        };
        let hour = dt.hour() as i64;
        match c {
            'G' => out.push_str(if dt.year() > 0 { "AD" } else { "BC" }),
            'y' | 'u' if !(simple && c == 'u') => {
                let y = dt.year() as i64;
                let y = if c == 'y' && y <= 0 { 1 - y } else { y };
                if n == 2 {
                    pad(out, y.rem_euclid(100), 2)
                } else if !simple && n == 1 {
                    pad(out, y, 1)
                } else {
                    pad(out, y, n)
                }
            }
            'u' => pad(out, dt.weekday().number_from_monday() as i64, n),
            'M' | 'L' => {
                let m = dt.month() as usize;
                match n {
                    1 | 2 => pad(out, m as i64, n),
                    3 => out.push_str(&MONTHS[m - 1][..3]),
                    4 => out.push_str(MONTHS[m - 1]),
                    _ if simple => out.push_str(MONTHS[m - 1]),
                    _ => out.push_str(&MONTHS[m - 1][..1]),
                }
            }
            'd' => pad(out, dt.day() as i64, n),
            'D' => pad(out, dt.ordinal() as i64, n),
            'E' => {
                let d = DAYS[dt.weekday().num_days_from_monday() as usize];
                match n {
                    1..=3 => out.push_str(&d[..3]),
                    4 => out.push_str(d),
                    _ if simple => out.push_str(d),
                    _ => out.push_str(&d[..1]),
                }
            }
            'a' => out.push_str(if hour < 12 { "AM" } else { "PM" }),
            'H' => pad(out, hour, n),
            'k' => pad(out, if hour == 0 { 24 } else { hour }, n),
            'K' => pad(out, hour % 12, n),
            'h' => pad(out, if hour % 12 == 0 { 12 } else { hour % 12 }, n),
            'm' => pad(out, dt.minute() as i64, n),
            's' => pad(out, dt.second() as i64, n),
            'S' if simple => pad(out, (dt.nanosecond() % 1_000_000_000 / 1_000_000) as i64, n),
            'S' => {
                let f = format!("{:09}", dt.nanosecond() % 1_000_000_000);
                out.push_str(&f[..n.min(9)]);
            }
            'Q' | 'q' => {
                let q = (dt.month() as i64 + 2) / 3;
                if n <= 2 {
                    pad(out, q, n)
                } else {
                    out.push('Q');
                    pad(out, q, 1)
                }
            }
            _ => unreachable!("letters are checked at compile"),
        }
    }

    /// Parse `s`: Simple is lenient (a prefix, fields roll over), Time is strict.
    pub fn parse(&self, s: &str) -> Option<NaiveDateTime> {
        let b = s.as_bytes();
        let mut pos = 0usize;
        let mut f = Fields::default();
        let simple = self.dialect == Dialect::Simple;
        for (k, item) in self.items.iter().enumerate() {
            match item {
                Item::Lit(l) => {
                    if !s[pos..].starts_with(l.as_str()) {
                        return None;
                    }
                    pos += l.len();
                }
                Item::Field(c, n) => {
                    let (c, n) = (*c, *n);
                    let next_numeric = matches!(self.items.get(k + 1), Some(Item::Field(c2, n2)) if numeric(*c2, *n2, self.dialect));
                    if numeric(c, n, self.dialect) {
                        // SimpleDateFormat reads a sign; an abutting width counts it
                        let neg = simple && b.get(pos) == Some(&b'-');
                        if neg {
                            pos += 1;
                        }
                        let n = if neg { n.saturating_sub(1).max(1) } else { n };
                        // how many digits this field takes
                        let avail = b[pos..].iter().take_while(|d| d.is_ascii_digit()).count();
                        let take = if simple {
                            if next_numeric { n.min(avail) } else { avail }
                        } else if c == 'S'
                            || (n >= 2 && c != 'y' && c != 'u')
                            || (c == 'y' && n == 2)
                        {
                            n
                        } else if next_numeric {
                            n.max(1)
                        } else {
                            avail.min(19)
                        };
                        if take == 0 || take > avail || (!simple && c == 'y' && n > 2 && take < n) {
                            return None;
                        }
                        let digits = &s[pos..pos + take];
                        pos += take;
                        if c == 'S' && !simple {
                            let mut d = digits.to_string();
                            while d.len() < 9 {
                                d.push('0');
                            }
                            f.nano = Some(d[..9].parse().ok()?);
                            continue;
                        }
                        let v: i64 = digits.parse::<i64>().ok()? * if neg { -1 } else { 1 };
                        match c {
                            'y' | 'u' if !(simple && c == 'u') => {
                                f.year = Some(if n == 2 && take == 2 {
                                    if simple { two_digit_year(v) } else { 2000 + v }
                                } else {
                                    v
                                })
                            }
                            'M' | 'L' => f.month = Some(v),
                            'd' => f.day = Some(v),
                            'D' => f.doy = Some(v),
                            'H' => f.hour = Some(v),
                            'k' => f.hour = Some(if v == 24 { 0 } else { v }),
                            'K' => f.hour12 = Some(v),
                            'h' => f.hour12 = Some(if v == 12 { 0 } else { v }),
                            'm' => f.minute = Some(v),
                            's' => f.second = Some(v),
                            'S' => f.milli = Some(v),
                            _ => {}
                        }
                    } else {
                        let rest = &s[pos..];
                        let ci = |w: &str| {
                            let ok = if simple {
                                rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w)
                            } else {
                                rest.starts_with(w)
                            };
                            ok.then_some(w.len())
                        };
                        match c {
                            'M' | 'L' => {
                                let mut hit = None;
                                for (m, name) in MONTHS.iter().enumerate() {
                                    let full = if simple || n == 4 { ci(name) } else { None };
                                    let short = if simple || n == 3 {
                                        ci(&name[..3])
                                    } else {
                                        None
                                    };
                                    if let Some(l) = full.or(short) {
                                        hit = Some((m as i64 + 1, l));
                                        break;
                                    }
                                }
                                let (m, l) = hit?;
                                f.month = Some(m);
                                pos += l;
                            }
                            'E' => {
                                let mut hit = None;
                                for name in DAYS {
                                    let full = if simple || n == 4 { ci(name) } else { None };
                                    let short = if simple || n <= 3 {
                                        ci(&name[..3])
                                    } else {
                                        None
                                    };
                                    if let Some(l) = full.or(short) {
                                        hit = Some(l);
                                        break;
                                    }
                                }
                                pos += hit?;
                            }
                            'a' => {
                                if let Some(l) = ci("AM") {
                                    f.pm = Some(false);
                                    pos += l;
                                } else if let Some(l) = ci("PM") {
                                    f.pm = Some(true);
                                    pos += l;
                                } else {
                                    return None;
                                }
                            }
                            'G' => {
                                let l = ci("AD")?;
                                pos += l;
                            }
                            _ => return None,
                        }
                    }
                }
            }
        }
        if !simple && pos != s.len() {
            return None;
        }
        if simple { f.lenient() } else { f.strict() }
    }
}

/// SimpleDateFormat's window for two-digit years: 80 years before to 20 after now.
fn two_digit_year(v: i64) -> i64 {
    let now = chrono::Utc::now().year() as i64;
    let start = now - 80;
    let mut y = start - start.rem_euclid(100) + v;
    if y < start {
        y += 100;
    }
    y
}

#[derive(Default)]
struct Fields {
    year: Option<i64>,
    month: Option<i64>,
    day: Option<i64>,
    doy: Option<i64>,
    hour: Option<i64>,
    hour12: Option<i64>,
    pm: Option<bool>,
    minute: Option<i64>,
    second: Option<i64>,
    milli: Option<i64>,
    nano: Option<i64>,
}

impl Fields {
    fn hour_of_day(&self) -> i64 {
        match (self.hour, self.hour12, self.pm) {
            (Some(h), _, _) => h,
            (None, Some(h), Some(pm)) => h + if pm { 12 } else { 0 },
            (None, Some(h), None) => h,
            (None, None, Some(true)) => 12,
            _ => 0,
        }
    }

    /// A lenient Calendar: every field is added from 1970-01-01 00:00:00.
    fn lenient(&self) -> Option<NaiveDateTime> {
        let year = self.year.unwrap_or(1970);
        let month0 = self.month.unwrap_or(1) - 1;
        let y = year + month0.div_euclid(12);
        let m = month0.rem_euclid(12) + 1;
        let first = NaiveDate::from_ymd_opt(y as i32, m as u32, 1)?;
        let date = match (self.doy, self.day) {
            (Some(doy), None) => {
                NaiveDate::from_ymd_opt(year as i32, 1, 1)? + chrono::Duration::days(doy - 1)
            }
            _ => first + chrono::Duration::days(self.day.unwrap_or(1) - 1),
        };
        let ms = self.hour_of_day() * 3_600_000
            + self.minute.unwrap_or(0) * 60_000
            + self.second.unwrap_or(0) * 1000
            + self.milli.unwrap_or(0);
        date.and_hms_opt(0, 0, 0)?
            .checked_add_signed(chrono::Duration::milliseconds(ms))
    }

    /// DateTimeFormatter's SMART resolution, with Flink's defaults for absent fields.
    fn strict(&self) -> Option<NaiveDateTime> {
        let year = self.year.unwrap_or(1970);
        let month = self.month.unwrap_or(1);
        let mut day = self.day.unwrap_or(1);
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        let last = last_day(year as i32, month as u32) as i64;
        day = day.min(last);
        let date = match self.doy {
            Some(doy) if self.month.is_none() && self.day.is_none() => {
                NaiveDate::from_yo_opt(year as i32, doy as u32)?
            }
            _ => NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)?,
        };
        if let Some(h) = self.hour12
            && !(0..=11).contains(&h)
        {
            return None;
        }
        let h = self.hour_of_day();
        let (mi, s) = (self.minute.unwrap_or(0), self.second.unwrap_or(0));
        if !(0..=23).contains(&h) || !(0..=59).contains(&mi) || !(0..=59).contains(&s) {
            return None;
        }
        let nano = self.nano.unwrap_or(0);
        let t = NaiveTime::from_hms_nano_opt(h as u32, mi as u32, s as u32, nano as u32)?;
        Some(date.and_time(t))
    }
}

pub fn last_day(y: i32, m: u32) -> u32 {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map(|d| d.day())
        .unwrap_or(31)
}

fn check_letter(c: char, n: usize, d: Dialect, p: &str) -> Result<(), String> {
    let supported = match d {
        Dialect::Simple => "GyMLdDEuaHkKhmsS",
        Dialect::Time => "GuyMLdDEaHkKhmsSQq",
    };
    let java = match d {
        Dialect::Simple => "GyYMLwWDdFEuaHkKhmsSzZX",
        Dialect::Time => "GuyDMLdQqYwWEecFahKkHmsSAnNVvzOXxZpg",
    };
    if !java.contains(c) {
        return Err(match d {
            Dialect::Simple => format!("Illegal pattern character '{c}' in pattern '{p}'"),
            Dialect::Time => format!("Unknown pattern letter: {c} in pattern '{p}'"),
        });
    }
    if !supported.contains(c) {
        return Err(format!(
            "pattern letter '{c}' (in '{p}') is not supported by Weft yet"
        ));
    }
    if d == Dialect::Time {
        let max = match c {
            'd' | 'H' | 'h' | 'K' | 'k' | 'm' | 's' => 2,
            'D' => 3,
            'a' => 1,
            'M' | 'L' | 'E' | 'Q' | 'q' | 'G' => 5,
            'S' => 9,
            _ => 19,
        };
        if n > max || (matches!(c, 'Q' | 'q') && n > 3) || (c == 'G' && n > 3) {
            return Err(format!("Too many pattern letters: {c} (in '{p}')"));
        }
    } else if c == 'G' && n > 3 {
        return Err(format!(
            "pattern letter '{c}' x{n} (in '{p}') is not supported by Weft yet"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    fn fmt(p: &str, d: Dialect, s: &str) -> String {
        let mut out = String::new();
        Pattern::compile(p, d).unwrap().format(&dt(s), &mut out);
        out
    }

    #[test]
    fn formats_like_java() {
        let t = "2024-03-05 06:07:08.123456";
        assert_eq!(
            fmt("yyyy-MM-dd HH:mm:ss.SSS", Dialect::Time, t),
            "2024-03-05 06:07:08.123"
        );
        assert_eq!(fmt("SSSSSS", Dialect::Time, t), "123456");
        assert_eq!(fmt("SSSSSS", Dialect::Simple, t), "000123");
        assert_eq!(
            fmt("EEE EEEE MMM MMMM a hh", Dialect::Time, t),
            "Tue Tuesday Mar March AM 06"
        );
        assert_eq!(
            fmt("yyyyMMdd'T'HHmmss", Dialect::Time, t),
            "20240305T060708"
        );
        assert_eq!(fmt("''yy''", Dialect::Simple, t), "'24'");
    }

    #[test]
    fn parses_like_java() {
        let p = Pattern::compile("yyyy-MM-dd HH:mm:ss", Dialect::Simple).unwrap();
        assert_eq!(
            p.parse("2024-02-30 00:00:00"),
            Some(dt("2024-03-01 00:00:00"))
        );
        assert_eq!(
            p.parse("2024-1-2 3:4:5 trailing"),
            Some(dt("2024-01-02 03:04:05"))
        );
        assert_eq!(p.parse("bad"), None);
        let p = Pattern::compile("yyyyMMdd", Dialect::Simple).unwrap();
        assert_eq!(p.parse("2024-01-02"), Some(dt("2023-12-01 00:00:00")));
        let p = Pattern::compile("yyyyMMddHHmmss", Dialect::Time).unwrap();
        assert_eq!(p.parse("20240305060708"), Some(dt("2024-03-05 06:07:08")));
        let p = Pattern::compile("yyyy-MM-dd", Dialect::Time).unwrap();
        assert_eq!(p.parse("2024-02-30"), Some(dt("2024-02-29 00:00:00")));
        assert_eq!(p.parse("2024-02-30x"), None);
    }
}
