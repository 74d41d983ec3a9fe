//! The system clock.

use chrono::{DateTime, SubsecRound, Utc};
use profile_application::ports::Clock;

/// The real time, to the microsecond (what both databases store).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}
