//! A demo consolidation pool (拼柜): the demo organisation pools two of its own shipments to Los Angeles
//! (a private pool; a second organisation would end "the only organisation" default of the CLI). The
//! power banks are dangerous goods, so they travel apart; the pool is planned, so the pool page shows
//! containers with their utilisation, the reasons, the share and the saving against the demo rate
//! cards. Created once: a second `demo` run finds the pool by name and leaves it as it is.

use anyhow::Result;
use tradelane_domain::Currency;
use tradelane_freight::SplitMethod;
use tradelane_server::api::pools::{ContainerRequest, CreatePoolRequest, new_pool, run_plan};
use tradelane_store::{Actor, CartonWrite, Org, Store, User};

pub const DEMO_POOL: &str = "洛杉矶 12 月拼柜 · LA December consolidation";

/// Two shipments in one carton list: S1 (Amazon FBA replenishment), S2 (own warehouse).
const CARTONS: &str = "箱号,长,宽,高,重量,数量,朝上,可堆叠,带电\n\
    S1-LAMP,60,45,40,14,48,是,是,否\n\
    S1-MUG,50,40,35,18,60,否,是,否\n\
    S1-MAT,80,40,30,9,24,否,是,否\n\
    S1-PWR-BANK,45,35,30,16,20,是,是,是\n\
    S2-SHELF,120,40,25,22,30,否,是,否\n\
    S2-TOWEL,60,50,50,12,70,否,是,否\n\
    S2-GLASS,50,50,45,20,16,是,否,否\n";

fn lines(csv: &str) -> Result<Vec<tradelane_freight::CartonLine>> {
    let sheet = tradelane_freight::read_bytes(csv.as_bytes())
        .map_err(|e| anyhow::anyhow!("demo pool cartons: {e}"))?;
    let import = tradelane_freight::import_cartons(&sheet);
    if let Some(e) = import.errors.first() {
        anyhow::bail!("the built-in demo pool cartons have an invalid cell: {e}");
    }
    Ok(import.lines)
}

/// Creates and plans the demo pool; returns false when it was already there.
pub async fn seed(store: &Store, org: &Org, owner: &User) -> Result<bool> {
    let existing = store.list_pools(org.id).await?;
    if existing.iter().any(|p| p.name == DEMO_POOL) {
        return Ok(false);
    }
    let actor = Actor::user(owner);
    let price = |code: &str, amount: i64| ContainerRequest {
        code: code.into(),
        price: amount.into(),
        inner_mm: None,
        payload_kg: None,
        accepts_dg: None,
        dg_mixing: false,
    };
    let request = CreatePoolRequest {
        name: DEMO_POOL.into(),
        lane: "CNSZX-USLAX".into(),
        cut_off: jiff::civil::date(2026, 12, 15),
        mode: None,
        currency: Currency::USD.code().into(),
        split_method: Some("weight_or_measure".into()),
        visibility: Some("private".into()),
        containers: vec![
            price("20GP", 2350),
            price("40GP", 3650),
            price("40HQ", 3900),
            price("45HQ", 4600),
        ],
    };
    let new = new_pool(request).map_err(|e| anyhow::anyhow!("demo pool: {e}"))?;
    debug_assert_eq!(new.method, SplitMethod::WeightOrMeasure);
    let pool = store.create_pool(&actor, new).await?;
    store
        .put_pool_cartons(&actor, pool.id, lines(CARTONS)?, CartonWrite::Replace)
        .await?;
    // A generous budget: the demo plan is the deterministic one, never cut short.
    run_plan(store, &actor, pool.id, Some(20_000), None)
        .await
        .map_err(|e| anyhow::anyhow!("planning the demo pool: {e}"))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_pool_cartons_are_valid() {
        let l = lines(CARTONS).unwrap();
        assert_eq!(l.len(), 7);
        assert!(l[3].battery);
    }
}
