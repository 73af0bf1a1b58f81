//! What fixing a finding saves a visitor (computed by `impact`): the types, the network
//! profiles and the priority scale.

use serde::Serialize;

/// A network a visitor may be on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    pub name: &'static str,
    /// Bits per second.
    pub throughput: u64,
    /// Round-trip time in milliseconds.
    pub round_trip_ms: u64,
}

/// Lighthouse's mobile throttling (its "Slow 4G": 1.6 Mbit/s = 1,638.4 kbit/s, 150 ms RTT).
pub const MOBILE: Profile = Profile {
    name: "mobile",
    throughput: 1_638_400,
    round_trip_ms: 150,
};

/// Lighthouse's desktop throttling (10 Mbit/s = 10,240 kbit/s, 40 ms RTT).
pub const DESKTOP: Profile = Profile {
    name: "desktop",
    throughput: 10_485_760,
    round_trip_ms: 40,
};

/// size-limit's slow 3G (50 KiB/s), with the 400 ms round trip of Chrome DevTools' "Slow 3G".
pub const SLOW_3G: Profile = Profile {
    name: "slow3g",
    throughput: 50 * 1024 * 8,
    round_trip_ms: 400,
};

pub const PROFILES: [Profile; 3] = [MOBILE, DESKTOP, SLOW_3G];

impl Default for Profile {
    /// Lighthouse's default: mobile.
    fn default() -> Profile {
        MOBILE
    }
}

impl Profile {
    pub fn parse(name: &str) -> Option<Profile> {
        PROFILES.into_iter().find(|p| p.name == name)
    }

    /// Milliseconds to move `bytes` and make `requests` round trips on this network.
    pub fn milliseconds(self, bytes: u64, requests: u64) -> u64 {
        let transfer = (bytes as u128 * 8 * 1000).div_ceil(self.throughput as u128) as u64;
        transfer + requests * self.round_trip_ms
    }
}

/// What fixing one finding saves a visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Impact {
    /// Bytes saved on the wire, as served (compressed size for text, raw for the rest).
    pub bytes: u64,
    /// Requests the fix removes (a request for a missing file).
    #[serde(skip_serializing_if = "is_zero")]
    pub requests: u64,
    /// Whether the bytes are part of a first visit before the page can render: a page's initial
    /// scripts and stylesheets, the page itself, images above the fold or preloaded.
    /// Bytes the fix takes off the critical path of a first visit without saving them (a
    /// render-blocking stylesheet or script loaded without blocking): the first paint no longer
    /// waits for them, so they count in `ms`, but nothing less is downloaded.
    #[serde(skip_serializing_if = "is_zero")]
    pub deferred_bytes: u64,
    pub critical_path: bool,
    /// Estimated milliseconds saved per profile.
    pub ms: ProfileMilliseconds,
    /// `P0` … `P3` under the ranking profile (see [`priority`]).
    pub priority: Priority,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct ProfileMilliseconds {
    pub mobile: u64,
    pub desktop: u64,
    pub slow3g: u64,
}

impl ProfileMilliseconds {
    pub fn of(&self, profile: Profile) -> u64 {
        match profile.name {
            "desktop" => self.desktop,
            "slow3g" => self.slow3g,
            _ => self.mobile,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
pub enum Priority {
    P0,
    P1,
    P2,
    P3,
}

impl Priority {
    pub fn name(self) -> &'static str {
        match self {
            Priority::P0 => "P0",
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        }
    }
}

/// The priority of a saving of `ms` milliseconds: P0 from 1000 ms, P1 from 200, P2 from 50,
/// P3 below. Bytes off the critical path (lazy chunks, images below the fold) rank one level
/// lower than the same saving on it.
pub fn priority(ms: u64, critical_path: bool) -> Priority {
    let on_path = match ms {
        1000.. => Priority::P0,
        200..1000 => Priority::P1,
        50..200 => Priority::P2,
        _ => Priority::P3,
    };
    match (critical_path, on_path) {
        (true, priority) | (false, priority @ Priority::P3) => priority,
        (false, Priority::P0) => Priority::P1,
        (false, Priority::P1) => Priority::P2,
        (false, Priority::P2) => Priority::P3,
    }
}

/// A SARIF `rank` (0–100: how much the result matters) for a saving of `ms` milliseconds: 5
/// points per 100 ms, so 2 s or more is 100.
pub fn sarif_rank(ms: u64) -> u64 {
    (ms / 20).min(100)
}

/// One entry of the report's ranked list of what to fix first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Opportunity {
    /// Index of the finding in the report's `findings`.
    pub finding: usize,
    pub rule: &'static str,
    /// The file the saving is in.
    pub path: Option<String>,
    pub priority: Priority,
    pub critical_path: bool,
    /// Bytes saved on the wire.
    pub bytes: u64,
    /// Bytes moved off the first paint's critical path, not saved (see [`Impact`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub deferred_bytes: u64,
    /// Milliseconds saved under the ranking profile.
    pub ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds_follow_the_transfer_model() {
        // 100 kB at 1,638,400 bit/s: 800,000 / 1,638,400 s = 488.28 ms, rounded up.
        assert_eq!(MOBILE.milliseconds(100_000, 0), 489);
        // 10,485,760 bit/s: 76.29 ms.
        assert_eq!(DESKTOP.milliseconds(100_000, 0), 77);
        // 50 KiB/s: 100,000 / 51,200 s = 1953.125 ms.
        assert_eq!(SLOW_3G.milliseconds(100_000, 0), 1954);
        // A removed request saves its round trip.
        assert_eq!(MOBILE.milliseconds(0, 1), 150);
        assert_eq!(DESKTOP.milliseconds(0, 2), 80);
    }

    #[test]
    fn priorities_have_their_boundaries() {
        assert_eq!(priority(1000, true), Priority::P0);
        assert_eq!(priority(999, true), Priority::P1);
        assert_eq!(priority(200, true), Priority::P1);
        assert_eq!(priority(199, true), Priority::P2);
        assert_eq!(priority(50, true), Priority::P2);
        assert_eq!(priority(49, true), Priority::P3);
        assert_eq!(priority(0, true), Priority::P3);
    }

    #[test]
    fn off_the_critical_path_ranks_one_level_lower() {
        assert_eq!(priority(5000, false), Priority::P1);
        assert_eq!(priority(300, false), Priority::P2);
        assert_eq!(priority(60, false), Priority::P3);
        assert_eq!(priority(10, false), Priority::P3);
    }

    #[test]
    fn sarif_rank_grows_with_the_time_saved_up_to_100() {
        assert_eq!(sarif_rank(0), 0);
        assert_eq!(sarif_rank(19), 0);
        assert_eq!(sarif_rank(1000), 50);
        assert_eq!(sarif_rank(2000), 100);
        assert_eq!(sarif_rank(60_000), 100);
    }

    #[test]
    fn profiles_parse_by_name() {
        assert_eq!(Profile::parse("desktop"), Some(DESKTOP));
        assert_eq!(Profile::parse("slow3g"), Some(SLOW_3G));
        assert_eq!(Profile::parse("4g"), None);
    }
}
