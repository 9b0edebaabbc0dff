// The duty log and duty tasks page (D17, R8.2): what the signed-in account may do follows its permissions; the
// server refuses everything else anyway.
import { getJson, postJson } from './api.js';
import { cstTime, cstToday, el, guard, rememberCsrf, signedIn } from './duty-ui.js';

const $ = (id) => document.getElementById(id);
const error = $('error');
let completing = null;
let perms = new Set();

const STATE = { overdue: '逾期 Overdue', due_soon: '即将到期 Due soon', scheduled: '计划 Scheduled' };

async function loadLog() {
  const day = $('day').value;
  // Staff on duty read it as duty.record; inspectors and the unit's admins as compliance.read.
  const base = perms.has('duty.record') ? '/api/v1/duty/log' : '/api/v1/compliance/duty-log';
  const entries = await getJson(`${base}?day=${encodeURIComponent(day)}&limit=1000`);
  $('log').replaceChildren(...entries.map((e) => el('li', {},
    el('b', {}, `${cstTime(e.atMs)} ${e.kind}`), ` ${e.author.name}（${e.author.unit}）：`, e.text,
    e.correctsId ? el('small', {}, ` 更正 corrects ${e.correctsId}`) : null,
    e.correctedBy.length ? el('small', { class: 'note' }, ` 已被更正 corrected by ${e.correctedBy.join(', ')}`) : null,
    el('small', {}, ` [${e.id}]`))));
}

async function loadTasks() {
  const tasks = await getJson(perms.has('duty.record') ? '/api/v1/duty/tasks?within=7' : '/api/v1/compliance/tasks?within=7');
  const shown = tasks.filter((t) => t.status.state !== 'scheduled');
  $('tasks').replaceChildren(...shown.map((t) => el('tr', { class: t.status.state },
    el('td', {}, STATE[t.status.state]), el('td', {}, t.nextDueDay), el('td', {}, t.kind), el('td', {}, t.article), el('td', {}, t.title),
    el('td', {}, perms.has('duty.record') ? el('button', { type: 'button', onclick: () => startCompletion(t) }, '登记完成 Done') : ''))));
}

const cstDay = (ms) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/** Issued self-assessment reports (append-only), newest first, each opening as its printable HTML. */
async function loadAssessments() {
  const issued = await getJson('/api/v1/compliance/self-assessments?limit=50');
  $('assessments').replaceChildren(...issued.map((r) => el('tr', {},
    el('td', {}, cstTime(r.issuedMs)), el('td', {}, `${cstDay(r.fromMs)} — ${cstDay(r.toMs - 1)}`), el('td', {}, r.issuedBy),
    el('td', {}, el('a', { href: `/api/v1/compliance/self-assessments/${encodeURIComponent(r.id)}?format=html`, target: '_blank', rel: 'noopener' }, '查看 Open')))));
}

function startCompletion(task) {
  completing = task;
  $('complete-title').textContent = task.title;
  const r8 = task.kind === 'r8_area_check';
  $('r8-found').hidden = !r8;
  $('r8-ref').hidden = !r8;
  $('complete-form').hidden = false;
}

async function main() {
  const me = await signedIn();
  rememberCsrf(me.csrfToken);
  $('who').textContent = `${me.displayName ?? me.username}`;
  perms = new Set(me.permissions ?? []);
  $('log-form').hidden = !perms.has('duty.record');
  $('task-admin').hidden = !perms.has('compliance.manage');
  $('assessment').hidden = !perms.has('compliance.read');
  $('day').value = cstToday();
  $('as-from').value = cstToday(-30);
  $('as-to').value = cstToday();
  $('log-day').addEventListener('submit', guard(error, loadLog));
  $('log-form').addEventListener('submit', guard(error, async () => {
    const body = { kind: $('log-kind').value, text: $('log-text').value };
    if ($('log-corrects').value.trim()) body.correctsId = $('log-corrects').value.trim();
    await postJson('/api/v1/duty/log', body);
    $('log-text').value = '';
    $('log-corrects').value = '';
    await loadLog();
  }));
  $('complete-form').addEventListener('submit', guard(error, async () => {
    const body = { result: $('complete-result').value, findings: $('complete-findings').value };
    if (completing.kind === 'r8_area_check') {
      body.forbiddenCameraFound = $('complete-found').checked;
      if ($('complete-ref').value.trim()) body.policeReportRef = $('complete-ref').value.trim();
    }
    await postJson(`/api/v1/duty/tasks/${completing.id}/completions`, body);
    $('complete-form').hidden = true;
    await loadTasks();
  }));
  $('task-form').addEventListener('submit', guard(error, async () => {
    const body = { kind: $('task-kind').value, title: $('task-title').value, recurrenceDays: Number($('task-days').value) };
    if ($('task-first').value) body.firstDueDay = $('task-first').value;
    await postJson('/api/v1/compliance/tasks', body);
    await loadTasks();
  }));
  $('assessment-form').addEventListener('submit', guard(error, async () => {
    window.open(`/api/v1/compliance/self-assessment?from=${$('as-from').value}&to=${$('as-to').value}&format=html`, '_blank', 'noopener');
  }));
  // Issuing keeps the report as it stands today (D17 evidence) and writes the system log; compliance.manage only.
  $('assessment-issue').hidden = !perms.has('compliance.manage');
  $('assessment-issue').addEventListener('click', guard(error, async () => {
    const issued = await postJson('/api/v1/compliance/self-assessments', { from: $('as-from').value, to: $('as-to').value });
    $('assessment-issued').textContent = `已签发 Issued: ${issued.id}（${issued.report.findings.length} 项问题 finding(s)）`;
    $('assessment-issued').hidden = false;
    await loadAssessments();
  }));
  await guard(error, () => Promise.all([loadLog(), loadTasks(), perms.has('compliance.read') ? loadAssessments() : null]))();
}

main().catch(() => undefined);
