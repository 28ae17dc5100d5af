//! Reports as both backends store them: sealed once here (free text, names, contact and messages
//! encrypted with the school's data key, bound to their row and field), so the backends only move
//! bytes, and opened once here when they are read back.

use chrono::{DateTime, NaiveDate, Utc};
use signaal_domain::report::{
    FormChoices, FrameAncestors, MessageAuthor, NewReport, ReportStatus, names, submission_hour,
};
use signaal_domain::secrets::DataKey;
use signaal_domain::{MessageId, ReportId, SchoolId};
use uuid::Uuid;

use crate::{Result, StorageError};

/// A school's report form settings; the defaults until leadership changes them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FormSettings {
    pub choices: FormChoices,
    pub frame_ancestors: FrameAncestors,
}

impl FormSettings {
    /// From the stored columns; a stored value this version cannot read is corrupt, not ignored.
    pub fn from_stored(categories: &str, places: &str, frame_ancestors: &str) -> Result<Self> {
        Ok(Self {
            choices: FormChoices::parse(categories, places)
                .map_err(|e| StorageError::Corrupt(format!("form choices: {e}")))?,
            frame_ancestors: FrameAncestors::parse(frame_ancestors)
                .map_err(|e| StorageError::Corrupt(format!("frame ancestors: {e}")))?,
        })
    }
}

/// The outcome of storing a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Submitted {
    pub id: ReportId,
    /// Several recent reports name the same person as the one who did it: a possible real incident
    /// or weaponised reporting, for the coordinator to verify.
    pub burst: bool,
}

/// One message in a report's mailbox, opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub id: MessageId,
    pub author: MessageAuthor,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

/// What the reporter sees with their receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptView {
    pub report: ReportId,
    pub status: ReportStatus,
    pub submitted_hour: DateTime<Utc>,
    pub messages: Vec<Message>,
}

/// Where a sealed value lives, as associated data: a value moved to another school, record or field
/// no longer opens.
pub fn place(school: SchoolId, record: Uuid, field: &str) -> Vec<u8> {
    let mut place = Vec::with_capacity(16 + 16 + field.len());
    place.extend_from_slice(school.as_uuid().as_bytes());
    place.extend_from_slice(record.as_bytes());
    place.extend_from_slice(field.as_bytes());
    place
}

/// A person line of a report, sealed.
#[derive(Clone, Debug)]
pub struct SealedPerson {
    /// `did_it` or `done_to`.
    pub role: &'static str,
    pub position: i64,
    pub name: Option<Vec<u8>>,
    pub group: Option<Vec<u8>>,
}

/// A report ready for the database: codes as text, every typed text sealed.
#[derive(Clone, Debug)]
pub struct SealedReport {
    pub id: ReportId,
    pub school: SchoolId,
    pub receipt_hash: Vec<u8>,
    pub submitted_hour: DateTime<Utc>,
    pub reporter: &'static str,
    pub categories: Vec<&'static str>,
    pub place: &'static str,
    pub date: Option<NaiveDate>,
    pub part_of_day: Option<&'static str>,
    pub frequency: &'static str,
    pub description: Vec<u8>,
    pub contact: Option<Vec<u8>>,
    pub people: Vec<SealedPerson>,
    /// Keyed fingerprints of the names of those who did it, for the burst check.
    pub name_marks: Vec<Vec<u8>>,
}

fn sealing_failed(e: signaal_domain::secrets::KeyError) -> StorageError {
    StorageError::Internal(format!("sealing failed: {e}"))
}

/// Seals one free-text field of a record (report, case, logbook entry, privacy record) at its place.
pub fn seal_at(
    key: &DataKey,
    school: SchoolId,
    record: Uuid,
    field: &str,
    text: &str,
) -> Result<Vec<u8>> {
    key.seal_text(&place(school, record, field), text)
        .map_err(sealing_failed)
}

/// Opens one sealed field of a record; a field that does not open is corrupt data.
pub fn open_at(
    key: &DataKey,
    school: SchoolId,
    record: Uuid,
    field: &str,
    sealed: &[u8],
) -> Result<String> {
    key.open_text(&place(school, record, field), sealed)
        .map_err(|_| StorageError::Corrupt(format!("{record}: {field} does not open")))
}

