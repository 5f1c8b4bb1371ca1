//! Table definitions shared by both backends (hand-written: the two migration sets keep the same
//! columns and types).

diesel::table! {
    units (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        level -> Text,
        parent_id -> Nullable<BigInt>,
        head_id -> Nullable<BigInt>,
        path -> Text,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    staff (id) {
        id -> BigInt,
        unit_id -> Nullable<BigInt>,
        supervisor_id -> Nullable<BigInt>,
        username -> Text,
        password_hash -> Nullable<Text>,
        full_name -> Text,
        email -> Nullable<Text>,
        position -> Nullable<Text>,
        roles -> Text,
        is_leader -> Bool,
        joined_on -> Nullable<Date>,
        left_on -> Nullable<Date>,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        session_version -> BigInt,
        must_change_password -> Bool,
    }
}

diesel::table! {
    staff_contracts (id) {
        id -> BigInt,
        staff_id -> BigInt,
        effective_from -> Date,
        weekly_minutes -> Integer,
    }
}

diesel::table! {
    products (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        measuring_unit -> Text,
        standard_minutes -> Integer,
        active -> Bool,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        staff_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_id -> Nullable<BigInt>,
        entity -> Text,
        entity_id -> BigInt,
        action -> Text,
        from_state -> Nullable<Text>,
        to_state -> Nullable<Text>,
        reason -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::table! {
    idempotent_requests (id) {
        id -> BigInt,
        actor_id -> BigInt,
        scope -> Text,
        key -> Text,
        request_hash -> Text,
        status -> Nullable<Integer>,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        content_type -> Nullable<Text>,
        body -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        actor_id -> BigInt,
        scope -> Text,
        key -> Text,
        entity_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    entries (id) {
        id -> BigInt,
        staff_id -> BigInt,
        unit_id -> BigInt,
        work_date -> Date,
        product_id -> BigInt,
        quantity -> Integer,
        minutes -> Integer,
        note -> Text,
        evidence -> Nullable<Text>,
        client_ref -> Nullable<Text>,
        state -> Text,
        approver_id -> Nullable<BigInt>,
        rework_count -> Integer,
        last_return_kind -> Nullable<Text>,
        last_return_reason -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<BigInt>,
        deleted_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        task_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    holidays (id) {
        id -> BigInt,
        day -> Date,
        name_vi -> Text,
        name_en -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    seeds (name) {
        name -> Text,
        applied_at -> Timestamp,
    }
}

diesel::table! {
    leaves (id) {
        id -> BigInt,
        staff_id -> BigInt,
        start_date -> Date,
        end_date -> Date,
        kind -> Text,
        portion -> Text,
        reason -> Text,
        state -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    delegations (id) {
        id -> BigInt,
        approver_id -> BigInt,
        acting_id -> BigInt,
        from_date -> Date,
        to_date -> Date,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    backdate_permissions (id) {
        id -> BigInt,
        staff_id -> Nullable<BigInt>,
        unit_id -> Nullable<BigInt>,
        from_date -> Date,
        to_date -> Date,
        granted_by -> BigInt,
        reason -> Text,
        created_at -> Timestamp,
        revoked_by -> Nullable<BigInt>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    period_locks (id) {
        id -> BigInt,
        unit_id -> BigInt,
        period -> Text,
        locked_by -> Nullable<BigInt>,
        locked_at -> Timestamp,
    }
}

diesel::table! {
    tasks (id) {
        id -> BigInt,
        title -> Text,
        description -> Text,
        owner_id -> BigInt,
        assigner_id -> BigInt,
        unit_id -> BigInt,
        kind -> Text,
        due_date -> Date,
        state -> Text,
        completed_on -> Nullable<Date>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    policies (id) {
        id -> BigInt,
        code -> Text,
        version -> Integer,
        body -> Text,
        is_default -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    grading_rounds (id) {
        id -> BigInt,
        unit_id -> BigInt,
        period -> Text,
        policy_id -> BigInt,
        state -> Text,
        created_by -> BigInt,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        published_by -> Nullable<BigInt>,
        published_at -> Nullable<Timestamp>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    grades (id) {
        id -> BigInt,
        round_id -> BigInt,
        staff_id -> BigInt,
        unit_id -> BigInt,
        is_head -> Bool,
        is_leader -> Bool,
        expected -> BigInt,
        credited -> BigInt,
        quantity -> Double,
        quality -> Double,
        progress -> Double,
        task_score -> Double,
        common_score -> Double,
        bonus -> Double,
        total -> Double,
        evaluator_scores -> Nullable<Text>,
        self_scores -> Nullable<Text>,
        ballot_votes -> Integer,
        disciplined -> Bool,
        worked_days -> BigInt,
        period_working_days -> BigInt,
        rework -> BigInt,
        first_submission -> Nullable<Timestamp>,
        proposed_grade -> Text,
        final_grade -> Nullable<Text>,
        reasons -> Text,
        override_reason -> Nullable<Text>,
        inputs -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    appeals (id) {
        id -> BigInt,
        grade_id -> BigInt,
        staff_id -> BigInt,
        kind -> Text,
        reason -> Text,
        state -> Text,
        resolver_id -> Nullable<BigInt>,
        resolution -> Nullable<Text>,
        new_grade -> Nullable<Text>,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    day_totals (staff_id, work_date, unit_id) {
        staff_id -> BigInt,
        work_date -> Date,
        unit_id -> BigInt,
        draft_minutes -> Integer,
        submitted_minutes -> Integer,
        approved_minutes -> Integer,
        returned_minutes -> Integer,
        logged_entries -> Integer,
        day_over_threshold -> Integer,
        far_above_standard -> Integer,
        duplicate -> Integer,
        late_backfill -> Integer,
    }
}

diesel::table! {
    month_credits (staff_id, month_start, rework_count) {
        staff_id -> BigInt,
        month_start -> Date,
        rework_count -> Integer,
        task_id -> Nullable<BigInt>,
        minutes -> BigInt,
        norm_minutes -> BigInt,
        entries -> BigInt,
        first_submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    week_totals (staff_id, week_start) {
        staff_id -> BigInt,
        week_start -> Date,
        unit_id -> BigInt,
        expected -> BigInt,
        logged -> BigInt,
        approved -> BigInt,
    }
}

diesel::table! {
    unit_weeks (unit_id, week_start) {
        unit_id -> BigInt,
        week_start -> Date,
        members -> BigInt,
        people -> BigInt,
        under_logged -> BigInt,
        under_approved -> BigInt,
        expected -> BigInt,
        logged -> BigInt,
        approved -> BigInt,
    }
}

diesel::table! {
    rollup_weeks (week_start) {
        week_start -> Date,
        built_at -> Timestamp,
    }
}

diesel::table! {
    kpi_months_built (month) {
        month -> Text,
        as_of -> Date,
        built_at -> Timestamp,
    }
}

diesel::table! {
    kpi_inputs_version (id) {
        id -> Integer,
        instance -> Text,
        version -> BigInt,
    }
}

diesel::table! {
    unit_day_anomalies (unit_id, work_date) {
        unit_id -> BigInt,
        work_date -> Date,
        logged_entries -> Integer,
        day_over_threshold -> Integer,
        far_above_standard -> Integer,
        duplicate -> Integer,
        late_backfill -> Integer,
    }
}

diesel::table! {
    backlog_waiting (unit_id, approver_key) {
        unit_id -> BigInt,
        approver_key -> BigInt,
        waiting -> Integer,
        oldest_submitted_at -> Nullable<Timestamp>,
        oldest_work_date -> Nullable<Date>,
    }
}

diesel::table! {
    people_months_built (month) {
        month -> Text,
        as_of -> Date,
        built_at -> Timestamp,
    }
}

diesel::table! {
    people_unit_months (month, unit_id) {
        month -> Text,
        unit_id -> BigInt,
        people -> BigInt,
        under_logged -> BigInt,
        under_approved -> BigInt,
        logged -> BigInt,
        approved -> BigInt,
    }
}

diesel::table! {
    kpi_unit_months (month, unit_id) {
        month -> Text,
        unit_id -> BigInt,
        members -> BigInt,
        people -> BigInt,
        total_sum -> Double,
        expected -> BigInt,
        credited -> BigInt,
    }
}

diesel::table! {
    maintained_totals (name) {
        name -> Text,
        fingerprint -> Text,
        rebuilt_at -> Timestamp,
    }
}

diesel::table! {
    criteria_sets (id) {
        id -> BigInt,
        code -> Text,
        version -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    rating_campaigns (id) {
        id -> BigInt,
        title -> Text,
        period_start -> Date,
        period_end -> Date,
        deadline -> Timestamp,
        criteria_set_id -> BigInt,
        state -> Text,
        opened_by -> BigInt,
        opened_at -> Timestamp,
        closed_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    rating_electors (campaign_id, candidate_id, voter_id) {
        campaign_id -> BigInt,
        candidate_id -> BigInt,
        voter_id -> BigInt,
    }
}

diesel::table! {
    rating_participation (campaign_id, candidate_id, voter_id) {
        campaign_id -> BigInt,
        candidate_id -> BigInt,
        voter_id -> BigInt,
    }
}

diesel::table! {
    rating_ballots (id) {
        id -> Text,
        campaign_id -> BigInt,
        candidate_id -> BigInt,
        scores -> Text,
        comment -> Nullable<Text>,
    }
}

diesel::table! {
    round_ballots (round_id) {
        round_id -> BigInt,
        state -> Text,
        quota -> Integer,
        candidates -> Text,
        opened_by -> BigInt,
        opened_at -> Timestamp,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    round_ballot_participation (round_id, voter_id) {
        round_id -> BigInt,
        voter_id -> BigInt,
    }
}

diesel::table! {
    round_ballot_choices (id) {
        id -> Text,
        round_id -> BigInt,
        candidate_id -> BigInt,
    }
}

diesel::table! {
    notes (id) {
        id -> BigInt,
        recipient_id -> BigInt,
        kind -> Text,
        params -> Text,
        dedup_key -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        emailed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    note_mutes (staff_id, kind) {
        staff_id -> BigInt,
        kind -> Text,
    }
}

diesel::table! {
    scheduler_leases (name) {
        name -> Text,
        holder -> Text,
        expires_at -> Timestamp,
        last_run_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(staff -> units (unit_id));
diesel::joinable!(entries -> tasks (task_id));
diesel::joinable!(grades -> grading_rounds (round_id));
diesel::joinable!(entries -> products (product_id));
diesel::joinable!(staff_contracts -> staff (staff_id));
diesel::allow_tables_to_appear_in_same_query!(
    units,
    staff,
    staff_contracts,
    products,
    refresh_tokens,
    audit_log,
    idempotency_keys,
    idempotent_requests,
    entries,
    holidays,
    seeds,
    leaves,
    delegations,
    backdate_permissions,
    period_locks,
    tasks,
    policies,
    grading_rounds,
    grades,
    appeals,
    day_totals,
    month_credits,
    maintained_totals,
    week_totals,
    unit_weeks,
    rollup_weeks,
    kpi_months_built,
    kpi_inputs_version,
    kpi_unit_months,
    people_months_built,
    people_unit_months,
    backlog_waiting,
    unit_day_anomalies,
    criteria_sets,
    rating_campaigns,
    rating_electors,
    rating_participation,
    rating_ballots,
    round_ballots,
    round_ballot_participation,
    round_ballot_choices,
    notes,
    note_mutes,
    scheduler_leases,
);
