"""The daily loop through the Python client generated from openapi/openapi.json.

Run by .ci/clients.sh against a fresh server:
    PYTHONPATH=<generated> python daily_loop.py
with WORKLOG_BASE (the server), WORKLOG_ADMIN and WORKLOG_ADMIN_PASSWORD (the bootstrap
administrator) in the environment.

As the administrator it creates a ward, its head, a member of staff and a catalogue item; then
the member of staff signs in, logs two lines and submits the day; the head approves one and
returns the other for quality; the owner fixes it (If-Match with the ETag read) and resubmits;
the head approves it; the person's KPI for the month shows both lines and one rework. Every
call goes through the generated operations and models; a status or body the script does not
expect ends it with a non-zero exit.
"""

from __future__ import annotations

import datetime
import os
import sys
import uuid
from http import HTTPStatus
from typing import Any
from zoneinfo import ZoneInfo

from worklog_kpi_client import AuthenticatedClient, Client
from worklog_kpi_client.api.approvals import approval_queue, approve_entry, return_entry
from worklog_kpi_client.api.auth import login, me
from worklog_kpi_client.api.catalogue import create_product
from worklog_kpi_client.api.diary import create_entry, get_entry, submit_day, submit_entry, update_entry
from worklog_kpi_client.api.kpi import staff_kpi
from worklog_kpi_client.api.organisation import create_staff, create_unit, get_unit, update_unit
from worklog_kpi_client.models import (
    CreateEntry,
    CreateProduct,
    CreateStaff,
    CreateUnit,
    EntryState,
    EntryView,
    LoginRequest,
    Problem,
    ReturnKind,
    ReturnRequest,
    Role,
    SubmitDay,
    UnitLevel,
    UpdateEntry,
    UpdateUnit,
)
from worklog_kpi_client.types import Response

BASE = os.environ["WORKLOG_BASE"]
PASSWORD = "Vong-lam-viec-2026"  # of the accounts the script creates
RUN = uuid.uuid4().hex[:6]  # codes and usernames unique per run


def step(text: str) -> None:
    print(f"-- {text}", flush=True)


def expect(resp: Response[Any], status: int, model: type) -> Any:
    """The parsed body of a response with the expected status and model, else exit non-zero."""
    body = resp.parsed
    if resp.status_code != status or not isinstance(body, model):
        detail = body.to_dict() if isinstance(body, Problem) else resp.content[:400]
        sys.exit(f"expected {status} {model.__name__}, got {int(resp.status_code)}: {detail!r}")
    return body


def check(cond: bool, what: str) -> None:
    if not cond:
        sys.exit(f"check failed: {what}")


def sign_in(username: str, password: str) -> AuthenticatedClient:
    anon = Client(base_url=BASE, raise_on_unexpected_status=True)
    resp = login.sync_detailed(client=anon, body=LoginRequest(username=username, password=password))
    from worklog_kpi_client.models import TokenResponse

    token = expect(resp, HTTPStatus.OK, TokenResponse)
    check(not token.must_change_password, f"{username} can work without a password change")
    return AuthenticatedClient(base_url=BASE, token=token.access_token, raise_on_unexpected_status=True)


