// The web console: one page, no build step, no library. Every figure comes from the HTTP API with the
// logged-in user's basic-auth credentials, so the console can do exactly what that user may do.
"use strict";

const session = {
  get() { return JSON.parse(sessionStorage.getItem("streamactions.session") || "null"); },
  set(value) { sessionStorage.setItem("streamactions.session", JSON.stringify(value)); },
  clear() { sessionStorage.removeItem("streamactions.session"); },
};

/** An element: el("td", {class: "x"}, "text", child...). Strings become text nodes, never HTML. */
function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "value") node.value = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.message ? body.message : "HTTP " + status);
    this.status = status;
    this.field = body ? body.field : undefined;
  }
}

/** A call of the API as the logged-in user; the JSON answer, or an ApiError with the API's message. */
async function api(method, path, body) {
  const s = session.get();
  const headers = { "X-Requested-With": "console" };
  if (s) headers.Authorization = "Basic " + btoa(unescape(encodeURIComponent(s.email + ":" + s.secret)));
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload });
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = { message: text }; }
  if (!response.ok) {
    if (response.status === 401 && path !== loginCheckPath()) { session.clear(); location.hash = "#/login"; }
    throw new ApiError(response.status, json);
  }
  return json;
}

const org = () => session.get().org;
const orgPath = (rest) => "/api/" + encodeURIComponent(org()) + rest;
const loginCheckPath = () => session.get() ? orgPath("/actions") : "";
const main = () => document.getElementById("main");

function showError(error) {
  const banner = document.getElementById("page-error");
  if (!error) { banner.hidden = true; banner.textContent = ""; return; }
  const denied = error.status === 403;
  banner.textContent = (denied ? "403 Forbidden: " : error.status ? "Error " + error.status + ": " : "") + error.message;
  banner.dataset.status = error.status || "";
  banner.hidden = false;
}

function when(text) {
  if (!text) return "";
  const d = new Date(text);
  return d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

function duration(run) {
  if (!run.ended_at) return "running";
  const ms = new Date(run.ended_at) - new Date(run.started_at);
  return ms < 1000 ? ms + " ms" : (ms / 1000).toFixed(1) + " s";
}

let refreshTimer = null;
function stopRefresh() { if (refreshTimer) { clearInterval(refreshTimer); refreshTimer = null; } }

// ---------------------------------------------------------------------------------------------------
// Log in

function loginPage() {
  const error = el("div", { id: "login-error", class: "error" });
  const form = el("form", { id: "login-form", class: "grid" },
    el("label", { for: "login-org" }, "Org"), el("input", { id: "login-org", type: "text", value: "default" }),
    el("label", { for: "login-email" }, "Email"), el("input", { id: "login-email", type: "text", autocomplete: "username" }),
    el("label", { for: "login-secret" }, "Password or token"),
    el("input", { id: "login-secret", type: "password", autocomplete: "current-password" }),
    el("span"), el("div", {}, el("button", { id: "login-submit", type: "submit" }, "Log in"), error));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const candidate = { org: form.querySelector("#login-org").value.trim(),
      email: form.querySelector("#login-email").value.trim(), secret: form.querySelector("#login-secret").value };
    session.set(candidate);
    try {
      await api("GET", orgPath("/actions"));
    } catch (e) {
      // A 403 is a good login without the permission to list actions: the actions page says so.
      if (e.status !== 403) { session.clear(); error.textContent = e.message; return; }
    }
    location.hash = "#/actions";
  });
  return el("section", {}, el("h1", {}, "Log in"),
    el("p", { class: "muted" }, "A user (email and password) or a service account (email and token) of the org."), form);
}

// ---------------------------------------------------------------------------------------------------
// Upload (a new action, or a new version of one)

const UPLOAD_FIELDS = ["file", "name", "description", "type", "service_account", "env", "schedule"];

