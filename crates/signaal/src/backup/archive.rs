//! The backup file: encrypted with age to the configured recipients (so the server can write it
//! but not read it), holding gzip over a fixed magic, the manifest (JSON) and the database itself.
//! age authenticates every 64 KiB chunk and the end of the file, so a changed, cut or swapped
//! byte makes reading fail; the manifest's SHA-256 of the payload and the row statistics are a
//! second check, of our own writing and restoring.

use std::collections::BTreeMap;
use std::io::{BufReader, Read, Write};
use std::path::Path;

use age::secrecy::ExposeSecret as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use signaal_storage::backup::{ContentStats, TableStat};

use crate::{CommandResult, Failure};

const MAGIC: &[u8] = b"SIGNAAL-BACKUP\n";
pub const FORMAT: u32 = 1;
/// A manifest is a few kilobytes; anything larger is not ours.
const MAX_MANIFEST: u32 = 16 * 1024 * 1024;

/// One table in the manifest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableEntry {
    pub rows: u64,
    pub sha256: String,
}

/// What a backup holds and what its restore is checked against.
#[derive(Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: DateTime<Utc>,
    /// The Signaal version that wrote it.
    pub signaal_version: String,
    /// `sqlite` (the payload is the database file) or `postgres` (a `pg_dump` custom archive).
    pub backend: String,
    pub tables: BTreeMap<String, TableEntry>,
    pub payload_bytes: u64,
    pub payload_sha256: String,
    /// The master key (hex): the backup is useless without it, and only the holders of the age
    /// identity can read it (docs/THREAT-MODEL.md says why it is here).
    pub master_key: String,
}

impl std::fmt::Debug for Manifest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Manifest")
            .field("created_at", &self.created_at)
            .field("backend", &self.backend)
            .field("tables", &self.tables.len())
            .field("payload_bytes", &self.payload_bytes)
            .finish_non_exhaustive()
    }
}

impl Manifest {
    pub fn total_rows(&self) -> u64 {
        self.tables.values().map(|t| t.rows).sum()
    }
}

pub fn entries(stats: &ContentStats) -> BTreeMap<String, TableEntry> {
    stats
        .iter()
        .map(|(name, TableStat { rows, sha256 })| {
            (
                name.clone(),
                TableEntry {
                    rows: *rows,
                    sha256: sha256.clone(),
                },
            )
        })
        .collect()
}

/// The first table whose rows differ from the manifest, described for the operator.
pub fn compare(expected: &BTreeMap<String, TableEntry>, found: &ContentStats) -> CommandResult {
    let found = entries(found);
    for (name, want) in expected {
        match found.get(name) {
            None => {
                return Err(Failure(format!(
                    "table {name} is missing after the restore"
                )));
            }
            Some(got) if got.rows != want.rows => {
                return Err(Failure(format!(
                    "table {name} has {} rows after the restore, the backup's manifest says {}",
                    got.rows, want.rows
                )));
            }
            Some(got) if got.sha256 != want.sha256 => {
                return Err(Failure(format!(
                    "the rows of table {name} differ from the backup's manifest (checksum)"
                )));
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = found.keys().find(|name| !expected.contains_key(*name)) {
        return Err(Failure(format!(
            "table {extra} is not in the backup's manifest"
        )));
    }
    Ok(())
}

/// SHA-256 and size of a file.
pub fn digest_file(path: &Path) -> CommandResult<(String, u64)> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
    let mut hash = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    let mut bytes = 0u64;
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        hash.update(&buffer[..n]);
        bytes += n as u64;
    }
    Ok((hex::encode(hash.finalize()), bytes))
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Failure + '_ {
    move |e| Failure(format!("cannot write {}: {e}", path.display()))
}

/// Writes the encrypted backup to `out`: to `out.partial` first, renamed when complete and synced,
/// so a crash or a full disk never leaves a file that looks finished.
pub fn write(
    out: &Path,
    recipients: &[age::x25519::Recipient],
    manifest: &Manifest,
    payload: &Path,
) -> CommandResult<u64> {
    if recipients.is_empty() {
        return Err(Failure(
            "no backup_recipients are set: backups are only written encrypted to an age public key \
             (make one with `signaal backup new-identity --out FILE`)"
                .into(),
        ));
    }
    let partial = out.with_extension("partial");
    let file = crate::backend::create_private(&partial)?;
    let result = write_into(file, recipients, manifest, payload, &partial);
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
        return result;
    }
    std::fs::rename(&partial, out).map_err(io(out))?;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::File::open(parent)
            .and_then(|dir| dir.sync_all())
            .map_err(io(parent))?;
    }
    result
}

fn write_into(
    file: std::fs::File,
    recipients: &[age::x25519::Recipient],
    manifest: &Manifest,
    payload: &Path,
    path: &Path,
) -> CommandResult<u64> {
    let encryptor =
        age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| Failure(format!("cannot encrypt to backup_recipients: {e}")))?;
    let sealed = encryptor
        .wrap_output(std::io::BufWriter::new(file))
        .map_err(io(path))?;
    let mut gz = flate2::write::GzEncoder::new(sealed, flate2::Compression::default());
    let json = serde_json::to_vec(manifest).map_err(|e| Failure(e.to_string()))?;
    let length = u32::try_from(json.len()).map_err(|_| Failure("manifest too large".into()))?;
    gz.write_all(MAGIC).map_err(io(path))?;
    gz.write_all(&length.to_be_bytes()).map_err(io(path))?;
    gz.write_all(&json).map_err(io(path))?;
    let mut source = std::fs::File::open(payload)
        .map_err(|e| Failure(format!("cannot read {}: {e}", payload.display())))?;
    std::io::copy(&mut source, &mut gz).map_err(io(path))?;
    let sealed = gz.finish().map_err(io(path))?;
    let buffered = sealed.finish().map_err(io(path))?;
    let file = buffered
        .into_inner()
        .map_err(|e| Failure(format!("cannot write {}: {e}", path.display())))?;
    file.sync_all().map_err(io(path))?;
    file.metadata().map(|m| m.len()).map_err(io(path))
}

