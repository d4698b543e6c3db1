use std::process::ExitCode;

// Batch work (event ingest, imports) allocates many short strings beside multi-megabyte
// statement buffers; glibc's allocator spent about a third of the ingest's own time consolidating
// its free lists, mimalloc a fraction of that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    tradelane::run()
}
