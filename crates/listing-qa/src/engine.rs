//! The QA engine: loads the rule data once, then checks listings (pure, thread-safe).

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use jiff::civil::Date;
use rust_decimal::Decimal;

use crate::data::{
    self, DataError, LanguageProfile, LexiconEntry, Marketplace, RuleKind, SizesFile, UnitDef,
};
use crate::finding::{Field, NewFinding};
use crate::glossary::{Glossary, Watchlist, find_folded};
use crate::html;
use crate::lexicon::{CompiledLexicon, excepted, is_market_independent};
use crate::locale::Locale;
use crate::model::{FieldKind, FieldRef, Finding, Listing, Severity, SourceListing};
use crate::numbers::{UnitMatcher, measurements, model_tokens, numbers};
use crate::rules::{self, RuleContext};
use crate::sizes;
use crate::text::{Folded, fold};
use crate::units::{self, PairVerdict};
use crate::untranslated::{self, MarkerSets};

/// Everything a check needs besides the listing.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    pub listing: &'a Listing,
    pub source: Option<&'a SourceListing>,
    pub glossary: Option<&'a Glossary>,
    pub watchlist: Option<&'a Watchlist>,
    /// Rules are applied as in force on this date; `None` applies every rule.
    pub date: Option<Date>,
}

impl<'a> CheckInput<'a> {
    /// A target listing alone: no source, glossary or watchlist; every rule applies.
    pub fn new(listing: &'a Listing) -> Self {
        CheckInput {
            listing,
            source: None,
            glossary: None,
            watchlist: None,
            date: None,
        }
    }
}

/// The rule data as text, so a caller can load a newer pack without a release.
#[derive(Debug, Clone, Copy)]
pub struct RuleData<'a> {
    pub marketplaces: &'a str,
    pub lexicon: &'a str,
    pub languages: &'a str,
    pub abbreviations: &'a str,
    pub sizes: &'a str,
    pub units: &'a str,
}

impl Default for RuleData<'static> {
    fn default() -> Self {
        RuleData {
            marketplaces: data::MARKETPLACES_TOML,
            lexicon: data::LEXICON_TOML,
            languages: data::LANGUAGE_TOML,
            abbreviations: data::ABBREVIATIONS_TOML,
            sizes: data::SIZES_TOML,
            units: data::UNITS_TOML,
        }
    }
}

pub struct QaEngine {
    marketplaces: Vec<Marketplace>,
    entries: Vec<LexiconEntry>,
    /// Lexicon languages; the extra last slot is "any other language".
    langs: Vec<String>,
    /// One automaton per (marketplace slot, language slot, field kind), built on first use.
    compiled: Vec<OnceLock<CompiledLexicon>>,
    profiles: BTreeMap<String, LanguageProfile>,
    function_words: BTreeMap<String, HashSet<String>>,
    markers: MarkerSets,
    abbreviations: HashSet<String>,
    sizes: SizesFile,
    units: Vec<UnitDef>,
    unit_matcher: UnitMatcher,
}

impl std::fmt::Debug for QaEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QaEngine")
            .field("marketplaces", &self.marketplaces.len())
            .field("lexicon_entries", &self.entries.len())
            .finish()
    }
}

fn category_rule_id(category: &str) -> String {
    category.replace('_', ".")
}

fn category_zh(category: &str) -> &'static str {
    match category {
        "promo" => "促销用语",
        "search_terms_temporary" => "搜索词中的临时或主观用语",
        "claim_medical" => "医疗/健康功效声明",
        "claim_fda" => "虚假的 FDA 批准/认证声明",
        "claim_antimicrobial" => "未经注册的抗菌/杀菌声明",
        "claim_ce" => "CE 标志误用（CE 是自我声明，不是认证）",
        "claim_eco" => "笼统的环保声明",
        "cultural" => "文化敏感或歧视性用语",
        _ => "受限用语",
    }
}

fn category_en(category: &str) -> &'static str {
    match category {
        "promo" => "Promotional phrase",
        "search_terms_temporary" => "Temporary or subjective search term",
        "claim_medical" => "Medical or health claim",
        "claim_fda" => "Misleading FDA approval claim",
        "claim_antimicrobial" => "Antimicrobial claim without registration",
        "claim_ce" => "Misuse of the CE marking",
        "claim_eco" => "Generic environmental claim",
        "cultural" => "Culturally sensitive or offensive term",
        _ => "Restricted term",
    }
}

