//! Overviews and signals: the shared implementation (`signaal_storage::sql::overview`).

use crate::PgStore;

signaal_storage::overview_repo!(
    PgStore,
    sqlx::PgConnection,
    sqlx::postgres::PgRow,
    day = "COALESCE((SELECT rc.event_day FROM report_contents rc WHERE rc.report_id = r.id AND rc.school_id = r.school_id), r.event_month, (r.submitted_hour AT TIME ZONE 'UTC')::date)",
    month =
        "COALESCE(r.event_month, date_trunc('month', r.submitted_hour AT TIME ZONE 'UTC')::date)",
    month_of_from = "date_trunc('month', $2::timestamp)::date",
    month_of_to = "date_trunc('month', $3::timestamp)::date",
    uuid_text = "text",
    json_array = "json_build_array",
    json_list = "json_agg"
);
