//! The audit log's hash chain: each entry carries the hash of the one before it, per school, so any
//! change, insertion or removal of an entry breaks the chain from that point on.
//!
//! Entries hold identifiers and counts, never report text or names.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// The hash before the first entry of a school's chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    /// A stable name such as "roster.import".
    pub action: &'static str,
    /// The identifiers concerned ("pupil:<uuid>", "school:<uuid>"), never names.
    pub subject: String,
    /// "ok", "denied", or a count summary such as "added=3 updated=1 left=0".
    pub outcome: String,
}

/// One stored entry of a school's chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub outcome: String,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an entry: SHA-256 over the previous hash and every field, each length-prefixed so no two
/// different entries can serialise alike.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    outcome: &str,
) -> String {
    let mut hasher = Sha256::new();
    let at = at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let seq = seq.to_string();
    for field in [
        prev_hash,
        seq.as_str(),
        at.as_str(),
        actor,
        action,
        subject,
        outcome,
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Where a chain first breaks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {seq} does not follow entry {expected_seq}: an entry is missing or inserted")]
    Gap { seq: i64, expected_seq: i64 },
    #[error("entry {seq} does not point at the hash of the entry before it")]
    WrongLink { seq: i64 },
    #[error("entry {seq} has been changed: its contents do not match its hash")]
    Altered { seq: i64 },
}

/// Checks a school's whole chain, in order of `seq`, and returns how many entries it holds.
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<u64, ChainBreak> {
    let mut prev_hash = GENESIS_HASH.to_owned();
    let mut count = 0;
    for (expected_seq, entry) in (1..).zip(entries) {
        if entry.seq != expected_seq {
            return Err(ChainBreak::Gap {
                seq: entry.seq,
                expected_seq,
            });
        }
        if entry.prev_hash != prev_hash {
            return Err(ChainBreak::WrongLink { seq: entry.seq });
        }
        let recomputed = entry_hash(
            &entry.prev_hash,
            entry.seq,
            entry.at,
            &entry.actor,
            &entry.action,
            &entry.subject,
            &entry.outcome,
        );
        if recomputed != entry.hash {
            return Err(ChainBreak::Altered { seq: entry.seq });
        }
        prev_hash = entry.hash.clone();
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let at = DateTime::from_timestamp(1_700_000_000 + seq, 0).unwrap_or_default();
                let hash = entry_hash(
                    &prev,
                    seq,
                    at,
                    "operator",
                    "roster.import",
                    "school:x",
                    "ok",
                );
                let entry = AuditEntry {
                    seq,
                    at,
                    actor: "operator".into(),
                    action: "roster.import".into(),
                    subject: "school:x".into(),
                    outcome: "ok".into(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                entry
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(verify_chain(&chain(5)), Ok(5));
        assert_eq!(verify_chain(&[]), Ok(0));
    }

    #[test]
    fn each_kind_of_tampering_is_found_at_its_entry() {
        let mut altered = chain(5);
        altered[2].outcome = "denied".into();
        assert_eq!(verify_chain(&altered), Err(ChainBreak::Altered { seq: 3 }));

        let mut removed = chain(5);
        removed.remove(1);
        assert_eq!(
            verify_chain(&removed),
            Err(ChainBreak::Gap {
                seq: 3,
                expected_seq: 2
            })
        );

        let mut relinked = chain(5);
        relinked[3].prev_hash = GENESIS_HASH.into();
        assert_eq!(
            verify_chain(&relinked),
            Err(ChainBreak::WrongLink { seq: 4 })
        );
    }

    #[test]
    fn fields_cannot_be_shifted_between_each_other() {
        let at = DateTime::from_timestamp(0, 0).unwrap_or_default();
        assert_ne!(
            entry_hash(GENESIS_HASH, 1, at, "ab", "c", "", ""),
            entry_hash(GENESIS_HASH, 1, at, "a", "bc", "", "")
        );
    }
}
