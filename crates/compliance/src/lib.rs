//! Product compliance engines: requirements by market, gap report, trademark screening, customs declaration checks, tax-registration thresholds. Pure.
