//! Reminders (rulebook "Reminders"): the in-app inbox, per-person mutes, the scheduled job that
//! produces the weekly, daily and monthly notes, and e-mail copies over SMTP.
//!
//! Each note has a key `kind:recipient:period` that the database keeps unique, so a note is
//! produced once however many instances run the job and however late; a lease row lets one
//! instance run the job at a time, which saves the others the work.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use serde::Serialize;
use serde_json::{json, Value};

use crate::config::{EmailSettings, ReminderSettings, SmtpTls};
use crate::db::notes::{self as q, NewNote, NoteRow};
use crate::db::{self, DbConnection};
use crate::domain::calendar::UnderLogBasis;
use crate::domain::period::IsoWeek;
use crate::domain::scope::Viewer;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Text};
use crate::services::{ballots, calendar};

pub const WEEK_SHORT: &str = "week_short";
pub const APPROVALS_WAITING: &str = "approvals_waiting";
pub const LINE_RETURNED: &str = "line_returned";
pub const REPORT_DUE: &str = "report_due";
/// Every kind, in display order.
pub const KINDS: [&str; 4] = [WEEK_SHORT, APPROVALS_WAITING, LINE_RETURNED, REPORT_DUE];
/// Kinds a person may mute (a returned line always reaches its owner).
pub const MUTABLE: [&str; 3] = [WEEK_SHORT, APPROVALS_WAITING, REPORT_DUE];

const LEASE: &str = "reminders";

fn hours(minutes: i64) -> String {
    let h = minutes / 60;
    let m = minutes % 60;
    if m == 0 {
        format!("{h}")
    } else {
        format!("{h}:{m:02}")
    }
}

/// The note's title and text in both languages, from its kind and parameters.
pub fn render(kind: &str, p: &Value) -> (Text, Text) {
    let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let n = |k: &str| p.get(k).and_then(Value::as_i64).unwrap_or(0);
    match kind {
        WEEK_SHORT => {
            let (week, gap, expected, logged) = (
                s("week"),
                n("gap_minutes"),
                n("expected_minutes"),
                n("logged_minutes"),
            );
            (
                Text::new(
                    format!("Tuần {week} ghi nhật ký chưa đủ"),
                    format!("Week {week} is under-logged"),
                ),
                Text::new(
                    format!(
                        "Tuần {week} bạn ghi {} giờ trên {} giờ định mức, thiếu {} giờ.",
                        hours(logged),
                        hours(expected),
                        hours(gap)
                    ),
                    format!(
                        "In week {week} you logged {} h of the {} h norm: {} h short.",
                        hours(logged),
                        hours(expected),
                        hours(gap)
                    ),
                ),
            )
        }
        APPROVALS_WAITING => {
            let (count, days, oldest) = (n("lines"), n("working_days"), s("oldest_submitted_on"));
            (
                Text::new(format!("{count} dòng chờ duyệt quá {days} ngày làm việc"), format!("{count} lines waiting more than {days} working days")),
                Text::new(
                    format!("Có {count} dòng nhật ký chờ bạn duyệt quá {days} ngày làm việc; dòng cũ nhất gửi ngày {oldest}."),
                    format!("{count} diary lines have waited for your approval more than {days} working days; the oldest was submitted on {oldest}."),
                ),
            )
        }
        LINE_RETURNED => {
            let (date, reason, by) = (s("work_date"), s("reason"), s("returned_by"));
            (
                Text::new(
                    format!("Dòng nhật ký ngày {date} bị trả lại"),
                    format!("Your diary line of {date} was returned"),
                ),
                Text::new(
                    format!("{by} trả lại dòng nhật ký ngày {date}. Lý do: {reason}"),
                    format!("{by} returned your diary line of {date}. Reason: {reason}"),
                ),
            )
        }
        REPORT_DUE => {
            let (month, day, missing) = (s("month"), n("due_day"), n("units_without_round"));
            let codes = p
                .get("unit_codes")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            (
                Text::new(format!("Báo cáo tháng {month} của các đơn vị đến hạn"), format!("Units' monthly reports for {month} are due")),
                Text::new(
                    format!("Báo cáo tháng {month} của các đơn vị đến hạn ngày {day}. {missing} đơn vị chưa mở đợt đánh giá tháng: {codes}"),
                    format!("The units' reports for {month} are due on day {day}. {missing} units have not opened the month's grading round: {codes}"),
                ),
            )
        }
        _ => (
            Text::new(kind.to_string(), kind.to_string()),
            Text::new(String::new(), String::new()),
        ),
    }
}

