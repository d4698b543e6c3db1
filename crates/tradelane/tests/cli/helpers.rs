//! Running the binary against a fresh database.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PASSWORD: &str = "correct horse battery";

/// A fresh installation: its own data directory and database.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub database_url: String,
    pub backend: &'static str,
    _pg: Option<PgDb>,
}

/// A throw-away PostgreSQL database from the store's test support, dropped with the Env.
struct PgDb {
    test_store: Option<tradelane_store::testing::TestStore>,
    runtime: tokio::runtime::Runtime,
}

impl Drop for PgDb {
    fn drop(&mut self) {
        let _guard = self.runtime.enter();
        drop(self.test_store.take());
    }
}

impl Env {
    pub fn sqlite() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let database_url = tradelane_store::sqlite_url_for_dir(dir.path());
        Env {
            dir,
            database_url,
            backend: "sqlite",
            _pg: None,
        }
    }

    /// A new, empty PostgreSQL database; None (with a note) when PostgreSQL is unreachable,
    /// a panic instead when TRADELANE_REQUIRE_PG=1.
    pub fn postgres() -> Option<Env> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let test_store = runtime.block_on(tradelane_store::testing::postgres())?;
        // The binary opens its own connections; this pool is only the database's owner.
        runtime.block_on(test_store.store().close());
        let database_url = test_store.url().to_string();
        let dir = tempfile::tempdir().expect("temp dir");
        let pg = PgDb {
            test_store: Some(test_store),
            runtime,
        };
        Some(Env {
            dir,
            database_url,
            backend: "postgres",
            _pg: Some(pg),
        })
    }

    /// SQLite always, PostgreSQL when available.
    pub fn all() -> Vec<Env> {
        let mut envs = vec![Env::sqlite()];
        envs.extend(Env::postgres());
        envs
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tradelane"));
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TRADELANE_DATABASE_URL", &self.database_url)
            .env("TRADELANE_DATA_DIR", self.dir.path())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs `tradelane ARGS` and returns its output, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Run {
        let output = self.command().args(args).output().expect("the binary runs");
        Run::new(args, output)
    }

    /// Runs with `stdin` fed to standard input.
    pub fn run_with_stdin(&self, args: &[&str], stdin: &[u8]) -> Run {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(stdin)
            .expect("write stdin");
        let output = child.wait_with_output().expect("the binary runs");
        Run::new(args, output)
    }

    /// Runs and asserts success.
    pub fn ok(&self, args: &[&str]) -> Run {
        self.run(args).success()
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write fixture");
        path
    }

    /// An organisation with its first owner, created the way the README says.
    pub fn with_owner(self, org: &str) -> Env {
        self.ok(&[
            "user",
            "create",
            "--org",
            org,
            "--email",
            "owner@example.com",
            "--name",
            "Owner",
            "--role",
            "owner",
            "--password",
            PASSWORD,
        ]);
        self
    }

    /// `sku list --format json` as parsed JSON items.
    pub fn skus(&self, org: &str) -> Vec<serde_json::Value> {
        let run = self.ok(&[
            "sku",
            "list",
            "--org",
            org,
            "--per-page",
            "200",
            "--format",
            "json",
        ]);
        match serde_json::from_str(&run.stdout).expect("sku list prints JSON") {
            serde_json::Value::Array(items) => items,
            other => panic!("expected a JSON array, got {other}"),
        }
    }
}

pub struct Run {
    pub args: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn new(args: &[&str], output: Output) -> Run {
        Run {
            args: args.join(" "),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub fn success(self) -> Run {
        assert_eq!(
            self.code,
            Some(0),
            "`tradelane {}` failed:\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn exit_code(&self, expected: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(expected),
            "`tradelane {}`:\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Codes of SKU list items.
pub fn codes(items: &[serde_json::Value]) -> Vec<String> {
    let mut codes: Vec<String> = items
        .iter()
        .map(|s| {
            s["record"]["code"]
                .as_str()
                .expect("code is a string")
                .to_string()
        })
        .collect();
    codes.sort();
    codes
}

pub fn find<'a>(items: &'a [serde_json::Value], code: &str) -> &'a serde_json::Value {
    items
        .iter()
        .find(|s| s["record"]["code"] == code)
        .unwrap_or_else(|| panic!("SKU {code} is not listed"))
}
