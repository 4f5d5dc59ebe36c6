//! Numbers from Linux's `/proc/<pid>/status` (e.g. peak RSS, `VmHWM`, in KiB).

/// The first number of `field` (e.g. `"VmHWM:"`, `"PPid:"`) in `/proc/<pid>/status`;
/// `pid` may be `"self"`.
pub fn field(pid: &str, field: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