/// Writes the note telling a line's owner it was returned, inside the caller's transaction (the
/// return's). Not mutable.
pub fn note_returned(
    conn: &mut DbConnection,
    entry: &db::entries::Entry,
    returned_by: i64,
    reason: &str,
    reason_kind: &str,
    now: NaiveDateTime,
) -> AppResult<()> {
    let by = db::staff::find(conn, returned_by)?
        .map(|s| s.full_name)
        .unwrap_or_default();
    let params = json!({
        "entry_id": entry.id,
        "work_date": entry.work_date,
        "reason": reason,
        "reason_kind": reason_kind,
        "returned_by": by,
        "returned_by_id": returned_by,
    });
    q::insert_new(
        conn,
        &[NewNote {
            recipient_id: entry.staff_id,
            kind: LINE_RETURNED.into(),
            params: params.to_string(),
            dedup_key: format!(
                "{LINE_RETURNED}:{}:{}:{}",
                entry.staff_id, entry.id, entry.version
            ),
            created_at: now,
        }],
    )?;
    Ok(())
}

/// A note as the reader sees it.
#[derive(Debug, Clone)]
pub struct Note {
    pub row: NoteRow,
    pub params: Value,
    pub title: Text,
    pub body: Text,
}

fn to_note(row: NoteRow) -> Note {
    let params: Value = serde_json::from_str(&row.params).unwrap_or(Value::Null);
    let (title, body) = render(&row.kind, &params);
    Note {
        row,
        params,
        title,
        body,
    }
}

/// The caller's inbox.
pub struct Inbox {
    pub notes: Vec<Note>,
    pub unread: i64,
    pub unread_by_kind: Vec<(String, i64)>,
}

pub fn inbox(
    conn: &mut DbConnection,
    viewer: &Viewer,
    unread_only: bool,
    before: Option<i64>,
    limit: i64,
) -> AppResult<Inbox> {
    let rows = q::of_recipient(conn, viewer.staff_id, unread_only, before, limit)?;
    let unread_by_kind = unread(conn, viewer)?;
    Ok(Inbox {
        notes: rows.into_iter().map(to_note).collect(),
        unread: unread_by_kind.iter().map(|(_, n)| n).sum(),
        unread_by_kind,
    })
}

/// The caller's unread notes per kind (every kind listed): what the header's bell polls.
pub fn unread(conn: &mut DbConnection, viewer: &Viewer) -> AppResult<Vec<(String, i64)>> {
    let by_kind: HashMap<String, i64> = q::unread_counts(conn, viewer.staff_id)?
        .into_iter()
        .collect();
    Ok(KINDS
        .iter()
        .map(|k| (k.to_string(), by_kind.get(*k).copied().unwrap_or(0)))
        .collect())
}

/// Marks one of the caller's notes read (someone else's note is 404).
pub fn mark_read(conn: &mut DbConnection, viewer: &Viewer, id: i64) -> AppResult<Note> {
    let row = q::find(conn, id)?
        .filter(|n| n.recipient_id == viewer.staff_id)
        .ok_or(AppError::NotFound)?;
    q::mark_read(conn, viewer.staff_id, Some(&[row.id]), db::now_utc())?;
    Ok(to_note(q::find(conn, id)?.ok_or(AppError::NotFound)?))
}

pub fn mark_all_read(conn: &mut DbConnection, viewer: &Viewer) -> AppResult<usize> {
    Ok(q::mark_read(conn, viewer.staff_id, None, db::now_utc())?)
}

pub fn mutes(conn: &mut DbConnection, viewer: &Viewer) -> AppResult<Vec<String>> {
    Ok(q::mutes_of(conn, viewer.staff_id)?)
}

/// Replaces the caller's muted kinds; returns cannot be muted (422).
pub fn set_mutes(
    conn: &mut DbConnection,
    viewer: &Viewer,
    kinds: &[String],
) -> AppResult<Vec<String>> {
    let mut clean: Vec<String> = Vec::new();
    for (i, k) in kinds.iter().enumerate() {
        if k == LINE_RETURNED {
            return Err(AppError::Validation(vec![crate::error::FieldIssue::new(
                format!("muted[{i}]"),
                "not_mutable",
                Text::new(
                    "Không thể tắt thông báo dòng nhật ký bị trả lại.",
                    "Notes about returned lines cannot be muted.",
                ),
            )]));
        }
        if !MUTABLE.contains(&k.as_str()) {
            return Err(AppError::Validation(vec![crate::error::FieldIssue::new(
                format!("muted[{i}]"),
                "unknown",
                Text::new(
                    format!("Loại thông báo không có: {k}."),
                    format!("Unknown kind of note: {k}."),
                ),
            )]));
        }
        if !clean.contains(k) {
            clean.push(k.clone());
        }
    }
    db::write_transaction(conn, |conn| {
        q::set_mutes(conn, viewer.staff_id, &clean)?;
        Ok::<_, AppError>(())
    })?;
    mutes(conn, viewer)
}

