// Police inspections page (R24): list with findings; rectify (compliance.manage) and confirm closure
// (inspection.record) per finding; record a new inspection (inspection.record).
import { getJson, postJson } from './api.js';
import { cstTime, cstToday, el, guard, rememberCsrf, signedIn } from './duty-ui.js';

const $ = (id) => document.getElementById(id);
const error = $('error');
let perms = new Set();
const STATE = { open: '待整改 Open', rectified: '已整改待确认 Rectified', closed: '已关闭 Closed' };

function findingItem(f) {
  const actions = [];
  if (f.state !== 'closed' && perms.has('compliance.manage')) {
    const input = el('input', { maxlength: '4000', placeholder: '整改情况 Rectification' });
    actions.push(input, el('button', { type: 'button', onclick: guard(error, async () => {
      await postJson(`/api/v1/compliance/inspection-findings/${f.id}/rectification`, { rectification: input.value });
      await load();
    }) }, '登记整改 Rectified'));
  }
  if (f.state === 'rectified' && perms.has('inspection.record')) {
    actions.push(el('button', { type: 'button', onclick: guard(error, async () => {
      await postJson(`/api/v1/compliance/inspection-findings/${f.id}/closure`, {});
      await load();
    }) }, '确认关闭 Confirm closure'));
  }
  return el('li', { class: f.overdue ? 'overdue' : '' },
    el('b', {}, `${f.article} `), f.description, ` — 期限 by ${f.deadlineDay} · ${STATE[f.state]}${f.overdue ? ' · 逾期 OVERDUE' : ''}`,
    f.rectification ? el('div', {}, `整改 Rectification（${f.rectifiedBy}）：${f.rectification}`) : null, ...actions);
}

async function load() {
  const items = await getJson('/api/v1/compliance/inspections?limit=200');
  $('list').replaceChildren(...items.map((i) => el('article', {},
    el('h3', {}, `${cstTime(i.inspectedMs)} · ${i.inspectorUnit} · ${i.inspectors.join('、')}`),
    el('p', {}, `范围 Scope：${i.scope}`), i.summary ? el('p', {}, i.summary) : null,
    el('ol', {}, ...i.findings.map(findingItem)))));
}

async function main() {
  const me = await signedIn();
  rememberCsrf(me.csrfToken);
  perms = new Set(me.permissions ?? []);
  $('who').textContent = me.displayName;
  $('record').hidden = !perms.has('inspection.record');
  $('i-date').value = cstToday();
  $('i-unit').value = me.unit;
  $('inspection-form').addEventListener('submit', guard(error, async () => {
    const findings = $('i-findings').value.split('\n').map((l) => l.trim()).filter(Boolean).map((line) => {
      const [article, description, deadlineDay] = line.split('|').map((s) => s.trim());
      return { article, description, deadlineDay };
    });
    await postJson('/api/v1/compliance/inspections', {
      inspectedMs: Math.min(Date.parse(`${$('i-date').value}T12:00:00+08:00`), Date.now()),
      inspectors: $('i-inspectors').value.split(/[,，、]/).map((s) => s.trim()).filter(Boolean),
      inspectorUnit: $('i-unit').value, scope: $('i-scope').value, summary: $('i-summary').value, findings,
    });
    await load();
  }));
  await guard(error, load)();
}

main().catch(() => undefined);
