use super::*;

const HEAD: &str =
    "format_version = 1\npack_id = \"t\"\npack_version = \"1\"\npublished = 2026-01-01\n";

fn errors(body: &str) -> Vec<RuleError> {
    match RulePack::from_toml_str(&format!("{HEAD}{body}")) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e,
    }
}

#[test]
fn builtin_pack_loads_and_covers_every_market() {
    let pack = match builtin_pack() {
        Ok(p) => p,
        Err(errs) => panic!(
            "{}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    };
    let countries: std::collections::BTreeSet<&str> =
        pack.markets().map(|m| m.country.code()).collect();
    for c in [
        "AT", "DE", "FR", "IT", "NL", "PL", "SE", "GB", "US", "CA", "AU", "NZ", "JP", "KR", "SG",
        "CH", "NO", "MX", "BR",
    ] {
        assert!(countries.contains(c), "{c} missing");
    }
    assert_eq!(
        countries
            .iter()
            .filter(|c| tradelane_domain::Country::parse(c).unwrap().is_eu_member())
            .count(),
        27
    );
    let counts = pack.counts();
    assert!(counts.duties > 1000, "{counts:?}");
    for territory in ["EU", "GB", "US"] {
        let subheadings: std::collections::BTreeSet<String> = pack
            .duties()
            .filter(|d| d.territory == territory && d.layer.is_none())
            .map(|d| d.prefix.to_string()[..6].to_string())
            .collect();
        assert!(
            subheadings.len() >= 200,
            "{territory}: {}",
            subheadings.len()
        );
    }
    for d in pack.duties() {
        assert!(!d.meta.source.is_empty());
    }
}

#[test]
fn reports_every_problem_with_rule_and_field() {
    let errs = errors(
        r#"
[[duty]]
id = "A"
territory = "EU"
hs = "61x9"
rate = "12%"
effective_from = 2026-01-01
source = "s"
uncertain = false

[[duty]]
id = "B"
territory = "EU"
hs = "6109"
rate = "2000%"
effective_from = 2026-02-01
effective_to = 2026-01-01
source = "s"
uncertain = false

[[tax]]
id = "C"
country = "XX"
tax = "VAT"
rate = "120"
effective_from = 2026-01-01
source = "s"
uncertain = false

[[market]]
id = "D"
country = "DE"
currency = "EURO"
valuation = "cif"
tax_base = ["customs_value", "freight_insurance"]
rounding = "half_up"
time_zone = "Europe/Berlin"
effective_from = 2026-01-01
source = "s"
uncertain = false
"#,
    );
    let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(
        has("duty #1 (id 'A'), field 'hs': malformed HS prefix"),
        "{text:#?}"
    );
    assert!(
        has("id 'B'), field 'rate': 2000% is out of range"),
        "{text:#?}"
    );
    assert!(
        has("id 'B'), field 'effective_to': 2026-01-01 is before effective_from 2026-02-01"),
        "{text:#?}"
    );
    assert!(
        has("id 'C'), field 'country': unknown country 'XX'"),
        "{text:#?}"
    );
    assert!(
        has("id 'C'), field 'rate': 120 is out of range"),
        "{text:#?}"
    );
    assert!(
        has("id 'D'), field 'currency': unknown currency 'EURO'"),
        "{text:#?}"
    );
    assert!(has("id 'D'), field 'tax_base'"), "{text:#?}");
    assert_eq!(errs.len(), 7, "{text:#?}");
}

#[test]
fn reports_overlaps_duplicates_and_unknown_fields() {
    let rule = |id: &str, from: &str, to: &str| {
        format!(
            "[[duty]]\nid = \"{id}\"\nterritory = \"US\"\nhs = \"6109\"\nrate = \"5%\"\neffective_from = {from}\n{to}source = \"s\"\nuncertain = false\n"
        )
    };
    let errs = errors(&format!(
        "{}{}{}[[fee]]\nid = \"A\"\nscope = \"US\"\nname = \"x\"\namount = \"1\"\namout = \"1\"\ncurrency = \"USD\"\neffective_from = 2026-01-01\nsource = \"s\"\nuncertain = false\n",
        rule("A", "2026-01-01", "effective_to = 2026-06-30\n"),
        rule("B", "2026-06-30", ""),
        rule("C", "2026-07-01", "")
    ));
    let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    let has = |needle: &str| text.iter().any(|t| t.contains(needle));
    assert!(
        has(
            "duty (id 'B'), field 'effective_from': dates 2026-06-30..open overlap rule 'A' (2026-01-01..2026-06-30)"
        ),
        "{text:#?}"
    );
    assert!(has("dates 2026-07-01..open overlap rule 'B'"), "{text:#?}");
    assert!(has("duplicate id 'A'"), "{text:#?}");
    assert!(has("field 'amout': unknown field"), "{text:#?}");
}

#[test]
fn adjacent_date_ranges_do_not_overlap_and_bad_toml_is_one_error() {
    let ok = format!(
        "{HEAD}[[duty]]\nid = \"A\"\nterritory = \"US\"\nhs = \"6109\"\nrate = \"5%\"\neffective_from = 2026-01-01\neffective_to = 2026-06-30\nsource = \"s\"\nuncertain = false\n\
         [[duty]]\nid = \"B\"\nterritory = \"US\"\nhs = \"6109\"\nrate = \"6%\"\neffective_from = 2026-07-01\nsource = \"s\"\nuncertain = false\n"
    );
    assert_eq!(RulePack::from_toml_str(&ok).unwrap().counts().duties, 2);
    let bad = RulePack::from_toml_str("format_version = 1\n[[duty]\n").unwrap_err();
    assert_eq!(bad.len(), 1);
    assert!(bad[0].message.contains("not valid TOML"));
    let old = RulePack::from_toml_str(
        "format_version = 7\npack_id = \"t\"\npack_version = \"1\"\npublished = 2026-01-01\n",
    )
    .unwrap_err();
    assert!(old[0].message.contains("this build reads format_version 1"));
}

mod robustness {
    use super::super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// Damaged packs (bytes cut out or replaced anywhere) give errors, never a panic.
        #[test]
        fn damaged_packs_never_panic(start in 0usize..200_000, len in 0usize..400, fill in "[ -~]{0,12}") {
            let text = builtin_pack_toml();
            let start = start % text.len();
            let end = (start + len).min(text.len());
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                return Ok(());
            }
            let damaged = format!("{}{}{}", &text[..start], fill, &text[end..]);
            match RulePack::from_toml_str(&damaged) {
                Ok(pack) => prop_assert!(pack.counts().total() > 0),
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for e in errors {
                        prop_assert!(!e.to_string().is_empty());
                    }
                }
            }
        }
    }
}
