//! `--timings`: where an audit's time went, as a small table for standard error.

use super::Timings;

pub fn render(timings: &Timings) -> String {
    let seconds = |ms: f64| format!("{:.2} s", ms / 1000.0);
    let width = timings
        .stages
        .iter()
        .chain(&timings.work)
        .map(|spent| spent.name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "timings: {} from start to report (wall clock)\n",
        seconds(timings.total_ms)
    );
    for stage in &timings.stages {
        out.push_str(&format!(
            "  {:<width$}  {:>9}\n",
            stage.name,
            seconds(stage.ms)
        ));
    }
    if !timings.work.is_empty() {
        // Kinds of work that took no measurable time are left out of the table (not the JSON).
        let mut work: Vec<_> = timings.work.iter().filter(|w| w.ms >= 5.0).collect();
        work.sort_by(|a, b| b.ms.total_cmp(&a.ms).then(a.name.cmp(&b.name)));
        out.push_str(&format!(
            "measuring, CPU time summed over {} worker{}:{}\n",
            timings.workers,
            if timings.workers == 1 { "" } else { "s" },
            if work.is_empty() {
                " under 0.01 s for every kind of work"
            } else {
                ""
            }
        ));
        for spent in work {
            out.push_str(&format!(
                "  {:<width$}  {:>9}\n",
                spent.name,
                seconds(spent.ms)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TimeSpent;

    fn spent(name: &str, ms: f64) -> TimeSpent {
        TimeSpent {
            name: name.into(),
            ms,
        }
    }

    #[test]
    fn stages_in_order_then_work_costliest_first() {
        let table = render(&Timings {
            total_ms: 2_310.0,
            stages: vec![spent("scan", 10.0), spent("measure", 2_100.0)],
            workers: 2,
            work: vec![
                spent("gzip", 1_200.0),
                spent("analyse image", 2_850.0),
                spent("analyse font", 0.4),
            ],
        });
        assert_eq!(
            table,
            "timings: 2.31 s from start to report (wall clock)\n\
             \x20 scan              0.01 s\n\
             \x20 measure           2.10 s\n\
             measuring, CPU time summed over 2 workers:\n\
             \x20 analyse image     2.85 s\n\
             \x20 gzip              1.20 s\n"
        );
    }
}
