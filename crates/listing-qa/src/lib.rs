//! Listing QA engine: marketplace rules, lexicons, units and sizes. Pure.
