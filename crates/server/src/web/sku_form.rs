//! SKU create and edit form. Form text goes through the same row parser as spreadsheet imports
//! (one row, one column per field), so the form accepts exactly what an import accepts and
//! reports problems the same way, next to the field they belong to.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tradelane_catalogue_io::{
    ColumnBinding, ColumnMapping, Field, ImportOptions, Row, Sheet, SourceFormat, battery_label,
    parse_rows,
};
use tradelane_domain::{Country, SkuRecord};
use tradelane_store::{SkuId, StoreError, StoredSku};

use super::PageError;
use super::layout::{Layout, msg};
use crate::auth::{PageUser, Principal};
use crate::i18n::Tr;
use crate::state::AppState;

/// One input of the form.
pub struct FormField {
    pub name: &'static str,
    pub label_key: &'static str,
    pub hint_key: &'static str,
    pub required: bool,
    pub multiline: bool,
    pub wide: bool,
    pub value: String,
    pub errors: Vec<String>,
}

pub struct SkuForm {
    pub fields: Vec<FormField>,
    /// Every message, for the summary line.
    pub errors: Vec<String>,
}

/// (name, label, hint, required, multiline, wide)
type Spec = (&'static str, &'static str, &'static str, bool, bool, bool);

const FIELDS: [Spec; 18] = [
    (
        "sku_code",
        msg("sku.code"),
        msg("hint.code"),
        true,
        false,
        false,
    ),
    (
        "title",
        msg("sku.title"),
        msg("hint.title"),
        true,
        false,
        true,
    ),
    (
        "brand",
        msg("sku.brand"),
        msg("hint.brand"),
        false,
        false,
        false,
    ),
    (
        "origin",
        msg("sku.origin"),
        msg("hint.origin"),
        false,
        false,
        false,
    ),
    (
        "customs_description_en",
        msg("sku.customs_description_en"),
        msg("hint.customs_description_en"),
        false,
        true,
        true,
    ),
    (
        "customs_description_zh",
        msg("sku.customs_description_zh"),
        msg("hint.customs_description_zh"),
        false,
        true,
        true,
    ),
    (
        "hs_code",
        msg("sku.hs_code"),
        msg("hint.hs_code"),
        false,
        false,
        false,
    ),
    (
        "national_hs_codes",
        msg("sku.national_hs_codes"),
        msg("hint.national_hs_codes"),
        false,
        false,
        false,
    ),
    (
        "unit_value",
        msg("sku.unit_value"),
        msg("hint.unit_value"),
        false,
        false,
        false,
    ),
    (
        "currency",
        msg("sku.currency"),
        msg("hint.currency"),
        false,
        false,
        false,
    ),
    (
        "net_weight",
        msg("sku.net_weight"),
        msg("hint.net_weight"),
        false,
        false,
        false,
    ),
    (
        "gross_weight",
        msg("sku.gross_weight"),
        msg("hint.gross_weight"),
        false,
        false,
        false,
    ),
    (
        "dimensions",
        msg("sku.dimensions"),
        msg("hint.dimensions"),
        false,
        false,
        false,
    ),
    (
        "battery",
        msg("sku.battery"),
        msg("hint.battery"),
        false,
        false,
        false,
    ),
    (
        "materials",
        msg("sku.materials"),
        msg("hint.materials"),
        false,
        false,
        false,
    ),
    (
        "tags",
        msg("sku.tags"),
        msg("hint.tags"),
        false,
        false,
        false,
    ),
    (
        "image_urls",
        msg("sku.image_urls"),
        msg("hint.image_urls"),
        false,
        true,
        true,
    ),
    (
        "marketplace_ids",
        msg("sku.marketplace_ids"),
        msg("hint.marketplace_ids"),
        false,
        false,
        true,
    ),
];

impl SkuForm {
    fn new(values: &HashMap<String, String>, errors: &HashMap<&'static str, Vec<String>>) -> Self {
        let fields = FIELDS
            .iter()
            .map(
                |&(name, label_key, hint_key, required, multiline, wide)| FormField {
                    name,
                    label_key,
                    hint_key,
                    required,
                    multiline,
                    wide,
                    value: values.get(name).cloned().unwrap_or_default(),
                    errors: errors.get(name).cloned().unwrap_or_default(),
                },
            )
            .collect();
        SkuForm {
            fields,
            errors: errors.values().flatten().cloned().collect(),
        }
    }
}

/// Spreadsheet convention the row parser follows: text starting with = + - @ is a formula
/// unless preceded by an apostrophe, which the parser strips again.
fn as_cell(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed
        .trim_start_matches('\'')
        .starts_with(['=', '+', '-', '@'])
    {
        format!("'{trimmed}")
    } else {
        trimmed.to_string()
    }
}

fn form_name_of(field: &Field) -> &'static str {
    match field {
        Field::SkuCode => "sku_code",
        Field::Title => "title",
        Field::Brand => "brand",
        Field::CustomsDescriptionEn => "customs_description_en",
        Field::CustomsDescriptionZh => "customs_description_zh",
        Field::Origin => "origin",
        Field::HsCode => "hs_code",
        Field::NationalHsCode(_) => "national_hs_codes",
        Field::UnitValue => "unit_value",
        Field::Currency => "currency",
        Field::NetWeight => "net_weight",
        Field::GrossWeight => "gross_weight",
        Field::Length | Field::Width | Field::Height | Field::Dimensions => "dimensions",
        Field::Materials => "materials",
        Field::Battery | Field::BatteryWh => "battery",
        Field::Tags => "tags",
        Field::ImageUrls => "image_urls",
        Field::MarketplaceId(_) => "marketplace_ids",
    }
}

