//! Embedded schema migrations, applied in order at start-up and by `signaal migrate`. Each backend
//! has its own SQL; the rule about which to apply, and refusing a database newer than the binary,
//! lives here once.

use crate::StorageError;

/// One schema step, numbered from 1 without gaps.
#[derive(Clone, Copy, Debug)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// The migrations still to apply, given the versions the database already has.
pub fn pending<'a>(
    known: &'a [Migration],
    applied: &[i64],
) -> Result<Vec<&'a Migration>, StorageError> {
    let binary = known.iter().map(|m| m.version).max().unwrap_or(0);
    if let Some(&database) = applied.iter().max()
        && database > binary
    {
        return Err(StorageError::SchemaTooNew { database, binary });
    }
    Ok(known
        .iter()
        .filter(|m| !applied.contains(&m.version))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KNOWN: [Migration; 2] = [
        Migration {
            version: 1,
            name: "one",
            sql: "",
        },
        Migration {
            version: 2,
            name: "two",
            sql: "",
        },
    ];

    #[test]
    fn applies_what_is_missing_in_order() {
        let versions = |applied: &[i64]| {
            pending(&KNOWN, applied)
                .unwrap()
                .iter()
                .map(|m| m.version)
                .collect::<Vec<_>>()
        };
        assert_eq!(versions(&[]), vec![1, 2]);
        assert_eq!(versions(&[1]), vec![2]);
        assert!(versions(&[1, 2]).is_empty());
    }

    #[test]
    fn refuses_a_newer_database() {
        match pending(&KNOWN, &[1, 2, 3]) {
            Err(StorageError::SchemaTooNew {
                database: 3,
                binary: 2,
            }) => {}
            other => panic!("expected SchemaTooNew, got {other:?}"),
        }
    }
}
