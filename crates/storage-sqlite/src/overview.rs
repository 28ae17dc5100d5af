//! Overviews and signals: the shared implementation (`signaal_storage::sql::overview`). SQLite keeps
//! times as text, so a submission's UTC day is its first ten characters.

use crate::SqliteStore;

signaal_storage::overview_repo!(
    SqliteStore,
    sqlx::SqliteConnection,
    sqlx::sqlite::SqliteRow,
    day = "COALESCE((SELECT rc.event_day FROM report_contents rc WHERE rc.report_id = r.id AND rc.school_id = r.school_id), r.event_month, substr(r.submitted_hour, 1, 10))",
    month = "COALESCE(r.event_month, substr(r.submitted_hour, 1, 7) || '-01')",
    month_of_from = "substr($2, 1, 7) || '-01'",
    month_of_to = "substr($3, 1, 7) || '-01'",
    uuid_text = "hex",
    json_array = "json_array",
    json_list = "json_group_array"
);
