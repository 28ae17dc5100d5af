//! Retention and anonymisation: the shared implementation (`signaal_storage::sql::retention`).

use signaal_storage::Result;
use signaal_storage::retention::MarkedReport;

use crate::PgStore;
use crate::error::map_err;

signaal_storage::retention_repo!(
    PgStore,
    sqlx::PgConnection,
    in_batch = "= ANY($1)",
    schools_at_once = 3
);

impl PgStore {
    /// A batch's report ids as one array parameter.
    fn batch_ids(ids: &[uuid::Uuid]) -> Vec<uuid::Uuid> {
        ids.to_vec()
    }

    /// Marks a batch of reports anonymised in one statement: the rows go as three arrays.
    async fn anonymise_reports(
        conn: &mut sqlx::PgConnection,
        reports: &[MarkedReport],
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<()> {
        if reports.is_empty() {
            return Ok(());
        }
        let ids: Vec<uuid::Uuid> = reports.iter().map(|r| r.id).collect();
        let descriptions: Vec<&[u8]> = reports.iter().map(|r| r.description.as_slice()).collect();
        let months: Vec<Option<chrono::NaiveDate>> =
            reports.iter().map(|r| r.event_month).collect();
        sqlx::query(signaal_storage::sql::retention::ANONYMISE_REPORTS_UNNEST)
            .bind(ids)
            .bind(descriptions)
            .bind(months)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// Nothing to settle: removed rows become dead tuples that autovacuum reclaims.
    async fn settle(&self) -> Result<()> {
        Ok(())
    }
}
