//! Limits for the public routes, in memory only. A client is known here by a keyed hash of its
//! address, with a key that is made at random and replaced every day, so nothing here can be
//! turned back into an address, and nothing of it outlives the day or the process.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use signaal_domain::secrets::ServerSecret;

/// Above this many tracked windows, expired ones are swept out (keeps memory flat under a flood).
const SWEEP_ABOVE: usize = 50_000;
/// A hard ceiling: beyond it, new clients share one bucket rather than growing memory.
const MAX_TRACKED: usize = 200_000;

/// What is being counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Reports stored, per client.
    Submission,
    /// Receipts typed that matched nothing, per client.
    ReceiptMiss,
    /// Receipts typed that matched nothing, per school (slows guessing spread over many addresses).
    SchoolReceiptMiss,
    /// Reports stored, per school.
    SchoolReports,
    /// Failed staff logins, per client.
    LoginFailure,
    /// API requests with a token that is malformed or unknown, per client.
    TokenFailure,
    /// Staff API requests the policy refused (each one is audited), per account.
    Refusal,
}

/// A client as the throttle knows it: 16 bytes of a keyed hash, never the address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientKey([u8; 16]);

impl ClientKey {
    /// A key for something that is not a person (a school), so it can share the same counters.
    pub fn for_bytes(bytes: &[u8]) -> Self {
        let mut key = [0u8; 16];
        for (i, b) in bytes.iter().enumerate() {
            key[i % 16] ^= *b;
        }
        Self(key)
    }
}

/// A limit: at most `max` in a window of `seconds`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub seconds: i64,
}

/// How long until trying again may work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfter(pub i64);

struct Window {
    started: i64,
    count: u32,
}

impl Window {
    /// Whether one more fits; an expired window always admits.
    fn admits(&self, limit: Limit, now: i64) -> Result<(), RetryAfter> {
        let age = now - self.started;
        if age < limit.seconds && self.count >= limit.max {
            Err(RetryAfter(limit.seconds - age))
        } else {
            Ok(())
        }
    }
}

struct State {
    day: i64,
    secret: ServerSecret,
    windows: HashMap<(Kind, ClientKey), Window>,
    /// Sweep when the map grows past this (doubled after each sweep, so sweeping stays rare under a
    /// flood), or when it is large and the last sweep is an hour old.
    sweep_at: usize,
    swept: i64,
}

pub struct Throttle {
    state: Mutex<State>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Throttle")
    }
}

fn day_of(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(86_400)
}

