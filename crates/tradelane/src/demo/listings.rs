//! Demo listings for the workbench: source listings in Chinese and English and targets in
//! every workflow state, some with QA findings to show. Idempotent: a listing that exists
//! already is left as it is (whatever state someone moved it to).

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use tradelane_domain::SkuCode;
use tradelane_server::workbench::{self, OfflineTranslator};
use tradelane_store::{
    Actor, ListingAction, ListingContent, ListingId, NewListing, Role, Store, StoredListing, User,
};

struct Demo {
    sku: &'static str,
    marketplace: &'static str,
    locale: &'static str,
    /// Index into the same table of the listing this one translates.
    source: Option<usize>,
    title: &'static str,
    bullets: &'static [&'static str],
    description: &'static str,
    search_terms: &'static str,
    brand: &'static str,
    /// How far along the workflow the demo puts it.
    state: Target,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Draft,
    InReview,
    Approved,
    Exported,
    /// Produced by the offline provider (labelled, not a translation).
    Offline,
    /// Simplified → Traditional Chinese, a real offline conversion.
    Converted,
}

const DEMO: &[Demo] = &[
    // 0
    Demo {
        sku: "PA-CASE-IP15-BLK",
        marketplace: "amazon",
        locale: "zh-CN",
        source: None,
        title: "Lumora 手机壳 适用于 iPhone 15 硅胶防摔保护套 黑色",
        bullets: &[
            "柔软硅胶外壳，四角加厚，从 1.2 米跌落保护手机",
            "精准开孔，按键灵敏，支持无线充电",
            "内衬超细纤维，防止划伤机身",
        ],
        description: "<p>Lumora 硅胶手机壳，专为 iPhone 15 设计。</p><ul><li>材质：液态硅胶</li><li>颜色：黑色</li></ul>",
        search_terms: "手机壳 iPhone15 硅胶 防摔",
        brand: "Lumora",
        state: Target::Draft,
    },
    // 1
    Demo {
        sku: "PA-CASE-IP15-BLK",
        marketplace: "amazon-de",
        locale: "de-DE",
        source: Some(0),
        title: "Lumora Silikonhülle für iPhone 15, stoßfeste Schutzhülle, Schwarz",
        bullets: &[
            "Weiches Silikon mit verstärkten Ecken schützt bei Stürzen aus 1,2 m Höhe",
            "Passgenaue Aussparungen, gut fühlbare Tasten, kabelloses Laden möglich",
            "Innenfutter aus Mikrofaser gegen Kratzer",
        ],
        description: "<p>Lumora Silikonhülle, entworfen für das iPhone 15.</p><ul><li>Material: Flüssigsilikon</li><li>Farbe: Schwarz</li></ul>",
        search_terms: "handyhülle iphone 15 silikon schutzhülle",
        brand: "Lumora",
        state: Target::Approved,
    },
    // 2
    Demo {
        sku: "PA-CASE-IP15-BLK",
        marketplace: "amazon-uk",
        locale: "en-GB",
        source: Some(0),
        title: "Lumora Silicone Case for iPhone 15, Shockproof Protective Cover, Black",
        bullets: &[
            "Soft silicone with reinforced corners protects against drops from 1.2 m",
            "Precise cut-outs and responsive buttons; supports wireless charging",
            "Microfibre lining prevents scratches",
        ],
        description: "<p>Lumora silicone case designed for the iPhone 15.</p><ul><li>Material: liquid silicone</li><li>Colour: black</li></ul>",
        search_terms: "phone case iphone 15 silicone cover",
        brand: "Lumora",
        state: Target::Exported,
    },
    // 3
    Demo {
        sku: "PA-CASE-IP15-BLK",
        marketplace: "amazon-fr",
        locale: "fr-FR",
        source: Some(0),
        title: "Coque iPhone 15 Silicone ANTIBACTÉRIENNE Noire - Livraison Gratuite!",
        bullets: &[
            "Silicone doux, coins renforcés, protège des chutes de 1,2 m",
            "Meilleure coque du marché, certifiée CE",
            "Doublure en microfibre contre les rayures",
        ],
        description: "<p>Coque en silicone Lumora pour iPhone 15.</p>",
        search_terms: "coque iphone 15 silicone",
        brand: "Lumora",
        state: Target::InReview,
    },
    // 4
    Demo {
        sku: "PA-CBL-CC-1M",
        marketplace: "amazon",
        locale: "en",
        source: None,
        title: "VoltLine USB-C to USB-C Cable 60W, Braided Nylon, 1 m",
        bullets: &[
            "Charges laptops, tablets and phones at up to 60 W (20 V / 3 A)",
            "Braided nylon jacket tested for 10,000 bends",
            "Data transfer at USB 2.0 speed (480 Mbps)",
        ],
        description: "<p>A 1 m braided USB-C cable for everyday charging.</p>",
        search_terms: "usb c cable 60w braided type c charger cable",
        brand: "VoltLine",
        state: Target::Draft,
    },
    // 5
    Demo {
        sku: "PA-CBL-CC-1M",
        marketplace: "amazon-jp",
        locale: "ja-JP",
        source: Some(4),
        title: "",
        bullets: &[],
        description: "",
        search_terms: "",
        brand: "VoltLine",
        state: Target::Offline,
    },
    // 6
    Demo {
        sku: "PA-CBL-CC-1M",
        marketplace: "amazon-de",
        locale: "de-DE",
        source: Some(4),
        title: "VoltLine USB-C auf USB-C Kabel 60W, geflochtenes Nylon, 1 m",
        bullets: &[
            "Lädt Laptops, Tablets und Handys mit bis zu 60 W (20 V / 3 A)",
            "Geflochtener Nylonmantel, getestet mit 10.000 Biegungen",
            "Datenübertragung mit USB-2.0-Geschwindigkeit (480 Mbit/s)",
        ],
        description: "<p>Ein 1 m langes, geflochtenes USB-C-Kabel für den Alltag.</p>",
        search_terms: "usb c kabel 60w geflochten ladekabel",
        brand: "VoltLine",
        state: Target::InReview,
    },
    // 7
    Demo {
        sku: "PA-CASE-IP15-BLK",
        marketplace: "shopify",
        locale: "zh-Hant",
        source: Some(0),
        title: "",
        bullets: &[],
        description: "",
        search_terms: "",
        brand: "Lumora",
        state: Target::Converted,
    },
];