function uploadForm(existing, onDone) {
  const row = (label, field, input) => [el("label", { for: "upload-" + field }, label),
    el("div", {}, input, el("div", { class: "field-error", "data-for": field }))];
  const type = el("select", { id: "upload-type", name: "type" },
    el("option", { value: "realtime" }, "realtime (records of a stream, or an alert)"),
    el("option", { value: "scheduled" }, "scheduled (once or cron, UTC)"));
  const result = el("div", { id: "upload-result" });
  const form = el("form", { id: "upload-form", class: "grid" },
    row("ZIP file", "file", el("input", { id: "upload-file", name: "file", type: "file", accept: ".zip" })),
    existing ? [] : row("Name", "name", el("input", { id: "upload-name", name: "name", type: "text" })),
    row("Description", "description", el("input", { id: "upload-description", name: "description", type: "text",
      value: existing ? existing.description : "" })),
    row("Type", "type", type),
    row("Service account", "service_account", el("input", { id: "upload-service_account", name: "service_account",
      type: "text", value: existing ? existing.service_account : "" })),
    row("Env (JSON object)", "env", el("textarea", { id: "upload-env", name: "env", placeholder: '{"MIN_PODS": "2"}' })),
    row("Schedule", "schedule", el("input", { id: "upload-schedule", name: "schedule", type: "text",
      placeholder: "once:2026-12-31T23:00:00Z or */5 * * * *", value: existing && existing.schedule ? existing.schedule : "" })),
    el("span"), el("div", {}, el("button", { id: "upload-submit", type: "submit" },
      existing ? "Upload new version" : "Create action"), result));
  if (existing) type.value = existing.type;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelectorAll(".field-error").forEach((e) => { e.textContent = ""; });
    result.textContent = "Checking the package…";
    result.className = "muted";
    const data = new FormData();
    for (const field of UPLOAD_FIELDS) {
      const input = form.querySelector("[name=" + field + "]");
      if (!input) continue;
      if (field === "file") { if (input.files.length) data.append("file", input.files[0]); }
      else if (input.value.trim() !== "") data.append(field, input.value);
    }
    try {
      const action = existing ? await api("PUT", orgPath("/actions/" + encodeURIComponent(existing.name)), data)
        : await api("POST", orgPath("/actions"), data);
      result.className = "ok";
      result.textContent = "Saved " + action.name + " version " + action.version + ".";
      onDone(action);
    } catch (e) {
      const next = e.field && form.querySelector('.field-error[data-for="' + e.field + '"]');
      result.className = "error";
      if (next) { next.textContent = e.message; result.textContent = "Not saved: see " + e.field + "."; }
      else result.textContent = e.message;
    }
  });
  return form;
}

// ---------------------------------------------------------------------------------------------------
// Actions

async function actionsPage() {
  const section = el("section", {}, el("h1", {}, "Actions"));
  const upload = el("section", {}, el("h2", {}, "New action"),
    uploadForm(null, (action) => { location.hash = "#/actions/" + encodeURIComponent(action.name); }));
  let listing;
  try {
    listing = await api("GET", orgPath("/actions"));
  } catch (e) {
    showError(e);
    return [section, upload];
  }
  const rows = listing.actions.map((a) => el("tr", { "data-action": a.name },
    el("td", {}, el("a", { href: "#/actions/" + encodeURIComponent(a.name) }, a.name)),
    el("td", { class: "type" }, a.type),
    el("td", { class: "status status-" + a.status }, a.status),
    el("td", { class: "version" }, a.version),
    el("td", { class: "last-run" }, a.last_run ? [el("span", { class: "status-" + a.last_run.status }, a.last_run.status),
      " ", when(a.last_run.started_at)] : el("span", { class: "muted" }, "never")),
    el("td", { class: "next-run" }, a.next_run_at ? when(a.next_run_at) : ""),
    el("td", { class: "streams" }, a.attachments.map((t) => t.stream).join(", "))));
  section.append(rows.length === 0 ? el("p", { class: "muted", id: "no-actions" }, "No actions yet: upload one below.")
    : el("table", { id: "actions-table" },
      el("thead", {}, el("tr", {}, ["Name", "Type", "Status", "Version", "Last run", "Next run", "Streams"]
        .map((h) => el("th", {}, h)))), el("tbody", {}, rows)));
  return [section, upload];
}

