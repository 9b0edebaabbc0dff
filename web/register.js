// The access register page (调用登记, R16.3): lists /api/v1/audit/access newest first, filtered and paged by the server
// (total in x-total-count); CSV/JSON export links carry the filters of the rows shown; a verify button shows the
// chain report. The system log (/api/v1/audit/system) in a second tab for systemlog.read. Only what the account's
// permissions allow is shown; every value from the server is set with textContent, never as markup.
import { ApiError, describeError, getJson, toCstInput } from './api.js';
import { el, guard, signedIn } from './duty-ui.js';
import { REASON_TEXT } from './reasons.js';

const $ = (id) => document.getElementById(id);
const error = $('error');
const PAGE_SIZE = 50;

const ACTION_TEXT = {
  live: '实时 Live',
  playback: '回放 Playback',
  export: '导出 Export',
  snapshot: '截图 Snapshot',
  download: '下载 Download',
};
const LOG_TEXT = { access: '调用登记 Access register', system: '系统日志 System log' };

/** Camera id → name, for the cameras this account may list (ids stay visible for the rest). */
const cameraNames = new Map();

const when = (ms) => (ms === null || ms === undefined ? '—' : toCstInput(ms).replace('T', ' '));

function formatBytes(n) {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i += 1;
  }
  return `${value.toFixed(1)} ${units[i]}`;
}

function formatDuration(ms) {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h) return `${h} 时 h ${m} 分 min`;
  if (m) return `${m} 分 min ${sec} 秒 s`;
  return ms < 1000 ? `${ms} 毫秒 ms` : `${sec} 秒 s`;
}

/** A CST day 'YYYY-MM-DD' → the instant it starts, as ISO-8601 with the +08:00 zone (what the API takes). */
const dayStart = (day) => `${day}T00:00:00+08:00`;
/** The start of the CST day after `day`: `to` is exclusive on the server, so the page's "to" day is included whole. */
const dayAfter = (day) => dayStart(new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10));

/** GETs one page of a list with its total (x-total-count); errors become the same ApiError getJson throws. */
async function getPage(path) {
  let response;
  try {
    response = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError(0, 'network_error', `网络错误 Network error: ${err instanceof Error ? err.message : err}`);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401) window.location.href = 'index.html';
    if (body && typeof body.error === 'string') throw new ApiError(response.status, body.error, String(body.message ?? body.error), body.article);
    throw new ApiError(response.status, 'http_error', `HTTP ${response.status} ${response.statusText}`.trim());
  }
  const total = Number(response.headers.get('x-total-count'));
  return { items: Array.isArray(body) ? body : [], total: Number.isFinite(total) ? total : null };
}

/**
 * One paged, filtered list (the access register or the system log): the filters read from its form when searched,
 * then kept for paging and for the export links, so an export holds exactly the rows the list was filtered to.
 */
function pagedList({ prefix, api, readFilters, renderRow }) {
  const state = { filters: new window.URLSearchParams(), offset: 0, total: 0, seq: 0 };
  const tbody = $(`${prefix === 'a' ? 'access' : 'system'}-table`).querySelector('tbody');

  const exportHref = (format) => {
    const q = new window.URLSearchParams(state.filters);
    q.set('format', format);
    return `${api}/export?${q}`;
  };

  async function load() {
    const seq = ++state.seq;
    const q = new window.URLSearchParams(state.filters);
    q.set('limit', String(PAGE_SIZE));
    q.set('offset', String(state.offset));
    const { items, total } = await getPage(`${api}?${q}`);
    if (seq !== state.seq) return; // a newer search or page has been asked for meanwhile
    state.total = total ?? state.offset + items.length;
    tbody.replaceChildren(...items.map(renderRow));
    const columns = String(tbody.parentElement.querySelectorAll('thead th').length);
    if (items.length === 0) tbody.append(el('tr', {}, el('td', { colspan: columns, class: 'hint' }, '没有符合条件的记录 No entries match')));
    const first = items.length ? state.offset + 1 : 0;
    $(`${prefix}-count`).textContent = `第 ${first}–${state.offset + items.length} 条，共 ${state.total} 条 Entries ${first}–${state.offset + items.length} of ${state.total}`;
    $(`${prefix}-prev`).disabled = state.offset === 0;
    $(`${prefix}-next`).disabled = state.offset + items.length >= state.total;
    $(`${prefix}-export-csv`).href = exportHref('csv');
    $(`${prefix}-export-json`).href = exportHref('json');
  }

  async function search() {
    state.filters = readFilters();
    state.offset = 0;
    await load();
  }

  const form = $(`${prefix === 'a' ? 'access' : 'system'}-filter`);
  form.addEventListener('submit', guard(error, search));
  // 'reset' fires before the fields are cleared: search once they are.
  form.addEventListener('reset', () => setTimeout(guard(error, search), 0));
  $(`${prefix}-prev`).addEventListener('click', guard(error, async () => {
    state.offset = Math.max(0, state.offset - PAGE_SIZE);
    await load();
  }));
  $(`${prefix}-next`).addEventListener('click', guard(error, async () => {
    state.offset += PAGE_SIZE;
    await load();
  }));
  return { search };
}

