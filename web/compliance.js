// The compliance page: findings (GET /api/v1/compliance/findings), systems with a lifecycle action
// (POST /api/v1/systems/:id/transitions), the filing preview (GET /api/v1/filing). Errors show the server's message
// and the article that refused (api.js describeError).
import { describeError, getJson, postJson, setCsrfToken } from './api.js';

const $ = (id) => document.getElementById(id);
const SEVERITY = { critical: '严重 Critical', major: '重要 Major', minor: '一般 Minor' };
const STATES = {
  designed: '设计 Designed', built: '施工完成 Built', inspected: '已检验 Inspected', accepted: '已验收 Accepted',
  in_use: '投入使用 In use', changed: '变更中 Changed', retired: '停用 Retired',
};
// Set from GET /api/v1/auth/me and GET /api/v1/systems/catalog: the moves come from the server's lifecycle rules,
// and only accounts with compliance.manage get a Move control (an inspector reads, R24).
let canManage = false;
let catalog = { lifecycle: [] };
const FILING = { not_due: '未到期 Not due', due: '待备案 Due', overdue: '逾期 Overdue', filed: '已备案 Filed', stale: '需变更 Change due' };

function showError(error) {
  const box = $('error');
  box.textContent = describeError(error);
  box.hidden = false;
}

function cell(row, text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  row.append(td);
  return td;
}

async function loadFindings() {
  const report = await getJson('/api/v1/compliance/findings');
  const body = $('findings').querySelector('tbody');
  body.replaceChildren();
  for (const f of report.findings) {
    const row = document.createElement('tr');
    cell(row, SEVERITY[f.severity] ?? f.severity, `severity-${f.severity}`);
    cell(row, f.article);
    cell(row, `${f.message.zh} / ${f.message.en}`);
    cell(row, f.objects.map((o) => `${o.kind} ${o.id.slice(0, 8)}…`).join(', '));
    cell(row, f.penalty ? `${f.penalty.article}: ${f.penalty.summary}` : '—');
    cell(row, `${f.fix.zh} / ${f.fix.en}`);
    body.append(row);
  }
  $('findings-summary').textContent = report.findings.length
    ? `共 ${report.findings.length} 项问题 ${report.findings.length} finding(s)`
    : '未发现问题 No findings: compliant for every rule checked';
  $('unchecked').replaceChildren(...report.unchecked.map((u) => {
    const li = document.createElement('li');
    li.textContent = `未检查 Not checked: ${u.article} — ${u.reason}`;
    return li;
  }));
}

async function loadSystems() {
  const systems = await getJson('/api/v1/systems');
  const body = $('systems').querySelector('tbody');
  body.replaceChildren();
  for (const s of systems) {
    const row = document.createElement('tr');
    cell(row, s.name);
    cell(row, s.location);
    cell(row, `${STATES[s.lifecycle] ?? s.lifecycle}${s.recordingAllowed ? '' : '（不录像 not recording, D12）'}`);
    cell(row, String(s.cameras.length));
    cell(row, s.documents.map((d) => d.kind).join(', ') || '—');
    const filing = cell(row, '…');
    getJson(`/api/v1/systems/${s.id}/filing-status`).then(
      (st) => { filing.textContent = `${FILING[st.status.status] ?? st.status.status}${st.status.lastDay ? ` (${st.status.lastDay})` : ''}`; },
      (error) => { filing.textContent = describeError(error); },
    );
    const action = cell(row, '');
    const details = document.createElement('a');
    details.href = `systems.html?system=${encodeURIComponent(s.id)}`;
    details.textContent = '详情 Details';
    action.append(details, ' ');
    const next = (catalog.lifecycle.find((step) => step.state === s.lifecycle)?.next ?? []).map((step) => step.to);
    if (canManage && next.length) {
      const select = document.createElement('select');
      for (const to of next) {
        const option = document.createElement('option');
        option.value = to;
        option.textContent = STATES[to];
        select.append(option);
      }
      const go = document.createElement('button');
      go.type = 'button';
      go.textContent = '变更状态 Move';
      go.addEventListener('click', async () => {
        try {
          await postJson(`/api/v1/systems/${s.id}/transitions`, { to: select.value });
          await refresh();
        } catch (error) {
          showError(error);
        }
      });
      action.append(select, go);
    }
    body.append(row);
  }
}

async function loadFiling() {
  const box = $('filing-preview');
  try {
    const { records } = await getJson('/api/v1/filing?format=json');
    box.replaceChildren(...records.map((r) => {
      const table = document.createElement('table');
      const rows = [
        ['单位名称 Unit', r.unit.name], ['单位性质 Type', r.unit.unitType], ['统一社会信用代码 Credit code', r.unit.unifiedSocialCreditCode],
        ['联系人 Contact', `${r.unit.contactPerson} ${r.unit.contactPhone}`], ['系统 System', r.system.name], ['系统位置 Location', r.facts.systemLocation],
        ['采集设备 Devices', r.devices.map((d) => `${d.label.zh} ${d.count}`).join('；') || '无 none'], ['存储期限 Retention', `${r.facts.retentionDays} 日 days`],
      ];
      for (const [label, value] of rows) {
        const tr = document.createElement('tr');
        const th = document.createElement('th');
        th.textContent = label;
        tr.append(th);
        cell(tr, value);
        table.append(tr);
      }
      return table;
    }));
  } catch (error) {
    box.textContent = describeError(error);
  }
}

async function refresh() {
  $('error').hidden = true;
  await Promise.all([loadFindings(), loadSystems(), loadFiling()]).catch(showError);
}

getJson('/api/v1/auth/me').then(
  (me) => {
    setCsrfToken(me.csrfToken);
    $('who').textContent = `${me.displayName ?? me.username ?? ''}`;
    canManage = (me.permissions ?? []).includes('compliance.manage');
    $('refresh').addEventListener('click', () => void refresh());
    return getJson('/api/v1/systems/catalog').then((c) => { catalog = c; }).then(refresh);
  },
  (error) => {
    showError(error);
    if (error.status === 401) window.location.href = 'index.html';
  },
);
