// The unit and systems page: the unit profile (GET/PUT /api/v1/unit), systems (GET/POST /api/v1/systems, PATCH
// /api/v1/systems/:id) and, for the selected one, its documents (POST …/documents, the file read as base64 here;
// GET …/documents/:documentId/file to download), its cameras with their device types (PUT …/cameras), its lifecycle
// (POST …/transitions; the next moves and the documents each needs come from GET /api/v1/systems/catalog) and its
// filing (GET …/filing-status, POST /api/v1/filing/submissions and …/:id/receipt). Every refusal shows the server's
// message and its article (api.js describeError). Server text goes into the page as textContent only.
import { ApiError, describeError, getJson, patchJson, postJson, putJson, setCsrfToken, toCstInput } from './api.js';

const $ = (id) => document.getElementById(id);
const STATES = {
  designed: '设计 Designed', built: '施工完成 Built', inspected: '已检验 Inspected', accepted: '已验收 Accepted',
  in_use: '投入使用 In use', changed: '变更中 Changed', retired: '停用 Retired',
};
const FILING = { not_due: '未到期 Not due', due: '待备案 Due', overdue: '逾期 Overdue', filed: '已备案 Filed', stale: '需变更备案 Change due' };
const MAX_FILE_BYTES = 10 * 1024 * 1024;

let canManage = false;
/** GET /api/v1/systems/catalog: document kinds, device types, lifecycle moves with their needs. */
let catalog = { documentKinds: [], deviceTypes: [], lifecycle: [] };
let systems = [];
let selectedId = new window.URLSearchParams(window.location.search).get('system');

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof window.Node ? child : String(child));
  return node;
}

function cell(row, text) {
  const td = el('td', { textContent: text ?? '' });
  row.append(td);
  return td;
}

const cst = (ms) => (ms ? toCstInput(ms).replace('T', ' ') : '—');
const kindLabel = (kind) => {
  const k = catalog.documentKinds.find((d) => d.kind === kind);
  return k ? `${k.zh} ${k.en}` : kind;
};

function showError(boxId, error) {
  const box = $(boxId);
  box.textContent = describeError(error);
  box.hidden = false;
}

function clearErrors() {
  for (const box of document.querySelectorAll('.error')) box.hidden = true;
}

/**
 * Runs a change; on refusal shows the server's reason (with its article) in that section's box. `body[data-busy]`
 * is set until the change and the redraw after it are done.
 */
async function act(boxId, fn) {
  clearErrors();
  document.body.dataset.busy = 'true';
  try {
    await fn();
    return true;
  } catch (error) {
    showError(boxId, error);
    return false;
  } finally {
    delete document.body.dataset.busy;
  }
}

/** Read-only for accounts without compliance.manage: every write control is disabled (the server refuses anyway). */
function guard(node) {
  node.disabled = !canManage;
  return node;
}

// ---- Unit profile -------------------------------------------------------------------------------------------------

const UNIT_FIELDS = { 'unit-name': 'name', 'unit-type': 'unitType', 'unit-code': 'unifiedSocialCreditCode', 'unit-contact': 'contactPerson', 'unit-phone': 'contactPhone', 'unit-address': 'address' };

function showUnit(unit) {
  for (const [id, field] of Object.entries(UNIT_FIELDS)) $(id).value = unit?.[field] ?? '';
  $('unit-saved').textContent = unit ? `已保存 Saved ${cst(unit.updatedMs)}` : '尚未填写 Not set yet: a filing needs it (R14)';
}

async function loadUnit() {
  showUnit((await getJson('/api/v1/unit')).unit);
}

$('unit-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void act('unit-error', async () => {
    const body = Object.fromEntries(Object.entries(UNIT_FIELDS).map(([id, field]) => [field, $(id).value]));
    showUnit((await putJson('/api/v1/unit', body)).unit);
  });
});

// ---- Systems ------------------------------------------------------------------------------------------------------