impl QaEngine {
    /// The engine with the rule data shipped in this crate.
    pub fn new() -> Result<QaEngine, DataError> {
        QaEngine::from_data(RuleData::default(), Vec::new())
    }

    /// An engine from rule data given as text, plus extra lexicon entries (for example
    /// an organisation's own list).
    pub fn from_data(d: RuleData<'_>, extra: Vec<LexiconEntry>) -> Result<QaEngine, DataError> {
        let marketplaces = data::parse_marketplaces(d.marketplaces)?;
        let mut entries = data::parse_lexicon("lexicon.toml", d.lexicon)?;
        entries.extend(extra);
        let profiles = data::parse_languages(d.languages)?;
        let abbreviations = data::parse_abbreviations(d.abbreviations)?
            .into_iter()
            .map(|a| a.to_uppercase())
            .collect();
        let sizes = data::parse_sizes(d.sizes)?;
        let units = data::parse_units(d.units)?;
        let mut langs: Vec<String> = entries
            .iter()
            .map(|e| e.lang.clone())
            .filter(|l| l != "*")
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        langs.push(String::new());
        let slots = (marketplaces.len() + 1) * langs.len() * FieldKind::ALL.len();
        let function_words = profiles
            .iter()
            .map(|(k, p)| {
                (
                    k.clone(),
                    p.function_words.iter().map(|w| fold(w)).collect(),
                )
            })
            .collect();
        let markers = MarkerSets::new(&profiles);
        let unit_matcher = UnitMatcher::new(&units);
        Ok(QaEngine {
            marketplaces,
            entries,
            langs,
            compiled: (0..slots).map(|_| OnceLock::new()).collect(),
            profiles,
            function_words,
            markers,
            abbreviations,
            sizes,
            units,
            unit_matcher,
        })
    }

    pub fn lexicon_entries(&self) -> &[LexiconEntry] {
        &self.entries
    }

    pub fn marketplaces(&self) -> &[Marketplace] {
        &self.marketplaces
    }

    /// "amazon", "Amazon.de", "TikTok Shop", "tiktok_shop" all name a known marketplace.
    fn market_slot(&self, marketplace: &str) -> usize {
        let key: String = marketplace
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        self.marketplaces
            .iter()
            .position(|m| !m.id.is_empty() && key.starts_with(&m.id.to_ascii_lowercase()))
            .map_or(0, |i| i + 1)
    }

    fn lang_slot(&self, lang: &str) -> usize {
        self.langs
            .iter()
            .position(|l| l == lang)
            .unwrap_or(self.langs.len() - 1)
    }

