//! Overviews and signals: the shared implementation (`signaal_storage::sql::overview`). SQLite keeps
//! times as text, so a submission's UTC day is its first ten characters.

use crate::SqliteStore;

signaal_storage::overview_repo!(
    SqliteStore,
    sqlx::SqliteConnection,
    sqlx::sqlite::SqliteRow,
    day = "COALESCE(r.event_date, substr(r.submitted_hour, 1, 10))",
    uuid_text = "hex",
    json_array = "json_array",
    json_list = "json_group_array"
);
