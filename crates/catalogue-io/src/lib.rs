//! Catalogue import/export: CSV (UTF-8, GBK) and XLSX parsing, header mapping, row validation, error reports. Pure.