async function loadSystems() {
  systems = await getJson('/api/v1/systems');
  const body = $('systems').querySelector('tbody');
  body.replaceChildren();
  for (const s of systems) {
    const row = el('tr', { className: s.id === selectedId ? 'selected' : '' });
    row.dataset.id = s.id;
    cell(row, s.name);
    cell(row, s.location);
    cell(row, `${STATES[s.lifecycle] ?? s.lifecycle}${s.recordingAllowed ? '' : '（不录像 not recording, D12）'}`);
    cell(row, String(s.cameras.length));
    cell(row, String(s.documents.length));
    cell(row, '').append(el('button', { type: 'button', textContent: '选择 Select', onclick: () => void select(s.id) }));
    body.append(row);
  }
}

$('system-create').addEventListener('submit', (event) => {
  event.preventDefault();
  void act('systems-error', async () => {
    const created = await postJson('/api/v1/systems', { name: $('create-name').value, location: $('create-location').value });
    $('create-name').value = '';
    $('create-location').value = '';
    await select(created.id);
  });
});

$('system-edit').addEventListener('submit', (event) => {
  event.preventDefault();
  void act('edit-error', async () => {
    await patchJson(`/api/v1/systems/${selectedId}`, { name: $('edit-name').value, location: $('edit-location').value });
    await select(selectedId);
  });
});

async function select(id) {
  selectedId = id;
  const url = new URL(window.location.href);
  url.searchParams.set('system', id);
  window.history.replaceState(null, '', url);
  await loadSystems();
  await showSelected();
}

async function showSelected() {
  const system = systems.find((s) => s.id === selectedId);
  $('selected').hidden = !system;
  if (!system) return;
  $('selected-name').textContent = system.name;
  $('edit-name').value = system.name;
  $('edit-location').value = system.location;
  showDocuments(system);
  showLifecycle(system);
  await Promise.all([showCameras(system), showFiling(system)]);
}

// ---- Documents ----------------------------------------------------------------------------------------------------

function showDocuments(system) {
  const body = $('documents').querySelector('tbody');
  body.replaceChildren();
  for (const d of system.documents) {
    const row = el('tr');
    row.dataset.kind = d.kind;
    cell(row, kindLabel(d.kind));
    cell(row, d.title);
    cell(row, d.date);
    cell(row, d.parties.map((p) => `${p.name}（${p.role}）`).join('；') || '—');
    const file = cell(row, d.file ? '' : '无文件 No file');
    if (d.file) {
      file.append(
        el('a', { href: `/api/v1/systems/${system.id}/documents/${d.id}/file`, textContent: d.file.name, download: d.file.name }),
        ` ${d.file.sizeBytes} B · SHA-256 ${d.file.sha256.slice(0, 12)}…`,
      );
      file.title = d.file.sha256;
    }
    cell(row, `${cst(d.addedMs)} ${d.addedBy}`);
    body.append(row);
  }
}

/** The file as base64 (the API takes it in the JSON body). */
function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new window.FileReader();
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(',') + 1));
    reader.onerror = () => reject(reader.error ?? new Error('the file could not be read'));
    reader.readAsDataURL(file);
  });
}

/** "name, role" one a line (the last comma, either width, splits them). */
function parseParties(text) {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).map((line) => {
    const at = Math.max(line.lastIndexOf(','), line.lastIndexOf('，'));
    return at < 0 ? { name: line, role: '' } : { name: line.slice(0, at).trim(), role: line.slice(at + 1).trim() };
  });
}

$('doc-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void act('doc-error', async () => {
    const body = { kind: $('doc-kind').value, title: $('doc-title').value, date: $('doc-date').value };
    const parties = parseParties($('doc-parties').value);
    if (parties.length) body.parties = parties;
    const file = $('doc-file').files[0];
    if (file) {
      if (file.size > MAX_FILE_BYTES) {
        throw new ApiError(413, 'document_too_large', `文件 ${file.size} 字节，超过 10 MiB the file is ${file.size} bytes; at most ${MAX_FILE_BYTES} (10 MiB) are kept`);
      }
      body.file = { name: file.name, ...(file.type ? { type: file.type } : {}), base64: await readBase64(file) };
    }
    await postJson(`/api/v1/systems/${selectedId}/documents`, body);
    $('doc-title').value = '';
    $('doc-parties').value = '';
    $('doc-file').value = '';
    await select(selectedId);
  });
});

