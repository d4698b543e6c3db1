//! Exit codes and how errors are shown.

use std::fmt;
use std::process::ExitCode;

pub const OK: u8 = 0;
pub const ERROR: u8 = 1;
pub const VALIDATION: u8 = 2;

/// The input was read but is invalid (rows with errors, an unknown mapping field ...). The
/// details were already printed; this only carries the one-line summary and selects exit 2.
#[derive(Debug)]
pub struct ValidationFailed(pub String);

impl fmt::Display for ValidationFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValidationFailed {}

pub fn validation(summary: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(ValidationFailed(summary.into()))
}

/// Prints the error chain ("error: outer: cause: root cause") and picks the exit code.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::from(OK),
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(code_for(&err))
        }
    }
}

pub fn code_for(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<ValidationFailed>().is_some() {
        VALIDATION
    } else {
        ERROR
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn validation_errors_exit_2_even_with_context() {
        let err = Err::<(), _>(validation("3 rows have errors"))
            .context("importing catalogue.csv")
            .expect_err("is an error");
        assert_eq!(code_for(&err), VALIDATION);
        assert_eq!(
            format!("{err:#}"),
            "importing catalogue.csv: 3 rows have errors"
        );
    }

    #[test]
    fn other_errors_exit_1() {
        assert_eq!(code_for(&anyhow::anyhow!("disk full")), ERROR);
    }
}
