//! The `signaal` binary: the command line, configuration and the wiring of storage, web and jobs.

pub mod backend;
pub mod backup;
pub mod cli;
pub mod commands;
pub mod connections;
pub mod demo;
pub mod keys;
pub mod lexicons;
pub mod serve;
pub mod settings;
pub mod tls;

/// A command failed; the message is for the operator and says what to do.
#[derive(Debug)]
pub struct Failure(pub String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

impl From<signaal_storage::StorageError> for Failure {
    fn from(error: signaal_storage::StorageError) -> Self {
        Failure(error.to_string())
    }
}

impl From<settings::SettingsError> for Failure {
    fn from(error: settings::SettingsError) -> Self {
        Failure(error.to_string())
    }
}

impl From<signaal_domain::policy::Denied> for Failure {
    fn from(_: signaal_domain::policy::Denied) -> Self {
        Failure("not allowed".to_owned())
    }
}

pub type CommandResult<T = ()> = Result<T, Failure>;
