//! Workload and staffing (rulebook "Reports": the "too many / too few people" question): how much
//! of a unit's norm its credited work fills, and how many full-time people that work needs.

/// A unit's staffing figures for a period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Staffing {
    /// credited ÷ (norm per person × headcount); 0 without members or norm.
    pub workload: f64,
    /// Full-time equivalents the credited work needs: credited ÷ norm per person.
    pub fte_needed: f64,
    /// headcount − FTE needed: positive = more people than the work needs.
    pub surplus: f64,
}

/// Staffing of a unit from its credited minutes, the full-time norm of one person for the period
/// (minutes) and its headcount.
pub fn staffing(credited: i64, norm_per_person: i64, headcount: usize) -> Staffing {
    let ratio = |n: f64, d: f64| if d > 0.0 { n / d } else { 0.0 };
    let people = headcount as f64;
    let fte_needed = ratio(credited as f64, norm_per_person as f64);
    Staffing {
        workload: ratio(credited as f64, norm_per_person as f64 * people),
        fte_needed,
        surplus: people - fte_needed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staffing_table() {
        // 22 working days × 480 = 10,560 minutes per person.
        let cases = [
            // (credited, norm, headcount) → (workload, fte, surplus)
            (21_120, 10_560, 4, (0.5, 2.0, 2.0)),
            (52_800, 10_560, 4, (1.25, 5.0, -1.0)),
            (0, 10_560, 3, (0.0, 0.0, 3.0)),
            (
                1_000,
                10_560,
                0,
                (0.0, 1_000.0 / 10_560.0, -1_000.0 / 10_560.0),
            ),
            (1_000, 0, 2, (0.0, 0.0, 2.0)),
        ];
        for (credited, norm, headcount, (w, f, s)) in cases {
            let got = staffing(credited, norm, headcount);
            assert!(
                (got.workload - w).abs() < 1e-12,
                "{credited} {norm} {headcount}: {got:?}"
            );
            assert!(
                (got.fte_needed - f).abs() < 1e-12,
                "{credited} {norm} {headcount}: {got:?}"
            );
            assert!(
                (got.surplus - s).abs() < 1e-12,
                "{credited} {norm} {headcount}: {got:?}"
            );
        }
    }
}
