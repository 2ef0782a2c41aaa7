//! Dates as news items give them, converted to W3CDTF.
//!
//! Dublin Core's `dc:date` takes the W3C profile of ISO 8601 (W3CDTF):
//! `YYYY`, `YYYY-MM`, `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssTZD`. [`to_w3cdtf`]
//! accepts what feeds and pages actually carry:
//!
//! | found | example | becomes |
//! | --- | --- | --- |
//! | RFC 822/2822 (RSS `pubDate`) | `Tue, 10 Jun 2003 04:00:00 GMT` | `2003-06-10T04:00:00Z` |
//! | RFC 3339 / ISO 8601 (Atom) | `2003-12-13T18:30:02+03:30` | `2003-12-13T18:30:02+03:30` |
//! | ISO 8601 date | `2023-09-27` | `2023-09-27` |
//! | Jalali (Solar Hijri), numeric | `۱۴۰۲/۰۷/۰۵` | `2023-09-27` |
//! | Jalali, month name | `چهارشنبه ۵ مهر ۱۴۰۲` | `2023-09-27` |
//!
//! Rules:
//!
//! - Persian (U+06F0–U+06F9) and Arabic-Indic (U+0660–U+0669) digits are read
//!   as ASCII digits.
//! - A time is kept only with its zone: W3CDTF requires the zone when a time
//!   is given, so a time without one (`2023-09-27 14:30`, any Jalali time) is
//!   dropped and the date alone is written. newsbag never guesses a zone.
//! - A year from 1200 to 1499 in a numeric `Y/M/D` or `Y-M-D` date is Jalali
//!   (the Jalali calendar is ~621 years behind; no news site dates Gregorian
//!   items before 1500).
//! - Unknown zone abbreviations fail the conversion, except `IRST` (+03:30)
//!   and `IRDT` (+04:30), which Iranian feeds use.
//! - What cannot be converted gives `None`; the caller keeps the literal.
//!
//! The Jalali arithmetic is the standard 2820-year-free "breaks" algorithm
//! of Borkowski, as in the jalaali-js library, exact for Jalali years
//! −61 to 3177.

use chrono::{DateTime, Datelike, Days, NaiveDate, SecondsFormat};

/// Converts a date as found in a news item to W3CDTF, or `None` if it is not
/// a date newsbag understands (see the [module docs](self)).
///
/// ```
/// use newsbag::date::to_w3cdtf;
/// assert_eq!(to_w3cdtf("Tue, 10 Jun 2003 04:00:00 GMT").as_deref(), Some("2003-06-10T04:00:00Z"));
/// assert_eq!(to_w3cdtf("۱۴۰۲/۰۷/۰۵").as_deref(), Some("2023-09-27"));
/// assert_eq!(to_w3cdtf("yesterday"), None);
/// ```
pub fn to_w3cdtf(literal: &str) -> Option<String> {
    // Dates are short: refuse anything long before doing any work.
    if literal.len() > 200 {
        return None;
    }
    let s = normalize_digits(literal.trim());
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    iso(s)
        .or_else(|| rfc2822(s))
        .or_else(|| jalali_numeric(s))
        .or_else(|| jalali_named(s))
}

/// Replaces Persian and Arabic-Indic digits by ASCII digits; other
/// characters are kept.
pub fn normalize_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10).unwrap_or(c),
            '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Converts a Jalali (Solar Hijri) date to the Gregorian calendar, or `None`
/// if it is not a valid Jalali date.
///
/// ```
/// use newsbag::date::jalali_to_gregorian;
/// let d = jalali_to_gregorian(1402, 7, 5).unwrap();
/// assert_eq!(d.to_string(), "2023-09-27");
/// ```
pub fn jalali_to_gregorian(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    if !(1..=12).contains(&month) || day == 0 {
        return None;
    }
    let (gy, march, leap) = jal_cal(year)?;
    let month_len = match month {
        1..=6 => 31,
        7..=11 => 30,
        _ if leap => 30,
        _ => 29,
    };
    if day > month_len {
        return None;
    }
    // Day of the Jalali year, 0-based: six months of 31 days, then 30.
    let m = month - 1;
    let offset = if m < 6 { m * 31 } else { 186 + (m - 6) * 30 } + day - 1;
    let nowruz = NaiveDate::from_ymd_opt(gy, 3, march)?;
    nowruz.checked_add_days(Days::new(u64::from(offset)))
}

