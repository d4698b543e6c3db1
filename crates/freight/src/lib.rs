//! Freight engines: forwarder rate cards, chargeable weight, quote comparison, consolidation cost split. Pure.
