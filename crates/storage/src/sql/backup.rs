//! The catalogue queries of backups and restores. They read each backend's own catalogue, so
//! unlike the rest of `sql` they differ per backend; the row queries are built from the names
//! these return (`storage::backup::quote_identifier`).

/// SQLite: the tables to back up and check (SQLite's own are left out).
pub const SQLITE_TABLES: &str = "SELECT name FROM sqlite_schema
    WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
/// SQLite: a table's columns in order.
pub const SQLITE_COLUMNS: &str = "SELECT name FROM pragma_table_info($1) ORDER BY cid";
/// SQLite: a consistent copy of the whole database into a new file, while others read and write.
pub const SQLITE_VACUUM_INTO: &str = "VACUUM INTO $1";
pub const SQLITE_INTEGRITY_CHECK: &str = "PRAGMA integrity_check";

/// SQLite: every row of a table as one text, in byte order (`quote()` writes each value
/// unambiguously: strings quoted, blobs as X'…', NULL as NULL).
pub fn sqlite_rows(table: &str, columns: &[String]) -> String {
    let values: Vec<String> = columns
        .iter()
        .map(|c| format!("quote({})", crate::backup::quote_identifier(c)))
        .collect();
    format!(
        "SELECT {} FROM {} ORDER BY 1",
        if values.is_empty() {
            "''".to_owned()
        } else {
            values.join(" || ',' || ")
        },
        crate::backup::quote_identifier(table)
    )
}

/// PostgreSQL: the tables of the schema in use.
pub const PG_TABLES: &str = "SELECT table_name::text FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1";
/// PostgreSQL: the row texts do not depend on the session (time zone, date style).
pub const PG_FIXED_TEXT: &str = "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; \
    SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 1; SET LOCAL bytea_output = 'hex'";
/// PostgreSQL: a snapshot that `pg_dump --snapshot` shares, so the dump and the counts agree.
pub const PG_EXPORT_SNAPSHOT: &str = "SELECT pg_export_snapshot()";

/// PostgreSQL: every row of a table as its text, in byte order (not the database's collation,
/// which a restored copy may not share).
pub fn pg_rows(table: &str) -> String {
    format!(
        "SELECT t::text FROM {} t ORDER BY t::text COLLATE \"C\"",
        crate::backup::quote_identifier(table)
    )
}
