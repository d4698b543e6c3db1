//! Numbers, measurements and model numbers found in listing text.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::data::UnitDef;

/// A number as written, read the way a reader of the locale reads it: "1,500" is 1500
/// in en-US and 1.5 in de-DE.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberToken {
    pub start: usize,
    pub end: usize,
    /// The reading the locale prefers first.
    pub values: Vec<Decimal>,
    /// Digits after the decimal separator in the preferred reading (shown precision).
    pub scale: u32,
}

impl NumberToken {
    pub fn value(&self) -> Decimal {
        self.values.first().copied().unwrap_or_default()
    }
}

fn ascii_digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        _ => None,
    }
}

fn is_group_space(c: char) -> bool {
    matches!(c, '\u{00A0}' | '\u{202F}' | '\u{2009}')
}

/// Every number in `text`. Digits glued after letters ("XR200") are skipped here: they
/// belong to model numbers.
pub fn numbers(text: &str, decimal_comma: bool) -> Vec<NumberToken> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let (start, c) = chars[k];
        if ascii_digit(c).is_none() {
            k += 1;
            continue;
        }
        let glued = k > 0 && {
            let p = chars[k - 1].1;
            p.is_alphabetic() && !crate::text::is_cjk(p)
        };
        // "-10 °C": a minus sign that does not join two words or numbers ("LX-300", "10-40")
        let negative = k > 0
            && matches!(chars[k - 1].1, '-' | '−')
            && (k < 2 || !chars[k - 2].1.is_alphanumeric());
        let start = if negative { chars[k - 1].0 } else { start };
        // digit groups and the separators between them
        let mut groups: Vec<String> = vec![String::new()];
        let mut seps: Vec<char> = Vec::new();
        let mut j = k;
        loop {
            while j < chars.len() {
                match ascii_digit(chars[j].1) {
                    Some(d) => {
                        if let Some(g) = groups.last_mut() {
                            g.push(d);
                        }
                        j += 1;
                    }
                    None => break,
                }
            }
            let Some(&(_, sep)) = chars.get(j) else { break };
            let next_digit = chars
                .get(j + 1)
                .and_then(|&(_, n)| ascii_digit(n))
                .is_some();
            let ok = matches!(sep, '.' | ',' | '\'' | '，' | '．') || is_group_space(sep);
            if !(ok && next_digit) {
                break;
            }
            if is_group_space(sep) || sep == '\'' {
                // only a thousands separator when exactly three digits follow
                let three = (1..=3).all(|d| {
                    chars
                        .get(j + d)
                        .and_then(|&(_, n)| ascii_digit(n))
                        .is_some()
                }) && chars
                    .get(j + 4)
                    .and_then(|&(_, n)| ascii_digit(n))
                    .is_none();
                if !three {
                    break;
                }
            }
            seps.push(match sep {
                '，' => ',',
                '．' => '.',
                s => s,
            });
            groups.push(String::new());
            j += 1;
        }
        let end = chars.get(j).map_or(text.len(), |&(i, _)| i);
        k = j;
        if glued {
            continue;
        }
        let (mut values, scale) = readings(&groups, &seps, decimal_comma);
        if negative {
            values.iter_mut().for_each(|v| *v = -*v);
        }
        if !values.is_empty() {
            out.push(NumberToken {
                start,
                end,
                values,
                scale,
            });
        }
    }
    out
}