    /// The automaton for one (marketplace, language, field kind).
    pub fn lexicon_for(&self, marketplace: &str, lang: &str, kind: FieldKind) -> &CompiledLexicon {
        let m = self.market_slot(marketplace);
        let l = self.lang_slot(lang);
        let idx = (m * self.langs.len() + l) * FieldKind::ALL.len() + kind.index();
        self.compiled[idx].get_or_init(|| {
            let lang_name = &self.langs[l];
            let rules: Vec<(usize, &Vec<String>)> =
                match m.checked_sub(1).and_then(|i| self.marketplaces.get(i)) {
                    Some(mp) => mp
                        .rule
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.field_kind() == Some(kind))
                        .filter_map(|(i, r)| match &r.kind {
                            RuleKind::Lexicon { categories } => Some((i, categories)),
                            _ => None,
                        })
                        .collect(),
                    None => Vec::new(),
                };
            CompiledLexicon::build(&self.entries, |i| {
                let e = &self.entries[i];
                if e.lang != "*" && (lang_name.is_empty() || &e.lang != lang_name) {
                    return Vec::new();
                }
                let mut out = Vec::new();
                if is_market_independent(e) {
                    out.push(None);
                }
                for (ri, cats) in &rules {
                    if cats.iter().any(|c| c == &e.category) {
                        out.push(Some(*ri));
                    }
                }
                out
            })
        })
    }

    /// Checks one listing. Never panics on any input; findings are sorted by field and
    /// position.
    pub fn check(&self, input: &CheckInput<'_>) -> Vec<Finding> {
        let listing = input.listing;
        let locale = Locale::parse(&listing.locale);
        let lang = locale.lang.as_str();
        let slot = self.market_slot(&listing.marketplace);
        let market = slot.checked_sub(1).and_then(|i| self.marketplaces.get(i));

        let mut fields: Vec<Field<'_>> = vec![Field {
            field: FieldRef::Title,
            text: &listing.title,
        }];
        for (i, b) in listing.bullets.iter().enumerate() {
            fields.push(Field {
                field: FieldRef::Bullet(i),
                text: b,
            });
        }
        fields.push(Field {
            field: FieldRef::Description,
            text: &listing.description,
        });
        fields.push(Field {
            field: FieldRef::SearchTerms,
            text: &listing.search_terms,
        });
        let folded: Vec<Folded> = fields.iter().map(|f| Folded::new(f.text)).collect();

        // brand and do-not-translate terms are exempt from character/caps rules
        let mut protected_terms: Vec<String> = Vec::new();
        if let Some(b) = listing.attributes.get("brand") {
            protected_terms.push(fold(b.trim()));
        }
        if let Some(g) = input.glossary {
            protected_terms.extend(g.do_not_translate.iter().map(|t| fold(t.trim())));
        }

        let mut out = Vec::new();
        for (fi, field) in fields.iter().enumerate() {
            if field.text.is_empty() {
                continue;
            }
            let fd = &folded[fi];
            // model numbers ("LX-300") are split into words by the caps rule; keep them whole
            let protected: Vec<(usize, usize)> = protected_terms
                .iter()
                .flat_map(|t| find_folded(fd, t))
                .filter_map(|(s, e)| fd.original_range(s, e))
                .chain(model_tokens(field.text))
                .collect();
            let kind = field.field.kind();
            if let Some(mp) = market {
                let ctx = RuleContext {
                    function_words: self.function_words.get(lang),
                    abbreviations: &self.abbreviations,
                    protected: &protected,
                };
                for r in mp
                    .rule
                    .iter()
                    .filter(|r| r.field_kind() == Some(kind) && r.in_force(input.date))
                {
                    let before = out.len();
                    if let RuleKind::Html { allowed_tags } = &r.kind {
                        self.check_html(r, allowed_tags, *field, &mut out);
                    } else {
                        rules::check(r, *field, &ctx, &mut out);
                    }
                    out[before..]
                        .iter_mut()
                        .for_each(|f| f.uncertain = r.uncertain);
                }
            }
            self.check_lexicon(input, &locale, slot, *field, fd, &mut out);
            if let Some(w) = input.watchlist {
                check_watchlist(w, listing, *field, fd, &mut out);
            }
            self.check_untranslated(&locale, *field, &mut out);
            self.check_units(&locale, *field, &mut out);
        }
        if let Some(mp) = market {
            for r in mp.rule.iter().filter(|r| r.in_force(input.date)) {
                let before = out.len();
                if let RuleKind::MaxItems { limit } = r.kind {
                    for (i, b) in listing.bullets.iter().enumerate().skip(limit) {
                        let f = Field {
                            field: FieldRef::Bullet(i),
                            text: b,
                        };
                        out.push(f.finding(
                            Some((0, b.len())),
                            NewFinding {
                                rule_id: &r.id,
                                entry_id: None,
                                severity: r.severity,
                                en: format!(
                                    "At most {limit} bullet points are shown; this one is dropped."
                                ),
                                zh: format!("最多显示 {limit} 条要点；此条将被丢弃。"),
                                fix: None,
                                source: Some(&r.source),
                            },
                        ));
                    }
                }
                out[before..]
                    .iter_mut()
                    .for_each(|f| f.uncertain = r.uncertain);
            }
        }
        self.check_sizes(&fields, &mut out);
        if let Some(g) = input.glossary {
            crate::checks::glossary(g, input.source, listing, &fields, &folded, &mut out);
        }
        if let Some(src) = input.source {
            crate::checks::preservation(self, src, &locale, &fields, &mut out);
        }
        out.sort_by(|a, b| {
            (a.field, a.span.map(|s| s.byte_start), &a.rule_id).cmp(&(
                b.field,
                b.span.map(|s| s.byte_start),
                &b.rule_id,
            ))
        });
        out
    }

    fn check_html(
        &self,
        r: &data::MarketRule,
        allowed: &[String],
        field: Field<'_>,
        out: &mut Vec<Finding>,
    ) {
        let (issues, clean) = html::scan(field.text, allowed);
        if issues.is_empty() {
            return;
        }
        for issue in &issues {
            let (en, zh, sev) = match &issue.kind {
                html::HtmlIssueKind::DangerousElement(t) => (
                    format!(
                        "<{t}> is not allowed in a description: it can run code or load other pages."
                    ),
                    format!("描述中不允许 <{t}>：它可能执行代码或加载其他页面。"),
                    r.severity,
                ),
                html::HtmlIssueKind::DisallowedTag(t) => (
                    format!("<{t}> is not rendered by this marketplace."),
                    format!("该平台不显示 <{t}> 标签。"),
                    Severity::Warning,
                ),
                html::HtmlIssueKind::EventHandler(a) => (
                    format!("Event handler attribute '{a}' runs script in the buyer's browser."),
                    format!("事件属性“{a}”会在买家浏览器中执行脚本。"),
                    r.severity,
                ),
                html::HtmlIssueKind::ScriptUrl(a) => (
                    format!("'{a}' holds a script URL."),
                    format!("“{a}”中含有脚本链接。"),
                    r.severity,
                ),
            };
            out.push(field.finding(
                Some((issue.start, issue.end)),
                NewFinding {
                    rule_id: &r.id,
                    entry_id: None,
                    severity: sev,
                    en,
                    zh,
                    fix: Some(String::new()),
                    source: Some(&r.source),
                },
            ));
        }
        out.push(field.finding(
            Some((0, field.text.len())),
            NewFinding {
                rule_id: "html.sanitized",
                entry_id: None,
                severity: Severity::Info,
                en: "Sanitised description: only the tags this marketplace renders, no scripts or event handlers.".into(),
                zh: "已清理的描述：仅保留该平台支持的标签，去除脚本和事件属性。".into(),
                fix: Some(clean),
                source: Some(&r.source),
            },
        ));
    }

    fn check_lexicon(
        &self,
        input: &CheckInput<'_>,
        locale: &Locale,
        slot: usize,
        field: Field<'_>,
        fd: &Folded,
        out: &mut Vec<Finding>,
    ) {
        let lex = self.lexicon_for(&input.listing.marketplace, &locale.lang, field.field.kind());
        let market = slot.checked_sub(1).and_then(|i| self.marketplaces.get(i));
        for m in lex.find(fd) {
            let Some(range) = fd.original_range(m.folded_start, m.folded_end) else {
                continue;
            };
            let mut reported_entries: Vec<usize> = Vec::new();
            for hit in lex.hits(m.pattern) {
                let e = &self.entries[hit.entry];
                if !e.in_force(input.date)
                    || !locale.in_regions(&e.regions)
                    || excepted(e, &fd.text, &m)
                {
                    continue;
                }
                let matched = &field.text[range.0..range.1];
                let (rule_id, severity, source, uncertain) = match hit
                    .rule
                    .and_then(|ri| market.and_then(|mp| mp.rule.get(ri)))
                {
                    Some(r) => {
                        if !r.in_force(input.date) {
                            continue;
                        }
                        (
                            r.id.clone(),
                            r.severity,
                            Some(r.source.as_str()),
                            r.uncertain,
                        )
                    }
                    None => (category_rule_id(&e.category), e.severity, None, false),
                };
                // one finding per entry and match, even when two rules enable it
                if reported_entries.contains(&hit.entry) {
                    continue;
                }
                reported_entries.push(hit.entry);
                let mut finding = field.finding(
                    Some(range),
                    NewFinding {
                        rule_id: &rule_id,
                        entry_id: Some(&e.id),
                        severity,
                        en: format!("{} '{matched}': {}", category_en(&e.category), e.note),
                        zh: format!("{}：“{matched}”。", category_zh(&e.category)),
                        fix: e
                            .fix
                            .clone()
                            .or(Some(String::new()))
                            .filter(|_| e.category != "cultural" || e.fix.is_some()),
                        source: source.or(Some(e.note.as_str())),
                    },
                );
                finding.uncertain = uncertain;
                out.push(finding);
            }
        }
    }

    fn check_untranslated(&self, locale: &Locale, field: Field<'_>, out: &mut Vec<Finding>) {
        let lang = locale.lang.as_str();
        for run in untranslated::foreign_script_runs(field.text, lang) {
            out.push(field.finding(
                Some((run.start, run.end)),
                NewFinding {
                    rule_id: "untranslated.script",
                    entry_id: None,
                    severity: Severity::Error,
                    en: format!(
                        "{} text left untranslated in a {} listing.",
                        run.script,
                        locale_name(locale)
                    ),
                    zh: format!(
                        "{} 商品文案中残留未翻译的{}文字。",
                        locale_name(locale),
                        script_zh(run.script)
                    ),
                    fix: None,
                    source: None,
                },
            ));
        }
        if lang == "ja" {
            for run in untranslated::chinese_in_japanese(field.text) {
                out.push(field.finding(
                    Some((run.start, run.end)),
                    NewFinding {
                        rule_id: "untranslated.chinese_in_japanese",
                        entry_id: None,
                        severity: Severity::Warning,
                        en: "This reads as Chinese, not Japanese (no kana, Chinese-only characters).".into(),
                        zh: "这段文字看起来是中文而不是日文（没有假名，含中文特有字）。".into(),
                        fix: None,
                        source: None,
                    },
                ));
            }
        }
        if lang == "zh" && field.field != FieldRef::SearchTerms {
            let want_trad = locale.script.as_deref() == Some("Hant");
            for (s, e) in untranslated::wrong_chinese_script(field.text, want_trad) {
                let text = &field.text[s..e];
                let fix = if want_trad {
                    crate::zh::to_traditional(text)
                } else {
                    crate::zh::to_simplified(text)
                };
                let (en, zh) = if want_trad {
                    (
                        "Simplified characters in a Traditional Chinese listing.",
                        "繁体中文文案中出现简体字。",
                    )
                } else {
                    (
                        "Traditional characters in a Simplified Chinese listing.",
                        "简体中文文案中出现繁体字。",
                    )
                };
                out.push(field.finding(
                    Some((s, e)),
                    NewFinding {
                        rule_id: "untranslated.chinese_script",
                        entry_id: None,
                        severity: Severity::Warning,
                        en: en.into(),
                        zh: zh.into(),
                        fix,
                        source: None,
                    },
                ));
            }
        }
        if field.field != FieldRef::SearchTerms {
            for c in self.markers.foreign_clauses(field.text, lang) {
                out.push(field.finding(
                    Some((c.start, c.end)),
                    NewFinding {
                        rule_id: "untranslated.language",
                        entry_id: None,
                        severity: Severity::Warning,
                        en: format!(
                            "This clause reads as '{}' (by its function words), not as the listing language '{}'.",
                            c.lang, locale.lang
                        ),
                        zh: format!("这一句按虚词判断是“{}”语，而非商品语言“{}”，可能漏译。", c.lang, locale.lang),
                        fix: None,
                        source: None,
                    },
                ));
            }
        }
    }

    fn check_units(&self, locale: &Locale, field: Field<'_>, out: &mut Vec<Finding>) {
        let ms = merge_ranges(
            field.text,
            measurements(field.text, locale.uses_decimal_comma(), &self.unit_matcher),
        );
        let uk = locale.region.as_deref() == Some("GB");
        let mut paired = vec![false; ms.len()];
        for i in 0..ms.len().saturating_sub(1) {
            let (a, b) = (&ms[i], &ms[i + 1]);
            if !field
                .text
                .get(a.end..b.start)
                .is_some_and(units::is_connector)
            {
                continue;
            }
            let Some(verdict) = units::check_pair(&self.units, a, b, uk) else {
                continue;
            };
            paired[i] = true;
            paired[i + 1] = true;
            let (ua, ub) = (&self.units[a.unit].id, &self.units[b.unit].id);
            match verdict {
                PairVerdict::Ok => {}
                PairVerdict::Wrong { index, expected } => {
                    let shown = &b.numbers[index];
                    let want = units::suggest(expected, shown);
                    let shown_text = &field.text[shown.start..shown.end];
                    let want = if locale.uses_decimal_comma() { want.replace('.', ",") } else { want };
                    out.push(field.finding(
                        Some((shown.start, shown.end)),
                        NewFinding {
                            rule_id: "units.conversion",
                            entry_id: None,
                            severity: Severity::Error,
                            en: format!(
                                "{} {ua} is {want} {ub}, not {shown_text} (tolerance 2 % or the last shown digit).",
                                &field.text[a.numbers[index].start..a.numbers[index].end]
                            ),
                            zh: format!(
                                "{} {ua} 应为 {want} {ub}，而不是 {shown_text}（容差 2% 或末位数字）。",
                                &field.text[a.numbers[index].start..a.numbers[index].end]
                            ),
                            fix: Some(want),
                            source: Some("NIST SP 811 Appendix B conversion factors"),
                        },
                    ));
                }
                PairVerdict::WrongFluidOunce => out.push(field.finding(
                    Some((b.start, b.end)),
                    NewFinding {
                        rule_id: "units.fluid_ounce_system",
                        entry_id: None,
                        severity: Severity::Warning,
                        en: if uk {
                            "US fluid ounces in a UK listing: UK buyers read fl oz as imperial (28.41 ml).".into()
                        } else {
                            "Imperial fluid ounces in a US listing: US buyers read fl oz as US (29.57 ml).".into()
                        },
                        zh: "液量盎司制式不符：英国为英制 28.41 ml，美国为美制 29.57 ml。".into(),
                        fix: None,
                        source: Some("UK Weights and Measures Act 1985 Sch. 1; NIST SP 811"),
                    },
                )),
            }
        }
        if locale.region.as_deref() == Some("US") && field.field != FieldRef::SearchTerms {
            for (m, done) in ms.iter().zip(&paired) {
                if *done || self.units[m.unit].system != "metric" {
                    continue;
                }
                let Some(target) = imperial_for(&self.units, m.unit) else {
                    continue;
                };
                let converted: Option<Vec<String>> = m
                    .numbers
                    .iter()
                    .map(|n| {
                        units::convert(&self.units, n.value(), m.unit, target, false).map(|v| {
                            units::suggest(
                                v,
                                &crate::numbers::NumberToken {
                                    scale: 1,
                                    ..n.clone()
                                },
                            )
                        })
                    })
                    .collect();
                let Some(converted) = converted else { continue };
                let original = &field.text[m.start..m.end];
                let tu = self.units[target]
                    .aliases
                    .first()
                    .cloned()
                    .unwrap_or_default();
                out.push(field.finding(
                    Some((m.start, m.end)),
                    NewFinding {
                        rule_id: "units.imperial_missing",
                        entry_id: None,
                        severity: Severity::Info,
                        en: format!(
                            "US buyers expect imperial units: add {} {tu}.",
                            converted.join(" x ")
                        ),
                        zh: format!(
                            "美国买家习惯英制单位：建议补充 {} {tu}。",
                            converted.join(" x ")
                        ),
                        fix: Some(format!("{original} ({} {tu})", converted.join(" x "))),
                        source: None,
                    },
                ));
            }
        }
    }

    fn check_sizes(&self, fields: &[Field<'_>], out: &mut Vec<Finding>) {
        let all: String = fields
            .iter()
            .filter(|f| f.field != FieldRef::SearchTerms)
            .map(|f| f.text)
            .collect::<Vec<_>>()
            .join("\n");
        let mut ctx: Option<sizes::SizeContext> = None;
        for field in fields {
            let ms = sizes::mentions(field.text);
            if ms.len() < 2 {
                continue;
            }
            let ctx = *ctx.get_or_insert_with(|| sizes::context(&self.sizes, &all));
            for g in sizes::groups(field.text, &ms) {
                for p in sizes::check_group(&self.sizes, ctx, &g) {
                    let expected: Vec<String> = p
                        .expected
                        .iter()
                        .map(|(t, lo, hi)| {
                            if lo == hi {
                                format!("{} {lo} ({t})", p.wrong.system)
                            } else {
                                format!("{} {lo}–{hi} ({t})", p.wrong.system)
                            }
                        })
                        .collect();
                    let fix = p
                        .expected
                        .first()
                        .map(|(_, lo, _)| format!("{} {}", p.wrong.system, lo.normalize()));
                    let anchor = &field.text[p.anchor.start..p.anchor.end];
                    let wrong = &field.text[p.wrong.start..p.wrong.end];
                    out.push(field.finding(
                        Some((p.wrong.start, p.wrong.end)),
                        NewFinding {
                            rule_id: "size.conversion",
                            entry_id: p.expected.first().map(|(t, _, _)| t.as_str()),
                            severity: Severity::Error,
                            en: format!("{anchor} is not {wrong}; the size table gives {}.", expected.join(", ")),
                            zh: format!("{anchor} 不等于 {wrong}；尺码表对应 {}。", expected.join("，")),
                            fix,
                            source: Some("tradelane size table (data/sizes.toml): Brannock/Paris-point/JIS conventions"),
                        },
                    ));
                }
            }
        }
    }

    pub(crate) fn profile(&self, lang: &str) -> Option<&LanguageProfile> {
        self.profiles.get(lang)
    }

    pub(crate) fn unit_defs(&self) -> &[UnitDef] {
        &self.units
    }

    pub(crate) fn units_matcher(&self) -> &UnitMatcher {
        &self.unit_matcher
    }
}

