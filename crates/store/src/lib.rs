//! Storage for tradelane on SQLite (default) and PostgreSQL behind one interface.