/// Borkowski's algorithm: for a Jalali year, the Gregorian year in which it
/// starts, the March day of Nowruz (1 Farvardin) and whether it is leap.
fn jal_cal(jy: i32) -> Option<(i32, u32, bool)> {
    const BREAKS: [i32; 20] = [
        -61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324,
        2394, 2456, 3178,
    ];
    if jy < BREAKS[0] || jy >= BREAKS[BREAKS.len() - 1] {
        return None;
    }
    let gy = jy + 621;
    let mut leap_j = -14;
    let mut jp = BREAKS[0];
    let mut jump = 0;
    for &jm in &BREAKS[1..] {
        jump = jm - jp;
        if jy < jm {
            break;
        }
        leap_j += jump / 33 * 8 + (jump % 33) / 4;
        jp = jm;
    }
    let mut n = jy - jp;
    leap_j += n / 33 * 8 + ((n % 33) + 3) / 4;
    if jump % 33 == 4 && jump - n == 4 {
        leap_j += 1;
    }
    let leap_g = gy / 4 - ((gy / 100 + 1) * 3) / 4 - 150;
    let march = 20 + leap_j - leap_g;
    if jump - n < 6 {
        n = n - jump + ((jump + 4) / 33) * 33;
    }
    let mut leap = (((n + 1) % 33) - 1) % 4;
    if leap == -1 {
        leap = 4;
    }
    Some((gy, u32::try_from(march).ok()?, leap == 0))
}