async function actionPage(name) {
  let action;
  try {
    action = await api("GET", orgPath("/actions/" + encodeURIComponent(name)));
  } catch (e) {
    showError(e);
    return el("section", {}, el("h1", {}, name));
  }
  const info = el("section", {}, el("h1", { id: "action-title" }, action.name),
    el("table", { id: "action-info" }, el("tbody", {},
      [["Type", action.type], ["Status", action.status], ["Version", action.version],
        ["Description", action.description || ""], ["Service account", action.service_account],
        ["Env variables", action.env_keys.join(", ")], ["Schedule", action.schedule || ""],
        ["Next run", action.next_run_at ? when(action.next_run_at) : ""], ["Created", when(action.created_at)]]
        .map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { "data-field": k }, v))))),
    el("div", { class: "row" }, el("button", { id: "delete-action", class: "plain", type: "button", onclick: async () => {
      if (!confirm("Delete " + action.name + " and its attachments?")) return;
      try { await api("DELETE", orgPath("/actions/" + encodeURIComponent(action.name))); location.hash = "#/actions"; }
      catch (e) { showError(e); }
    } }, "Delete action")));
  const parts = [info];
  if (action.type === "realtime") parts.push(attachmentsSection(action));
  parts.push(activitySection(action), manualRunSection(action), historySection(action),
    el("section", {}, el("h2", {}, "New version"), uploadForm(action, () => route())));
  return parts;
}

function attachmentsSection(action) {
  const stream = el("input", { id: "attach-stream", type: "text", placeholder: "k8s_logs" });
  const output = el("input", { id: "attach-output", type: "text", placeholder: "default: logs.<org>.<stream>.<action>" });
  const message = el("div", { id: "attach-result" });
  const rows = action.attachments.map((a) => el("tr", { "data-stream": a.stream },
    el("td", {}, a.stream), el("td", { class: "output-topic" }, a.output_topic),
    el("td", {}, el("button", { class: "plain detach", type: "button", "data-stream": a.stream, onclick: async () => {
      try { await api("DELETE", orgPath("/streams/" + encodeURIComponent(a.stream) + "/actions/" + encodeURIComponent(action.name))); route(); }
      catch (e) { showError(e); }
    } }, "Detach"))));
  const form = el("form", { id: "attach-form", class: "grid" },
    el("label", { for: "attach-stream" }, "Stream"), stream,
    el("label", { for: "attach-output" }, "Output topic"), output,
    el("span"), el("div", {}, el("button", { id: "attach-submit", type: "submit" }, "Attach"), message));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = output.value.trim() ? { output_topic: output.value.trim() } : {};
      await api("POST", orgPath("/streams/" + encodeURIComponent(stream.value.trim()) + "/actions/" + encodeURIComponent(action.name)), body);
      route();
    } catch (e) { message.className = "error"; message.textContent = e.message; }
  });
  return el("section", {}, el("h2", {}, "Attached streams"),
    rows.length ? el("table", { id: "attachments" }, el("thead", {}, el("tr", {}, el("th", {}, "Stream"),
      el("th", {}, "Output topic"), el("th"))), el("tbody", {}, rows))
      : el("p", { class: "muted", id: "no-attachments" }, "Not attached: every record of an attached stream passes through it."),
    form);
}

function activitySection(action) {
  const chart = el("div", { id: "activity" }, el("span", { class: "muted" }, "Loading…"));
  const section = el("section", {}, el("h2", {}, "Records/s and errors, last 15 minutes"), chart);
  drawActivity(action, chart);
  return section;
}

