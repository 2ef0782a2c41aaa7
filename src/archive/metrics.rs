//! Prometheus text exposition of an audit, for node_exporter's textfile
//! collector: written to `FILE.tmp` and renamed, so the collector never
//! reads half a file; mode 0644 so that it can read it; no per-bag labels
//! (the number of series stays fixed however large the archive).

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::Path;

use super::audit::AuditReport;
use super::{Archive, Error, Result, now_unix, parse_time};

/// The metrics of an audit run and of the archive after it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    /// When this audit ended.
    pub last_run: u64,
    /// When an audit last ended with no invalid or missing bag (0: never).
    pub last_success: u64,
    /// How long this audit took.
    pub duration_seconds: f64,
    /// Bytes verified by this audit.
    pub bytes_verified: u64,
    /// Bags in the catalog.
    pub bags: u64,
    /// Bags whose last check failed.
    pub bags_invalid: u64,
    /// Bags missing from disk.
    pub bags_missing: u64,
    /// Present bags not fully checked within the cycle.
    pub bags_overdue: u64,
    /// Age of the oldest last successful full check (or of the oldest
    /// registration, for a bag never checked).
    pub oldest_full_check_age_seconds: u64,
    /// Replica copies whose last replication or check failed.
    pub copies_failing: u64,
}

impl Metrics {
    /// The metrics after `report`, read from the archive's catalog.
    pub fn after(archive: &Archive, report: &AuditReport) -> Result<Metrics> {
        let now = now_unix();
        let bags = archive.catalog().bags_by_check_age()?;
        let invalid = bags
            .iter()
            .filter(|b| b.state == "present" && b.last_outcome.as_deref() == Some("failure"))
            .count() as u64;
        let missing = bags.iter().filter(|b| b.state == "missing").count() as u64;
        let oldest = bags
            .iter()
            .filter(|b| b.state == "present")
            .filter_map(|b| parse_time(b.last_full_check.as_deref().unwrap_or(&b.registered)))
            .min()
            .map_or(0, |t| now.saturating_sub(t));
        let copies_failing = archive.catalog().failing_copies()?;
        let last_success = archive
            .catalog()
            .meta("last_audit_success")?
            .as_deref()
            .and_then(parse_time)
            .unwrap_or(0);
        Ok(Metrics {
            last_run: parse_time(&report.finished).unwrap_or(now),
            last_success,
            duration_seconds: report.summary.duration_seconds,
            bytes_verified: report.summary.bytes,
            bags: bags.len() as u64,
            bags_invalid: invalid,
            bags_missing: missing,
            bags_overdue: report.summary.overdue,
            oldest_full_check_age_seconds: oldest,
            copies_failing,
        })
    }

    /// The text exposition.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {value}");
        };
        metric(
            "newsbag_audit_last_run_timestamp_seconds",
            "gauge",
            "When the last newsbag audit ended (Unix time).",
            self.last_run.to_string(),
        );
        metric(
            "newsbag_audit_last_success_timestamp_seconds",
            "gauge",
            "When a newsbag audit last ended with no invalid or missing bag (Unix time, 0 if never).",
            self.last_success.to_string(),
        );
        metric(
            "newsbag_audit_duration_seconds",
            "gauge",
            "How long the last audit took.",
            format!("{:.3}", self.duration_seconds),
        );
        metric(
            "newsbag_audit_bytes_verified_total",
            "counter",
            "Bytes verified at full fixity by the last audit.",
            self.bytes_verified.to_string(),
        );
        metric(
            "newsbag_bags",
            "gauge",
            "Bags in the archive's catalog.",
            self.bags.to_string(),
        );
        metric(
            "newsbag_bags_invalid",
            "gauge",
            "Bags whose last check found them invalid.",
            self.bags_invalid.to_string(),
        );
        metric(
            "newsbag_bags_missing",
            "gauge",
            "Registered bags gone from the archive.",
            self.bags_missing.to_string(),
        );
        metric(
            "newsbag_bags_overdue",
            "gauge",
            "Bags not fully checked within the audit cycle.",
            self.bags_overdue.to_string(),
        );
        metric(
            "newsbag_oldest_full_check_age_seconds",
            "gauge",
            "Age of the oldest last successful full check of a present bag.",
            self.oldest_full_check_age_seconds.to_string(),
        );
        metric(
            "newsbag_copies_failing",
            "gauge",
            "Replica copies whose last replication or check failed.",
            self.copies_failing.to_string(),
        );
        out
    }

    /// Writes the exposition to `path` atomically (`path.tmp`, renamed),
    /// readable by others (0644).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        let mut f = fs::File::create(&tmp).map_err(|e| Error::io("create", &tmp, e))?;
        f.write_all(self.to_text().as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| Error::io("write", &tmp, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&tmp, fs::Permissions::from_mode(0o644))
                .map_err(|e| Error::io("set permissions of", &tmp, e))?;
        }
        fs::rename(&tmp, path).map_err(|e| Error::io("rename to", path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_has_every_metric_once_with_help_and_type() {
        let m = Metrics {
            last_run: 1_700_000_000,
            bags: 3,
            ..Metrics::default()
        };
        let text = m.to_text();
        for name in [
            "newsbag_audit_last_run_timestamp_seconds",
            "newsbag_audit_last_success_timestamp_seconds",
            "newsbag_audit_duration_seconds",
            "newsbag_audit_bytes_verified_total",
            "newsbag_bags",
            "newsbag_bags_invalid",
            "newsbag_bags_missing",
            "newsbag_bags_overdue",
            "newsbag_oldest_full_check_age_seconds",
            "newsbag_copies_failing",
        ] {
            assert_eq!(
                text.lines()
                    .filter(|l| l.split(' ').next() == Some(name))
                    .count(),
                1,
                "{name}"
            );
            assert!(text.contains(&format!("# TYPE {name} ")), "{name}");
        }
        assert!(text.contains("newsbag_audit_last_run_timestamp_seconds 1700000000\n"));
        assert!(text.contains("newsbag_bags 3\n"));
        assert!(!text.contains('{'), "no labels");
    }

    #[cfg(unix)]
    #[test]
    fn written_atomically_and_world_readable() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("newsbag.prom");
        Metrics::default().write(&path).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        assert!(!tmp.path().join("newsbag.prom.tmp").exists());
    }
}
