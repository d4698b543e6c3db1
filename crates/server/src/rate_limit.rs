//! Failed-login throttling per (client IP, e-mail): a sliding window in memory. Enough for one
//! process; replicas behind a load balancer each keep their own window, which only makes the
//! limit per replica (still bounded).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max_failures: usize, window: Duration) -> Self {
        LoginLimiter {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn key(ip: &str, email: &str) -> String {
        format!("{ip}\u{0}{}", email.trim().to_lowercase())
    }

    fn prune(&self, entry: &mut VecDeque<Instant>, now: Instant) {
        while entry
            .front()
            .is_some_and(|t| now.duration_since(*t) >= self.window)
        {
            entry.pop_front();
        }
    }

    /// True when another attempt may be made now.
    pub fn allowed(&self, ip: &str, email: &str, now: Instant) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        match map.get_mut(&Self::key(ip, email)) {
            Some(entry) => {
                self.prune(entry, now);
                entry.len() < self.max_failures
            }
            None => true,
        }
    }

    pub fn record_failure(&self, ip: &str, email: &str, now: Instant) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        // Bound memory under a spray of distinct keys: forget windows that have fully expired.
        if map.len() > 10_000 {
            map.retain(|_, entry| {
                entry
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < self.window)
            });
        }
        let entry = map.entry(Self::key(ip, email)).or_default();
        self.prune(entry, now);
        entry.push_back(now);
    }

    pub fn record_success(&self, ip: &str, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&Self::key(ip, email));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures_and_recovers_after_window() {
        let limiter = LoginLimiter::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.allowed("1.2.3.4", "a@b.c", t0));
            limiter.record_failure("1.2.3.4", "a@b.c", t0);
        }
        assert!(!limiter.allowed("1.2.3.4", "A@B.C ", t0));
        // Other e-mail or other IP is unaffected.
        assert!(limiter.allowed("1.2.3.4", "x@b.c", t0));
        assert!(limiter.allowed("5.6.7.8", "a@b.c", t0));
        assert!(limiter.allowed("1.2.3.4", "a@b.c", t0 + Duration::from_secs(61)));
    }

    #[test]
    fn success_clears_failures() {
        let limiter = LoginLimiter::new(2, Duration::from_secs(60));
        let t0 = Instant::now();
        limiter.record_failure("ip", "e", t0);
        limiter.record_failure("ip", "e", t0);
        assert!(!limiter.allowed("ip", "e", t0));
        limiter.record_success("ip", "e");
        assert!(limiter.allowed("ip", "e", t0));
    }
}
