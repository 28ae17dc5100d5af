use signaal_storage::migrations::{self, Migration};
use signaal_storage::{Result, StorageError};
use sqlx::{PgPool, Row};

use crate::error::map_err;

/// The schema, step by step. Never edit a released step; add a new one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "directory and rosters",
        sql: include_str!("../migrations/0001_directory_and_rosters.sql"),
    },
    Migration {
        version: 2,
        name: "reports",
        sql: include_str!("../migrations/0002_reports.sql"),
    },
    Migration {
        version: 3,
        name: "staff sign-in",
        sql: include_str!("../migrations/0003_staff_sign_in.sql"),
    },
    Migration {
        version: 4,
        name: "invitations",
        sql: include_str!("../migrations/0004_invitations.sql"),
    },
    Migration {
        version: 5,
        name: "mail notifications",
        sql: include_str!("../migrations/0005_mail_notifications.sql"),
    },
    Migration {
        version: 6,
        name: "api tokens",
        sql: include_str!("../migrations/0006_api_tokens.sql"),
    },
    Migration {
        version: 7,
        name: "message order and school sessions",
        sql: include_str!("../migrations/0007_message_order_and_school_sessions.sql"),
    },
    Migration {
        version: 8,
        name: "intake and follow-up",
        sql: include_str!("../migrations/0008_intake_and_follow_up.sql"),
    },
    Migration {
        version: 10,
        name: "privacy requests and registers",
        sql: include_str!("../migrations/0010_privacy_requests_and_registers.sql"),
    },
    Migration {
        version: 11,
        name: "signal acknowledgements",
        sql: include_str!("../migrations/0011_signal_acknowledgements.sql"),
    },
    Migration {
        version: 12,
        name: "retention",
        sql: include_str!("../migrations/0012_retention.sql"),
    },
    Migration {
        version: 13,
        name: "key rotation",
        sql: include_str!("../migrations/0013_key_rotation.sql"),
    },
    Migration {
        version: 14,
        name: "access reports",
        sql: include_str!("../migrations/0014_access_reports.sql"),
    },
    Migration {
        version: 15,
        name: "signal rules",
        sql: include_str!("../migrations/0015_signal_rules.sql"),
    },
    Migration {
        version: 16,
        name: "rights",
        sql: include_str!("../migrations/0016_rights.sql"),
    },
    Migration {
        version: 17,
        name: "overview day index",
        sql: include_str!("../migrations/0017_overview_day_index.sql"),
    },
    Migration {
        version: 18,
        name: "reencryption",
        sql: include_str!("../migrations/0018_reencryption.sql"),
    },
    Migration {
        version: 19,
        name: "removable contents",
        sql: include_str!("../migrations/0019_removable_contents.sql"),
    },
    Migration {
        version: 20,
        name: "name marks for the burst window",
        sql: include_str!("../migrations/0020_name_marks_for_the_burst_window.sql"),
    },
    Migration {
        version: 21,
        name: "names and links by hour",
        sql: include_str!("../migrations/0021_names_and_links_by_hour.sql"),
    },
];

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)";

/// Applies pending migrations in one transaction, under an advisory lock so that several instances
/// starting at once migrate one after the other.
pub(crate) async fn run(pool: &PgPool) -> Result<usize> {
    let mut tx = pool.begin().await.map_err(map_err)?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('signaal.migrate'))")
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    sqlx::query(CREATE_TABLE)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_migrations")
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
    let pending = migrations::pending(MIGRATIONS, &applied)?;
    for migration in &pending {
        sqlx::raw_sql(migration.sql)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(chrono::Utc::now())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
    }
    tx.commit().await.map_err(map_err)?;
    Ok(pending.len())
}

pub(crate) async fn current_version(pool: &PgPool) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations")
        .fetch_one(pool)
        .await
        .map_err(map_err)?;
    row.try_get(0)
        .map_err(|e| StorageError::Corrupt(e.to_string()))
}
