// `vigil unit show|set` (the management unit's profile) and `vigil filing export|submit|receipt|status|list` (R14).
// Thin wrappers over compliance/. `filing export` writes the current record to --out or stdout.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { FilingFormat, UnitView } from '../compliance/index.js';
import { withCore, type Act } from './context.js';
import { UsageError } from './output.js';

function describeUnit(u: UnitView | null): string {
  if (!u) return 'no unit profile (vigil unit set …)';
  return [`单位名称 ${u.name}`, `单位性质 ${u.unitType}`, `统一社会信用代码 ${u.unifiedSocialCreditCode}`, `联系人 ${u.contactPerson} ${u.contactPhone}`, `地址 ${u.address}`].join('\n');
}

export function registerComplianceCommands(program: Command, act: Act): void {
  const unit = program.command('unit').description('the management unit’s profile (R14) / 管理单位');
  unit.command('show').action(act(async (out, opts, _o: unknown) => withCore(opts, async (core) => {
    const u = await core.compliance.unit();
    out.result({ unit: u }, describeUnit(u));
    return 0;
  })));
  unit.command('set').description('set the profile (a first profile needs every field; the credit code is checked, GB 32100-2015)')
    .option('--name <name>', '单位名称').option('--type <type>', '单位性质, e.g. 企业').option('--credit-code <code>', '统一社会信用代码')
    .option('--contact <person>', '联系人').option('--phone <phone>', '联系电话').option('--address <address>', '单位地址')
    .action(act(async (out, opts, o: { name?: string; type?: string; creditCode?: string; contact?: string; phone?: string; address?: string }) => withCore(opts, async (core) => {
      const input = {
        ...(o.name === undefined ? {} : { name: o.name }),
        ...(o.type === undefined ? {} : { unitType: o.type }),
        ...(o.creditCode === undefined ? {} : { unifiedSocialCreditCode: o.creditCode }),
        ...(o.contact === undefined ? {} : { contactPerson: o.contact }),
        ...(o.phone === undefined ? {} : { contactPhone: o.phone }),
        ...(o.address === undefined ? {} : { address: o.address }),
      };
      if (Object.keys(input).length === 0) throw new UsageError('nothing to set');
      const u = await core.compliance.setUnit(null, input, 'cli');
      out.result({ unit: u }, describeUnit(u));
      return 0;
    })));

  const filing = program.command('filing').description('filing with the county police (R14) / 备案');
  filing.command('export').description('write the current filing record, generated from live data (json, pdf or csv)')
    .requiredOption('--format <format>', 'json | pdf | csv | html').option('--system <id>', 'one system (default: every system not retired)')
    .option('--out <file>', 'write here instead of stdout')
    .action(act(async (out, opts, o: { format: string; system?: string; out?: string }) => {
      if (!['json', 'pdf', 'csv', 'html'].includes(o.format)) throw new UsageError(`--format ${o.format}: one of json, pdf, csv, html`);
      return withCore(opts, async (core) => {
        const file = await core.compliance.exportFiling(o.format as FilingFormat, o.system);
        if (o.out) {
          writeFileSync(o.out, file.body);
          if (out.json) out.result({ out: o.out, bytes: file.body.length, contentType: file.contentType }, '');
        } else {
          process.stdout.write(file.body);
        }
        return 0;
      });
    }));
  filing.command('submit <systemId>').description('record that the current record was filed (keeps exactly the facts filed)')
    .action(act(async (out, opts, systemId: string, _o: unknown) => withCore(opts, async (core) => {
      const s = await core.compliance.submit(null, systemId, 'cli');
      out.result({ submission: s }, s.id);
      return 0;
    })));
  filing.command('receipt <submissionId>').description('record the police receipt of a submission')
    .requiredOption('--number <number>', '备案编号').requiredOption('--organ <organ>', '受理机关').requiredOption('--date <YYYY-MM-DD>', '受理日期')
    .action(act(async (out, opts, id: string, o: { number: string; organ: string; date: string }) => withCore(opts, async (core) => {
      const s = await core.compliance.receipt(null, id, o, 'cli');
      out.result({ submission: s }, `${s.id}  receipt ${s.receipt?.number} ${s.receipt?.organ} ${s.receipt?.date}`);
      return 0;
    })));
  filing.command('status <systemId>').description('where the system stands with R14 (due, overdue, filed, stale)')
    .action(act(async (out, opts, systemId: string, _o: unknown) => withCore(opts, async (core) => {
      const st = await core.compliance.filingStatus(systemId);
      const s = st.status;
      const human = `${s.status}${'lastDay' in s ? ` (${s.basis}, last day ${s.lastDay})` : ''}${st.changedFacts.length ? `; changed: ${st.changedFacts.join(', ')}` : ''}`;
      out.result({ filing: st }, human);
      return 0;
    })));
  filing.command('list').description('submissions, newest first').option('--system <id>')
    .action(act(async (out, opts, o: { system?: string }) => withCore(opts, async (core) => {
      const list = await core.compliance.submissions(o.system);
      out.result({ submissions: list }, list.length ? list.map((s) => `${s.id}  ${s.systemId}  ${new Date(s.submittedMs).toISOString()}  ${s.receipt ? `receipt ${s.receipt.number}` : 'no receipt yet'}`).join('\n') : 'no submissions');
      return 0;
    })));
}