/// "-10°C to 40°C" is one range measurement, so it pairs with "(14°F to 104°F)".
fn merge_ranges(
    text: &str,
    ms: Vec<crate::numbers::Measurement>,
) -> Vec<crate::numbers::Measurement> {
    let mut out: Vec<crate::numbers::Measurement> = Vec::new();
    for m in ms {
        if let Some(prev) = out.last_mut() {
            let gap = text.get(prev.end..m.start).unwrap_or("?").trim();
            let range = matches!(
                gap,
                "-" | "–" | "~" | "～" | "to" | "bis" | "à" | "a" | "al" | "〜"
            );
            if range && prev.unit == m.unit {
                prev.numbers.extend(m.numbers);
                prev.end = m.end;
                continue;
            }
        }
        out.push(m);
    }
    out
}

fn imperial_for(units: &[UnitDef], metric: usize) -> Option<usize> {
    let want = match units.get(metric)?.id.as_str() {
        "mm" | "cm" => "in",
        "m" => "ft",
        "g" => "oz",
        "kg" => "lb",
        "ml" | "l" => "floz_us",
        "c" => "f",
        _ => return None,
    };
    units.iter().position(|u| u.id == want)
}

fn script_zh(script: &str) -> &'static str {
    match script {
        "Japanese" => "日",
        "Korean" => "韩",
        _ => "中",
    }
}

