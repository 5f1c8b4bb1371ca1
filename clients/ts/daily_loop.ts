// The daily loop through a TypeScript client: types generated from openapi/openapi.json by
// openapi-typescript (generated/schema.d.ts), calls made with openapi-fetch, compiled with
// `tsc` (strict) and run with node by .ci/clients.sh against a fresh server.
//
// Environment: WORKLOG_BASE (the server), WORKLOG_ADMIN and WORKLOG_ADMIN_PASSWORD (the
// bootstrap administrator). As the administrator it creates a ward, its head, a member of staff
// and a catalogue item; the member of staff logs two lines and submits the day; the head approves
// one and returns the other for quality; the owner fixes it (If-Match with the ETag read) and
// resubmits; the head approves; the person's KPI for the month shows both lines and one rework.
// Any unexpected status or body ends the run with exit code 1.

import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

type Schemas = components["schemas"];

const BASE = requireEnv("WORKLOG_BASE");
const PASSWORD = "Vong-lam-viec-TS-2026"; // of the accounts this run creates
const RUN = Math.random().toString(16).slice(2, 8); // codes and usernames unique per run

function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function step(text: string): void {
  console.log(`-- ${text}`);
}

function check(cond: boolean, what: string): asserts cond {
  if (!cond) throw new Error(`check failed: ${what}`);
}

/** The body of a successful call with the expected status, else an error naming what came back. */
function ok<T>(
  result: { data?: T; error?: unknown; response: Response },
  status: number,
): { data: T; response: Response } {
  const { data, error, response } = result;
  if (response.status !== status || data === undefined) {
    throw new Error(`expected ${status}, got ${response.status}: ${JSON.stringify(error ?? data)}`);
  }
  return { data, response };
}

function clientFor(token?: string) {
  return createClient<paths>({
    baseUrl: BASE,
    headers: token ? { Authorization: `Bearer ${token}` } : {},
  });
}

async function signIn(username: string, password: string) {
  const { data } = ok(
    await clientFor().POST("/api/v1/auth/login", { body: { username, password } }),
    200,
  );
  check(!data.must_change_password, `${username} can work without a password change`);
  return clientFor(data.access_token);
}

function etagOf(response: Response): string {
  const etag = response.headers.get("etag");
  check(etag !== null, "the response carries an ETag");
  return etag;
}

