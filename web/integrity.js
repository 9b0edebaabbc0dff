// The integrity page (R15): reads /api/v1/integrity/status, starts verify runs, and polls while one runs. Text is
// Simplified Chinese first, English second; times are China Standard Time.
import { describeError, getJson, postJson, setCsrfToken, toCstInput } from './api.js';

const $ = (id) => document.getElementById(id);

const STATUS_TEXT = {
  ok: '完整 Original and complete',
  problems: '发现异常 Problems found',
  unverified: '尚未校验 Not verified yet',
};

const SEGMENT_TEXT = {
  altered: '被篡改 altered',
  missing: '缺失 missing',
  unexpected: '多出 unexpected',
  'deleted-lawfully': '依法删除 deleted lawfully',
  unchained: '链前录像 unchained',
};

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

const when = (ms) => (ms === null || ms === undefined ? '—' : toCstInput(ms).replace('T', ' '));
const counts = (c) => Object.entries(c).filter(([, n]) => n > 0).map(([k, n]) => `${SEGMENT_TEXT[k] ?? k} ${n}`).join(', ') || '—';

function showError(error) {
  $('error').textContent = error ? describeError(error) : '';
  $('error').hidden = !error;
}

async function verify(cameraId) {
  try {
    await postJson('/api/v1/integrity/verify', cameraId ? { cameraId } : {});
    showError(null);
  } catch (error) {
    showError(error);
  }
  await refresh();
}

let polling = null;

async function refresh() {
  let status;
  try {
    status = await getJson('/api/v1/integrity/status');
  } catch (error) {
    showError(error);
    if (error.status === 401) window.location.href = './';
    return;
  }
  $('last-checkpoint').textContent = when(status.lastCheckpointMs);
  $('running').textContent = status.running ? `进行中 running since ${when(status.running.startedMs)}` : '空闲 idle';
  $('verify-all').disabled = !!status.running;

  const cameras = $('cameras').querySelector('tbody');
  cameras.replaceChildren();
  for (const c of status.cameras) {
    const row = document.createElement('tr');
    row.dataset.cameraId = c.cameraId;
    cell(row, c.name);
    cell(row, STATUS_TEXT[c.status] ?? c.status, `integrity-${c.status}`);
    cell(row, when(c.verifiedMs));
    cell(row, counts(c.segments));
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = '校验 Verify';
    button.disabled = !!status.running;
    button.addEventListener('click', () => verify(c.cameraId));
    row.append(document.createElement('td'));
    row.lastChild.append(button);
    cameras.append(row);
  }

  const runs = $('runs').querySelector('tbody');
  runs.replaceChildren();
  for (const r of status.recentRuns) {
    const row = document.createElement('tr');
    cell(row, when(r.finishedMs));
    cell(row, r.cameraId ?? '全部 All');
    cell(row, r.trigger === 'manual' ? '手动 Manual' : '定时 Scheduled');
    cell(row, r.ok ? '通过 OK' : '异常 PROBLEMS', r.ok ? 'integrity-ok' : 'integrity-problems');
    cell(row, r.examples.length ? r.examples.join('\n') : `${r.counts.ok} 段正常 segments ok`);
    runs.append(row);
  }

  clearTimeout(polling);
  if (status.running) polling = setTimeout(refresh, 1000);
}

$('verify-all').addEventListener('click', () => verify(null));

const me = await getJson('/api/v1/auth/me').catch((error) => {
  if (error.status === 401) window.location.href = './';
  throw error;
});
setCsrfToken(me.csrfToken);
await refresh();