/** The filters of a form as query fields: empty fields are left out; CST days become the instants the API takes. */
function filterParams(prefix, fields) {
  const q = new window.URLSearchParams();
  const from = $(`${prefix}-from`).value;
  const to = $(`${prefix}-to`).value;
  if (from) q.set('from', dayStart(from));
  if (to) q.set('to', dayAfter(to));
  for (const [name, id] of Object.entries(fields)) {
    const value = $(id).value.trim();
    if (value) q.set(name, value);
  }
  return q;
}

function accessRow(e) {
  const cameras = e.cameraIds.map((id) => cameraNames.get(id) ?? id).join('\n') || '—';
  let range = '—';
  if (e.fromMs !== null || e.toMs !== null) range = `${when(e.fromMs)}\n– ${when(e.toMs)}`;
  else if (e.action === 'live') range = '实时 Live';
  const reason = e.reasonCategory ? (REASON_TEXT[e.reasonCategory] ?? e.reasonCategory) : '（未填写 none given）';
  const refused = e.outcome === 'refused';
  const outcome = refused
    ? el('td', { class: 'outcome-refused' }, '拒绝 Refused',
      el('div', {}, `${e.refusalCode ?? ''}${e.refusalArticle ? ` · 依据 Article ${e.refusalArticle}` : ''}`),
      e.refusalMessage ? el('div', { class: 'hint' }, e.refusalMessage) : null)
    : el('td', { class: 'outcome-granted' }, '准许 Granted');
  let duration = '—';
  if (e.durationMs !== null) duration = formatDuration(e.durationMs);
  else if (!refused && e.closedBy === null) duration = '进行中 Open';
  return el('tr', { 'data-id': String(e.id), 'data-outcome': e.outcome },
    el('td', {}, String(e.id)),
    el('td', {}, when(e.atMs)),
    el('td', { class: 'viewer' }, el('b', {}, e.displayName), el('div', {}, e.unit),
      el('div', { class: 'hint' }, `${e.username}${e.roles.length ? ` · ${e.roles.join(', ')}` : ''}`)),
    el('td', { title: e.cameraIds.join(', ') }, cameras),
    el('td', {}, ACTION_TEXT[e.action] ?? e.action),
    el('td', {}, range),
    el('td', { class: 'reason-cell' }, reason, e.reasonText ? el('div', {}, e.reasonText) : null),
    outcome,
    el('td', {}, formatBytes(e.bytes)),
    el('td', {}, duration));
}

function systemRow(e) {
  const actor = e.actorId === null
    ? el('td', {}, e.details?.via === 'cli' ? '命令行 CLI' : '系统 System')
    : el('td', {}, el('b', {}, e.actorName ?? ''), el('div', {}, e.actorUnit ?? ''), el('div', { class: 'hint' }, e.actorUsername ?? e.actorId));
  const details = Object.keys(e.details ?? {}).length ? JSON.stringify(e.details) : '—';
  return el('tr', { 'data-id': String(e.id) },
    el('td', {}, String(e.id)),
    el('td', {}, when(e.atMs)),
    actor,
    el('td', {}, e.event),
    el('td', {}, e.target ?? '—'),
    el('td', {}, el('code', {}, details)),
    el('td', {}, e.clientAddr ?? '—'));
}

