// The retention page (R17, D22(3)): reads what the signed-in account may read and hides the rest (a 403 for a
// section is shown as "no permission", never as a broken page). Writes go through the same API as the CLI.
import { ApiError, describeError, fromCstInput, getJson, postJson, setCsrfToken, toCstInput } from './api.js';

const $ = (id) => document.getElementById(id);
const cst = (ms) => (ms === null || ms === undefined ? '—' : toCstInput(ms).replace('T', ' '));
const days = (d) => (d === null || d === undefined ? '∞' : Number(d).toFixed(1));

function showError(error) {
  $('error').textContent = describeError(error);
  $('error').hidden = false;
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function row(cells, extra) {
  const tr = document.createElement('tr');
  for (const c of cells) tr.append(cell(c));
  if (extra) {
    const td = document.createElement('td');
    td.append(...extra);
    tr.append(td);
  }
  return tr;
}

function button(label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', () => onClick().then(refresh, showError));
  return b;
}

/** Loads one section; a refusal (403) marks the section instead of failing the page. */
async function section(tbodyId, load) {
  try {
    await load();
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      const tr = document.createElement('tr');
      const td = cell('无权限 No permission');
      td.colSpan = 8;
      tr.append(td);
      $(tbodyId).replaceChildren(tr);
      return;
    }
    throw error;
  }
}

async function sendJson(method, path, body) {
  const me = await getJson('/api/v1/auth/me');
  const res = await fetch(path, {
    method, credentials: 'same-origin',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': me.csrfToken },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.ok) return res.status === 204 ? null : res.json();
  const e = await res.json().catch(() => ({ error: 'http_error', message: `HTTP ${res.status}` }));
  throw new ApiError(res.status, e.error, e.message, e.article);
}

async function loadCapacity() {
  const c = await getJson('/api/v1/retention/capacity');
  $('capacity').textContent =
    `可存 Holds ${days(c.capacityDays)} 天 days · 余量 Headroom ${days(c.headroomDays)} 天 days · ` +
    `空闲 Free ${(c.freeBytes / 2 ** 30).toFixed(1)} GiB / ${(c.totalBytes / 2 ** 30).toFixed(1)} GiB · ` +
    `${c.cameras.length} 路摄像机 cameras`;
  $('capacity-warnings').replaceChildren(...c.warnings.map((w) => {
    const li = document.createElement('li');
    li.className = w.severity === 'critical' ? 'error' : '';
    li.textContent = `${w.severity === 'critical' ? '严重 Critical' : '警告 Warning'} ${w.kind} (${w.article}): ${w.message}`;
    return li;
  }));
}

function scopeText(s) {
  return s.kind === 'camera' ? `摄像机 Camera ${s.cameraId}` : s.kind === 'group' ? `分组 Group ${s.groupId}` : '默认 Default';
}

async function loadPolicies() {
  const policies = await getJson('/api/v1/retention/policies');
  $('policies').replaceChildren(...policies.map((p) => row(
    [scopeText(p.scope), String(p.retentionDays), p.sector ? `${p.sector.sector} ${p.sector.retentionDays} (${p.sector.legalBasis})` : '—',
      p.ceilingDays ?? '—', String(p.effectiveRetentionDays)],
    p.scope.kind === 'default' ? [] : [button('删除 Remove', () => sendJson('DELETE', `/api/v1/retention/policies/${encodeURIComponent(p.id)}`))],
  )));
  const cams = await getJson('/api/v1/retention/cameras');
  $('cameras').replaceChildren(...cams.map((c) => row([c.cameraId, c.policyId ?? '无 None', String(c.effectiveRetentionDays)])));
}

const STATES = { active: '生效 Active', lift_requested: '待批准解除 Lift requested', lifted: '已解除 Lifted', expired: '已到期 Expired' };

async function loadHolds() {
  const holds = await getJson('/api/v1/retention/holds');
  $('holds').replaceChildren(...holds.map((h) => {
    const actions = [];
    if (h.state === 'active') {
      actions.push(button('申请解除 Request lift', async () => {
        const reason = window.prompt('解除理由 Why may the hold end?');
        if (reason) await postJson(`/api/v1/retention/holds/${encodeURIComponent(h.id)}/request-lift`, { reason });
      }));
    }
    if (h.state === 'lift_requested') {
      actions.push(button('批准解除 Approve lift (second person)', () => postJson(`/api/v1/retention/holds/${encodeURIComponent(h.id)}/approve-lift`, {})));
    }
    return row([STATES[h.state] ?? h.state, h.cameraIds.join(', '), `${cst(h.fromMs)} – ${cst(h.toMs)}`, h.reason, h.legalBasis, h.requester, cst(h.expiresMs)], actions);
  }));
}

async function loadRuns() {
  const runs = await getJson('/api/v1/retention/runs?limit=20');
  $('runs').replaceChildren(...runs.map((r) => {
    const link = document.createElement('a');
    link.href = `/api/v1/retention/runs/${encodeURIComponent(r.id)}/certificate?format=html`;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = r.signed ? '查看 View (HTML)' : '未完成 Unfinished';
    return row([cst(r.startedMs), r.trigger, r.status, String(r.segments), String(r.bytes)], r.signed ? [link] : []);
  }));
}

async function refresh() {
  $('error').hidden = true;
  await Promise.all([
    section('capacity-warnings', loadCapacity), section('policies', loadPolicies), section('holds', loadHolds), section('runs', loadRuns),
  ]).catch(showError);
}

$('policy-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const kind = $('policy-scope').value;
  const id = $('policy-scope-id').value.trim();
  const scope = kind === 'camera' ? { kind, cameraId: id } : kind === 'group' ? { kind, groupId: id } : { kind };
  const body = { scope, retentionDays: Number($('policy-days').value) };
  if ($('policy-sector').value.trim()) {
    body.sector = { sector: $('policy-sector').value.trim(), retentionDays: Number($('policy-sector-days').value), legalBasis: $('policy-basis').value.trim() };
  }
  if ($('policy-ceiling').value) body.ceilingDays = Number($('policy-ceiling').value);
  sendJson('PUT', '/api/v1/retention/policies', body).then(refresh, showError);
});

$('hold-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const expires = fromCstInput($('hold-expires').value);
  postJson('/api/v1/retention/holds', {
    cameraIds: $('hold-cameras').value.split(',').map((s) => s.trim()).filter(Boolean),
    fromMs: fromCstInput($('hold-from').value), toMs: fromCstInput($('hold-to').value),
    reason: $('hold-reason').value, legalBasis: $('hold-basis').value, requester: $('hold-requester').value,
    expiresMs: Number.isFinite(expires) ? expires : null,
  }).then(refresh, showError);
});

$('dry-run').addEventListener('click', () => {
  postJson('/api/v1/retention/runs', { dryRun: true }).then((r) => {
    $('dry-run-result').hidden = false;
    $('dry-run-result').textContent =
      `将删除 Would delete ${r.planned.length} 段 segments; 保留 kept: ${JSON.stringify(r.kept)}` +
      (r.alerts.length ? `\n${r.alerts.map((a) => `${a.severity} ${a.kind} (${a.article}): ${a.message}`).join('\n')}` : '');
  }, showError);
});

getJson('/api/v1/auth/me').then((me) => {
  setCsrfToken(me.csrfToken);
  $('who').textContent = `${me.displayName ?? me.username ?? ''}`;
  return refresh();
}, (error) => {
  if (error instanceof ApiError && error.status === 401) window.location.href = 'index.html';
  else showError(error);
});
