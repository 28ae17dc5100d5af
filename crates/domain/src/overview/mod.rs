//! Overviews and signals (SPEC §2.4): the rules that turn approved reports into signals for people to
//! look at, the small-cell suppression of anonymous aggregates, and the calendar the charts use.

pub mod calendar;
pub mod signals;
pub mod suppression;