async function verify() {
  const button = $('verify-run');
  const result = $('verify-result');
  button.disabled = true;
  result.textContent = '校验中… Verifying…';
  result.className = '';
  $('verify-problems').replaceChildren();
  try {
    const report = await getJson('/api/v1/audit/verify');
    const logs = Object.entries(report.logs).map(([log, r]) =>
      `${LOG_TEXT[log] ?? log}: ${r.entries} 条 entries, ${r.checkpoints} 个签名检查点 signed checkpoints, ${r.problems.length} 个问题 problems`);
    result.textContent = `${report.ok ? '校验通过 OK — 未发现修改、删除或插入 No row edited, deleted or inserted' : '发现问题 PROBLEMS FOUND'}\n${logs.join('\n')}`;
    result.className = report.ok ? 'integrity-ok' : 'integrity-problems';
    result.dataset.ok = String(report.ok);
    $('verify-problems').replaceChildren(...Object.entries(report.logs).flatMap(([log, r]) =>
      r.problems.map((p) => el('li', {}, `${LOG_TEXT[log] ?? log} #${p.seq ?? '—'} ${p.kind}: ${p.message}`))));
  } catch (err) {
    result.textContent = describeError(err);
    result.className = 'integrity-problems';
    throw err;
  } finally {
    button.disabled = false;
  }
}

function showTab(name) {
  $('access').hidden = name !== 'access';
  $('system').hidden = name !== 'system';
  $('tab-access').setAttribute('aria-pressed', String(name === 'access'));
  $('tab-system').setAttribute('aria-pressed', String(name === 'system'));
}

async function main() {
  const me = await signedIn();
  const perms = new Set(me.permissions ?? []);
  $('who').textContent = `${me.displayName}（${me.unit}）`;
  const mayAccess = perms.has('audit.read');
  const maySystem = perms.has('systemlog.read');

  if (!mayAccess) {
    $('denied').textContent = '本账号无权查看调用登记（需要 audit.read 权限：审计员、公安监督检查人员）。'
      + ' This account may not read the access register (it needs audit.read: auditors and police inspectors).';
    $('denied').hidden = false;
  }
  if (!mayAccess && !maySystem) return;

  $('tabs').hidden = !maySystem;
  $('tab-access').hidden = !mayAccess;
  $('tab-system').hidden = !maySystem;
  $('tab-access').addEventListener('click', () => showTab('access'));
  $('tab-system').addEventListener('click', () => showTab('system'));

  const searches = [];
  let cameraProblem = null;
  if (mayAccess) {
    const select = $('a-reason');
    for (const category of me.reasonCategories ?? []) select.append(el('option', { value: category }, REASON_TEXT[category] ?? category));
    if (perms.has('camera.list')) {
      try {
        const cameras = await getJson('/api/v1/cameras?limit=1000');
        for (const c of cameras) {
          cameraNames.set(c.id, c.name);
          $('a-camera').append(el('option', { value: c.id }, c.name));
        }
      } catch (err) {
        cameraProblem = `摄像机名称无法加载 Camera names could not be loaded: ${describeError(err)}`;
      }
    }
    const access = pagedList({
      prefix: 'a',
      api: '/api/v1/audit/access',
      readFilters: () => filterParams('a', {
        username: 'a-username', unit: 'a-unit', cameraId: 'a-camera', action: 'a-action', reasonCategory: 'a-reason', outcome: 'a-outcome',
      }),
      renderRow: accessRow,
    });
    $('verify-run').addEventListener('click', guard(error, verify));
    searches.push(access.search);
  }
  if (maySystem) {
    const system = pagedList({
      prefix: 's',
      api: '/api/v1/audit/system',
      readFilters: () => filterParams('s', { event: 's-event', target: 's-target', actorId: 's-actor' }),
      renderRow: systemRow,
    });
    searches.push(system.search);
  }
  showTab(mayAccess ? 'access' : 'system');
  await Promise.all(searches.map((search) => guard(error, search)()));
  if (cameraProblem && error.hidden) {
    error.textContent = cameraProblem;
    error.hidden = false;
  }
}

main().catch((err) => {
  error.textContent = describeError(err);
  error.hidden = false;
});