/// The age identities (private keys) in a file, as age-keygen or `backup new-identity` writes.
pub fn read_identities(path: &Path) -> CommandResult<Vec<Box<dyn age::Identity + Send + Sync>>> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure(format!("cannot read the identity {}: {e}", path.display())))?;
    let identities = age::IdentityFile::from_buffer(BufReader::new(file))
        .ok()
        .and_then(|f| f.into_identities().ok())
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| {
            Failure(format!(
                "{} holds no age identity (a line AGE-SECRET-KEY-1…)",
                path.display()
            ))
        })?;
    Ok(identities)
}

/// A new age identity written to `out` (mode 0600); returns its public key (the recipient).
pub fn new_identity(out: &Path) -> CommandResult<String> {
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let mut file = crate::backend::create_private(out)?;
    let text = format!(
        "# created: {}\n# public key: {recipient}\n{}\n",
        Utc::now().to_rfc3339(),
        identity.to_string().expose_secret()
    );
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(io(out))?;
    Ok(recipient)
}

const DAMAGED: &str = "the backup is damaged or was changed after it was written (its authentication \
    failed); use another backup";

/// An opened backup: its manifest, and the payload to read after it.
pub struct Opened {
    pub manifest: Manifest,
    payload: Box<dyn Read>,
}

/// Opens and decrypts a backup with the identities, and reads its manifest.
pub fn open(
    path: &Path,
    identities: &[Box<dyn age::Identity + Send + Sync>],
) -> CommandResult<Opened> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure(format!("cannot read {}: {e}", path.display())))?;
    let decryptor = age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| match e {
        age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat => Failure(format!(
            "{} is not a Signaal backup (no age header), or its start is damaged",
            path.display()
        )),
        _ => Failure(DAMAGED.into()),
    })?;
    let reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Failure(format!(
                "the identity does not open {}: it was encrypted to other backup_recipients, or its \
                 header is damaged",
                path.display()
            )),
            _ => Failure(DAMAGED.into()),
        })?;
    let mut gz = flate2::read::GzDecoder::new(reader);
    let mut magic = [0u8; MAGIC.len()];
    gz.read_exact(&mut magic)
        .map_err(|_| Failure(DAMAGED.into()))?;
    if magic != MAGIC {
        return Err(Failure(format!(
            "{} is an age file, but not a Signaal backup",
            path.display()
        )));
    }
    let mut length = [0u8; 4];
    gz.read_exact(&mut length)
        .map_err(|_| Failure(DAMAGED.into()))?;
    let length = u32::from_be_bytes(length);
    if length > MAX_MANIFEST {
        return Err(Failure(DAMAGED.into()));
    }
    let mut json = vec![0u8; length as usize];
    gz.read_exact(&mut json)
        .map_err(|_| Failure(DAMAGED.into()))?;
    let manifest: Manifest = serde_json::from_slice(&json).map_err(|_| Failure(DAMAGED.into()))?;
    if manifest.format != FORMAT {
        return Err(Failure(format!(
            "the backup has format {}; this Signaal reads format {FORMAT}: restore it with the \
             version that wrote it ({})",
            manifest.format, manifest.signaal_version
        )));
    }
    Ok(Opened {
        manifest,
        payload: Box::new(gz),
    })
}

impl Opened {
    /// Writes the payload to the new file `dest` and checks its size and SHA-256 against the
    /// manifest, and that nothing follows it. On any failure `dest` is removed.
    pub fn extract(mut self, dest: &Path) -> CommandResult<Manifest> {
        let result = (|| {
            let mut file = crate::backend::create_private(dest)?;
            let mut hash = Sha256::new();
            let mut limited = (&mut self.payload).take(self.manifest.payload_bytes);
            let mut buffer = vec![0u8; 64 * 1024];
            let mut copied = 0u64;
            loop {
                let n = limited
                    .read(&mut buffer)
                    .map_err(|_| Failure(DAMAGED.into()))?;
                if n == 0 {
                    break;
                }
                hash.update(&buffer[..n]);
                file.write_all(&buffer[..n]).map_err(io(dest))?;
                copied += n as u64;
            }
            // Reading to the end also makes age check the last chunk (a cut file fails here).
            let mut rest = Vec::new();
            self.payload
                .read_to_end(&mut rest)
                .map_err(|_| Failure(DAMAGED.into()))?;
            if copied != self.manifest.payload_bytes
                || !rest.is_empty()
                || hex::encode(hash.finalize()) != self.manifest.payload_sha256
            {
                return Err(Failure(DAMAGED.into()));
            }
            file.sync_all().map_err(io(dest))?;
            Ok(())
        })();
        if let Err(failure) = result {
            let _ = std::fs::remove_file(dest);
            return Err(failure);
        }
        Ok(self.manifest)
    }
}