// ---- Cameras ------------------------------------------------------------------------------------------------------

async function showCameras(system) {
  const body = $('members').querySelector('tbody');
  let cameras;
  try {
    cameras = await getJson('/api/v1/cameras?limit=1000');
  } catch (error) {
    body.replaceChildren(el('tr', {}, el('td', { colSpan: 4, textContent: describeError(error) })));
    return;
  }
  const elsewhere = new Map();
  for (const s of systems) if (s.id !== system.id) for (const c of s.cameras) elsewhere.set(c.cameraId, s.name);
  body.replaceChildren();
  for (const camera of cameras) {
    const member = system.cameras.find((c) => c.cameraId === camera.id);
    const row = el('tr');
    row.dataset.cameraId = camera.id;
    const box = guard(el('input', { type: 'checkbox', checked: Boolean(member), className: 'member' }));
    box.setAttribute('aria-label', camera.name);
    cell(row, '').append(box);
    cell(row, camera.name);
    const type = guard(el('select', { className: 'device-type' }));
    for (const t of catalog.deviceTypes) type.append(el('option', { value: t.type, textContent: `${t.zh} ${t.en}` }));
    type.value = member?.deviceType ?? catalog.deviceTypes[0]?.type ?? '';
    cell(row, '').append(type);
    cell(row, elsewhere.has(camera.id) ? `已属于系统 In system: ${elsewhere.get(camera.id)}` : '');
    body.append(row);
  }
}

$('cameras-save').addEventListener('click', () => {
  void act('cameras-error', async () => {
    const cameras = [...$('members').querySelectorAll('tbody tr')]
      .filter((row) => row.querySelector('input.member')?.checked)
      .map((row) => ({ cameraId: row.dataset.cameraId, deviceType: row.querySelector('select.device-type').value }));
    await putJson(`/api/v1/systems/${selectedId}/cameras`, { cameras });
    await select(selectedId);
  });
});

// ---- Lifecycle ----------------------------------------------------------------------------------------------------

function showLifecycle(system) {
  $('lifecycle-state').textContent = `${STATES[system.lifecycle] ?? system.lifecycle} · ${cst(system.stateSinceMs)} 起 since` +
    (system.recordingAllowed ? '' : ' · 未验收，不录像 not accepted, not recording (D12)');
  const steps = catalog.lifecycle.find((s) => s.state === system.lifecycle)?.next ?? [];
  // R14: only a system never in use may declare an earlier in-use day, on its move to in_use.
  $('in-use-since-field').hidden = system.inUseSinceMs !== null || !steps.some((s) => s.to === 'in_use');
  const body = $('next-steps').querySelector('tbody');
  body.replaceChildren();
  for (const step of steps) {
    const row = el('tr');
    row.dataset.to = step.to;
    cell(row, STATES[step.to] ?? step.to);
    const needs = cell(row, step.requires.length ? '' : '无 Nothing');
    for (const need of step.requires) {
      const have = system.documents.some((d) => d.kind === need.kind && (!need.sinceCurrentState || d.addedMs >= system.stateSinceMs));
      needs.append(el('div', {
        className: have ? 'present' : 'missing',
        textContent: `${have ? '✓' : '✗'} ${kindLabel(need.kind)}${need.sinceCurrentState ? '（本状态后添加 added since this state）' : ''} · ${need.article}`,
      }));
    }
    const move = guard(el('button', { type: 'button', textContent: `变更为 Move to ${STATES[step.to] ?? step.to}`, className: 'move' }));
    move.addEventListener('click', () => void act('lifecycle-error', async () => {
      const note = $('lifecycle-note').value.trim();
      const inUseSince = step.to === 'in_use' && system.inUseSinceMs === null ? $('in-use-since').value : '';
      await postJson(`/api/v1/systems/${system.id}/transitions`, { to: step.to, ...(note ? { note } : {}), ...(inUseSince ? { inUseSince } : {}) });
      $('lifecycle-note').value = '';
      $('in-use-since').value = '';
      await select(system.id);
    }));
    cell(row, '').append(move);
    body.append(row);
  }
  if (!steps.length) body.append(el('tr', {}, el('td', { colSpan: 3, textContent: '终态 Final state' })));
  const history = $('transitions').querySelector('tbody');
  history.replaceChildren(...system.transitions.map((t) => {
    const row = el('tr');
    for (const text of [cst(t.atMs), STATES[t.from] ?? t.from, STATES[t.to] ?? t.to, t.actor, t.note]) cell(row, text);
    return row;
  }));
}