async function drawActivity(action, chart) {
  let activity;
  try { activity = await api("GET", orgPath("/actions/" + encodeURIComponent(action.name) + "/activity?minutes=15")); }
  catch (e) { chart.replaceChildren(el("span", { class: "error" }, e.message)); return; }
  const step = activity.bucket_seconds;
  const buckets = activity.buckets;
  const rates = buckets.map((b) => b.records_in / step);
  const top = Math.max(1, ...rates);
  const maxErrors = Math.max(1, ...buckets.map((b) => b.errors));
  const width = 900, height = 160, left = 48, bottom = 20;
  const x = (i) => left + (i * (width - left)) / Math.max(1, buckets.length - 1);
  const y = (v) => (height - bottom) - (v / top) * (height - bottom - 10);
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("id", "activity-chart");
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  svg.setAttribute("width", "100%");
  const add = (tag, attributes, text) => {
    const node = document.createElementNS(ns, tag);
    for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    svg.append(node);
    return node;
  };
  add("line", { x1: left, y1: height - bottom, x2: width, y2: height - bottom, stroke: "#d9dde5" });
  add("text", { x: 2, y: 14 }, top.toFixed(top < 10 ? 1 : 0) + "/s");
  add("text", { x: 2, y: height - bottom }, "0");
  add("text", { x: left, y: height - 4 }, when(buckets[0].start).slice(11, 16));
  add("text", { x: width - 40, y: height - 4 }, "now");
  buckets.forEach((b, i) => {
    if (b.errors > 0) {
      const h = (b.errors / maxErrors) * 40;
      add("rect", { class: "errors", x: x(i) - 2, y: height - bottom - h, width: 4, height: h, fill: "#b3261e" })
        .append(Object.assign(document.createElementNS(ns, "title"), { textContent: b.errors + " errored runs at " + when(b.start) }));
    }
  });
  add("polyline", { id: "records-line", fill: "none", stroke: "#2f5bd3", "stroke-width": 2,
    points: rates.map((r, i) => x(i).toFixed(1) + "," + y(r).toFixed(1)).join(" ") });
  const total = buckets.reduce((a, b) => ({ in: a.in + b.records_in, out: a.out + b.records_out, runs: a.runs + b.runs,
    errors: a.errors + b.errors }), { in: 0, out: 0, runs: 0, errors: 0 });
  const last = buckets.slice(-6).reduce((a, b) => a + b.records_in, 0) / (6 * step);
  chart.replaceChildren(svg, el("p", { id: "activity-summary", class: "muted" },
    total.runs + " runs, " + total.in + " records in, " + total.out + " out, " + total.errors + " errored runs; "
    + last.toFixed(1) + " records/s over the last minute (blue: records in per second; red: errored runs)"));
}

function manualRunSection(action) {
  const now = Date.now();
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
  const mode = el("select", { id: "run-mode" }, el("option", { value: "window" }, "a stream's records in a time window"),
    el("option", { value: "data" }, "pasted JSON records"));
  const stream = el("input", { id: "run-stream", type: "text", value: action.attachments && action.attachments[0] ? action.attachments[0].stream : "" });
  const start = el("input", { id: "run-start", type: "text", value: iso(now - 15 * 60 * 1000) });
  const end = el("input", { id: "run-end", type: "text", value: iso(now + 60 * 1000) });
  const data = el("textarea", { id: "run-data", placeholder: '[{"message": "hello"}]' });
  const output = el("div", { id: "run-output" });
  const windowRows = [el("label", { for: "run-stream" }, "Stream"), stream,
    el("label", { for: "run-start" }, "From (UTC, RFC 3339)"), start, el("label", { for: "run-end" }, "To (excluded)"), end];
  const dataRows = [el("label", { for: "run-data" }, "Records (a JSON array)"), data];
  const scheduled = action.type === "scheduled";
  const form = el("form", { id: "run-form", class: "grid" },
    scheduled ? [] : [el("label", { for: "run-mode" }, "Run on"), mode, ...windowRows, ...dataRows],
    el("span"), el("div", {}, el("button", { id: "run-submit", type: "submit" }, "Run now")));
  const show = () => {
    windowRows.forEach((n) => { n.hidden = mode.value !== "window"; });
    dataRows.forEach((n) => { n.hidden = mode.value !== "data"; });
  };
  mode.addEventListener("change", show);
  show();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    output.replaceChildren(el("span", { class: "muted" }, "Running…"));
    let body = {};
    try {
      if (!scheduled && mode.value === "window") {
        const from = Date.parse(start.value), to = Date.parse(end.value);
        if (Number.isNaN(from) || Number.isNaN(to)) throw new ApiError(0, { message: "From and To must be times such as 2026-12-04T10:00:00Z" });
        body = { stream: stream.value.trim(), start_time: from * 1000, end_time: to * 1000 };
      } else if (!scheduled) {
        try { body = { data: JSON.parse(data.value || "[]") }; }
        catch (e) { throw new ApiError(0, { message: "the records are not JSON: " + e.message }); }
      }
      const run = await api("POST", orgPath("/actions/" + encodeURIComponent(action.name) + "/run"), body);
      output.replaceChildren(
        el("p", { id: "run-status", class: "status-" + run.status }, run.status + ": " + run.records_in + " records in, "
          + run.records.length + " returned" + (run.capped ? " (" + run.note + ")" : "")),
        run.error ? el("pre", { id: "run-error", class: "error" }, run.error) : null,
        el("h2", {}, "Returned records"), el("pre", { id: "run-records" }, JSON.stringify(run.records, null, 2)),
        el("h2", {}, "Log lines"), logLines(run.logs, "run-logs"));
    } catch (e) {
      output.replaceChildren(el("p", { id: "run-status", class: "error" }, e.message));
    }
  });
  return el("section", {}, el("h2", {}, "Run by hand"),
    el("p", { class: "muted" }, "Nothing is written to output topics; the run shows in the history as manual."), form, output);
}