/// Entries like "US:8507600020; GB:8507600000" or "amazon_asin=B0…", one per `;` or line.
fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '；', '\n', '\r'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
}

fn split_pair(entry: &str) -> Option<(&str, &str)> {
    entry
        .split_once(':')
        .or_else(|| entry.split_once('='))
        .or_else(|| entry.split_once('：'))
        .map(|(k, v)| (k.trim(), v.trim()))
}

type FormErrors = HashMap<&'static str, Vec<String>>;

/// Parses the submitted form into a validated record, or the errors per form field.
pub fn record_from_form(values: &HashMap<String, String>) -> Result<SkuRecord, FormErrors> {
    let value = |name: &str| values.get(name).map(String::as_str).unwrap_or("");
    let mut errors: FormErrors = HashMap::new();
    let mut columns: Vec<(Field, String)> = [
        (Field::SkuCode, "sku_code"),
        (Field::Title, "title"),
        (Field::Brand, "brand"),
        (Field::Origin, "origin"),
        (Field::CustomsDescriptionEn, "customs_description_en"),
        (Field::CustomsDescriptionZh, "customs_description_zh"),
        (Field::HsCode, "hs_code"),
        (Field::UnitValue, "unit_value"),
        (Field::Currency, "currency"),
        (Field::NetWeight, "net_weight"),
        (Field::GrossWeight, "gross_weight"),
        (Field::Dimensions, "dimensions"),
        (Field::Battery, "battery"),
        (Field::Materials, "materials"),
        (Field::Tags, "tags"),
        (Field::ImageUrls, "image_urls"),
    ]
    .into_iter()
    .map(|(field, name)| (field, as_cell(value(name))))
    .collect();

    for entry in entries(value("national_hs_codes")) {
        match split_pair(entry).and_then(|(c, code)| Some((Country::parse(c).ok()?, code))) {
            Some((country, code)) => {
                columns.push((Field::NationalHsCode(country), as_cell(code)));
            }
            None => errors.entry("national_hs_codes").or_default().push(format!(
                "“{entry}”: expected COUNTRY:CODE such as US:8507600020"
            )),
        }
    }
    for entry in entries(value("marketplace_ids")) {
        match split_pair(entry)
            .and_then(|(k, v)| Some((Field::from_key(&format!("marketplace_id:{k}"))?, v)))
        {
            Some((field, id)) => columns.push((field, as_cell(id))),
            None => errors.entry("marketplace_ids").or_default().push(format!(
                "“{entry}”: expected key=value with a key of lowercase letters, digits and _ (e.g. amazon_asin=B0ABC12345)"
            )),
        }
    }

    let sheet = Sheet {
        headers: columns.iter().map(|(f, _)| f.key()).collect(),
        header_line: 1,
        rows: vec![Row {
            line: 2,
            cells: columns.iter().map(|(_, v)| v.clone()).collect(),
        }],
        format: SourceFormat::Other,
    };
    let mapping = ColumnMapping {
        columns: columns
            .iter()
            .enumerate()
            .map(|(index, (field, _))| ColumnBinding {
                index,
                header: field.key(),
                field: Some(field.clone()),
                unit: None,
            })
            .collect(),
    };
    let report = parse_rows(&sheet, &mapping, &ImportOptions::default());
    for error in &report.errors {
        let name = error.field.as_ref().map_or("sku_code", form_name_of);
        let message = if error.value.is_empty() {
            error.expected.clone()
        } else {
            format!("“{}”: {}", error.value, error.expected)
        };
        errors.entry(name).or_default().push(message);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    match report.records.into_iter().next() {
        Some((_, record)) => Ok(record),
        None => {
            errors
                .entry("sku_code")
                .or_default()
                .push("a SKU code and a title".to_string());
            Err(errors)
        }
    }
}

/// Form text for an existing record, in the forms the row parser reads back.
fn values_of(record: &SkuRecord, t: Tr) -> HashMap<String, String> {
    let mut v = HashMap::new();
    let mut put = |k: &str, s: String| {
        v.insert(k.to_string(), s);
    };
    put("sku_code", record.code.as_str().to_string());
    put("title", record.title.clone());
    put("brand", record.brand.clone().unwrap_or_default());
    put(
        "origin",
        record
            .origin
            .map(|c| c.code().to_string())
            .unwrap_or_default(),
    );
    put(
        "customs_description_en",
        record.customs_description_en.clone().unwrap_or_default(),
    );
    put(
        "customs_description_zh",
        record.customs_description_zh.clone().unwrap_or_default(),
    );
    put(
        "hs_code",
        record
            .hs_code
            .as_ref()
            .map(|h| h.as_str().to_string())
            .unwrap_or_default(),
    );
    put(
        "national_hs_codes",
        record
            .national_hs_codes
            .iter()
            .map(|(c, h)| format!("{}:{}", c.code(), h.as_str()))
            .collect::<Vec<_>>()
            .join("; "),
    );
    put(
        "unit_value",
        record
            .unit_value
            .as_ref()
            .map(|m| m.amount().to_string())
            .unwrap_or_default(),
    );
    put(
        "currency",
        record
            .unit_value
            .as_ref()
            .map(|m| m.currency().code().to_string())
            .unwrap_or_default(),
    );
    put(
        "net_weight",
        record.net_weight.map(|w| w.to_string()).unwrap_or_default(),
    );
    put(
        "gross_weight",
        record
            .gross_weight
            .map(|w| w.to_string())
            .unwrap_or_default(),
    );
    put(
        "dimensions",
        record
            .dimensions
            .map(|d| {
                format!(
                    "{}x{}x{} {}",
                    d.length(),
                    d.width(),
                    d.height(),
                    d.unit().symbol()
                )
            })
            .unwrap_or_default(),
    );
    put("battery", battery_label(&record.battery, t.lang));
    put("materials", record.materials.join("; "));
    put("tags", record.tags.join("; "));
    put("image_urls", record.image_urls.join("\n"));
    put(
        "marketplace_ids",
        record
            .marketplace_ids
            .iter()
            .map(|(k, id)| format!("{k}={id}"))
            .collect::<Vec<_>>()
            .join("; "),
    );
    v
}

#[derive(Template, WebTemplate)]
#[template(path = "sku_form.html")]
struct FormPage {
    t: Tr,
    l: Layout,
    heading: String,
    action: String,
    cancel_href: String,
    version: String,
    form: SkuForm,
    general_error: Option<String>,
}

struct FormContext {
    heading: String,
    action: String,
    cancel_href: String,
    version: String,
}

fn render(
    l: Layout,
    status: StatusCode,
    ctx: FormContext,
    values: &HashMap<String, String>,
    errors: &FormErrors,
    general_error: Option<String>,
) -> Response {
    let page = FormPage {
        t: l.t,
        l,
        heading: ctx.heading,
        action: ctx.action,
        cancel_href: ctx.cancel_href,
        version: ctx.version,
        form: SkuForm::new(values, errors),
        general_error,
    };
    (status, page).into_response()
}

fn writer_layout(user: &Principal, path: &str) -> Result<Layout, PageError> {
    let l = Layout::for_user(user, "catalogue", path);
    if user.role.can_write() {
        Ok(l)
    } else {
        Err(l.forbidden())
    }
}

fn new_context(t: Tr) -> FormContext {
    FormContext {
        heading: t.t("sku.new_title").to_string(),
        action: "/catalogue/new".into(),
        cancel_href: "/catalogue".into(),
        version: String::new(),
    }
}

fn edit_context(t: Tr, id: i64, code: &str, version: i64) -> FormContext {
    FormContext {
        heading: t.tf("sku.edit_title", &[("code", code)]),
        action: format!("/catalogue/{id}/edit"),
        cancel_href: format!("/catalogue/{id}"),
        version: version.to_string(),
    }
}

pub async fn new_form(PageUser(user): PageUser) -> Result<Response, PageError> {
    let l = writer_layout(&user, "/catalogue/new")?;
    let t = l.t;
    Ok(render(
        l,
        StatusCode::OK,
        new_context(t),
        &HashMap::new(),
        &HashMap::new(),
        None,
    ))
}

/// Store failures that belong next to a field or at the top of the form.
fn save_failure(l: &Layout, error: StoreError) -> Result<(FormErrors, Option<String>), PageError> {
    match error {
        StoreError::Conflict { what } => Ok((HashMap::from([("sku_code", vec![what])]), None)),
        StoreError::VersionMismatch => Ok((
            HashMap::new(),
            Some(l.t.t("error.version_mismatch").to_string()),
        )),
        StoreError::Invalid(message) => Ok((HashMap::new(), Some(message))),
        other => Err(l.store_error(other)),
    }
}

pub async fn create(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let l = writer_layout(&user, "/catalogue/new")?;
    let t = l.t;
    let record = match record_from_form(&values) {
        Ok(r) => r,
        Err(errors) => {
            return Ok(render(
                l,
                StatusCode::UNPROCESSABLE_ENTITY,
                new_context(t),
                &values,
                &errors,
                None,
            ));
        }
    };
    match state.store.create_sku(&user.actor(), &record).await {
        Ok(stored) => Ok(Redirect::to(&format!("/catalogue/{}", stored.id)).into_response()),
        Err(e) => {
            let (errors, general) = save_failure(&l, e)?;
            Ok(render(
                l,
                StatusCode::CONFLICT,
                new_context(t),
                &values,
                &errors,
                general,
            ))
        }
    }
}

async fn load(
    state: &AppState,
    user: &Principal,
    l: &Layout,
    raw_id: &str,
) -> Result<StoredSku, PageError> {
    let id: SkuId = raw_id.parse().map_err(|_: StoreError| l.not_found())?;
    state
        .store
        .get_sku(user.org_id, id)
        .await
        .map_err(|e| l.store_error(e))
}

pub async fn edit_form(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let l = writer_layout(&user, &format!("/catalogue/{raw_id}/edit"))?;
    let t = l.t;
    let stored = load(&state, &user, &l, &raw_id).await?;
    let ctx = edit_context(t, stored.id.0, stored.record.code.as_str(), stored.version);
    let values = values_of(&stored.record, t);
    Ok(render(
        l,
        StatusCode::OK,
        ctx,
        &values,
        &HashMap::new(),
        None,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    PageUser(user): PageUser,
    Path(raw_id): Path<String>,
    Form(values): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let l = writer_layout(&user, &format!("/catalogue/{raw_id}/edit"))?;
    let t = l.t;
    let stored = load(&state, &user, &l, &raw_id).await?;
    // The version the form was loaded with: a change in between is a conflict, not overwritten.
    let expected = values
        .get("version")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(stored.version);
    let ctx = edit_context(t, stored.id.0, stored.record.code.as_str(), expected);
    let record = match record_from_form(&values) {
        Ok(r) => r,
        Err(errors) => {
            return Ok(render(
                l,
                StatusCode::UNPROCESSABLE_ENTITY,
                ctx,
                &values,
                &errors,
                None,
            ));
        }
    };
    match state
        .store
        .update_sku(&user.actor(), stored.id, &record, Some(expected))
        .await
    {
        Ok(saved) => Ok(Redirect::to(&format!("/catalogue/{}", saved.id)).into_response()),
        Err(e) => {
            let (errors, general) = save_failure(&l, e)?;
            Ok(render(
                l,
                StatusCode::CONFLICT,
                ctx,
                &values,
                &errors,
                general,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn full_form_parses() {
        let record = record_from_form(&form(&[
            ("sku_code", "PB-10K"),
            ("title", "Power bank 10000 mAh"),
            ("origin", "CN"),
            ("hs_code", "8507.60"),
            ("national_hs_codes", "US:8507600020"),
            ("unit_value", "12.50"),
            ("currency", "USD"),
            ("net_weight", "0.2 kg"),
            ("gross_weight", "250 g"),
            ("dimensions", "10x7x2 cm"),
            ("battery", "li-ion alone 37Wh"),
            ("tags", "power, battery"),
            ("marketplace_ids", "amazon_asin=B0ABC12345"),
        ]))
        .unwrap();
        assert_eq!(record.code.as_str(), "PB-10K");
        assert!(record.battery.is_lithium());
        assert_eq!(record.tags, ["power", "battery"]);
        assert_eq!(record.national_hs_codes.len(), 1);
        assert_eq!(record.marketplace_ids["amazon_asin"], "B0ABC12345");
    }

    #[test]
    fn errors_land_on_their_fields() {
        let errors = record_from_form(&form(&[
            ("sku_code", "A1"),
            ("title", "T"),
            ("hs_code", "12ab"),
            ("gross_weight", "-1 kg"),
            ("national_hs_codes", "nonsense"),
        ]))
        .unwrap_err();
        assert!(errors.contains_key("hs_code"), "{errors:?}");
        assert!(errors.contains_key("gross_weight"), "{errors:?}");
        assert!(errors.contains_key("national_hs_codes"), "{errors:?}");
    }

    #[test]
    fn missing_required_fields() {
        let errors = record_from_form(&form(&[])).unwrap_err();
        assert!(
            errors.contains_key("sku_code") || errors.contains_key("title"),
            "{errors:?}"
        );
    }

    #[test]
    fn formula_like_text_is_kept_verbatim() {
        let record = record_from_form(&form(&[
            ("sku_code", "X1"),
            ("title", "=HYPERLINK(\"http://x\")"),
            ("brand", "<script>alert(1)</script>"),
        ]))
        .unwrap();
        assert_eq!(record.title, "=HYPERLINK(\"http://x\")");
        assert_eq!(record.brand.as_deref(), Some("<script>alert(1)</script>"));
    }

    #[test]
    fn edit_values_round_trip() {
        let original = record_from_form(&form(&[
            ("sku_code", "RT-1"),
            ("title", "Round trip"),
            ("unit_value", "3.5"),
            ("currency", "EUR"),
            ("net_weight", "1 lb"),
            ("gross_weight", "1.2 lb"),
            ("dimensions", "1x2x3 in"),
            ("battery", "li-metal contained 0.3g"),
            ("materials", "ABS; steel"),
            ("image_urls", "https://example.com/a.jpg"),
            ("national_hs_codes", "US:8517620090"),
            ("hs_code", "851762"),
        ]))
        .unwrap();
        for lang in tradelane_domain::UiLang::all() {
            let again = record_from_form(&values_of(&original, Tr::new(lang))).unwrap();
            assert_eq!(again, original, "{lang:?}");
        }
    }
}
