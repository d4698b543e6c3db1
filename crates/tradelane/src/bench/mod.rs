//! `tradelane bench ...`: performance measurements on real components, each against a naive
//! baseline in the same run. Results go to crates/tradelane/BENCHMARKS.md by hand.

pub mod api;
pub mod import;
pub mod load;
pub mod synthetic;

/// Peak resident memory of this process so far (VmHWM), in KiB; None off Linux.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

fn parse_vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_hwm_from_proc_status() {
        let status =
            "Name:\ttradelane\nVmPeak:\t  300000 kB\nVmHWM:\t   12345 kB\nVmRSS:\t 100 kB\n";
        assert_eq!(parse_vm_hwm(status), Some(12345));
        assert_eq!(parse_vm_hwm("Name: x\n"), None);
    }
}
