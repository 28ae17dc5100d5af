//! When a staff session ends, and how failed logins lock an account. Pure rules with the time
//! passed in, so tests can move the clock.

use chrono::{DateTime, Duration, Utc};

/// Idle sessions end after this by default (a school may choose another).
pub const DEFAULT_IDLE_MINUTES: i64 = 15;
/// The choices a school has for its idle limit: short enough to protect an unattended screen in
/// a classroom, long enough to write a logbook entry.
pub const IDLE_MINUTE_CHOICES: [i64; 6] = [5, 10, 15, 20, 30, 60];

/// The idle limit of a session for an account at these schools: the strictest of them.
pub fn idle_minutes_for(schools: impl IntoIterator<Item = i64>) -> i64 {
    schools.into_iter().min().unwrap_or(DEFAULT_IDLE_MINUTES)
}

/// No session lives longer than this, however active.
pub const ABSOLUTE_LIMIT_HOURS: i64 = 12;

/// Why a session is no longer valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    Idle,
    Absolute,
    /// The account's access ended (an advisor's period), or it has no role left.
    AccessEnded,
}

/// Whether a session that began at `created_at` and was last used at `last_seen_at` is still valid
/// at `now`. Idle for exactly the limit counts as expired.
pub fn check_session(
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
    idle: Duration,
    access_ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), SessionEnd> {
    if now - created_at >= Duration::hours(ABSOLUTE_LIMIT_HOURS) {
        return Err(SessionEnd::Absolute);
    }
    if now - last_seen_at >= idle {
        return Err(SessionEnd::Idle);
    }
    if access_ends_at.is_some_and(|end| now >= end) {
        return Err(SessionEnd::AccessEnded);
    }
    Ok(())
}

/// Failed logins allowed before the account locks.
pub const FREE_FAILURES: i64 = 5;
/// The longest lock.
pub const MAX_LOCK_MINUTES: i64 = 60;

/// The lock a failure earns: none for the first few, then 1 minute, doubling with every further
/// failure, at most an hour. Reaching the end of a lock does not reset the count; a successful login
/// does.
pub fn lock_after(failures: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_FAILURES).min(6) as u32;
    let minutes = (1i64 << doublings).min(MAX_LOCK_MINUTES);
    Some(now + Duration::minutes(minutes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: i64, second: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0)
            .single()
            .expect("time")
            + Duration::minutes(minute)
            + Duration::seconds(second)
    }

    #[test]
    fn idle_sessions_end_after_fifteen_minutes() {
        let idle = Duration::minutes(DEFAULT_IDLE_MINUTES);
        assert_eq!(
            check_session(at(0, 0), at(0, 0), idle, None, at(14, 59)),
            Ok(())
        );
        assert_eq!(
            check_session(at(0, 0), at(0, 0), idle, None, at(15, 1)),
            Err(SessionEnd::Idle)
        );
        assert_eq!(
            check_session(at(0, 0), at(0, 0), idle, None, at(15, 0)),
            Err(SessionEnd::Idle)
        );
        // Activity moves the idle limit along.
        assert_eq!(
            check_session(at(0, 0), at(10, 0), idle, None, at(24, 59)),
            Ok(())
        );
    }

    #[test]
    fn no_session_outlives_the_absolute_limit() {
        let idle = Duration::minutes(DEFAULT_IDLE_MINUTES);
        let limit = ABSOLUTE_LIMIT_HOURS * 60;
        assert_eq!(
            check_session(at(0, 0), at(limit - 1, 0), idle, None, at(limit - 1, 59)),
            Ok(())
        );
        assert_eq!(
            check_session(at(0, 0), at(limit - 1, 0), idle, None, at(limit, 0)),
            Err(SessionEnd::Absolute)
        );
    }

    #[test]
    fn a_session_ends_the_moment_access_ends() {
        let idle = Duration::minutes(DEFAULT_IDLE_MINUTES);
        let end = at(5, 0);
        assert_eq!(
            check_session(at(0, 0), at(4, 0), idle, Some(end), at(4, 59)),
            Ok(())
        );
        assert_eq!(
            check_session(at(0, 0), at(4, 0), idle, Some(end), at(5, 0)),
            Err(SessionEnd::AccessEnded)
        );
    }

    #[test]
    fn failures_lock_for_longer_and_longer() {
        let now = at(0, 0);
        for failures in 0..FREE_FAILURES {
            assert_eq!(lock_after(failures, now), None);
        }
        assert_eq!(lock_after(5, now), Some(at(1, 0)));
        assert_eq!(lock_after(6, now), Some(at(2, 0)));
        assert_eq!(lock_after(7, now), Some(at(4, 0)));
        assert_eq!(lock_after(11, now), Some(at(60, 0)));
        assert_eq!(lock_after(500, now), Some(at(60, 0)));
    }
}