/// What one run of the job did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunReport {
    /// False when another instance held the lease.
    pub ran: bool,
    pub week_short: usize,
    pub approvals_waiting: usize,
    pub report_due: usize,
    pub campaigns_closed: usize,
    pub emails_sent: usize,
    pub elapsed_ms: u128,
}

/// The local date and the UTC instant of a local midnight.
fn local_midnight_utc(day: NaiveDate, utc_offset_minutes: i32) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) - chrono::Duration::minutes(i64::from(utc_offset_minutes))
}

fn new_note(
    kind: &str,
    recipient: i64,
    period: &str,
    params: Value,
    now: NaiveDateTime,
) -> NewNote {
    NewNote {
        recipient_id: recipient,
        kind: kind.to_string(),
        params: params.to_string(),
        dedup_key: format!("{kind}:{recipient}:{period}"),
        created_at: now,
    }
}

/// Weekly notes for the ended weeks of the catch-up window.
fn week_notes(
    conn: &mut DbConnection,
    s: &ReminderSettings,
    basis: UnderLogBasis,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<Vec<NewNote>> {
    let last_ended = IsoWeek::of(today).prev();
    let mut first = last_ended;
    for _ in 1..s.catch_up_weeks.max(1) {
        first = first.prev();
    }
    let muted: HashSet<i64> = q::muted(conn, WEEK_SHORT)?.into_iter().collect();
    let people: Vec<_> = db::staff::active_in_units(conn, None)?
        .into_iter()
        .filter(|p| !muted.contains(&p.id))
        .collect();
    let mut out = Vec::new();
    for chunk in people.chunks(2000) {
        let summaries =
            crate::services::weeks::summaries_for(conn, chunk, first, last_ended, basis, today)?;
        for (id, weeks) in summaries {
            for w in weeks.into_iter().filter(|w| w.under_logged) {
                out.push(new_note(
                    WEEK_SHORT,
                    id,
                    &w.week.to_string(),
                    json!({
                        "week": w.week.to_string(),
                        "expected_minutes": w.expected,
                        "logged_minutes": match basis { UnderLogBasis::Approved => w.approved, _ => w.logged },
                        "gap_minutes": w.gap,
                        "streak": w.streak,
                    }),
                    now,
                ));
            }
        }
    }
    Ok(out)
}

/// The (N+1)-th working day counting back from `today` (included): lines submitted before it
/// have waited more than N working days.
pub fn waiting_cutoff(
    cal: &crate::domain::calendar::Calendar,
    today: NaiveDate,
    n: u32,
) -> NaiveDate {
    let mut d = today;
    let mut seen = 0;
    for _ in 0..400 {
        if cal.is_working_day(d) {
            seen += 1;
            if seen > n {
                return d;
            }
        }
        d = d.pred_opt().unwrap_or(d);
    }
    d
}

/// Today's note to each approver with lines waiting more than N working days (working days
/// only: a missed day's note is superseded by the next day's).
fn approval_notes(
    conn: &mut DbConnection,
    s: &ReminderSettings,
    today: NaiveDate,
    now: NaiveDateTime,
    offset: i32,
) -> AppResult<Vec<NewNote>> {
    let cal = calendar::load_calendar(conn, today - chrono::Duration::days(400), today)?;
    if !cal.is_working_day(today) {
        return Ok(Vec::new());
    }
    let cutoff = waiting_cutoff(&cal, today, s.approval_waiting_days);
    let muted: HashSet<i64> = q::muted(conn, APPROVALS_WAITING)?.into_iter().collect();
    let mut out = Vec::new();
    for (approver, lines, oldest) in
        q::waiting_by_approver(conn, local_midnight_utc(cutoff, offset))?
    {
        let Some(approver) = approver.filter(|a| !muted.contains(a)) else {
            continue;
        };
        let oldest_day = oldest.map(|t| (t + chrono::Duration::minutes(i64::from(offset))).date());
        out.push(new_note(
            APPROVALS_WAITING,
            approver,
            &today.to_string(),
            json!({
                "date": today,
                "lines": lines,
                "working_days": s.approval_waiting_days,
                "oldest_submitted_on": oldest_day,
            }),
            now,
        ));
    }
    Ok(out)
}

/// From the due day on, the organisation department is told that the month's unit reports are
/// due, with the units that have not opened the month's grading round.
fn report_notes(
    conn: &mut DbConnection,
    s: &ReminderSettings,
    today: NaiveDate,
    now: NaiveDateTime,
) -> AppResult<Vec<NewNote>> {
    let due = s.report_due_day.clamp(1, 28);
    if today.day() < due {
        return Ok(Vec::new());
    }
    let month = format!("{:04}-{:02}", today.year(), today.month());
    let muted: HashSet<i64> = q::muted(conn, REPORT_DUE)?.into_iter().collect();
    let recipients: Vec<i64> = q::organisation_people(conn)?
        .into_iter()
        .filter(|r| !muted.contains(r))
        .collect();
    if recipients.is_empty() {
        return Ok(Vec::new());
    }
    let missing = q::units_without_round(conn, &month)?;
    let params = json!({
        "month": month,
        "due_day": due,
        "units_without_round": missing.len(),
        "unit_codes": missing.iter().take(20).map(|(_, c, _)| c.clone()).collect::<Vec<_>>(),
    });
    Ok(recipients
        .into_iter()
        .map(|r| new_note(REPORT_DUE, r, &month, params.clone(), now))
        .collect())
}

/// One run of the reminder job at `now` (UTC), if this instance gets the lease: closes ballots
/// past their deadline, produces the notes due (missed periods of the catch-up window too) and
/// sends e-mail copies.
pub fn run_once(
    conn: &mut DbConnection,
    settings: &crate::config::Settings,
    holder: &str,
    now: NaiveDateTime,
) -> AppResult<RunReport> {
    let started = Instant::now();
    let s = &settings.reminders;
    let offset = settings.organisation.utc_offset_minutes;
    let lease_for = chrono::Duration::seconds(
        i64::try_from(s.interval_secs.max(60) * 2)
            .unwrap_or(600)
            .max(600),
    );
    let got = db::write_transaction(conn, |conn| {
        Ok::<_, AppError>(q::try_lease(conn, LEASE, holder, now, now + lease_for)?)
    })?;
    if !got {
        return Ok(RunReport::default());
    }
    let result = (|| -> AppResult<RunReport> {
        let today = (now + chrono::Duration::minutes(i64::from(offset))).date();
        let mut report = RunReport {
            ran: true,
            campaigns_closed: ballots::close_due(conn, now)?,
            ..Default::default()
        };
        let weeks = week_notes(conn, s, settings.diary.basis(), today, now)?;
        let approvals = approval_notes(conn, s, today, now, offset)?;
        let reports = report_notes(conn, s, today, now)?;
        report.week_short =
            db::write_transaction(conn, |c| Ok::<_, AppError>(q::insert_new(c, &weeks)?))?;
        report.approvals_waiting =
            db::write_transaction(conn, |c| Ok::<_, AppError>(q::insert_new(c, &approvals)?))?;
        report.report_due =
            db::write_transaction(conn, |c| Ok::<_, AppError>(q::insert_new(c, &reports)?))?;
        report.emails_sent = send_emails(conn, &settings.email, now)?;
        Ok(report)
    })();
    q::release_lease(conn, LEASE, holder, now)?;
    let mut report = result?;
    report.elapsed_ms = started.elapsed().as_millis();
    Ok(report)
}

/// The SMTP transport of the settings: STARTTLS (required, never silently plain), TLS from the
/// first byte, or plain SMTP; certificates checked against the public roots plus `ca_file`.
pub fn mailer(email: &EmailSettings) -> AppResult<lettre::SmtpTransport> {
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
    use lettre::SmtpTransport;
    let internal = |what: &str, e: &dyn std::fmt::Display| {
        AppError::Internal(anyhow::anyhow!("email.{what}: {e}"))
    };
    let tls = match email.tls {
        SmtpTls::None => Tls::None,
        mode => {
            let mut params = TlsParameters::builder(email.smtp_host.trim().to_string());
            if !email.ca_file.trim().is_empty() {
                let pem =
                    std::fs::read(email.ca_file.trim()).map_err(|e| internal("ca_file", &e))?;
                let ca = Certificate::from_pem(&pem).map_err(|e| internal("ca_file", &e))?;
                params = params.add_root_certificate(ca);
            }
            let params = params.build_rustls().map_err(|e| internal("tls", &e))?;
            if mode == SmtpTls::Tls {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            }
        }
    };
    let mut builder = SmtpTransport::builder_dangerous(email.smtp_host.trim())
        .port(email.smtp_port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(10)));
    if !email.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            email.username.clone(),
            email.password.clone(),
        ));
    }
    Ok(builder.build())
}

