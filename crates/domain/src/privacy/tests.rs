use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

#[test]
fn the_deadline_is_one_calendar_month_and_month_ends_are_clamped() {
    assert_eq!(response_deadline(d(2026, 3, 10)), d(2026, 4, 10));
    assert_eq!(response_deadline(d(2026, 1, 31)), d(2026, 2, 28));
    assert_eq!(
        response_deadline(d(2028, 1, 31)),
        d(2028, 2, 29),
        "leap year"
    );
    assert_eq!(response_deadline(d(2026, 3, 31)), d(2026, 4, 30));
    assert_eq!(
        response_deadline(d(2026, 12, 15)),
        d(2027, 1, 15),
        "over the year end"
    );
    assert_eq!(response_deadline(d(2028, 2, 29)), d(2028, 3, 29));
}

#[test]
fn an_extension_is_given_only_within_the_first_month_once_and_for_at_most_two_months() {
    let received = d(2026, 1, 31);
    // Two further months from the received date, clamped at the month end: 31 March, 30 April.
    assert_eq!(
        extend(received, 2, d(2026, 2, 10), d(2026, 2, 10), false, false),
        Ok(d(2026, 4, 30))
    );
    assert_eq!(
        extend(received, 1, d(2026, 2, 28), d(2026, 2, 28), false, false),
        Ok(d(2026, 3, 31)),
        "on the last day of the first month it is still allowed"
    );
    assert_eq!(
        extend(received, 1, d(2026, 3, 1), d(2026, 3, 1), false, false),
        Err(ExtensionError::FirstMonthOver),
        "a day later it is not"
    );
    assert_eq!(
        extend(received, 3, d(2026, 2, 1), d(2026, 2, 1), false, false),
        Err(ExtensionError::BadLength)
    );
    assert_eq!(
        extend(received, 0, d(2026, 2, 1), d(2026, 2, 1), false, false),
        Err(ExtensionError::BadLength)
    );
    assert_eq!(
        extend(received, 1, d(2026, 2, 1), d(2026, 2, 1), true, false),
        Err(ExtensionError::AlreadyExtended)
    );
    assert_eq!(
        extend(received, 1, d(2026, 2, 1), d(2026, 2, 1), false, true),
        Err(ExtensionError::AlreadyDecided)
    );
    assert_eq!(
        extend(received, 1, d(2026, 1, 30), d(2026, 2, 1), false, false),
        Err(ExtensionError::BadNoticeDate),
        "a notice before the request"
    );
    assert_eq!(
        extend(received, 1, d(2026, 2, 2), d(2026, 2, 1), false, false),
        Err(ExtensionError::BadNoticeDate),
        "a notice in the future"
    );
}

#[test]
fn the_requester_is_the_parent_until_the_sixteenth_birthday() {
    let born = Some(d(2010, 6, 15));
    assert_eq!(requester_on(born, d(2026, 6, 14)), Some(Requester::Parent));
    assert_eq!(requester_on(born, d(2026, 6, 15)), Some(Requester::Pupil));
    assert_eq!(requester_on(born, d(2030, 1, 1)), Some(Requester::Pupil));
    assert_eq!(requester_on(None, d(2026, 6, 15)), None);
}

#[test]
fn a_leap_day_birth_turns_sixteen_on_the_first_of_march_in_other_years() {
    // 29 February 2012 + 16 years = 2028, a leap year: the birthday itself.
    let leap = Some(d(2012, 2, 29));
    assert_eq!(requester_on(leap, d(2028, 2, 28)), Some(Requester::Parent));
    assert_eq!(requester_on(leap, d(2028, 2, 29)), Some(Requester::Pupil));
    // Sixteen years after a leap day is a leap day again, except over a century year that is not
    // a leap year: born 29 February 2084, sixteen on 1 March 2100.
    let century = Some(d(2084, 2, 29));
    assert_eq!(
        requester_on(century, d(2100, 2, 28)),
        Some(Requester::Parent)
    );
    assert_eq!(requester_on(century, d(2100, 3, 1)), Some(Requester::Pupil));
    assert_eq!(birthday(d(2000, 2, 29), 17), Some(d(2017, 3, 1)));
    assert_eq!(birthday(d(2008, 2, 29), 15), Some(d(2023, 3, 1)));
    // Someone born 29 February 2011 does not exist; 28 February 2011 turns 16 on 28 February 2027.
    assert_eq!(
        requester_on(Some(d(2011, 2, 28)), d(2027, 2, 27)),
        Some(Requester::Parent)
    );
    assert_eq!(
        requester_on(Some(d(2011, 2, 28)), d(2027, 2, 28)),
        Some(Requester::Pupil)
    );
}

#[test]
fn deadlines_are_highlighted_five_days_ahead_and_marked_when_over() {
    let deadline = d(2026, 3, 10);
    assert_eq!(
        deadline_state(deadline, d(2026, 3, 4), false),
        DeadlineState::Open
    );
    assert_eq!(
        deadline_state(deadline, d(2026, 3, 5), false),
        DeadlineState::DueSoon
    );
    assert_eq!(
        deadline_state(deadline, d(2026, 3, 10), false),
        DeadlineState::DueSoon
    );
    assert_eq!(
        deadline_state(deadline, d(2026, 3, 11), false),
        DeadlineState::Overdue
    );
    assert_eq!(
        deadline_state(deadline, d(2026, 3, 11), true),
        DeadlineState::Decided
    );
}

#[test]
fn reasons_must_say_something() {
    assert_eq!(reasons("  te kort "), None);
    assert_eq!(
        reasons(" Het kind zou in gevaar komen.\r\n"),
        Some("Het kind zou in gevaar komen.".to_owned())
    );
    assert_eq!(reasons(&"x".repeat(MAX_TEXT_CHARS + 1)), None);
}

#[test]
fn the_dpa_deadline_is_seventy_two_hours_after_discovery() {
    let found = DateTime::parse_from_rfc3339("2026-03-28T23:30:00Z")
        .expect("time")
        .with_timezone(&Utc);
    assert_eq!(
        dpa_deadline(found).to_rfc3339(),
        "2026-03-31T23:30:00+00:00"
    );
}

#[test]
fn retention_defaults_follow_the_spec_and_bounds_are_enforced() {
    let defaults = RetentionPolicy::default();
    assert_eq!(defaults.values(), [12, 12, 6, 30, 0, 5]);
    assert_eq!(
        RetentionPolicy::from_values(defaults.values()),
        Ok(defaults)
    );
    assert_eq!(
        RetentionPolicy::from_values([0, 12, 13, 30, 0, 5]),
        Err(vec!["report_months", "usage_log_months"])
    );
    assert_eq!(
        RetentionPolicy::from_values([12, 12, 6, 91, 91, 8]),
        Err(vec!["rejected_days", "left_pupil_days", "request_years"])
    );
}

#[test]
fn codes_round_trip() {
    for kind in RequestKind::ALL {
        assert_eq!(RequestKind::parse(kind.code()), Some(*kind));
    }
    for ground in LegalGround::ALL {
        assert_eq!(LegalGround::parse(ground.code()), Some(*ground));
    }
    assert_eq!(RequestKind::ALL.len(), 6);
    assert_eq!(Decision::parse("maybe"), None);
}
