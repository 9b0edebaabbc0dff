// The filing record as the police receive it: a printable Chinese form (公共安全视频图像信息系统备案登记表 style),
// one system per page, and a CSV with one row per system × device type. Pure text generation from FilingRecord.
import { stringify } from 'csv-stringify/sync';
import { cstDayOf, type FilingRecord } from '../domain/index.js';

function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const LIFECYCLE_ZH: Record<string, string> = {
  designed: '设计', built: '施工完成', inspected: '已检验', accepted: '已验收', in_use: '投入使用', changed: '变更中', retired: '停用',
};

function page(record: FilingRecord): string {
  const { unit, system, facts } = record;
  const row = (label: string, value: string) => `<tr><th>${esc(label)}</th><td colspan="3">${value}</td></tr>`;
  const devices = record.devices.length
    ? record.devices.map((d) => `${esc(d.label.zh)}（${esc(d.type)}）${esc(d.count)} 台`).join('；')
    : '无';
  return `<section class="page">
<h1>公共安全视频图像信息系统备案登记表</h1>
<p class="sub">Filing form of a public-security video image information system (R14) · 生成时间 ${esc(cstDayOf(record.generatedMs))}（由系统实时数据生成）</p>
<table>
<tr><th colspan="4" class="group">一、管理单位基本情况</th></tr>
${row('单位名称', esc(unit.name))}
${row('单位性质', esc(unit.unitType))}
${row('统一社会信用代码', `<span class="mono">${esc(unit.unifiedSocialCreditCode)}</span>`)}
<tr><th>联系人</th><td>${esc(unit.contactPerson)}</td><th>联系电话</th><td>${esc(unit.contactPhone)}</td></tr>
${row('单位地址', esc(unit.address))}
<tr><th colspan="4" class="group">二、系统基本情况</th></tr>
${row('系统名称', esc(system.name))}
${row('系统位置', esc(facts.systemLocation))}
${row('系统状态', esc(LIFECYCLE_ZH[system.lifecycle] ?? system.lifecycle))}
${row('投入使用日期', system.inUseSinceMs === null ? '尚未投入使用' : esc(cstDayOf(system.inUseSinceMs)))}
${row('采集设备数量', `${esc(record.cameraCount)} 台`)}
${row('采集设备类型', devices)}
${row('存储期限', `${esc(facts.retentionDays)} 日`)}
<tr><th colspan="4" class="group">三、备案单位承诺</th></tr>
<tr><td colspan="4" class="pledge">本单位承诺所填报信息真实、准确、完整；备案事项发生变化的，及时办理备案变更。<br><br>
单位（盖章）：<span class="blank"></span>负责人（签字）：<span class="blank"></span>日期：<span class="blank short"></span>年<span class="blank short"></span>月<span class="blank short"></span>日</td></tr>
<tr><th colspan="4" class="group">四、公安机关受理情况</th></tr>
<tr><th>受理机关</th><td></td><th>备案编号</th><td></td></tr>
<tr><th>受理日期</th><td colspan="3"></td></tr>
</table>
<p class="ref">系统编号 ${esc(system.id)}</p>
</section>`;
}

/** A complete HTML document, A4, printable; the console's print preview and the PDF use the same page. */
export function filingHtml(records: readonly FilingRecord[]): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>公共安全视频图像信息系统备案登记表</title>
<style>
@page { size: A4; margin: 18mm 16mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", "SimSun", serif; color: #000; margin: 0; }
.page { page-break-after: always; }
.page:last-child { page-break-after: auto; }
h1 { font-size: 20pt; text-align: center; margin: 0 0 4mm; letter-spacing: 2pt; }
.sub { text-align: center; font-size: 9pt; color: #444; margin: 0 0 5mm; }
table { width: 100%; border-collapse: collapse; font-size: 11pt; }
th, td { border: 1px solid #000; padding: 2.5mm 3mm; vertical-align: top; text-align: left; }
th { width: 28mm; font-weight: normal; background: #f3f3f3; white-space: nowrap; }
th.group { background: #ddd; font-weight: bold; text-align: left; }
td.pledge { line-height: 1.8; }
.blank { display: inline-block; width: 32mm; }
.blank.short { width: 8mm; }
.mono { font-family: "DejaVu Sans Mono", monospace; letter-spacing: 1pt; }
.ref { font-size: 8pt; color: #666; margin-top: 3mm; }
</style></head><body>
${records.length ? records.map(page).join('\n') : '<p>没有需要备案的系统 / No system to file.</p>'}
</body></html>
`;
}

export const FILING_CSV_COLUMNS = [
  'system_id', 'system_name', 'system_location', 'lifecycle', 'in_use_since', 'unit_name', 'unit_type', 'credit_code',
  'contact_person', 'contact_phone', 'unit_address', 'device_type', 'device_type_zh', 'device_count', 'camera_total', 'retention_days',
] as const;

/** One row per system × device type (a system without cameras has one row with an empty type). */
export function filingCsv(records: readonly FilingRecord[]): string {
  const rows = records.flatMap((r) => {
    const base = [
      r.system.id, r.system.name, r.facts.systemLocation, r.system.lifecycle, r.system.inUseSinceMs === null ? '' : cstDayOf(r.system.inUseSinceMs),
      r.unit.name, r.unit.unitType, r.unit.unifiedSocialCreditCode, r.unit.contactPerson, r.unit.contactPhone, r.unit.address,
    ];
    const devices = r.devices.length ? r.devices : [{ type: '', label: { zh: '', en: '' }, count: 0 }];
    return devices.map((d) => [...base, d.type, d.label.zh, d.count, r.cameraCount, r.facts.retentionDays]);
  });
  // A UTF-8 BOM so spreadsheet programs open the Chinese text correctly.
  return '\uFEFF' + stringify([[...FILING_CSV_COLUMNS], ...rows]);
}