function logLines(logs, id) {
  return el("pre", { id, class: "logs" }, logs.length === 0 ? "(no log lines)" : logs.map((l) =>
    when(l.time) + " " + l.level + " " + l.message + (l.exception ? "\n" + l.exception : "")).join("\n"));
}

function historySection(action) {
  const status = el("select", { id: "filter-status" }, ["", "Running", "Completed", "Errored"]
    .map((s) => el("option", { value: s }, s || "any status")));
  const trigger = el("select", { id: "filter-trigger" }, ["", "stream", "alert", "schedule", "manual"]
    .map((t) => el("option", { value: t }, t || "any trigger")));
  const auto = el("input", { id: "auto-refresh", type: "checkbox", checked: true });
  const table = el("div", { id: "runs" });
  const load = async () => {
    try {
      const answer = await api("GET", orgPath("/actions/" + encodeURIComponent(action.name) + "/runs"));
      const runs = answer.runs.filter((r) => (!status.value || r.status === status.value)
        && (!trigger.value || r.trigger === trigger.value));
      table.replaceChildren(runs.length === 0 ? el("p", { class: "muted", id: "no-runs" }, "No runs" + (answer.runs.length ? " match." : " yet."))
        : el("table", { id: "runs-table" }, el("thead", {}, el("tr", {}, ["Started", "Status", "Trigger", "Version",
          "In", "Out", "Duration", ""].map((h) => el("th", {}, h)))),
        el("tbody", {}, runs.map((r) => runRows(r)))));
    } catch (e) { table.replaceChildren(el("p", { class: "error" }, e.message)); }
  };
  status.addEventListener("change", load);
  trigger.addEventListener("change", load);
  load();
  refreshTimer = setInterval(() => { if (auto.checked) load(); }, 3000);
  return el("section", {}, el("h2", {}, "Run history"),
    el("div", { class: "row" }, status, trigger, el("label", {}, auto, " refresh every 3 s")), table);
}

function runRows(run) {
  const details = el("tr", { class: "run-details", "data-run-id": run.run_id },
    el("td", { colspan: 8 }, run.error ? el("pre", { class: "error run-error" }, run.error) : null, logLines(run.logs)));
  return [el("tr", { class: "run", "data-run-id": run.run_id },
    el("td", {}, when(run.started_at)), el("td", { class: "status status-" + run.status }, run.status),
    el("td", { class: "trigger" }, run.trigger), el("td", { class: "version" }, run.version),
    el("td", { class: "records-in" }, run.records_in), el("td", { class: "records-out" }, run.records_out),
    el("td", { class: "duration" }, duration(run)), el("td")), details];
}

// ---------------------------------------------------------------------------------------------------
// Service accounts and roles

