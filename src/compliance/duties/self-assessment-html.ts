// The self-assessment report (D17) as one self-contained zh-first HTML page, for printing or filing with the
// police. Every value is escaped; no script, no external resource.
import type { SelfAssessmentReport } from './self-assessment.js';

const esc = (v: unknown): string =>
  String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const row = (zh: string, en: string, value: unknown) => `<tr><th>${esc(zh)}<br><small>${esc(en)}</small></th><td>${esc(value)}</td></tr>`;
const hours = (ms: number | null) => (ms === null ? '—' : `${(ms / 3_600_000).toFixed(1)} h`);
const iso = (ms: number) => new Date(ms).toISOString();

export function renderSelfAssessmentHtml(report: SelfAssessmentReport, meta?: { id: string; issuedBy: string; issuedMs: number }): string {
  const { tasks, dutyLog, inspections, complaints, accessRegister } = report;
  const findings = report.findings.length === 0
    ? '<p>未发现问题 · No findings</p>'
    : `<ul>${report.findings.map((f) => `<li><b>${esc(f.article)}</b> ${esc(f.message.zh)} — ${esc(f.message.en)}<br><small>${esc(f.fix.zh)} · ${esc(f.fix.en)}</small></li>`).join('')}</ul>`;
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>自查评估报告 Self-assessment ${esc(report.period.fromDay)}–${esc(report.period.lastDay)}</title>
<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}table{border-collapse:collapse;width:100%;margin-bottom:1.5em}th,td{border:1px solid #999;padding:4px 8px;text-align:left;vertical-align:top}th{width:45%;background:#f3f3f3}small{color:#555}</style>
</head><body>
<h1>公共安全视频系统定期自查评估报告<br><small>Periodic self-assessment report (D17)</small></h1>
<p>期间 Period: ${esc(report.period.fromDay)} — ${esc(report.period.lastDay)}（北京时间 CST） · 生成 Generated: ${esc(iso(report.generatedMs))}${
    meta ? ` · 编号 No. ${esc(meta.id)} · 签发 Issued by ${esc(meta.issuedBy)} ${esc(iso(meta.issuedMs))}` : ' · 草稿（未签发） Draft (not issued)'
  }</p>
<h2>一、运维任务 Duty tasks</h2><table>
${row('完成次数', 'Completions', tasks.completed)}${row('逾期完成', 'Completed late', tasks.completedLate)}${row('发现问题', 'With issues found', tasks.issuesFound)}
${row('禁止区域定期检查（第八条第二款）', 'R8.2 area checks done', tasks.r8Checks.done)}${row('发现违规设备 / 已报告公安机关', 'Cameras found / reported to police', `${tasks.r8Checks.forbiddenCameraFound} / ${tasks.r8Checks.reportedToPolice}`)}
${Object.entries(tasks.byKind).map(([k, n]) => row(`按类型：${k}`, `By kind: ${k}`, n)).join('')}
${row('当前逾期任务', 'Overdue now', tasks.overdueNow.map((t) => `${t.title}（${t.kind}，${t.nextDueDay}）`).join('；') || '无 none')}
</table>
<h2>二、值班记录 Duty log</h2><table>
${row('记录条数', 'Entries', dutyLog.entries)}${row('有记录天数 / 总天数', 'Days covered / days', `${dutyLog.coveredDays} / ${dutyLog.days}`)}
${row('无记录日期', 'Days without entries', dutyLog.uncoveredDays.join('、') || '无 none')}
</table>
<h2>三、公安机关监督检查 Police inspections (R24)</h2><table>
${row('检查次数', 'Inspections', inspections.count)}${row('发现问题', 'Findings', inspections.findings)}${row('已整改 / 已确认关闭', 'Rectified / closed', `${inspections.rectified} / ${inspections.closed}`)}
${row('未关闭 / 整改逾期', 'Open / overdue', `${inspections.open} / ${inspections.overdue}`)}
</table>
<h2>四、举报处理 Public reports (R24)</h2><table>
${row('收到', 'Received', complaints.received)}${row('已答复 / 已办结', 'Answered / closed', `${complaints.answered} / ${complaints.closed}`)}
${row('逾期未答复', 'Unanswered past the period', complaints.unansweredOverdue)}${row('平均 / 最长首次答复时间', 'Mean / longest first reply', `${hours(complaints.meanFirstReplyMs)} / ${hours(complaints.maxFirstReplyMs)}`)}
</table>
<h2>五、访问登记 Access register (R16.3)</h2><table>
${row('准许访问', 'Granted', accessRegister.granted)}${row('拒绝访问', 'Refused', accessRegister.refused)}
${row('完整性校验', 'Verification', accessRegister.verified ? '通过 passed' : `未通过 failed（${accessRegister.problems}）`)}${row('缺少事由、姓名或单位的记录', 'Entries lacking reason, name or unit', accessRegister.incompleteEntries)}
</table>
<h2>六、发现的问题 Findings</h2>${findings}
</body></html>
`;
}
