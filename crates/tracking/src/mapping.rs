//! Carrier mapping data: per-carrier TOML files of exact code rules, ordered text rules
//! (keywords or regex, any language) and coarse category rules. Files are validated and
//! compiled when loaded; a bad rule is an error naming the file and the rule id.

use crate::status::{IncidentReason, LegKind, Status};
use crate::time::DateOrder;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex::{Regex, RegexSet, RegexSetBuilder};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: carrier codes and names are a few bytes long, where SipHash's setup dominates.
#[derive(Default)]
pub(crate) struct FnvHasher(u64);

impl Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf29ce484222325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x100000001b3);
        }
        self.0 = h;
    }
}

pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, BuildHasherDefault<FnvHasher>>;
use thiserror::Error;

/// The built-in mapping files, one per carrier plus the generic fallback set.
pub const BUILTIN_FILES: &[(&str, &str)] = &[
    ("generic.toml", include_str!("../mappings/generic.toml")),
    (
        "dhl_express.toml",
        include_str!("../mappings/dhl_express.toml"),
    ),
    ("ups.toml", include_str!("../mappings/ups.toml")),
    ("fedex.toml", include_str!("../mappings/fedex.toml")),
    ("usps.toml", include_str!("../mappings/usps.toml")),
    (
        "royal_mail.toml",
        include_str!("../mappings/royal_mail.toml"),
    ),
    ("dpd.toml", include_str!("../mappings/dpd.toml")),
    (
        "australia_post.toml",
        include_str!("../mappings/australia_post.toml"),
    ),
    (
        "canada_post.toml",
        include_str!("../mappings/canada_post.toml"),
    ),
    (
        "japan_post.toml",
        include_str!("../mappings/japan_post.toml"),
    ),
    (
        "yunexpress.toml",
        include_str!("../mappings/yunexpress.toml"),
    ),
    ("4px.toml", include_str!("../mappings/4px.toml")),
    ("cainiao.toml", include_str!("../mappings/cainiao.toml")),
    (
        "china_post.toml",
        include_str!("../mappings/china_post.toml"),
    ),
];

/// Id of the mapping whose text rules apply after every carrier's own rules.
pub const GENERIC_ID: &str = "generic";

/// One mapping file as written. Public so the API layer can accept operator-written rules
/// (as JSON or TOML) and store them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// Carrier id, e.g. `ups`. Files with the same id are merged; later files take precedence.
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// Other names sources use for this carrier (case-insensitive).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Leg for this carrier's events when a rule does not say (e.g. `last_mile` for USPS).
    #[serde(default)]
    pub default_leg: Option<LegKind>,
    /// IANA zone the carrier reports local times in when the event has no offset and its
    /// location does not tell (e.g. Beijing time for Chinese carriers).
    #[serde(default)]
    pub default_zone: Option<String>,
    #[serde(default)]
    pub date_order: DateOrder,
    /// Whether the generic text rules apply after this carrier's own (default true).
    #[serde(default = "yes")]
    pub use_generic: bool,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default, rename = "code")]
    pub codes: Vec<CodeRule>,
    #[serde(default, rename = "text")]
    pub texts: Vec<TextRule>,
    #[serde(default, rename = "category")]
    pub categories: Vec<CodeRule>,
}

fn yes() -> bool {
    true
}

/// Exact match on a raw code (case-insensitive, trimmed). `ranges` expands numeric ranges like
/// Canada Post's `"1421-1434"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeRule {
    pub id: String,
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub ranges: Vec<String>,
    pub status: Status,
    #[serde(default)]
    pub reason: Option<IncidentReason>,
    #[serde(default)]
    pub leg: Option<LegKind>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Ordered rule over event text: matches when any keyword occurs (ASCII case-insensitive
/// substring) or the regex matches. Without a status it only contributes an incident reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextRule {
    pub id: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub reason: Option<IncidentReason>,
    #[serde(default)]
    pub leg: Option<LegKind>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Error)]
pub enum MappingError {
    #[error("mapping file {file}: {message}")]
    Parse { file: String, message: String },
    #[error("mapping file {file}, rule {rule}: {message}")]
    Rule {
        file: String,
        rule: String,
        message: String,
    },
    #[error("mapping file {file}: {message}")]
    File { file: String, message: String },
}

