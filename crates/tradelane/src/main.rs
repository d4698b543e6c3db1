use std::process::ExitCode;

fn main() -> ExitCode {
    tradelane::run()
}