impl Throttle {
    pub fn new(now: DateTime<Utc>) -> Result<Self, signaal_domain::secrets::KeyError> {
        Ok(Self {
            state: Mutex::new(State {
                day: day_of(now),
                secret: ServerSecret::random()?,
                windows: HashMap::new(),
                sweep_at: SWEEP_ABOVE,
                swept: now.timestamp(),
            }),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves only counters behind; they are safe to keep using.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The key for a client address; a new day brings a new secret and forgets every counter.
    pub fn client(&self, address: Option<IpAddr>, now: DateTime<Utc>) -> ClientKey {
        let mut state = self.lock();
        Self::rotate(&mut state, now);
        let text = address.map(|a| a.to_string()).unwrap_or_default();
        let hash = state.secret.hash(&[b"client", text.as_bytes()]);
        let mut key = [0u8; 16];
        key.copy_from_slice(&hash[..16]);
        ClientKey(key)
    }

    fn rotate(state: &mut State, now: DateTime<Utc>) {
        let today = day_of(now);
        if state.day != today {
            state.day = today;
            // Without fresh randomness the old secret stays; the counters still reset.
            if let Ok(secret) = ServerSecret::random() {
                state.secret = secret;
            }
            state.windows.clear();
            state.sweep_at = SWEEP_ABOVE;
        }
    }

    /// Whether one more would be within the limit, without counting it.
    pub fn check(
        &self,
        kind: Kind,
        key: ClientKey,
        limit: Limit,
        now: DateTime<Utc>,
    ) -> Result<(), RetryAfter> {
        let mut state = self.lock();
        Self::rotate(&mut state, now);
        match state.windows.get(&(kind, key)) {
            Some(window) => window.admits(limit, now.timestamp()),
            None => Ok(()),
        }
    }

    /// Counts one; refuses (without counting) when the limit is reached.
    pub fn take(
        &self,
        kind: Kind,
        key: ClientKey,
        limit: Limit,
        now: DateTime<Utc>,
    ) -> Result<(), RetryAfter> {
        let mut state = self.lock();
        Self::rotate(&mut state, now);
        let now_s = now.timestamp();
        let size = state.windows.len();
        if size > state.sweep_at || (size > SWEEP_ABOVE && now_s - state.swept >= 3600) {
            // Windows are at most an hour long, and a new day clears them anyway.
            state.windows.retain(|_, w| now_s - w.started < 3600);
            state.sweep_at = (state.windows.len() * 2).max(SWEEP_ABOVE);
            state.swept = now_s;
        }
        let key = if state.windows.len() >= MAX_TRACKED {
            ClientKey([0xff; 16])
        } else {
            key
        };
        let window = state.windows.entry((kind, key)).or_insert(Window {
            started: now_s,
            count: 0,
        });
        if now_s - window.started >= limit.seconds {
            *window = Window {
                started: now_s,
                count: 0,
            };
        }
        window.admits(limit, now_s)?;
        window.count += 1;
        Ok(())
    }

    /// How many windows are tracked (for tests of the memory bound).
    pub fn tracked(&self) -> usize {
        self.lock().windows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0)
            .single()
            .expect("time")
            + chrono::Duration::seconds(seconds)
    }

    #[test]
    fn a_limit_holds_within_its_window_and_lifts_after() {
        let throttle = Throttle::new(at(0)).expect("throttle");
        let client = throttle.client(Some("192.0.2.7".parse().expect("ip")), at(0));
        let limit = Limit {
            max: 2,
            seconds: 60,
        };
        assert_eq!(
            throttle.take(Kind::Submission, client, limit, at(0)),
            Ok(())
        );
        assert_eq!(
            throttle.take(Kind::Submission, client, limit, at(1)),
            Ok(())
        );
        assert_eq!(
            throttle.check(Kind::Submission, client, limit, at(2)),
            Err(RetryAfter(58))
        );
        assert_eq!(
            throttle.take(Kind::Submission, client, limit, at(2)),
            Err(RetryAfter(58))
        );
        // Another kind and another client have their own counters.
        assert_eq!(
            throttle.take(Kind::ReceiptMiss, client, limit, at(2)),
            Ok(())
        );
        let other = throttle.client(Some("192.0.2.8".parse().expect("ip")), at(2));
        assert_eq!(throttle.take(Kind::Submission, other, limit, at(2)), Ok(()));
        assert_eq!(
            throttle.take(Kind::Submission, client, limit, at(60)),
            Ok(())
        );
    }

    #[test]
    fn keys_are_keyed_hashes_that_change_every_day() {
        let throttle = Throttle::new(at(0)).expect("throttle");
        let address = Some("192.0.2.7".parse().expect("ip"));
        let morning = throttle.client(address, at(0));
        assert_eq!(morning, throttle.client(address, at(3600)));
        assert_ne!(
            morning,
            throttle.client(address, at(86_400)),
            "a new day, a new secret"
        );
        assert_ne!(morning.0[..4], [192, 0, 2, 7]);
        // Another process (another secret) gives another key for the same address.
        assert_ne!(
            morning,
            Throttle::new(at(0))
                .expect("throttle")
                .client(address, at(0))
        );
    }

    #[test]
    fn a_flood_of_addresses_does_not_grow_memory_without_bound() {
        let throttle = Throttle::new(at(0)).expect("throttle");
        let limit = Limit {
            max: 5,
            seconds: 3600,
        };
        for i in 0..(MAX_TRACKED as u32 + 1000) {
            let address = Some(IpAddr::from(i.to_be_bytes()));
            let key = throttle.client(address, at(0));
            let _ = throttle.take(Kind::Submission, key, limit, at(0));
        }
        assert!(
            throttle.tracked() <= MAX_TRACKED + 1,
            "{}",
            throttle.tracked()
        );
        let _ = throttle.take(
            Kind::Submission,
            ClientKey::for_bytes(b"x"),
            limit,
            at(4000),
        );
        assert!(
            throttle.tracked() < 10,
            "expired windows are swept: {}",
            throttle.tracked()
        );
    }
}