/// The outcome a rule decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    pub rule_id: String,
    /// True for rules from the generic fallback file (their legs are only guesses).
    pub generic: bool,
    pub status: Option<Status>,
    pub reason: Option<IncidentReason>,
    pub leg: Option<LegKind>,
}

impl RuleOutcome {
    fn from_code(r: &CodeRule, generic: bool) -> Self {
        RuleOutcome {
            rule_id: r.id.clone(),
            generic,
            status: Some(r.status),
            reason: r.reason,
            leg: r.leg,
        }
    }
    fn from_text(r: &TextRule, generic: bool) -> Self {
        RuleOutcome {
            rule_id: r.id.clone(),
            generic,
            status: r.status,
            reason: r.reason,
            leg: r.leg,
        }
    }
}

/// Compiled ordered text rules. Keyword rules go into one Aho-Corasick automaton and regex
/// rules into one RegexSet, so a text is scanned twice whatever the number of rules; the
/// winner is the lowest-numbered matching rule, exactly as if each rule were tried in order.
#[derive(Debug, Clone)]
pub struct TextMatcher {
    rules: Vec<RuleOutcome>,
    keyword_ac: Option<AhoCorasick>,
    keyword_rule: Vec<u32>,
    regex_set: Option<RegexSet>,
    regex_rule: Vec<u32>,
    /// The same rules as individual regexes, tried one by one: the reference implementation the
    /// benchmark compares against and the tests check equivalence with.
    naive: Vec<Regex>,
}