async function main(): Promise<void> {
  // Today in Vietnam (the service's calendar), as YYYY-MM-DD.
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Ho_Chi_Minh" }).format(new Date());
  const period = today.slice(0, 7);

  step("administrator: a ward, its head, a member of staff, a catalogue item");
  const admin = await signIn(requireEnv("WORKLOG_ADMIN"), requireEnv("WORKLOG_ADMIN_PASSWORD"));
  const ward = ok(
    await admin.POST("/api/v1/units", {
      body: { code: `TS-${RUN}`, name: `Phường TypeScript ${RUN}`, level: "ward" },
    }),
    201,
  ).data;
  const head = ok(
    await admin.POST("/api/v1/staff", {
      body: {
        username: `truong.ts.${RUN}`,
        full_name: "Lê Văn Hưng",
        password: PASSWORD,
        unit_id: ward.id,
        roles: ["staff", "head"],
        is_leader: true,
        joined_on: "2020-03-01",
      },
    }),
    201,
  ).data;
  const unitRead = ok(
    await admin.GET("/api/v1/units/{id}", { params: { path: { id: ward.id } } }),
    200,
  );
  const headed: Schemas["UnitView"] = ok(
    await admin.PATCH("/api/v1/units/{id}", {
      params: { path: { id: ward.id }, header: { "If-Match": etagOf(unitRead.response) } },
      body: { head_id: head.id },
    }),
    200,
  ).data;
  check(headed.head_id === head.id, "the ward has its head");
  const staff = ok(
    await admin.POST("/api/v1/staff", {
      body: {
        username: `nv.ts.${RUN}`,
        full_name: "Nguyễn Thị Ánh",
        password: PASSWORD,
        unit_id: ward.id,
        supervisor_id: head.id,
        weekly_hours: 40,
        joined_on: "2021-09-15",
      },
    }),
    201,
  ).data;
  const product = ok(
    await admin.POST("/api/v1/products", {
      body: {
        code: `HS-TS-${RUN}`,
        name: "Hồ sơ thủ tục hành chính đã xử lý",
        measuring_unit: "hồ sơ",
        standard_minutes: 30,
      },
    }),
    201,
  ).data;

  step(`staff: sign in, log two lines on ${today}, submit the day`);
  const anh = await signIn(staff.username, PASSWORD);
  const me = ok(await anh.GET("/api/v1/me"), 200).data;
  check(me.staff.id === staff.id, "GET /me names the person");
  const lines: Schemas["EntryView"][] = [];
  for (const [quantity, minutes, note] of [
    [6, 180, "Tiếp nhận, xử lý 6 hồ sơ"],
    [2, 90, "Thẩm định 2 hồ sơ"],
  ] as const) {
    const entry = ok(
      await anh.POST("/api/v1/entries", {
        body: { work_date: today, product_id: product.id, quantity, minutes, note },
      }),
      201,
    ).data;
    check(entry.state === "draft", "a new line is a draft");
    lines.push(entry);
  }
  const [first, second] = lines;
  check(first !== undefined && second !== undefined, "two lines logged");
  const submitted = ok(await anh.POST("/api/v1/entries/submit-day", { body: { date: today } }), 200).data;
  check(
    submitted.items.length === 2 &&
      submitted.items.every((e) => e.state === "submitted" && e.approver_id === head.id),
    "both lines submitted to the head",
  );

  step("head: the queue holds both; approve one, return one for quality");
  const hung = await signIn(head.username, PASSWORD);
  const queue = ok(await hung.GET("/api/v1/approvals/queue"), 200).data;
  const queued = new Set(queue.items.map((item) => item.entry.id));
  check(queued.has(first.id) && queued.has(second.id), "both lines are in the head's queue");
  const approved = ok(
    await hung.POST("/api/v1/entries/{id}/approve", { params: { path: { id: first.id } } }),
    200,
  ).data;
  check(approved.state === "approved", "first line approved");
  const reason = "Số hồ sơ không khớp sổ theo dõi";
  const returned = ok(
    await hung.POST("/api/v1/entries/{id}/return", {
      params: { path: { id: second.id } },
      body: { reason, reason_kind: "quality" },
    }),
    200,
  ).data;
  check(returned.state === "returned", "second line returned");

  step("staff: fix the returned line (If-Match) and resubmit it");
  const read = ok(await anh.GET("/api/v1/entries/{id}", { params: { path: { id: second.id } } }), 200);
  check(read.data.last_return_reason === reason, "the owner sees the reason");
  const fixed = ok(
    await anh.PATCH("/api/v1/entries/{id}", {
      params: { path: { id: second.id }, header: { "If-Match": etagOf(read.response) } },
      body: { quantity: 3, note: "Thẩm định 3 hồ sơ (đã đối chiếu sổ)" },
    }),
    200,
  ).data;
  check(fixed.quantity === 3, "the fix is saved");
  const resubmitted = ok(
    await anh.POST("/api/v1/entries/{id}/submit", { params: { path: { id: second.id } } }),
    200,
  ).data;
  check(resubmitted.state === "submitted", "resubmitted");

  step("head: approve the fixed line");
  const approvedAgain = ok(
    await hung.POST("/api/v1/entries/{id}/approve", { params: { path: { id: second.id } } }),
    200,
  ).data;
  check(approvedAgain.state === "approved" && approvedAgain.rework_count === 1, "approved, one rework");

  step(`the person's KPI for ${period}`);
  const kpi: Schemas["KpiView"] = ok(
    await anh.GET("/api/v1/kpi/staff/{id}", { params: { path: { id: staff.id }, query: { period } } }),
    200,
  ).data;
  check(kpi.staff_id === staff.id && kpi.period === period, "the KPI of the person and month");
  check(kpi.approved_entries === 2, `two approved lines count (${kpi.approved_entries})`);
  check(kpi.rework === 1, `one rework (${kpi.rework})`);
  check(kpi.credited === 180 + 90, `credited minutes are the logged ones (${kpi.credited})`);
  check(kpi.quality >= 0 && kpi.quality < 1, `the returned line lowers quality (${kpi.quality})`);
  console.log(
    `daily loop (TypeScript client): entries ${first.id},${second.id} approved; KPI ${period}: ` +
      `credited ${kpi.credited} min of ${kpi.expected}, quality ${kpi.quality.toFixed(3)}, ` +
      `total ${kpi.total}, grade by threshold ${kpi.threshold_grade.code}`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