fn readings(groups: &[String], seps: &[char], decimal_comma: bool) -> (Vec<Decimal>, u32) {
    let join = |int: &[String], frac: Option<&String>| -> Option<(Decimal, u32)> {
        let mut s: String = int.concat();
        let scale = frac.map_or(0, |f| f.len() as u32);
        if let Some(f) = frac {
            s.push('.');
            s.push_str(f);
        }
        Decimal::from_str(&s).ok().map(|d| (d, scale))
    };
    if seps.is_empty() {
        return join(groups, None).map_or((vec![], 0), |(d, s)| (vec![d], s));
    }
    let last = seps[seps.len() - 1];
    let distinct = seps.iter().any(|&s| s != last);
    let tail_three = groups.last().is_some_and(|g| g.len() == 3);
    let as_decimal = join(&groups[..groups.len() - 1], groups.last());
    let as_grouped = join(groups, None);
    let mut out: Vec<(Decimal, u32)> = Vec::new();
    if distinct {
        // "1.234,5" / "1,234.5": the last separator is the decimal one.
        out.extend(as_decimal);
    } else if seps.len() > 1 || matches!(last, '\'' | '\u{00A0}' | '\u{202F}' | '\u{2009}') {
        out.extend(as_grouped);
    } else if tail_three && (last == ',' || last == '.') {
        let locale_group = if decimal_comma { '.' } else { ',' };
        // The locale settles it: "1.500" is 1500 to a German reader and "1,500" is
        // 1.5, so an English "1,500" copied into a German listing is a real error.
        if last == locale_group {
            out.extend(as_grouped);
        } else {
            out.extend(as_decimal);
        }
    } else {
        out.extend(as_decimal);
    }
    let scale = out.first().map_or(0, |x| x.1);
    (out.into_iter().map(|x| x.0).collect(), scale)
}

/// A measurement: one or more numbers ("30 x 20 x 10") followed by a unit.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub numbers: Vec<NumberToken>,
    pub unit: usize,
    /// Byte range from the first number to the end of the unit.
    pub start: usize,
    pub end: usize,
}

/// Unit aliases, longest first so "fl oz" wins over "oz" and "mm" over "m".
pub struct UnitMatcher {
    aliases: Vec<(String, usize)>,
    /// Lower-cased first bytes of the aliases: most numbers are followed by none.
    first_bytes: [bool; 256],
}

impl UnitMatcher {
    pub fn new(units: &[UnitDef]) -> Self {
        let mut aliases: Vec<(String, usize)> = units
            .iter()
            .enumerate()
            .flat_map(|(i, u)| u.aliases.iter().map(move |a| (a.to_lowercase(), i)))
            .collect();
        aliases.sort_by_key(|a| std::cmp::Reverse(a.0.len()));
        let mut first_bytes = [false; 256];
        for (a, _) in &aliases {
            if let Some(b) = a.as_bytes().first() {
                first_bytes[b.to_ascii_lowercase() as usize] = true;
            }
        }
        UnitMatcher {
            aliases,
            first_bytes,
        }
    }

    /// Unit at the start of `rest` (after at most one space); returns (unit, bytes used).
    fn at(&self, rest: &str) -> Option<(usize, usize)> {
        let skip = rest
            .char_indices()
            .take_while(|&(_, c)| c == ' ' || is_group_space(c))
            .last()
            .map_or(0, |(i, c)| i + c.len_utf8());
        if skip > 2 {
            return None;
        }
        let r = &rest[skip..];
        let first = r.as_bytes().first()?.to_ascii_lowercase();
        if !self.first_bytes[first as usize] {
            return None;
        }
        for (alias, unit) in &self.aliases {
            let Some(head) = r.get(..alias.len()) else {
                continue;
            };
            // byte-wise: ASCII letters compare case-insensitively, everything else exactly
            // (aliases are stored lower-case), with no allocation per number
            if !head.as_bytes().eq_ignore_ascii_case(alias.as_bytes()) {
                continue;
            }
            let last = alias.chars().next_back().unwrap_or(' ');
            let next = r[alias.len()..].chars().next();
            let boundary = !last.is_alphabetic()
                || crate::text::is_cjk(last)
                || next.is_none_or(|n| !n.is_alphanumeric());
            if boundary {
                return Some((*unit, skip + alias.len()));
            }
        }
        None
    }
}