fn content(d: &Demo) -> ListingContent {
    ListingContent {
        title: d.title.to_string(),
        bullets: d.bullets.iter().map(|b| b.to_string()).collect(),
        description: d.description.to_string(),
        search_terms: d.search_terms.to_string(),
        attributes: BTreeMap::from([("brand".to_string(), d.brand.to_string())]),
    }
}

/// Creates the demo listings that are missing; returns how many were created.
pub async fn seed(store: &Store, owner: &User, operator: Option<&User>) -> Result<usize> {
    let owner_actor = Actor::user(owner);
    // Drafts and translations are the operator's work; the owner reviews.
    let writer = operator
        .map(Actor::user)
        .unwrap_or_else(|| owner_actor.clone());
    let mut ids: Vec<Option<StoredListing>> = Vec::with_capacity(DEMO.len());
    let mut created = 0;
    for d in DEMO {
        let code = SkuCode::parse(d.sku).context("demo SKU code")?;
        let Some(sku) = store.get_sku_by_code(owner.org_id, &code).await? else {
            ids.push(None);
            continue;
        };
        if let Some(existing) = store
            .find_listing(owner.org_id, sku.id, d.marketplace, d.locale)
            .await?
        {
            ids.push(Some(existing));
            continue;
        }
        let source = d.source.and_then(|i| ids.get(i).cloned().flatten());
        let listing = match d.state {
            Target::Offline | Target::Converted => {
                let Some(src) = &source else {
                    ids.push(None);
                    continue;
                };
                match workbench::translate_listing(
                    store,
                    &writer,
                    &OfflineTranslator,
                    src,
                    d.marketplace,
                    d.locale,
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
                {
                    Ok(l) => l,
                    Err(f) => anyhow::bail!("demo translation of {}: {}", d.sku, f.message),
                }
            }
            _ => store
                .create_listing(
                    &writer,
                    &NewListing {
                        sku_id: sku.id,
                        marketplace: d.marketplace.to_string(),
                        locale: d.locale.to_string(),
                        source_id: source.as_ref().map(|s| s.id),
                        content: content(d),
                    },
                )
                .await
                .with_context(|| format!("demo listing {} {}", d.sku, d.locale))?,
        };
        created += 1;
        let id: ListingId = listing.id;
        if matches!(
            d.state,
            Target::InReview | Target::Approved | Target::Exported
        ) {
            store
                .transition_listing(&writer, id, None, ListingAction::Submit, None)
                .await?;
        }
        if matches!(d.state, Target::Approved | Target::Exported) {
            workbench::review(
                store,
                &owner_actor,
                Role::Owner,
                owner.id,
                id,
                None,
                true,
                Some("Checked against the German style guide."),
            )
            .await
            .map_err(|e| anyhow::anyhow!("approving demo listing {} {}: {e}", d.sku, d.locale))?;
        }
        if d.state == Target::Exported {
            store.mark_listings_exported(&owner_actor, &[id]).await?;
        }
        ids.push(Some(store.get_listing(owner.org_id, id).await?));
    }
    seed_glossary(store, &owner_actor).await?;
    Ok(created)
}

/// A small demo glossary: the brands stay as written, a biocide claim is forbidden in Germany.
/// Re-running changes nothing (the import is keyed by kind and term).
async fn seed_glossary(store: &Store, actor: &Actor) -> Result<()> {
    use tradelane_store::translation::{GlossaryInput, GlossaryKind};
    let entry = |kind, term: &str, markets: &[&str], note: &str| GlossaryInput {
        kind,
        term: term.to_string(),
        translations: Default::default(),
        markets: markets.iter().map(|m| m.to_string()).collect(),
        note: note.to_string(),
    };
    let entries = [
        entry(GlossaryKind::DoNotTranslate, "Lumora", &[], "brand"),
        entry(GlossaryKind::DoNotTranslate, "VoltLine", &[], "brand"),
        entry(
            GlossaryKind::Forbidden,
            "antibakteriell",
            &["DE"],
            "biocide claim: needs a registration",
        ),
    ];
    store
        .import_glossary(actor, &entries, "demo")
        .await
        .context("demo glossary")?;
    Ok(())
}
