// The public report page (R24): files a report and looks up its status by tracking code. No session, no cookies
// needed; the server limits how often one address may do either.
import { getJson, postJson } from './api.js';
import { cstTime, el, guard, plain } from './duty-ui.js';

const $ = (id) => document.getElementById(id);
const error = $('error');
const STATUS = { received: '已收到 Received', assigned: '处理中 Being handled', answered: '已答复 Answered', closed: '已办结 Closed' };

$('report-form').addEventListener('submit', guard(error, async () => {
  const body = { what: $('what').value, where: $('where').value, when: $('when').value };
  if ($('contact').value.trim()) body.contact = $('contact').value.trim();
  const receipt = await postJson('/api/v1/public/reports', body);
  $('receipt').textContent = `已收到。请保存查询码：${receipt.code}（${receipt.replyDays} 日内答复）。 Received. Keep your tracking code: ${receipt.code} (reply within ${receipt.replyDays} days).`;
  $('receipt').hidden = false;
  $('code').value = receipt.code;
  $('report-form').reset();
}));

$('status-form').addEventListener('submit', guard(error, async () => {
  const s = await getJson(`/api/v1/public/reports/${encodeURIComponent($('code').value.trim())}`);
  $('status').replaceChildren(
    el('p', {}, `状态 Status：${STATUS[s.status] ?? s.status} · 收到 Received ${cstTime(s.receivedMs)}`),
    el('ol', {}, ...s.replies.map((r) => el('li', {}, `${cstTime(r.atMs)}：`, plain(r.text)))),
  );
}));
