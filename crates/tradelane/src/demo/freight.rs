//! Demo forwarder rate cards (valid ones on CNSZX → US/USLAX/DE and one expired), so the quote comparison
//! has something to compare. Imported like an uploaded file: idempotent by content.

use anyhow::{Result, bail};
use tradelane_store::{Actor, Store, User};

pub const DEMO_RATE_CARDS_CSV: &str = include_str!("freight_cards.csv");

/// Imports the demo rate cards; returns how many were created (0 when they are already there).
pub async fn seed(store: &Store, owner: &User) -> Result<u64> {
    let sheet = tradelane_freight::read_bytes(DEMO_RATE_CARDS_CSV.as_bytes())
        .map_err(|e| anyhow::anyhow!("demo rate cards: {e}"))?;
    let import = tradelane_freight::import_cards(&sheet, "demo-rate-cards.csv");
    if let Some(e) = import.errors.first() {
        bail!("the built-in demo rate cards have an invalid cell: {e}");
    }
    let outcome = store
        .import_freight_cards(
            &Actor::user(owner),
            "demo-rate-cards.csv",
            DEMO_RATE_CARDS_CSV.as_bytes(),
            &import.cards,
        )
        .await?;
    Ok(outcome.created)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_rate_cards_are_valid_with_one_expired() {
        let sheet = tradelane_freight::read_bytes(DEMO_RATE_CARDS_CSV.as_bytes()).unwrap();
        let import = tradelane_freight::import_cards(&sheet, "demo-rate-cards.csv");
        assert!(import.errors.is_empty(), "{:?}", import.errors);
        assert_eq!(import.cards.len(), 6);
        let day: jiff::civil::Date = "2026-12-01".parse().unwrap();
        let expired = import
            .cards
            .iter()
            .filter(|c| c.validity(day).is_err())
            .count();
        assert_eq!(expired, 1);
    }
}