/// Every measurement in `text`.
pub fn measurements(text: &str, decimal_comma: bool, units: &UnitMatcher) -> Vec<Measurement> {
    let nums = numbers(text, decimal_comma);
    let mut out = Vec::new();
    let mut k = 0;
    while k < nums.len() {
        let first = k;
        // extend over dimensions ("30 x 20 x 10") and ranges ("10-40", "5 to 10")
        while k + 1 < nums.len() {
            let gap = text[nums[k].end..nums[k + 1].start].trim();
            let times = matches!(
                gap,
                "x" | "X"
                    | "×"
                    | "*"
                    | "✕"
                    | "-"
                    | "–"
                    | "~"
                    | "～"
                    | "to"
                    | "bis"
                    | "à"
                    | "a"
                    | "al"
                    | "fino a"
                    | "〜"
            );
            let unit_between = units.at(&text[nums[k].end..]).is_some();
            if times && !unit_between {
                k += 1;
            } else {
                break;
            }
        }
        if let Some((unit, used)) = units.at(&text[nums[k].end..]) {
            out.push(Measurement {
                numbers: nums[first..=k].to_vec(),
                unit,
                start: nums[first].start,
                end: nums[k].end + used,
            });
        } else if k > first {
            // "30 x 20 cm x 10"? give up on the group, retry each number alone
            k = first;
        }
        k += 1;
    }
    out
}

/// Model numbers: ASCII letter+digit tokens such as "XR-200", "A2337", "RTX4090".
/// Quantities with a unit suffix ("2000mAh", "5V", "4K") are numbers, not models.
pub fn model_tokens(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() || (i > 0 && b[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        while j < b.len() {
            let inner_joiner = matches!(b[j], b'-' | b'_' | b'/' | b'.')
                && j + 1 < b.len()
                && b[j + 1].is_ascii_alphanumeric()
                && j > start;
            if b[j].is_ascii_alphanumeric() || inner_joiner {
                j += 1;
            } else {
                break;
            }
        }
        let tok = &text[start..j];
        let letters: String = tok.chars().filter(char::is_ascii_alphabetic).collect();
        let has_digit = tok.chars().any(|c| c.is_ascii_digit());
        if has_digit && !letters.is_empty() && tok.len() >= 3 && !is_quantity(tok) {
            out.push((start, j));
        }
        i = j.max(i + 1);
    }
    out
}

fn is_quantity(tok: &str) -> bool {
    let digits_end = tok
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || c == ','))
        .map_or(tok.len(), |(i, _)| i);
    if digits_end == 0 {
        return false;
    }
    let rest = &tok[digits_end..];
    let lower = rest.to_ascii_lowercase();
    (rest.len() <= 5 && rest.chars().all(|c| c.is_ascii_alphabetic()))
        || lower
            .chars()
            .all(|c| c == 'x' || c.is_ascii_digit() || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn locale_readings() {
        let en = numbers("1,500 and 1.5 and 2,5", false);
        assert_eq!(en[0].values, vec![d("1500")]);
        assert_eq!(en[1].values, vec![d("1.5")]);
        assert_eq!(en[2].values, vec![d("2.5")]);
        let de = numbers("1.500 und 1,5 und 1.234,56", true);
        assert_eq!(de[0].values, vec![d("1500")]);
        assert_eq!(numbers("1,500", true)[0].values, vec![d("1.5")]);
        assert_eq!(de[1].values, vec![d("1.5")]);
        assert_eq!(de[2].values, vec![d("1234.56")]);
        assert_eq!(de[2].scale, 2);
        let fr = numbers("1\u{202F}000 W", true);
        assert_eq!(fr[0].values, vec![d("1000")]);
        let neg = numbers("-10 °C, LX-300, 10-40", false);
        assert_eq!(neg[0].values, vec![d("-10")]);
        let rest: Vec<Decimal> = neg[1..].iter().map(NumberToken::value).collect();
        assert_eq!(rest, vec![d("300"), d("10"), d("40")]);
        let full = numbers("３０厘米", false);
        assert_eq!(full[0].values, vec![d("30")]);
    }

    #[test]
    fn model_numbers_are_not_numbers() {
        assert!(numbers("XR200", false).is_empty());
        assert_eq!(
            model_tokens("Model XR-200 with 2000mAh, 4K, 30x20"),
            vec![(6, 12)]
        );
        assert_eq!(model_tokens("型号A2337适用"), vec![(6, 11)]);
    }
}