def main() -> None:
    from worklog_kpi_client.models import KpiView, MeView, ProductView, QueueView, StaffView, UnitView

    today = datetime.datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    period = today.strftime("%Y-%m")

    step("administrator: a ward, its head, a member of staff, a catalogue item")
    admin = sign_in(os.environ["WORKLOG_ADMIN"], os.environ["WORKLOG_ADMIN_PASSWORD"])
    ward = expect(
        create_unit.sync_detailed(
            client=admin,
            body=CreateUnit(code=f"PY-{RUN}", name=f"Phường Python {RUN}", level=UnitLevel.WARD),
        ),
        HTTPStatus.CREATED,
        UnitView,
    )
    head = expect(
        create_staff.sync_detailed(
            client=admin,
            body=CreateStaff(
                username=f"truong.py.{RUN}",
                full_name="Lê Văn Hưng",
                password=PASSWORD,
                unit_id=ward.id,
                roles=[Role.STAFF, Role.HEAD],
                is_leader=True,
                joined_on=datetime.date(2020, 3, 1),
            ),
        ),
        HTTPStatus.CREATED,
        StaffView,
    )
    read = get_unit.sync_detailed(ward.id, client=admin)
    expect(read, HTTPStatus.OK, UnitView)
    etag = read.headers["etag"]
    ward = expect(
        update_unit.sync_detailed(ward.id, client=admin, body=UpdateUnit(head_id=head.id), if_match=etag),
        HTTPStatus.OK,
        UnitView,
    )
    check(ward.head_id == head.id, "the ward has its head")
    staff = expect(
        create_staff.sync_detailed(
            client=admin,
            body=CreateStaff(
                username=f"nv.py.{RUN}",
                full_name="Nguyễn Thị Ánh",
                password=PASSWORD,
                unit_id=ward.id,
                supervisor_id=head.id,
                weekly_hours=40.0,
                joined_on=datetime.date(2021, 9, 15),
            ),
        ),
        HTTPStatus.CREATED,
        StaffView,
    )
    product = expect(
        create_product.sync_detailed(
            client=admin,
            body=CreateProduct(
                code=f"HS-PY-{RUN}",
                name="Hồ sơ thủ tục hành chính đã xử lý",
                measuring_unit="hồ sơ",
                standard_minutes=30,
            ),
        ),
        HTTPStatus.CREATED,
        ProductView,
    )

    step(f"staff: sign in, log two lines on {today}, submit the day")
    anh = sign_in(staff.username, PASSWORD)
    who = expect(me.sync_detailed(client=anh), HTTPStatus.OK, MeView)
    check(who.staff is not None and who.staff.id == staff.id, "GET /me names the person")
    lines = []
    for quantity, minutes, note in [(6, 180, "Tiếp nhận, xử lý 6 hồ sơ"), (2, 90, "Thẩm định 2 hồ sơ")]:
        entry = expect(
            create_entry.sync_detailed(
                client=anh,
                body=CreateEntry(
                    work_date=today, product_id=product.id, quantity=quantity, minutes=minutes, note=note
                ),
            ),
            HTTPStatus.CREATED,
            EntryView,
        )
        check(entry.state == EntryState.DRAFT, "a new line is a draft")
        lines.append(entry)
    from worklog_kpi_client.models import SubmittedDay

    submitted = expect(
        submit_day.sync_detailed(client=anh, body=SubmitDay(date=today)), HTTPStatus.OK, SubmittedDay
    )
    check(
        sorted(e.id for e in submitted.items) == sorted(e.id for e in lines)
        and all(e.state == EntryState.SUBMITTED and e.approver_id == head.id for e in submitted.items),
        "both lines submitted to the head",
    )

    step("head: the queue holds both; approve one, return one for quality")
    hung = sign_in(head.username, PASSWORD)
    queue = expect(approval_queue.sync_detailed(client=hung), HTTPStatus.OK, QueueView)
    queued = {item.entry.id for item in queue.items}
    check({e.id for e in lines} <= queued, f"both lines are in the head's queue ({queued})")
    first, second = lines
    approved = expect(approve_entry.sync_detailed(first.id, client=hung), HTTPStatus.OK, EntryView)
    check(approved.state == EntryState.APPROVED, "first line approved")
    returned = expect(
        return_entry.sync_detailed(
            second.id,
            client=hung,
            body=ReturnRequest(reason="Số hồ sơ không khớp sổ theo dõi", reason_kind=ReturnKind.QUALITY),
        ),
        HTTPStatus.OK,
        EntryView,
    )
    check(returned.state == EntryState.RETURNED, "second line returned")

    step("staff: fix the returned line (If-Match) and resubmit it")
    read = get_entry.sync_detailed(second.id, client=anh)
    current = expect(read, HTTPStatus.OK, EntryView)
    check(current.last_return_reason == "Số hồ sơ không khớp sổ theo dõi", "the owner sees the reason")
    fixed = expect(
        update_entry.sync_detailed(
            second.id,
            client=anh,
            body=UpdateEntry(quantity=3, note="Thẩm định 3 hồ sơ (đã đối chiếu sổ)"),
            if_match=read.headers["etag"],
        ),
        HTTPStatus.OK,
        EntryView,
    )
    check(fixed.quantity == 3, "the fix is saved")
    resubmitted = expect(submit_entry.sync_detailed(second.id, client=anh), HTTPStatus.OK, EntryView)
    check(resubmitted.state == EntryState.SUBMITTED, "resubmitted")

    step("head: approve the fixed line")
    approved = expect(approve_entry.sync_detailed(second.id, client=hung), HTTPStatus.OK, EntryView)
    check(approved.state == EntryState.APPROVED and approved.rework_count == 1, "approved, one rework")

    step(f"the person's KPI for {period}")
    kpi = expect(staff_kpi.sync_detailed(staff.id, client=anh, period=period), HTTPStatus.OK, KpiView)
    check(kpi.staff_id == staff.id and kpi.period == period, "the KPI of the person and month")
    check(kpi.approved_entries == 2, f"two approved lines count ({kpi.approved_entries})")
    check(kpi.rework == 1, f"one rework ({kpi.rework})")
    check(kpi.credited == 180 + 90, f"credited minutes are the logged ones ({kpi.credited})")
    check(0.0 <= kpi.quality < 1.0, f"the returned line lowers quality ({kpi.quality})")
    print(
        f"daily loop (Python client): entries {first.id},{second.id} approved; "
        f"KPI {period}: credited {kpi.credited} min of {kpi.expected}, quality {kpi.quality:.3f}, "
        f"total {kpi.total}, grade by threshold {kpi.threshold_grade.code}"
    )


if __name__ == "__main__":
    main()
