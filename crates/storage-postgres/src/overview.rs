//! Overviews and signals: the shared implementation (`signaal_storage::sql::overview`).

use crate::PgStore;

signaal_storage::overview_repo!(
    PgStore,
    sqlx::PgConnection,
    sqlx::postgres::PgRow,
    day = "COALESCE(r.event_date, (r.submitted_hour AT TIME ZONE 'UTC')::date)",
    uuid_text = "text",
    json_array = "json_build_array",
    json_list = "json_agg"
);