// ---- Filing -------------------------------------------------------------------------------------------------------

async function showFiling(system) {
  $('filing-form-link').href = `/api/v1/filing?format=html&system=${encodeURIComponent(system.id)}`;
  const [status, submissions] = await Promise.all([
    getJson(`/api/v1/systems/${system.id}/filing-status`),
    getJson(`/api/v1/filing/submissions?system=${encodeURIComponent(system.id)}`),
  ]);
  const s = status.status;
  $('filing-status').textContent = `${FILING[s.status] ?? s.status}${s.lastDay ? `，最迟 last day ${s.lastDay}` : ''}` +
    (status.changedFacts.length ? ` · 已变更 changed: ${status.changedFacts.join(', ')}` : '');
  const body = $('submissions').querySelector('tbody');
  body.replaceChildren();
  for (const sub of submissions) {
    const row = el('tr');
    row.dataset.id = sub.id;
    cell(row, cst(sub.submittedMs));
    cell(row, sub.submittedBy);
    const receipt = cell(row, sub.receipt ? `${sub.receipt.number} · ${sub.receipt.organ} · ${sub.receipt.date}` : '');
    if (!sub.receipt) receipt.append(receiptForm(sub.id));
    body.append(row);
  }
}

function receiptForm(submissionId) {
  const number = guard(el('input', { className: 'receipt-number', maxLength: 300, required: true }));
  const organ = guard(el('input', { className: 'receipt-organ', maxLength: 300, required: true }));
  const date = guard(el('input', { className: 'receipt-date', type: 'date', required: true }));
  const form = el('form', { className: 'receipt' },
    el('label', {}, '备案编号 Receipt number ', number),
    el('label', {}, '受理机关 Receiving organ ', organ),
    el('label', {}, '日期 Date ', date),
    guard(el('button', { type: 'submit', textContent: '记录回执 Record receipt' })));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void act('filing-error', async () => {
      await postJson(`/api/v1/filing/submissions/${submissionId}/receipt`, { number: number.value, organ: organ.value, date: date.value });
      await select(selectedId);
    });
  });
  return form;
}

$('filing-submit').addEventListener('click', () => {
  void act('filing-error', async () => {
    await postJson('/api/v1/filing/submissions', { systemId: selectedId });
    await select(selectedId);
  });
});

// ---- Start --------------------------------------------------------------------------------------------------------

async function start() {
  const me = await getJson('/api/v1/auth/me');
  setCsrfToken(me.csrfToken);
  $('who').textContent = `${me.displayName ?? me.username ?? ''}`;
  canManage = (me.permissions ?? []).includes('compliance.manage');
  $('readonly').hidden = canManage;
  for (const node of document.querySelectorAll('fieldset.manage, .manage-control')) guard(node);
  catalog = await getJson('/api/v1/systems/catalog');
  $('doc-kind').replaceChildren(...catalog.documentKinds.map((k) => el('option', { value: k.kind, textContent: `${k.zh} ${k.en}` })));
  $('doc-date').value = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  await loadUnit();
  await loadSystems();
  await showSelected();
  document.body.dataset.ready = 'true';
}

start().catch((error) => {
  showError('error', error);
  if (error instanceof ApiError && error.status === 401) window.location.href = 'index.html';
});
