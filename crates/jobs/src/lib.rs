//! Background work of a running server. Each job keeps its state in the database, so it survives a
//! restart and several instances on one PostgreSQL database do each piece of work once.
//!
//! Now: [`notify`], the content-free mails to coordinators that there are new reports, and
//! [`purge`], deleting rejected reports 30 days after the decision.

pub mod notify;
pub mod purge;
pub mod reminders;
pub mod retention;