fn format_date(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// RFC 3339 and the ISO 8601 forms W3CDTF allows (and a space for `T`).
fn iso(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 4 || !b[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    }
    // Without seconds: `2023-09-27T14:30+03:30`.
    for f in [
        "%Y-%m-%dT%H:%M%:z",
        "%Y-%m-%d %H:%M%:z",
        "%Y-%m-%dT%H:%M%#z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, f) {
            return Some(dt.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        }
    }
    if s.len() > 5 && s.ends_with('Z') {
        let t = &s[..s.len() - 1];
        if let Ok(dt) = DateTime::parse_from_str(&format!("{t}+00:00"), "%Y-%m-%dT%H:%M%:z") {
            return Some(dt.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        }
    }
    // A date, with perhaps a time without a zone (dropped: see module docs).
    let date_part = s.split(['T', ' ']).next().unwrap_or(s);
    if let Ok(d) = NaiveDate::parse_from_str(date_part, "%Y-%m-%d") {
        if d.year() >= 1500 {
            return Some(format_date(d));
        }
        return None;
    }
    // `YYYY-MM` and `YYYY`.
    let parts: Vec<&str> = date_part.split('-').collect();
    match parts.as_slice() {
        [y] if y.len() == 4 => {
            let y: i32 = y.parse().ok()?;
            (y >= 1500).then(|| format!("{y:04}"))
        }
        [y, m] if y.len() == 4 && m.len() == 2 => {
            let y: i32 = y.parse().ok()?;
            let m: u32 = m.parse().ok()?;
            (y >= 1500 && (1..=12).contains(&m)).then(|| format!("{y:04}-{m:02}"))
        }
        _ => None,
    }
}

/// RFC 822/2822 (`pubDate`), tolerating a wrong weekday and the Iranian
/// zone abbreviations.
fn rfc2822(s: &str) -> Option<String> {
    if !s.is_ascii() {
        return None;
    }
    let mut owned = s.to_string();
    for (abbr, offset) in [("IRST", "+0330"), ("IRDT", "+0430"), ("UTC", "+0000")] {
        if let Some(head) = owned.strip_suffix(abbr) {
            owned = format!("{head}{offset}");
            break;
        }
    }
    let fmt = |dt: DateTime<chrono::FixedOffset>| dt.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    if let Ok(dt) = DateTime::parse_from_rfc2822(&owned) {
        return Some(fmt(dt));
    }
    // A weekday that does not match the date: drop it and try again.
    if let Some((_, rest)) = owned.split_once(',')
        && let Ok(dt) = DateTime::parse_from_rfc2822(rest.trim())
    {
        return Some(fmt(dt));
    }
    None
}

/// Splits `s` into its runs of ASCII digits.
fn digit_runs(s: &str) -> Vec<&str> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .collect()
}

/// `1402/07/05`, `1402-7-5`, optionally followed by a time (dropped).
fn jalali_numeric(s: &str) -> Option<String> {
    let date_part = s.split_whitespace().next()?;
    let sep = if date_part.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = date_part.split(sep).collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    if y.len() != 4 || !(1..=2).contains(&m.len()) || !(1..=2).contains(&d.len()) {
        return None;
    }
    let y: i32 = y.parse().ok()?;
    if !(1200..1500).contains(&y) {
        return None;
    }
    jalali_to_gregorian(y, m.parse().ok()?, d.parse().ok()?).map(format_date)
}

const JALALI_MONTHS: [&str; 12] = [
    "فروردین",
    "اردیبهشت",
    "خرداد",
    "تیر",
    "مرداد",
    "شهریور",
    "مهر",
    "آبان",
    "آذر",
    "دی",
    "بهمن",
    "اسفند",
];

/// `5 مهر 1402`, `چهارشنبه ۵ مهر ۱۴۰۲ - ۱۴:۳۰` (digits already ASCII).
fn jalali_named(s: &str) -> Option<String> {
    // Arabic yeh and kaf (windows-1256 pages) as their Persian forms.
    let s: String = s
        .chars()
        .map(|c| match c {
            'ي' | 'ى' => 'ی',
            'ك' => 'ک',
            _ => c,
        })
        .collect();
    let words: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == '،' || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let pos = words.iter().position(|w| JALALI_MONTHS.contains(w))?;
    let month = JALALI_MONTHS.iter().position(|m| *m == words[pos])? + 1;
    let day = digit_runs(words.get(pos.checked_sub(1)?)?)
        .first()?
        .parse()
        .ok()?;
    let year: i32 = digit_runs(words.get(pos + 1)?).first()?.parse().ok()?;
    jalali_to_gregorian(year, u32::try_from(month).ok()?, day).map(format_date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jalali_known_pairs() {
        let table = [
            ((1402, 7, 5), "2023-09-27"),
            ((1399, 1, 1), "2020-03-20"),
            ((1400, 1, 1), "2021-03-21"),
            ((1403, 12, 30), "2025-03-20"), // 1403 is leap
            ((1357, 11, 22), "1979-02-11"),
            ((1402, 12, 29), "2024-03-19"),
            ((1354, 12, 29), "1976-03-19"),
        ];
        for ((y, m, d), want) in table {
            let got = jalali_to_gregorian(y, m, d).map(format_date);
            assert_eq!(got.as_deref(), Some(want), "{y}-{m}-{d}");
        }
        // 1402 is not leap; months 7–11 have 30 days.
        assert_eq!(jalali_to_gregorian(1402, 12, 30), None);
        assert_eq!(jalali_to_gregorian(1402, 7, 31), None);
        assert_eq!(jalali_to_gregorian(1402, 13, 1), None);
        assert_eq!(jalali_to_gregorian(1402, 1, 0), None);
        assert_eq!(jalali_to_gregorian(5000, 1, 1), None);
    }

    #[test]
    fn literals_to_w3cdtf() {
        let table = [
            (
                "Tue, 10 Jun 2003 04:00:00 GMT",
                Some("2003-06-10T04:00:00Z"),
            ),
            (
                "Tue, 10 Jun 2003 04:00:00 +0330",
                Some("2003-06-10T04:00:00+03:30"),
            ),
            ("10 Jun 2003 04:00 EST", Some("2003-06-10T04:00:00-05:00")),
            (
                "Wed, 27 Sep 2023 10:00:00 IRST",
                Some("2023-09-27T10:00:00+03:30"),
            ),
            (
                "Mon, 10 Jun 2003 04:00:00 GMT",
                Some("2003-06-10T04:00:00Z"),
            ), // wrong weekday
            ("2003-12-13T18:30:02Z", Some("2003-12-13T18:30:02Z")),
            (
                "2003-12-13T18:30:02.25+01:00",
                Some("2003-12-13T18:30:02.250+01:00"),
            ),
            ("2003-12-13T18:30+01:00", Some("2003-12-13T18:30:00+01:00")),
            ("2003-12-13", Some("2003-12-13")),
            ("2003-12-13 18:30:02", Some("2003-12-13")), // no zone: date only
            ("2003-12", Some("2003-12")),
            ("2003", Some("2003")),
            ("۲۰۲۳-۰۹-۲۷", Some("2023-09-27")),
            ("۱۴۰۲/۰۷/۰۵", Some("2023-09-27")),
            ("1402-07-05", Some("2023-09-27")),
            ("١٤٠٢/٠٧/٠٥", Some("2023-09-27")),
            ("۱۴۰۲/۰۷/۰۵ ۱۴:۳۰", Some("2023-09-27")),
            ("5 مهر 1402", Some("2023-09-27")),
            ("چهارشنبه ۵ مهر ۱۴۰۲ - ۱۴:۳۰", Some("2023-09-27")),
            ("۱ فروردین ۱۳۹۹", Some("2020-03-20")),
            ("", None),
            ("yesterday", None),
            ("1402/13/01", None),
            ("2023-02-30", None),
            ("32 مهر 1402", None),
            ("Tue, 10 Jun 2003 04:00:00 XYZT", None),
        ];
        for (input, want) in table {
            assert_eq!(to_w3cdtf(input).as_deref(), want, "{input:?}");
        }
    }

    #[test]
    fn digits() {
        assert_eq!(normalize_digits("۱۲۳ ١٢٣ 123 x"), "123 123 123 x");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = to_w3cdtf(&s);
        }

        #[test]
        fn jalali_days_are_consecutive(y in 1300i32..1500, m in 1u32..=12, d in 1u32..=29) {
            let a = jalali_to_gregorian(y, m, d).unwrap();
            let b = jalali_to_gregorian(y, m, d + 1)
                .or_else(|| jalali_to_gregorian(y, m + 1, 1))
                .or_else(|| jalali_to_gregorian(y + 1, 1, 1))
                .unwrap();
            proptest::prop_assert_eq!(b - a, chrono::Duration::days(1));
        }
    }
}
