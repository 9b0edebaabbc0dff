// Handling public reports (R24). Report text is stored HTML-escaped; shown here as plain text (textContent).
import { getJson, postJson } from './api.js';
import { cstTime, el, guard, plain, rememberCsrf, signedIn } from './duty-ui.js';

const $ = (id) => document.getElementById(id);
const error = $('error');
let current = null;

async function loadList() {
  const status = $('status').value;
  const items = await getJson(`/api/v1/complaints?limit=500${status ? `&status=${status}` : ''}`);
  $('list').replaceChildren(...items.map((c) => el('tr', { class: c.replyOverdue ? 'overdue' : '' },
    el('td', {}, cstTime(c.receivedMs)), el('td', {}, `${c.status}${c.replyOverdue ? ' · 逾期未答复 overdue' : ''}`),
    el('td', {}, plain(c.where)), el('td', {}, plain(c.what).slice(0, 80)), el('td', {}, plain(c.assignee ?? '—')),
    el('td', {}, el('button', { type: 'button', onclick: guard(error, () => open(c.id)) }, '查看 Open')))));
}

async function open(id) {
  const c = await getJson(`/api/v1/complaints/${id}`);
  current = c;
  $('detail').hidden = false;
  $('d-id').textContent = c.id;
  const field = (zh, v) => [el('dt', {}, zh), el('dd', {}, v)];
  $('d-fields').replaceChildren(
    ...field('收到 Received', cstTime(c.receivedMs)), ...field('状态 Status', c.status), ...field('内容 What', plain(c.what)),
    ...field('地点 Where', plain(c.where)), ...field('时间 When', plain(c.when)),
    ...field('联系方式（个人信息） Contact (personal information)', plain(c.contact ?? '未留 none')),
  );
  $('d-log').replaceChildren(...c.responses.map((r) => el('li', {},
    `${cstTime(r.atMs)} ${r.kind}${r.public ? '（公开 public）' : '（内部 internal）'} ${r.by.name}：`, plain(r.text))));
}

async function main() {
  const me = await signedIn();
  rememberCsrf(me.csrfToken);
  $('who').textContent = me.displayName;
  $('status').addEventListener('change', guard(error, loadList));
  $('respond-form').addEventListener('submit', guard(error, async () => {
    await postJson(`/api/v1/complaints/${current.id}/responses`, { text: $('r-text').value, public: $('r-public').checked });
    $('r-text').value = '';
    await Promise.all([open(current.id), loadList()]);
  }));
  $('assign-me').addEventListener('click', guard(error, async () => {
    await postJson(`/api/v1/complaints/${current.id}/assign`, {});
    await Promise.all([open(current.id), loadList()]);
  }));
  $('close').addEventListener('click', guard(error, async () => {
    await postJson(`/api/v1/complaints/${current.id}/close`, { text: $('r-text').value });
    await Promise.all([open(current.id), loadList()]);
  }));
  await guard(error, loadList)();
}

main().catch(() => undefined);
