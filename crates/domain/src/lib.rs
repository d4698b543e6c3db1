//! Domain types of tradelane: money, currencies, countries, HS codes, measures, incoterms, locales. Types only, no I/O.
