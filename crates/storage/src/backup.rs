//! What a backup is checked against: every table's row count and a SHA-256 over its rows, computed
//! the same way on the snapshot that is backed up and on the database a restore makes, so a restore
//! that lost, added or changed a row is refused instead of trusted.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// One table's rows, counted and hashed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableStat {
    pub rows: u64,
    /// SHA-256 (hex) over the table's rows in a fixed order, each row length-prefixed.
    pub sha256: String,
}

/// Every table of a database by name.
pub type ContentStats = BTreeMap<String, TableStat>;

/// Hashes one table's rows as the backend hands them over (already in a fixed order).
#[derive(Default)]
pub struct TableHasher {
    rows: u64,
    hash: Sha256,
}

impl TableHasher {
    pub fn add_row(&mut self, row: &[u8]) {
        self.rows += 1;
        // The length in front keeps ("ab","c") and ("a","bc") apart.
        self.hash.update((row.len() as u64).to_be_bytes());
        self.hash.update(row);
    }

    pub fn finish(self) -> TableStat {
        TableStat {
            rows: self.rows,
            sha256: hex::encode(self.hash.finalize()),
        }
    }
}

/// Counts and hashes a table's rows as the backend streams them (already in a fixed order).
pub async fn hash_rows<S, E>(
    mut rows: S,
    map_err: fn(E) -> crate::StorageError,
) -> crate::Result<TableStat>
where
    S: futures_util::Stream<Item = Result<String, E>> + Unpin,
{
    use futures_util::TryStreamExt as _;
    let mut hasher = TableHasher::default();
    while let Some(row) = rows.try_next().await.map_err(map_err)? {
        hasher.add_row(row.as_bytes());
    }
    Ok(hasher.finish())
}

/// Quotes a table or column name for SQL built from the database's own catalogue.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_and_their_boundaries_matter() {
        let mut a = TableHasher::default();
        a.add_row(b"ab");
        a.add_row(b"c");
        let mut b = TableHasher::default();
        b.add_row(b"a");
        b.add_row(b"bc");
        let (a, b) = (a.finish(), b.finish());
        assert_eq!(a.rows, 2);
        assert_ne!(a.sha256, b.sha256);
        assert_eq!(TableHasher::default().finish().rows, 0);
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}