impl TextMatcher {
    fn compile(rules: &[(&str, &TextRule, bool)]) -> Result<TextMatcher, MappingError> {
        let mut outcomes = Vec::with_capacity(rules.len());
        let mut keywords: Vec<String> = Vec::new();
        let mut keyword_rule = Vec::new();
        let mut regexes: Vec<String> = Vec::new();
        let mut regex_rule = Vec::new();
        let mut naive = Vec::with_capacity(rules.len());
        for (idx, (file, rule, generic)) in rules.iter().enumerate() {
            let rule_err = |message: String| MappingError::Rule {
                file: (*file).to_string(),
                rule: rule.id.clone(),
                message,
            };
            if rule.status.is_none() && rule.reason.is_none() {
                return Err(rule_err(
                    "a text rule needs a status, a reason or both".into(),
                ));
            }
            let idx = u32::try_from(idx).map_err(|_| rule_err("too many rules".into()))?;
            let mut naive_alts: Vec<String> = Vec::new();
            match (&rule.regex, rule.keywords.is_empty()) {
                (Some(_), false) => {
                    return Err(rule_err("give either keywords or regex, not both".into()));
                }
                (None, true) => return Err(rule_err("needs keywords or a regex".into())),
                (Some(re), true) => {
                    let re = ascii_word_boundaries(re);
                    Regex::new(&re).map_err(|e| rule_err(format!("bad regex: {e}")))?;
                    regexes.push(re.clone());
                    regex_rule.push(idx);
                    naive_alts.push(re);
                }
                (None, false) => {
                    for kw in &rule.keywords {
                        if kw.trim().is_empty() {
                            return Err(rule_err("empty keyword".into()));
                        }
                        keywords.push(kw.clone());
                        keyword_rule.push(idx);
                        naive_alts.push(ascii_case_insensitive_literal(kw));
                    }
                }
            }
            let naive_re = Regex::new(&naive_alts.join("|"))
                .map_err(|e| rule_err(format!("bad regex: {e}")))?;
            naive.push(naive_re);
            outcomes.push(RuleOutcome::from_text(rule, *generic));
        }
        let keyword_ac = if keywords.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&keywords)
                    .map_err(|e| MappingError::File {
                        file: rules
                            .first()
                            .map(|(f, _, _)| f.to_string())
                            .unwrap_or_default(),
                        message: format!("keyword automaton: {e}"),
                    })?,
            )
        };
        let regex_set = if regexes.is_empty() {
            None
        } else {
            Some(
                RegexSetBuilder::new(&regexes)
                    .size_limit(64 << 20)
                    .build()
                    .map_err(|e| MappingError::File {
                        file: rules
                            .first()
                            .map(|(f, _, _)| f.to_string())
                            .unwrap_or_default(),
                        message: format!("regex set: {e}"),
                    })?,
            )
        };
        Ok(TextMatcher {
            rules: outcomes,
            keyword_ac,
            keyword_rule,
            regex_set,
            regex_rule,
            naive,
        })
    }

    /// Indices of all matching rules, ascending.
    pub fn matching_rules(&self, text: &str) -> Vec<usize> {
        let mut hits: Vec<usize> = Vec::new();
        if let Some(ac) = &self.keyword_ac {
            for m in ac.find_overlapping_iter(text) {
                hits.push(self.keyword_rule[m.pattern().as_usize()] as usize);
            }
        }
        if let Some(set) = &self.regex_set {
            for i in set.matches(text).iter() {
                hits.push(self.regex_rule[i] as usize);
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// Indices of matching rules by trying every rule's regex in order (slow reference).
    pub fn matching_rules_naive(&self, text: &str) -> Vec<usize> {
        self.naive
            .iter()
            .enumerate()
            .filter(|(_, re)| re.is_match(text))
            .map(|(i, _)| i)
            .collect()
    }

    /// First rule (in file order) whose regex matches, tried one by one: the naive baseline.
    pub fn first_status_naive(&self, text: &str) -> Option<&RuleOutcome> {
        self.naive
            .iter()
            .zip(&self.rules)
            .find(|(re, rule)| rule.status.is_some() && re.is_match(text))
            .map(|(_, rule)| rule)
    }

    pub fn rule(&self, idx: usize) -> Option<&RuleOutcome> {
        self.rules.get(idx)
    }

    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }
}

/// One carrier's compiled mapping (its own rules followed by the generic text rules).
#[derive(Debug, Clone)]
pub struct CarrierMapping {
    pub id: String,
    pub name: String,
    pub default_leg: Option<LegKind>,
    pub default_zone: Option<String>,
    default_tz: Option<jiff::tz::TimeZone>,
    pub date_order: DateOrder,
    codes: HashMap<String, RuleOutcome>,
    categories: HashMap<String, RuleOutcome>,
    text: TextMatcher,
    /// Code rules in file order for the naive baseline.
    naive_codes: Vec<(Vec<String>, RuleOutcome)>,
}

impl CarrierMapping {
    /// Exact code lookup. Codes are stored upper-case; `code` must already be trimmed.
    pub fn code_rule(&self, code: &str) -> Option<&RuleOutcome> {
        if let Some(r) = self.codes.get(code) {
            return Some(r);
        }
        if code.bytes().any(|b| b.is_ascii_lowercase()) {
            return self.codes.get(&code.to_ascii_uppercase());
        }
        None
    }

    pub fn category_rule(&self, category: &str) -> Option<&RuleOutcome> {
        if let Some(r) = self.categories.get(category) {
            return Some(r);
        }
        if category.bytes().any(|b| b.is_ascii_lowercase()) {
            return self.categories.get(&category.to_ascii_uppercase());
        }
        None
    }

    /// Naive code lookup: scan every code rule in order.
    pub fn code_rule_naive(&self, code: &str) -> Option<&RuleOutcome> {
        let up = code.to_ascii_uppercase();
        self.naive_codes
            .iter()
            .find(|(codes, _)| codes.contains(&up))
            .map(|(_, r)| r)
    }

    /// The carrier's reporting zone, resolved.
    pub fn default_time_zone(&self) -> Option<(&str, &jiff::tz::TimeZone)> {
        match (&self.default_zone, &self.default_tz) {
            (Some(name), Some(tz)) => Some((name.as_str(), tz)),
            _ => None,
        }
    }

    pub fn text(&self) -> &TextMatcher {
        &self.text
    }

    pub fn code_count(&self) -> usize {
        self.codes.len()
    }
}

/// All carrier mappings, ready to match.
#[derive(Debug, Clone)]
pub struct MappingSet {
    carriers: Vec<CarrierMapping>,
    by_name: HashMap<String, usize>,
    generic: usize,
    files: Vec<MappingFile>,
}

impl MappingSet {
    /// The mapping files shipped with tradelane.
    pub fn builtin() -> Result<MappingSet, MappingError> {
        MappingSet::from_toml(BUILTIN_FILES.iter().map(|(n, t)| (*n, *t)))
    }

    /// The built-in files overlaid with operator files (which take precedence rule by rule).
    pub fn builtin_with<'a>(
        extra: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<MappingSet, MappingError> {
        MappingSet::from_toml(BUILTIN_FILES.iter().map(|(n, t)| (*n, *t)).chain(extra))
    }

    /// The built-in files overlaid with already-parsed operator files (e.g. an organisation's
    /// mapping overrides kept in the database); later files take precedence rule by rule.
    pub fn builtin_with_files(
        extra: Vec<(String, MappingFile)>,
    ) -> Result<MappingSet, MappingError> {
        let mut files = Vec::with_capacity(BUILTIN_FILES.len() + extra.len());
        for (name, text) in BUILTIN_FILES {
            let file: MappingFile = toml::from_str(text).map_err(|e| MappingError::Parse {
                file: (*name).to_string(),
                message: e.to_string(),
            })?;
            files.push(((*name).to_string(), file));
        }
        files.extend(extra);
        MappingSet::from_files(files)
    }

    /// Parses and compiles `(file name, TOML text)` pairs. Must include a `generic` file.
    pub fn from_toml<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<MappingSet, MappingError> {
        let mut parsed = Vec::new();
        for (name, text) in files {
            let file: MappingFile = toml::from_str(text).map_err(|e| MappingError::Parse {
                file: name.to_string(),
                message: e.to_string(),
            })?;
            parsed.push((name.to_string(), file));
        }
        MappingSet::from_files(parsed)
    }

    /// Compiles already-parsed files.
    pub fn from_files(files: Vec<(String, MappingFile)>) -> Result<MappingSet, MappingError> {
        // Merge files with the same id: later files' rules go first.
        let mut order: Vec<String> = Vec::new();
        let mut merged: HashMap<String, Vec<(String, MappingFile)>> = HashMap::default();
        let mut rule_ids: HashMap<String, String> = HashMap::default();
        for (name, file) in &files {
            validate_file(name, file, &mut rule_ids)?;
            if !merged.contains_key(&file.id) {
                order.push(file.id.clone());
            }
            merged
                .entry(file.id.clone())
                .or_default()
                .push((name.clone(), file.clone()));
        }
        let generic_parts = merged
            .get(GENERIC_ID)
            .cloned()
            .ok_or_else(|| MappingError::File {
                file: "(mapping set)".into(),
                message: format!("no '{GENERIC_ID}' mapping file given"),
            })?;
        let mut carriers = Vec::new();
        let mut by_name = HashMap::default();
        let mut generic = 0;
        for id in &order {
            let Some(parts) = merged.get(id) else {
                continue;
            };
            let mapping = compile_carrier(id, parts, &generic_parts)?;
            let idx = carriers.len();
            if id == GENERIC_ID {
                generic = idx;
            }
            for (file_name, part) in parts {
                for alias in std::iter::once(&part.id).chain(&part.aliases) {
                    let key = alias_key(alias);
                    if let Some(prev) = by_name.insert(key, idx)
                        && prev != idx
                    {
                        return Err(MappingError::File {
                            file: file_name.clone(),
                            message: format!(
                                "alias '{alias}' is already used by carrier '{}'",
                                carriers
                                    .get(prev)
                                    .map(|c: &CarrierMapping| c.id.as_str())
                                    .unwrap_or("?")
                            ),
                        });
                    }
                }
            }
            carriers.push(mapping);
        }
        Ok(MappingSet {
            carriers,
            by_name,
            generic,
            files: files.into_iter().map(|(_, f)| f).collect(),
        })
    }

    /// The mapping for a carrier name or alias as a source writes it; `None` when unknown
    /// (callers then use [`MappingSet::generic`]).
    pub fn carrier(&self, name: &str) -> Option<&CarrierMapping> {
        // Most sources already use the canonical id; skip the folding allocation then.
        let idx = match self.by_name.get(name) {
            Some(i) => Some(i),
            None => self.by_name.get(&alias_key(name)),
        };
        idx.and_then(|i| self.carriers.get(*i))
    }

    pub fn generic(&self) -> &CarrierMapping {
        &self.carriers[self.generic]
    }

    pub fn carriers(&self) -> impl Iterator<Item = &CarrierMapping> {
        self.carriers.iter()
    }

    /// The source files, e.g. for an operator to export and edit.
    pub fn files(&self) -> &[MappingFile] {
        &self.files
    }
}

/// Rewrites `\b` and `\B` to their ASCII forms. A Unicode word boundary makes the regex
/// engine's DFA give up on any non-ASCII text (every Chinese or Japanese event) and fall back to
/// an engine a hundred times slower; the ASCII form only differs next to non-ASCII letters,
/// which no rule depends on.
fn ascii_word_boundaries(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 16);
    let mut chars = re.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push_str("(?-u:\\b)"),
            Some('B') => out.push_str("(?-u:\\B)"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A regex matching `kw` with ASCII-only case folding, the same semantics as the keyword
/// automaton (non-ASCII letters match exactly).
fn ascii_case_insensitive_literal(kw: &str) -> String {
    let mut out = String::with_capacity(kw.len() * 2);
    let mut buf = [0u8; 4];
    for ch in kw.chars() {
        if ch.is_ascii_alphabetic() {
            out.push('[');
            out.push(ch.to_ascii_lowercase());
            out.push(ch.to_ascii_uppercase());
            out.push(']');
        } else {
            out.push_str(&regex::escape(ch.encode_utf8(&mut buf)));
        }
    }
    out
}

/// Aliases compare without case, spaces, dashes and underscores ("DHL Express" = "dhl_express").
pub fn alias_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

fn validate_file(
    name: &str,
    file: &MappingFile,
    rule_ids: &mut HashMap<String, String>,
) -> Result<(), MappingError> {
    if file.id.trim().is_empty() {
        return Err(MappingError::File {
            file: name.into(),
            message: "id is empty".into(),
        });
    }
    if let Some(zone) = &file.default_zone
        && jiff::tz::TimeZone::get(zone).is_err()
    {
        return Err(MappingError::File {
            file: name.into(),
            message: format!("default_zone '{zone}' is not a known IANA time zone"),
        });
    }
    let ids = file
        .codes
        .iter()
        .map(|r| &r.id)
        .chain(file.texts.iter().map(|r| &r.id))
        .chain(file.categories.iter().map(|r| &r.id));
    for id in ids {
        if id.trim().is_empty() {
            return Err(MappingError::File {
                file: name.into(),
                message: "a rule has an empty id".into(),
            });
        }
        if let Some(prev) = rule_ids.insert(id.clone(), name.to_string()) {
            return Err(MappingError::Rule {
                file: name.into(),
                rule: id.clone(),
                message: format!("rule id already used in {prev}"),
            });
        }
    }
    Ok(())
}

fn expand_codes(file: &str, rule: &CodeRule) -> Result<Vec<String>, MappingError> {
    let err = |message: String| MappingError::Rule {
        file: file.into(),
        rule: rule.id.clone(),
        message,
    };
    let mut out: Vec<String> = Vec::new();
    for c in &rule.codes {
        let c = c.trim();
        if c.is_empty() {
            return Err(err("empty code".into()));
        }
        out.push(c.to_ascii_uppercase());
    }
    for r in &rule.ranges {
        let (a, b) = r
            .split_once('-')
            .ok_or_else(|| err(format!("range '{r}' is not like 1421-1434")))?;
        let (a, b): (u32, u32) = (
            a.trim()
                .parse()
                .map_err(|_| err(format!("range start '{a}' is not a number")))?,
            b.trim()
                .parse()
                .map_err(|_| err(format!("range end '{b}' is not a number")))?,
        );
        if a > b || b - a > 10_000 {
            return Err(err(format!("range '{r}' is empty or too large")));
        }
        out.extend((a..=b).map(|n| n.to_string()));
    }
    if out.is_empty() {
        return Err(err("needs codes or ranges".into()));
    }
    Ok(out)
}

fn compile_carrier(
    id: &str,
    parts: &[(String, MappingFile)],
    generic_parts: &[(String, MappingFile)],
) -> Result<CarrierMapping, MappingError> {
    let mut codes: HashMap<String, RuleOutcome> = HashMap::default();
    let mut categories: HashMap<String, RuleOutcome> = HashMap::default();
    let mut naive_codes = Vec::new();
    let is_generic = id == GENERIC_ID;
    // Later files take precedence: walk them first and keep the first rule seen for a code.
    for (file, part) in parts.iter().rev() {
        let mut seen_here = HashSet::new();
        for rule in &part.codes {
            for code in expand_codes(file, rule)? {
                if !seen_here.insert(code.clone()) {
                    return Err(MappingError::Rule {
                        file: file.clone(),
                        rule: rule.id.clone(),
                        message: format!("code '{code}' is mapped twice in this file"),
                    });
                }
                codes
                    .entry(code)
                    .or_insert_with(|| RuleOutcome::from_code(rule, is_generic));
            }
            naive_codes.push((
                expand_codes(file, rule)?,
                RuleOutcome::from_code(rule, is_generic),
            ));
        }
        let mut seen_here = HashSet::new();
        for rule in &part.categories {
            for code in expand_codes(file, rule)? {
                if !seen_here.insert(code.clone()) {
                    return Err(MappingError::Rule {
                        file: file.clone(),
                        rule: rule.id.clone(),
                        message: format!("category '{code}' is mapped twice in this file"),
                    });
                }
                categories
                    .entry(code)
                    .or_insert_with(|| RuleOutcome::from_code(rule, is_generic));
            }
        }
    }
    let last = |f: fn(&MappingFile) -> Option<String>| parts.iter().rev().find_map(|(_, p)| f(p));
    let use_generic = parts.iter().all(|(_, p)| p.use_generic) && id != GENERIC_ID;
    let mut text_rules: Vec<(&str, &TextRule, bool)> = Vec::new();
    for (file, part) in parts.iter().rev() {
        text_rules.extend(part.texts.iter().map(|r| (file.as_str(), r, is_generic)));
    }
    if use_generic {
        for (file, part) in generic_parts.iter().rev() {
            text_rules.extend(part.texts.iter().map(|r| (file.as_str(), r, true)));
        }
    }
    let text = TextMatcher::compile(&text_rules)?;
    let default_zone = last(|p| p.default_zone.clone());
    let default_tz = default_zone
        .as_deref()
        .and_then(|z| jiff::tz::TimeZone::get(z).ok());
    Ok(CarrierMapping {
        id: id.to_string(),
        name: last(|p| p.name.clone()).unwrap_or_else(|| id.to_string()),
        default_leg: parts.iter().rev().find_map(|(_, p)| p.default_leg),
        default_zone,
        default_tz,
        date_order: parts
            .iter()
            .rev()
            .map(|(_, p)| p.date_order)
            .find(|o| *o != DateOrder::YearFirst)
            .unwrap_or_default(),
        codes,
        categories,
        text,
        naive_codes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERIC: &str = r#"
id = "generic"
[[text]]
id = "g.delivered"
keywords = ["delivered", "已签收"]
status = "delivered"
"#;

    fn set(extra: &str) -> Result<MappingSet, MappingError> {
        MappingSet::from_toml([("generic.toml", GENERIC), ("x.toml", extra)])
    }

    #[test]
    fn builtin_mappings_load_and_cover_the_required_carriers() {
        let set = MappingSet::builtin().unwrap();
        for id in [
            "dhl_express",
            "ups",
            "fedex",
            "usps",
            "royal_mail",
            "dpd",
            "australia_post",
            "canada_post",
            "japan_post",
            "yunexpress",
            "4px",
            "cainiao",
            "china_post",
            "generic",
        ] {
            let c = set
                .carrier(id)
                .unwrap_or_else(|| panic!("missing mapping {id}"));
            assert!(
                !c.text().is_empty() || c.code_count() > 0,
                "{id} has no rules"
            );
        }
        assert_eq!(set.carrier("DHL Express").unwrap().id, "dhl_express");
        assert_eq!(set.carrier("EMS").unwrap().id, "china_post");
        assert_eq!(set.carrier("云途物流").unwrap().id, "yunexpress");
        assert!(set.carrier("no such carrier").is_none());
    }

    #[test]
    fn word_boundaries_become_ascii() {
        assert_eq!(
            ascii_word_boundaries(r"\bRTS\b|a\\b|\d"),
            r"(?-u:\b)RTS(?-u:\b)|a\\b|\d"
        );
    }

    #[test]
    fn bad_regex_names_file_and_rule() {
        let err = set(r#"
id = "x"
[[text]]
id = "x.broken"
regex = "(unclosed"
status = "in_transit"
"#)
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("x.toml") && msg.contains("x.broken") && msg.contains("regex"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_status_and_duplicate_ids_are_rejected() {
        let err =
            set("id = \"x\"\n[[code]]\nid = \"x.a\"\ncodes = [\"A\"]\nstatus = \"shipped\"\n")
                .unwrap_err();
        assert!(err.to_string().contains("x.toml"), "{err}");
        let err = set(
            "id = \"x\"\n[[code]]\nid = \"g.delivered\"\ncodes = [\"A\"]\nstatus = \"delivered\"\n",
        )
        .unwrap_err();
        assert!(err.to_string().contains("g.delivered"), "{err}");
        let err = set("id = \"x\"\n[[code]]\nid = \"x.a\"\ncodes = [\"A\"]\nstatus = \"delivered\"\n[[code]]\nid = \"x.b\"\ncodes = [\"a\"]\nstatus = \"lost\"\n").unwrap_err();
        assert!(err.to_string().contains("mapped twice"), "{err}");
        let err = set("id = \"x\"\n[[text]]\nid = \"x.t\"\nstatus = \"delivered\"\n").unwrap_err();
        assert!(err.to_string().contains("keywords or a regex"), "{err}");
        let err = set("id = \"x\"\ndefault_zone = \"Nowhere/City\"\n").unwrap_err();
        assert!(err.to_string().contains("Nowhere/City"), "{err}");
    }

    #[test]
    fn ranges_expand_and_overlay_files_take_precedence() {
        let base = "id = \"x\"\n[[code]]\nid = \"x.r\"\nranges = [\"1421-1423\"]\nstatus = \"delivered\"\n";
        let overlay = "id = \"x\"\n[[code]]\nid = \"x.o\"\ncodes = [\"1422\"]\nstatus = \"ready_for_pickup\"\n";
        let s = MappingSet::from_toml([
            ("generic.toml", GENERIC),
            ("x.toml", base),
            ("ops.toml", overlay),
        ])
        .unwrap();
        let c = s.carrier("x").unwrap();
        assert_eq!(c.code_rule("1421").unwrap().status, Some(Status::Delivered));
        assert_eq!(c.code_rule("1422").unwrap().rule_id, "x.o");
        assert_eq!(c.code_rule("1423").unwrap().status, Some(Status::Delivered));
        assert!(c.code_rule("1424").is_none());
    }

    #[test]
    fn keyword_rules_are_ascii_case_insensitive_and_ordered() {
        let s = set(r#"
id = "x"
[[text]]
id = "x.failed"
keywords = ["NOT DELIVERED", "未妥投"]
status = "delivery_failed"
[[text]]
id = "x.reason"
keywords = ["Damaged"]
reason = "damaged"
"#)
        .unwrap();
        let c = s.carrier("x").unwrap();
        let t = c.text();
        // Rule 0 (x.failed) precedes the generic "delivered" keyword rule (index 2).
        assert_eq!(t.matching_rules("Parcel not delivered"), vec![0, 2]);
        assert_eq!(t.matching_rules("未妥投"), vec![0]);
        assert_eq!(t.matching_rules("DAMAGED box"), vec![1]);
        assert_eq!(t.matching_rules("Delivered"), vec![2]);
        for text in [
            "Parcel not delivered",
            "未妥投",
            "DAMAGED box",
            "Delivered",
            "ÉTÉ",
            "",
        ] {
            assert_eq!(
                t.matching_rules(text),
                t.matching_rules_naive(text),
                "{text}"
            );
        }
    }

    #[test]
    fn set_matcher_agrees_with_naive_order_on_builtin_rules() {
        let set = MappingSet::builtin().unwrap();
        let samples = [
            "Delivered",
            "快件已签收，签收人：本人",
            "离开【深圳转运中心】，下一站【上海】",
            "Clearance event",
            "THE RECEIVER WAS NOT AVAILABLE FOR DELIVERY",
            "海关查验",
            "Arrived at Sort Facility",
            "随便",
        ];
        for c in set.carriers() {
            for s in samples {
                assert_eq!(
                    c.text().matching_rules(s),
                    c.text().matching_rules_naive(s),
                    "{} / {s}",
                    c.id
                );
            }
        }
    }
}