/// Sends e-mail copies of notes of the last 7 days not sent yet, to people with an address.
/// Each note is claimed first, so two instances never send the same one; a failed send gives
/// the claim back for the next run.
pub fn send_emails(
    conn: &mut DbConnection,
    email: &EmailSettings,
    now: NaiveDateTime,
) -> AppResult<usize> {
    if !email.enabled() {
        return Ok(0);
    }
    use lettre::message::header::{ContentTransferEncoding, ContentType};
    use lettre::message::{Body, Mailbox};
    use lettre::{Message, Transport};
    let from: Mailbox = email
        .from
        .parse()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("email.from: {e}")))?;
    let mailer = mailer(email)?;
    let mut sent = 0;
    for (row, address) in q::unsent_with_address(conn, now - chrono::Duration::days(7), 500)? {
        let Ok(to) = address.parse::<Mailbox>() else {
            tracing::warn!(
                note = row.id,
                "recipient address does not parse; not e-mailed"
            );
            continue;
        };
        if !q::claim_email(conn, row.id, now)? {
            continue;
        }
        let note = to_note(row);
        // Vietnamese first, English below: the reader's language is not known outside a request.
        let text = format!(
            "{}\n\n{}\n\n---\n{}\n\n{}\n",
            note.title.get(Lang::Vi),
            note.body.get(Lang::Vi),
            note.title.get(Lang::En),
            note.body.get(Lang::En)
        );
        let message = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(note.title.get(Lang::Vi).to_string())
            .header(ContentType::TEXT_PLAIN)
            .body(
                Body::new_with_encoding(text, ContentTransferEncoding::Base64)
                    .map_err(|_| AppError::Internal(anyhow::anyhow!("email: body encoding")))?,
            )
            .map_err(|e| AppError::Internal(anyhow::anyhow!("email: {e}")))?;
        match mailer.send(&message) {
            Ok(_) => sent += 1,
            Err(e) => {
                tracing::warn!(note = note.row.id, error = %e, "e-mail not sent; retried next run");
                q::unclaim_email(conn, note.row.id)?;
            }
        }
    }
    Ok(sent)
}