impl SealedReport {
    pub fn seal(
        key: &DataKey,
        school: SchoolId,
        report: &NewReport,
        receipt_hash: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let id = ReportId::new();
        let record = id.as_uuid();
        let seal = |field: &str, text: &str| {
            key.seal_text(&place(school, record, field), text)
                .map_err(sealing_failed)
        };
        let mut people = Vec::new();
        let mut name_marks = Vec::new();
        for (role, list) in [("did_it", &report.did_it), ("done_to", &report.done_to)] {
            for (position, person) in list.iter().enumerate() {
                let field = format!("{role}/{position}");
                people.push(SealedPerson {
                    role,
                    position: position as i64,
                    name: person
                        .name
                        .as_deref()
                        .map(|n| seal(&format!("{field}/name"), n))
                        .transpose()?,
                    group: person
                        .group
                        .as_deref()
                        .map(|g| seal(&format!("{field}/group"), g))
                        .transpose()?,
                });
                if role == "did_it" {
                    let comparable = person.name.as_deref().and_then(names::comparable_name);
                    if let Some(comparable) = comparable {
                        let mark = key.fingerprint("did-it-name", &comparable).to_vec();
                        if !name_marks.contains(&mark) {
                            name_marks.push(mark);
                        }
                    }
                }
            }
        }
        Ok(Self {
            id,
            school,
            receipt_hash: receipt_hash.to_vec(),
            submitted_hour: submission_hour(now),
            reporter: report.reporter.code(),
            categories: report.categories.iter().map(|c| c.code()).collect(),
            place: report.place.code(),
            date: report.date,
            part_of_day: report.part_of_day.map(|p| p.code()),
            frequency: report.frequency.code(),
            description: seal("description", &report.description)?,
            contact: report
                .contact
                .as_deref()
                .map(|c| seal("contact", c))
                .transpose()?,
            people,
            name_marks,
        })
    }

    /// The earliest submission hour that still counts for this report's burst check.
    pub fn burst_window_start(&self) -> DateTime<Utc> {
        names::burst_window_start(self.submitted_hour)
    }
}

/// A message ready for the database.
#[derive(Clone, Debug)]
pub struct SealedMessage {
    pub id: MessageId,
    pub author: MessageAuthor,
    pub body: Vec<u8>,
    pub sent_at: DateTime<Utc>,
}

impl SealedMessage {
    /// A reporter's message keeps only the hour, like the report itself.
    pub fn seal(
        key: &DataKey,
        school: SchoolId,
        author: MessageAuthor,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<Self> {
        let id = MessageId::new();
        let body = key
            .seal_text(&place(school, id.as_uuid(), "message"), body)
            .map_err(sealing_failed)?;
        let sent_at = match author {
            MessageAuthor::Reporter => submission_hour(now),
            MessageAuthor::School => now,
        };
        Ok(Self {
            id,
            author,
            body,
            sent_at,
        })
    }

    pub fn open(&self, key: &DataKey, school: SchoolId) -> Result<Message> {
        let body = key
            .open_text(&place(school, self.id.as_uuid(), "message"), &self.body)
            .map_err(|e| StorageError::Corrupt(format!("message {}: {e}", self.id)))?;
        Ok(Message {
            id: self.id,
            author: self.author,
            body,
            sent_at: self.sent_at,
        })
    }
}

/// Reads a stored code back; an unknown one means the database holds something this version does
/// not know, which is corruption rather than something to guess about.
pub fn stored_code<T>(code: &str, parse: fn(&str) -> Option<T>, what: &str) -> Result<T> {
    parse(code).ok_or_else(|| StorageError::Corrupt(format!("unknown {what} \"{code}\"")))
}

/// A report as intake sees it: opened, with the codes as stored (the form's choice codes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntakeReport {
    pub id: ReportId,
    pub submitted_hour: DateTime<Utc>,
    pub reporter: String,
    pub categories: Vec<String>,
    pub place: String,
    pub date: Option<NaiveDate>,
    pub part_of_day: Option<String>,
    pub frequency: String,
    pub burst: bool,
    pub description: String,
    /// Present only when the reporter asked for someone to talk to.
    pub contact: Option<String>,
    pub people: Vec<IntakePerson>,
    pub messages: Vec<Message>,
    /// Raised by every intake change; a change must name the version it was made on.
    pub version: i64,
    pub state: signaal_domain::intake::IntakeState,
    pub decided_at: Option<DateTime<Utc>>,
    /// `joke`, `spam` or `not_about_children`, for a rejected report.
    pub reject_reason: Option<String>,
    /// What to check with the pupil's own teacher or mentor; `None` when nothing.
    pub verification_note: Option<String>,
    /// The report this one was merged into.
    pub merged_into: Option<ReportId>,
    /// Reports merged into this one.
    pub merged_from: Vec<ReportId>,
    /// Notes of corrections and redactions, oldest first.
    pub edits: Vec<crate::intake::EditNote>,
    /// Hits kept on purpose.
    pub decisions: Vec<crate::intake::HitDecision>,
}

/// A name line of a report: the one who did it, or the one it was done to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntakePerson {
    pub did_it: bool,
    pub position: i64,
    /// The pupil this name was linked to, or "not identifiable"; `None` while undecided.
    pub link: Option<crate::intake::PersonLink>,
    pub name: Option<String>,
    pub group: Option<String>,
}
