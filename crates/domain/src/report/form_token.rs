//! The form token: a signed note of when the form was handed out, for one school. It lets people
//! through who took at least a few seconds to fill in the form (bots post at once) and needs no
//! JavaScript, no cookie and nothing about the visitor. It is reusable until it expires, so a child
//! who sends two reports from one page is not stopped.

use chrono::{DateTime, Utc};

use crate::SchoolId;
use crate::secrets::{ServerSecret, same_bytes};

/// How long a form may stay open before it must be fetched again.
pub const FORM_TOKEN_MAX_AGE_SECONDS: i64 = 12 * 3600;
/// Clocks of several instances may differ a little.
const CLOCK_SKEW_SECONDS: i64 = 5;
const MAC_LEN: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenProblem {
    /// Sent sooner than a person can fill in the form.
    TooFast { wait_seconds: i64 },
    /// The page was open too long; a fresh token comes with the answer.
    Expired,
    /// Missing, damaged, made up, or for another school.
    Invalid,
}

/// Issues and checks form tokens with a secret that every instance shares.
#[derive(Clone, Debug)]
pub struct FormTokens {
    secret: ServerSecret,
}

impl FormTokens {
    pub fn new(secret: ServerSecret) -> Self {
        Self { secret }
    }

    /// A token for `school` issued at `now`: hex of the issue second and a keyed hash.
    pub fn issue(&self, school: SchoolId, now: DateTime<Utc>) -> String {
        let issued = now.timestamp();
        let mac = self.mac(school, issued);
        format!("{}{}", hex::encode(issued.to_be_bytes()), hex::encode(mac))
    }

    /// Accepts a token issued for `school` between `max age` and `min_fill_seconds` ago.
    pub fn check(
        &self,
        token: &str,
        school: SchoolId,
        now: DateTime<Utc>,
        min_fill_seconds: i64,
    ) -> Result<(), TokenProblem> {
        let bytes = hex::decode(token.trim()).map_err(|_| TokenProblem::Invalid)?;
        if bytes.len() != 8 + MAC_LEN {
            return Err(TokenProblem::Invalid);
        }
        let (issued, mac) = bytes.split_at(8);
        let issued = i64::from_be_bytes(issued.try_into().map_err(|_| TokenProblem::Invalid)?);
        if !same_bytes(mac, &self.mac(school, issued)) {
            return Err(TokenProblem::Invalid);
        }
        let age = now.timestamp() - issued;
        if age < -CLOCK_SKEW_SECONDS {
            return Err(TokenProblem::Invalid);
        }
        if age < min_fill_seconds {
            return Err(TokenProblem::TooFast {
                wait_seconds: min_fill_seconds - age.max(0),
            });
        }
        if age > FORM_TOKEN_MAX_AGE_SECONDS {
            return Err(TokenProblem::Expired);
        }
        Ok(())
    }

    fn mac(&self, school: SchoolId, issued: i64) -> [u8; MAC_LEN] {
        let full = self.secret.hash(&[
            b"form-token",
            school.as_uuid().as_bytes(),
            &issued.to_be_bytes(),
        ]);
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&full[..MAC_LEN]);
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(seconds: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_780_000_000 + seconds, 0)
            .single()
            .expect("time")
    }

    #[test]
    fn a_token_works_after_the_fill_time_and_until_it_expires() {
        let tokens = FormTokens::new(ServerSecret::random().expect("secret"));
        let school = SchoolId::new();
        let token = tokens.issue(school, at(0));
        assert_eq!(
            tokens.check(&token, school, at(1), 3),
            Err(TokenProblem::TooFast { wait_seconds: 2 })
        );
        assert_eq!(tokens.check(&token, school, at(3), 3), Ok(()));
        assert_eq!(tokens.check(&token, school, at(3), 3), Ok(()), "reusable");
        assert_eq!(
            tokens.check(&token, school, at(FORM_TOKEN_MAX_AGE_SECONDS), 3),
            Ok(())
        );
        assert_eq!(
            tokens.check(&token, school, at(FORM_TOKEN_MAX_AGE_SECONDS + 1), 3),
            Err(TokenProblem::Expired)
        );
    }

    #[test]
    fn made_up_changed_or_foreign_tokens_are_refused() {
        let tokens = FormTokens::new(ServerSecret::random().expect("secret"));
        let school = SchoolId::new();
        let token = tokens.issue(school, at(0));
        assert_eq!(
            tokens.check(&token, SchoolId::new(), at(10), 3),
            Err(TokenProblem::Invalid)
        );
        let other = FormTokens::new(ServerSecret::random().expect("secret"));
        assert_eq!(
            other.check(&token, school, at(10), 3),
            Err(TokenProblem::Invalid)
        );
        // An earlier issue time (to skip the wait) breaks the signature.
        let backdated = format!(
            "{}{}",
            hex::encode((at(-100).timestamp()).to_be_bytes()),
            &token[16..]
        );
        assert_eq!(
            tokens.check(&backdated, school, at(1), 3),
            Err(TokenProblem::Invalid)
        );
        for bad in ["", "zz", "00", &token[..20], &format!("{token}00")] {
            assert_eq!(
                tokens.check(bad, school, at(10), 3),
                Err(TokenProblem::Invalid),
                "{bad:?}"
            );
        }
        let future = tokens.issue(school, at(60));
        assert_eq!(
            tokens.check(&future, school, at(0), 3),
            Err(TokenProblem::Invalid)
        );
    }
}
