//! Catalogue list parameters shared by the JSON API and the catalogue page: text from the
//! query string in, a validated store query (or every field error) out.

use serde::{Deserialize, Serialize};
use tradelane_domain::{Country, HsPrefix};
use tradelane_store::{DEFAULT_PER_PAGE, MAX_PER_PAGE, SkuQuery, SkuSort};
use utoipa::IntoParams;

use crate::error::FieldErrorBody;

/// Filters, sort and paging for a catalogue list. All filters combine with AND.
#[derive(Debug, Clone, Default, Deserialize, Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SkuListParams {
    /// Case-insensitive text in code, title, brand, customs descriptions or HS codes.
    pub q: Option<String>,
    /// Exact brand (case-insensitive).
    pub brand: Option<String>,
    /// Country of origin, ISO 3166-1 alpha-2 (e.g. `CN`).
    pub origin: Option<String>,
    /// Leading digits of the HS code, e.g. `8507`.
    pub hs_prefix: Option<String>,
    /// Exact tag (case-insensitive).
    pub tag: Option<String>,
    /// `true`: only SKUs with a lithium battery; `false`: only without.
    #[param(value_type = Option<bool>)]
    pub has_battery: Option<String>,
    /// 1-based page number (default 1).
    #[param(value_type = Option<u32>, minimum = 1)]
    pub page: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub per_page: Option<String>,
    /// `code_asc` (default), `code_desc`, `title_asc`, `title_desc`, `updated_desc`, `updated_asc`.
    pub sort: Option<String>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn field_error(field: &str, value: &str, expected: impl Into<String>) -> FieldErrorBody {
    FieldErrorBody {
        field: field.to_string(),
        value: value.to_string(),
        expected: expected.into(),
    }
}

fn parse_u32(
    field: &str,
    value: Option<&str>,
    default: u32,
    max: u32,
    errors: &mut Vec<FieldErrorBody>,
) -> u32 {
    match value {
        None => default,
        Some(text) => match text.parse::<u32>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.push(field_error(
                    field,
                    text,
                    format!("a whole number from 1 to {max}"),
                ));
                default
            }
        },
    }
}

impl SkuListParams {
    pub fn to_query(&self) -> Result<SkuQuery, Vec<FieldErrorBody>> {
        let mut errors = Vec::new();
        let mut query = SkuQuery {
            text: non_empty(&self.q).map(str::to_string),
            brand: non_empty(&self.brand).map(str::to_string),
            tag: non_empty(&self.tag).map(str::to_string),
            ..SkuQuery::default()
        };
        if let Some(origin) = non_empty(&self.origin) {
            match Country::parse(origin) {
                Ok(country) => query.origin = Some(country),
                Err(_) => errors.push(field_error(
                    "origin",
                    origin,
                    "an ISO 3166-1 alpha-2 country code such as CN or VN",
                )),
            }
        }
        if let Some(prefix) = non_empty(&self.hs_prefix) {
            match HsPrefix::parse(prefix) {
                Ok(p) => query.hs_prefix = Some(p.as_str().to_string()),
                Err(_) => errors.push(field_error(
                    "hs_prefix",
                    prefix,
                    "2 to 10 digits of an HS code, e.g. 8507",
                )),
            }
        }
        if let Some(flag) = non_empty(&self.has_battery) {
            match flag.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => query.has_battery = Some(true),
                "false" | "no" | "0" => query.has_battery = Some(false),
                _ => errors.push(field_error("has_battery", flag, "true or false")),
            }
        }
        if let Some(sort) = non_empty(&self.sort) {
            match SkuSort::parse(sort) {
                Ok(s) => query.sort = s,
                Err(_) => errors.push(field_error(
                    "sort",
                    sort,
                    "one of code_asc, code_desc, title_asc, title_desc, updated_desc, updated_asc",
                )),
            }
        }
        query.page = parse_u32("page", non_empty(&self.page), 1, u32::MAX, &mut errors);
        query.per_page = parse_u32(
            "per_page",
            non_empty(&self.per_page),
            DEFAULT_PER_PAGE,
            MAX_PER_PAGE,
            &mut errors,
        );
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }

    /// Query string for the same filters on another page (for pager links).
    pub fn with_page(&self, page: u32) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (name, value) in [
            ("q", &self.q),
            ("brand", &self.brand),
            ("origin", &self.origin),
            ("hs_prefix", &self.hs_prefix),
            ("tag", &self.tag),
            ("has_battery", &self.has_battery),
            ("per_page", &self.per_page),
            ("sort", &self.sort),
        ] {
            if let Some(v) = non_empty(value) {
                pairs.push((name, v));
            }
        }
        let page = page.to_string();
        pairs.push(("page", &page));
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", crate::util::url_encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> SkuListParams {
        let mut p = SkuListParams::default();
        for (k, v) in pairs {
            let v = Some(v.to_string());
            match *k {
                "q" => p.q = v,
                "origin" => p.origin = v,
                "hs_prefix" => p.hs_prefix = v,
                "has_battery" => p.has_battery = v,
                "page" => p.page = v,
                "per_page" => p.per_page = v,
                "sort" => p.sort = v,
                _ => unreachable!(),
            }
        }
        p
    }

    #[test]
    fn defaults() {
        let q = SkuListParams::default().to_query().unwrap();
        assert_eq!(q.page, 1);
        assert_eq!(q.per_page, DEFAULT_PER_PAGE);
        assert_eq!(q.text, None);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let errors = params(&[
            ("origin", "XX1"),
            ("hs_prefix", "85ab"),
            ("has_battery", "maybe"),
            ("page", "0"),
            ("per_page", "1000"),
            ("sort", "price"),
        ])
        .to_query()
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "origin",
                "hs_prefix",
                "has_battery",
                "sort",
                "page",
                "per_page"
            ]
        );
    }

    #[test]
    fn good_filters_parse() {
        let q = params(&[
            ("q", " cable "),
            ("origin", "cn"),
            ("hs_prefix", "8507"),
            ("has_battery", "true"),
            ("page", "3"),
            ("sort", "title_desc"),
        ])
        .to_query()
        .unwrap();
        assert_eq!(q.text.as_deref(), Some("cable"));
        assert_eq!(q.origin.map(|c| c.code()), Some("CN"));
        assert_eq!(q.hs_prefix.as_deref(), Some("8507"));
        assert_eq!(q.has_battery, Some(true));
        assert_eq!(q.page, 3);
        assert_eq!(q.sort, SkuSort::TitleDesc);
    }

    #[test]
    fn pager_links_keep_filters_and_escape() {
        let link = params(&[("q", "a&b <c>"), ("origin", "CN")]).with_page(2);
        assert_eq!(link, "q=a%26b%20%3Cc%3E&origin=CN&page=2");
    }
}