async function iamPage() {
  const accounts = el("section", {}, el("h1", {}, "Service accounts"));
  const roles = el("section", {}, el("h1", {}, "Roles"));
  try {
    const listing = await api("GET", orgPath("/service_accounts"));
    accounts.append(el("table", { id: "sa-table" }, el("thead", {}, el("tr", {}, el("th", {}, "Email"), el("th", {}, "Roles"))),
      el("tbody", {}, listing.service_accounts.map((a) => el("tr", { "data-email": a.email },
        el("td", {}, a.email), el("td", {}, (a.roles || []).join(", ")))))));
  } catch (e) { accounts.append(el("p", { class: "error", id: "sa-error" }, (e.status === 403 ? "403 Forbidden: " : "") + e.message)); }
  const email = el("input", { id: "sa-email", type: "text" });
  const roleNames = el("input", { id: "sa-roles", type: "text", placeholder: "role names, comma-separated" });
  const created = el("div", { id: "sa-result" });
  const saForm = el("form", { id: "sa-form", class: "grid" }, el("label", { for: "sa-email" }, "Email"), email,
    el("label", { for: "sa-roles" }, "Roles"), roleNames, el("span"),
    el("div", {}, el("button", { id: "sa-submit", type: "submit" }, "Create service account"), created));
  saForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const answer = await api("POST", orgPath("/service_accounts"), { email: email.value.trim(),
        roles: roleNames.value.split(",").map((r) => r.trim()).filter((r) => r) });
      created.replaceChildren(el("p", { class: "ok" }, "Created. Its token, shown only this once: ",
        el("span", { class: "token", id: "sa-token" }, answer.token)));
    } catch (e) { created.replaceChildren(el("p", { class: "error" }, e.message)); }
  });
  accounts.append(el("h2", {}, "New service account"), saForm);

  try {
    const listing = await api("GET", orgPath("/roles"));
    roles.append(el("table", { id: "roles-table" }, el("thead", {}, el("tr", {}, el("th", {}, "Role"), el("th", {}, "Permissions"))),
      el("tbody", {}, listing.roles.map((r) => el("tr", { "data-role": r.name }, el("td", {}, r.name),
        el("td", {}, r.permissions.map((p) => p.resource + ": " + p.methods.join(" ")).join("; ")))))));
  } catch (e) { roles.append(el("p", { class: "error", id: "roles-error" }, (e.status === 403 ? "403 Forbidden: " : "") + e.message)); }
  const roleName = el("input", { id: "role-name", type: "text" });
  const permissions = el("textarea", { id: "role-permissions", value: '[{"resource": "actions", "methods": ["GET"]}]' });
  const saved = el("div", { id: "role-result" });
  const roleForm = el("form", { id: "role-form", class: "grid" }, el("label", { for: "role-name" }, "Name"), roleName,
    el("label", { for: "role-permissions" }, "Permissions (JSON)"), permissions, el("span"),
    el("div", {}, el("button", { id: "role-submit", type: "submit" }, "Create or replace role"), saved));
  roleForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      let parsed;
      try { parsed = JSON.parse(permissions.value); } catch (e) { throw new ApiError(0, { message: "permissions are not JSON: " + e.message }); }
      await api("POST", orgPath("/roles"), { name: roleName.value.trim(), permissions: parsed });
      route();
    } catch (e) { saved.replaceChildren(el("p", { class: "error" }, e.message)); }
  });
  roles.append(el("h2", {}, "Create or replace a role"), roleForm);
  return [accounts, roles];
}

// ---------------------------------------------------------------------------------------------------
// Routing

async function route() {
  stopRefresh();
  showError(null);
  const s = session.get();
  const hash = location.hash || "#/actions";
  document.getElementById("nav").hidden = !s;
  document.getElementById("logout").hidden = !s;
  document.getElementById("whoami").textContent = s ? s.email + " in " + s.org : "";
  if (!s || hash === "#/login") {
    main().replaceChildren(loginPage());
    return;
  }
  document.querySelectorAll("#nav a").forEach((a) => a.classList.toggle("active", hash.startsWith(a.getAttribute("href"))));
  let content;
  const action = hash.match(/^#\/actions\/(.+)$/);
  if (action) content = await actionPage(decodeURIComponent(action[1]));
  else if (hash === "#/iam") content = await iamPage();
  else content = await actionsPage();
  main().replaceChildren(...[content].flat());
  main().dataset.page = action ? "action" : hash.slice(2) || "actions";
}

document.getElementById("logout").addEventListener("click", () => { session.clear(); location.hash = "#/login"; route(); });
window.addEventListener("hashchange", route);
route();