fn locale_name(l: &Locale) -> String {
    match &l.region {
        Some(r) => format!("{}-{}", l.lang, r),
        None => l.lang.clone(),
    }
}

fn check_watchlist(
    w: &Watchlist,
    listing: &Listing,
    field: Field<'_>,
    fd: &Folded,
    out: &mut Vec<Finding>,
) {
    let own_brand = listing.attributes.get("brand").map(|b| fold(b.trim()));
    for (i, s, e) in w.find(fd) {
        if own_brand.as_deref() == w.folded(i) {
            continue;
        }
        let Some(range) = fd.original_range(s, e) else {
            continue;
        };
        let Some(term) = w.term(i) else { continue };
        let owner = term
            .owner
            .as_deref()
            .map(|o| format!(" (owner: {o})"))
            .unwrap_or_default();
        out.push(field.finding(
            Some(range),
            NewFinding {
                rule_id: "watchlist.trademark",
                entry_id: Some(&term.term),
                severity: Severity::Warning,
                en: format!(
                    "'{}' matches the watched trademark '{}'{owner}; use it only to state compatibility, never as your brand.",
                    &field.text[range.0..range.1],
                    term.term
                ),
                zh: format!("“{}”命中商标监控词“{}”；只能用于说明兼容性，不能当作自有品牌。", &field.text[range.0..range.1], term.term),
                fix: None,
                source: term.note.as_deref(),
            },
        ));
    }
}

/// Values a target text shows for numbers, for preservation checks.
pub(crate) fn number_values(text: &str, decimal_comma: bool) -> Vec<Decimal> {
    numbers(text, decimal_comma)
        .into_iter()
        .flat_map(|n| n.values)
        .collect()
}

pub(crate) fn models(text: &str) -> Vec<(usize, usize)> {
    model_tokens(text)
}
