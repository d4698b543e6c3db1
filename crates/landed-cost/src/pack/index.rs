//! Lookup indexes per (destination, kind): HS-prefix tries for duties and taxes, small lists for the rest.

use super::model::*;
use crate::hs::PrefixIndex;
use std::collections::HashMap;
use std::sync::Arc;
use tradelane_domain::Country;

/// Tax rules of one country: a prefix trie (standard rates sit at the root) and the category rules.
#[derive(Debug, Clone, Default)]
pub struct TaxIndex {
    pub(crate) by_prefix: PrefixIndex,
    pub(crate) by_category: Vec<u32>,
    pub(crate) tax_names: Vec<String>,
}

/// What one market's quotes need, resolved once when the pack is loaded so quoting hashes no strings.
#[derive(Debug, Clone, Default)]
pub struct MarketLinks {
    /// Rule id of the market, shared with every quote.
    pub(crate) id: Arc<str>,
    /// Low-value regimes of the market's territory, then of the country.
    pub(crate) low_value: Vec<u32>,
    /// Fees of the territory, the country and "*".
    pub(crate) fees: Vec<u32>,
}

/// All indexes of a pack.
#[derive(Debug, Clone, Default)]
pub struct PackIndex {
    pub(crate) links: Vec<MarketLinks>,
    pub(crate) markets: HashMap<Country, Vec<u32>>,
    pub(crate) base_duty: HashMap<String, PrefixIndex>,
    pub(crate) additional_duty: HashMap<String, PrefixIndex>,
    pub(crate) taxes: HashMap<Country, TaxIndex>,
    pub(crate) low_value: HashMap<String, Vec<u32>>,
    pub(crate) fees: HashMap<String, Vec<u32>>,
}

impl PackIndex {
    pub(crate) fn build(
        markets: &[Arc<Market>],
        duties: &[Arc<DutyRule>],
        taxes: &[Arc<TaxRule>],
        low_value: &[Arc<LowValueRule>],
        fees: &[Arc<FeeRule>],
    ) -> PackIndex {
        let mut index = PackIndex::default();
        for (i, m) in markets.iter().enumerate() {
            index.markets.entry(m.country).or_default().push(i as u32);
        }
        for (i, d) in duties.iter().enumerate() {
            let map = if d.layer.is_some() {
                &mut index.additional_duty
            } else {
                &mut index.base_duty
            };
            map.entry(d.territory.clone())
                .or_default()
                .insert(Some(&d.prefix), i as u32);
            // An empty prefix ("*") is filed at the root by the same call.
        }
        // Subdivision rules are filed first so that, at equal depth, they are met before country rules.
        let mut order: Vec<usize> = (0..taxes.len()).collect();
        order.sort_by_key(|&i| taxes[i].subdivision.is_none());
        for i in order {
            let t = &taxes[i];
            let entry = index.taxes.entry(t.country).or_default();
            if t.category.is_some() {
                entry.by_category.push(i as u32);
            } else {
                entry.by_prefix.insert(t.prefix.as_ref(), i as u32);
            }
            if !entry.tax_names.contains(&t.tax) {
                entry.tax_names.push(t.tax.clone());
            }
        }
        for (i, l) in low_value.iter().enumerate() {
            index
                .low_value
                .entry(l.scope.clone())
                .or_default()
                .push(i as u32);
        }
        for (i, f) in fees.iter().enumerate() {
            index
                .fees
                .entry(f.scope.clone())
                .or_default()
                .push(i as u32);
        }
        for m in markets {
            let territory = m.customs_territory.as_str();
            let country = m.country.code();
            let mut scopes = vec![territory];
            if country != territory {
                scopes.push(country);
            }
            let gather = |map: &HashMap<String, Vec<u32>>, scopes: &[&str]| -> Vec<u32> {
                scopes
                    .iter()
                    .filter_map(|s| map.get(*s))
                    .flatten()
                    .copied()
                    .collect()
            };
            let low_value = gather(&index.low_value, &scopes);
            scopes.push("*");
            let fees = gather(&index.fees, &scopes);
            index.links.push(MarketLinks {
                id: Arc::from(m.meta.id.as_str()),
                low_value,
                fees,
            });
        }
        index
    }

    /// Total number of trie nodes across duty and tax tries.
    pub fn trie_nodes(&self) -> usize {
        self.base_duty
            .values()
            .chain(self.additional_duty.values())
            .map(PrefixIndex::node_count)
            .sum::<usize>()
            + self
                .taxes
                .values()
                .map(|t| t.by_prefix.node_count())
                .sum::<usize>()
    }
}
