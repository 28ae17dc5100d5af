//! Background work of a running server. Each job keeps its state in the database, so it survives a
//! restart and several instances on one PostgreSQL database do each piece of work once.
//!
//! Now: [`notify`], the content-free mails to coordinators that there are new reports.

pub mod notify;
pub mod reminders;