/// Starts the scheduler: a tokio interval task that runs the job on the blocking pool.
pub fn spawn_scheduler(state: Arc<crate::AppState>) {
    let holder = format!("{}-{:016x}", std::process::id(), rand::random::<u64>());
    let every = Duration::from_secs(state.settings.reminders.interval_secs.max(10));
    let job = move |state: &crate::AppState| {
        let mut conn = state.pool.get().map_err(AppError::from)?;
        let out = run_once(&mut conn, &state.settings, &holder, db::now_utc());
        drop(conn);
        // A run reads everyone's week: give what it freed back to the system.
        crate::auth::hashing::release_free_memory();
        out
    };
    super::spawn_every(state, every, job, |outcome| match outcome {
        Ok(Ok(r)) if r.ran => tracing::info!(
            week_short = r.week_short,
            approvals_waiting = r.approvals_waiting,
            report_due = r.report_due,
            campaigns_closed = r.campaigns_closed,
            emails_sent = r.emails_sent,
            elapsed_ms = r.elapsed_ms as u64,
            "reminder run"
        ),
        Ok(Ok(_)) => tracing::debug!("reminder run skipped: another instance holds the lease"),
        Ok(Err(e)) => tracing::warn!(error = %e, "reminder run failed"),
        Err(e) => tracing::warn!(error = %e, "reminder run panicked"),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Calendar;

    #[test]
    fn waiting_cutoff_counts_working_days() {
        // Monday 2026-11-30; no holidays. N = 2: lines submitted before Thursday 26th have
        // waited more than 2 working days (26th, 27th, 30th are 3).
        let cal = Calendar::new(Vec::<NaiveDate>::new());
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(waiting_cutoff(&cal, d("2026-11-30"), 2), d("2026-11-26"));
        assert_eq!(waiting_cutoff(&cal, d("2026-11-30"), 0), d("2026-11-30"));
    }

    #[test]
    fn notes_render_in_both_languages() {
        let (title, body) = render(
            WEEK_SHORT,
            &json!({"week": "2026-W47", "expected_minutes": 2400, "logged_minutes": 1950, "gap_minutes": 450}),
        );
        assert_eq!(title.en, "Week 2026-W47 is under-logged");
        assert!(body.vi.contains("thiếu 7:30 giờ"), "{}", body.vi);
        assert!(body.en.contains("7:30 h short"));
    }
}
