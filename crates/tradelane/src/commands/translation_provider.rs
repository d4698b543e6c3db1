//! `tradelane listings provider show|set|remove`: the organisation's machine-translation
//! provider from the command line. The API key is read from an environment variable (never a
//! flag, so it stays out of shell history) and sealed with the server key before it is stored.

use anyhow::{Result, anyhow};
use clap::Subcommand;
use tradelane_server::workbench::configured;
use tradelane_store::Actor;
use tradelane_store::translation::ProviderInput;

use crate::cli::{GlobalOpts, OutputFormat};
use crate::context::{open_store, require_org};
use crate::exit::validation;
use crate::output::print_json;

#[derive(Debug, Subcommand)]
pub enum ProviderCommand {
    /// Show the provider in use (the key only as a hint).
    Show,
    /// Configure the provider: openai (any OpenAI-compatible endpoint), deepl, libretranslate.
    Set(SetArgs),
    /// Remove the provider: translations use the offline placeholder again.
    Remove,
    /// After a server key rotation (old key in `secret.key.old` or
    /// TRADELANE_SECRET_KEY_PREVIOUS): re-seal every organisation's API key with the current key.
    Rekey,
}

#[derive(Debug, clap::Args)]
pub struct SetArgs {
    /// openai, deepl, libretranslate or offline.
    #[arg(long)]
    pub kind: String,
    #[arg(long)]
    pub name: Option<String>,
    /// Endpoint (default: the provider's public API; required for LibreTranslate).
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Model (OpenAI-compatible endpoints).
    #[arg(long)]
    pub model: Option<String>,
    /// Environment variable holding the API key (default TRADELANE_TRANSLATE_API_KEY; unset
    /// keeps the stored key).
    #[arg(long, default_value = "TRADELANE_TRANSLATE_API_KEY")]
    pub api_key_env: String,
    #[arg(long)]
    pub requests_per_minute: Option<u32>,
    /// Prices for cost accounting: currency and price per million characters, e.g. EUR:20.
    #[arg(long)]
    pub price_per_million_chars: Option<String>,
}

pub async fn run(global: &GlobalOpts, cmd: ProviderCommand) -> Result<()> {
    let store = open_store(global).await?;
    if let ProviderCommand::Rekey = cmd {
        let ring = configured::keyring(&global.data_dir).map_err(|e| anyhow!("{e}"))?;
        let (mut done, mut same) = (0, 0);
        for (org, sealed) in store.all_translation_sealed_keys().await? {
            match ring
                .reencrypt(org.0, &sealed)
                .map_err(|e| anyhow!("organisation {}: {e}", org.0))?
            {
                Some(new) => {
                    let key = tradelane_store::translation::SealedKey {
                        sealed: new,
                        key_id: ring.current_id().to_string(),
                        hint: String::new(),
                    };
                    store.reseal_translation_key(&Actor::cli(org), &key).await?;
                    done += 1;
                }
                None => same += 1,
            }
        }
        println!(
            "{done} key(s) re-sealed with key {}, {same} already used it",
            ring.current_id()
        );
        return Ok(());
    }
    let org = require_org(&store, global).await?;
    let actor = Actor::cli(org.id);
    match cmd {
        ProviderCommand::Show => {
            let p = store.translation_provider(org.id).await?;
            if global.format == Some(OutputFormat::Json) {
                return print_json(&p);
            }
            match p {
                None => {
                    println!("offline placeholder (no provider configured; it never translates)")
                }
                Some(p) => println!(
                    "{} ({}){}{} key: {}",
                    p.name,
                    p.kind,
                    p.model.map(|m| format!(" model {m}")).unwrap_or_default(),
                    p.base_url.map(|u| format!(" at {u}")).unwrap_or_default(),
                    if p.has_api_key {
                        p.api_key_hint
                    } else {
                        "none".into()
                    }
                ),
            }
            Ok(())
        }
        ProviderCommand::Rekey => Ok(()),
        ProviderCommand::Remove => {
            store.delete_translation_provider(&actor).await?;
            println!("provider removed; the offline placeholder is used");
            Ok(())
        }
        ProviderCommand::Set(a) => {
            let kind = tradelane_translate::ProviderKind::parse(&a.kind).ok_or_else(|| {
                validation(format!(
                    "--kind {:?}: expected openai, deepl, libretranslate or offline",
                    a.kind
                ))
            })?;
            let key = std::env::var(&a.api_key_env)
                .ok()
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty());
            let pricing_json = match &a.price_per_million_chars {
                None => None,
                Some(p) => {
                    let (cur, price) = p.split_once(':').ok_or_else(|| {
                        validation(format!(
                            "--price-per-million-chars {p:?}: expected CUR:PRICE such as EUR:20"
                        ))
                    })?;
                    let price: rust_decimal::Decimal = price.trim().parse().map_err(|_| {
                        validation(format!(
                            "--price-per-million-chars {p:?}: {price:?} is not a number"
                        ))
                    })?;
                    Some(
                        serde_json::json!({
                            "currency": cur.trim().to_ascii_uppercase(),
                            "per_million_chars": price.to_string(),
                        })
                        .to_string(),
                    )
                }
            };
            let settings = tradelane_translate::ProviderSettings {
                name: a.name.clone().unwrap_or_else(|| kind.as_str().to_string()),
                kind,
                base_url: a.endpoint.clone(),
                model: a.model.clone(),
                api_key: match &key {
                    Some(k) => Some(k.clone()),
                    None => store
                        .translation_sealed_key(org.id)
                        .await?
                        .map(|_| "stored".into()),
                },
                batch_size: None,
                requests_per_minute: a.requests_per_minute,
                timeout_ms: None,
                pricing: None,
            };
            settings.validate().map_err(validation)?;
            let sealed = key
                .as_deref()
                .map(|k| configured::seal(&global.data_dir, org.id, k))
                .transpose()
                .map_err(|e| anyhow!("{e}"))?;
            let p = store
                .put_translation_provider(
                    &actor,
                    &ProviderInput {
                        name: settings.name.clone(),
                        kind: kind.as_str().to_string(),
                        base_url: a.endpoint,
                        model: a.model,
                        api_key: sealed,
                        clear_api_key: false,
                        requests_per_minute: a.requests_per_minute,
                        batch_size: None,
                        timeout_ms: None,
                        pricing_json,
                    },
                )
                .await
                .map_err(|e| match e {
                    tradelane_store::StoreError::Invalid(m) => validation(m),
                    other => anyhow!(other),
                })?;
            println!(
                "provider {} ({}) saved; key: {}",
                p.name,
                p.kind,
                if p.has_api_key {
                    p.api_key_hint.as_str()
                } else {
                    "none"
                }
            );
            Ok(())
        }
    }
}
