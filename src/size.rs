//! Byte sizes as people write them in budgets, and as webaudit prints them.
//!
//! `kB`/`KB` mean 1000 bytes, as size-limit and bundlewatch use them; `KiB` means 1024.
//! A bare number is bytes. Every printed size names its unit.

use std::fmt;

/// The forms `parse_size` accepts, listed in error messages.
pub const ACCEPTED_SIZE_FORMS: &str = "a number of bytes (`150000`), or a number with a unit: B, kB/KB (1000 B), KiB (1024 B), MB (1000000 B), MiB (1048576 B), GB, GiB — e.g. `150kB`, `1.5 MB`, `200 KiB`";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeParseError {
    pub input: String,
}

impl fmt::Display for SizeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid size {:?}: expected {}",
            self.input, ACCEPTED_SIZE_FORMS
        )
    }
}

impl std::error::Error for SizeParseError {}

/// Parses `"150kB"`, `"1.5 MB"`, `"200 KiB"`, `"12345"` into bytes.
pub fn parse_size(input: &str) -> Result<u64, SizeParseError> {
    let error = || SizeParseError {
        input: input.to_string(),
    };
    let trimmed = input.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: String = number.chars().filter(|&c| c != '_').collect();
    if number.is_empty() || number.starts_with('.') || number.ends_with('.') {
        return Err(error());
    }
    let multiplier: u64 = match unit.trim() {
        "" | "B" | "b" => 1,
        "kB" | "KB" | "kb" => 1000,
        "KiB" | "kiB" => 1024,
        "MB" | "mB" => 1_000_000,
        "MiB" => 1024 * 1024,
        "GB" => 1_000_000_000,
        "GiB" => 1024 * 1024 * 1024,
        _ => return Err(error()),
    };
    if let Ok(whole) = number.parse::<u64>() {
        return whole.checked_mul(multiplier).ok_or_else(error);
    }
    // Fractions: exact decimal arithmetic, so "1.5 kB" is 1500 bytes, not 1499.
    let (whole, fraction) = number.split_once('.').ok_or_else(error)?;
    if fraction.contains('.') || fraction.len() > 12 {
        return Err(error());
    }
    let whole: u64 = whole.parse().map_err(|_| error())?;
    let scale = 10u128.pow(fraction.len() as u32);
    let fraction: u128 = fraction.parse().map_err(|_| error())?;
    let total = (whole as u128 * scale + fraction) * multiplier as u128;
    if !total.is_multiple_of(scale) {
        // A fraction of a byte ("1.5 B") is a typo, not a size.
        return Err(error());
    }
    u64::try_from(total / scale).map_err(|_| error())
}

/// Formats bytes for people: `812 B`, `14.62 kB`, `3.10 MB` (decimal units, as budgets use).
pub fn human(bytes: u64) -> String {
    let (divisor, unit) = match bytes {
        0..1000 => return format!("{bytes} B"),
        1000..1_000_000 => (1000, "kB"),
        1_000_000..1_000_000_000 => (1_000_000, "MB"),
        _ => (1_000_000_000, "GB"),
    };
    if bytes.is_multiple_of(divisor) {
        // Round limits read as written: "200 kB", not "200.00 kB".
        return format!("{} {unit}", bytes / divisor);
    }
    let value = format!("{:.2}", bytes as f64 / divisor as f64);
    if value == "1000.00" && unit != "GB" {
        // 999,999 B rounds up to the next unit rather than reading "1000.00 kB".
        return human(bytes.div_ceil(divisor) * divisor);
    }
    format!("{value} {unit}")
}

/// Formats a signed change in bytes: `+1.20 kB`, `-512 B`.
pub fn human_delta(delta: i64) -> String {
    let sign = if delta < 0 { "-" } else { "+" };
    format!("{sign}{}", human(delta.unsigned_abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_size("150kB"), Ok(150_000));
        assert_eq!(parse_size("150 KB"), Ok(150_000));
        assert_eq!(parse_size("10 KiB"), Ok(10_240));
        assert_eq!(parse_size("1.5 MB"), Ok(1_500_000));
        assert_eq!(parse_size("1.5MiB"), Ok(1_572_864));
        assert_eq!(parse_size("12345"), Ok(12_345));
        assert_eq!(parse_size("100 B"), Ok(100));
        assert_eq!(parse_size("1_000 kB"), Ok(1_000_000));
        assert_eq!(parse_size("0.5 kB"), Ok(500));
    }

    #[test]
    fn rejects_nonsense() {
        for bad in [
            "12 kilobytes",
            "",
            "kB",
            "1.5 B",
            "1..5kB",
            ".5kB",
            "5.kB",
            "-3kB",
            "1e3",
            "99999999999999999999 GB",
        ] {
            assert!(parse_size(bad).is_err(), "{bad:?} should be rejected");
        }
        let message = parse_size("12 kilobytes").unwrap_err().to_string();
        assert!(
            message.contains("\"12 kilobytes\"") && message.contains("KiB"),
            "{message}"
        );
    }

    #[test]
    fn formats_with_units() {
        assert_eq!(human(999), "999 B");
        assert_eq!(human(14_620), "14.62 kB");
        assert_eq!(human(3_104_000), "3.10 MB");
        assert_eq!(human(200_000), "200 kB");
        assert_eq!(human(999_999), "1 MB");
        assert_eq!(human(999_994), "999.99 kB");
        assert_eq!(human_delta(-512), "-512 B");
        assert_eq!(human_delta(1200), "+1.20 kB");
    }
}
