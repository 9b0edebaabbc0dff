// The compliance checks of the operations duties (D17, R8.2, R24, R16.3), registered in COMPLIANCE_CHECKS. Pure:
// they read the optional snapshot fields compliance/ collects (`complianceFacts(nowMs)`); a snapshot without a
// field skips the checks that need it, so snapshots built before these duties existed still check the same way.
import { complaintReplyDueDay, complaintUnanswered, dueStatus, rectificationOverdue } from './duties.js';
import { penaltyOf, type ComplianceSnapshot, type Finding } from './findings.js';

interface Check {
  rules: readonly string[];
  run(snapshot: ComplianceSnapshot): Finding[];
}

const task = (id: string) => ({ kind: 'task' as const, id });

/** R8.2 (penalty R27.2): the regular check of R8.1 areas is scheduled, and not overdue. */
export const checkAreaChecks: Check = {
  rules: ['area_check_overdue'],
  run(snapshot) {
    if (!snapshot.tasks) return [];
    const checks = snapshot.tasks.filter((t) => t.kind === 'r8_area_check');
    // A unit with cameras and no scheduled check is as late as one that skipped it: the duty is to check regularly.
    if (checks.length === 0) {
      if (snapshot.cameras.length === 0) return [];
      return [{
        rule: 'area_check_overdue',
        article: 'R8.2',
        severity: 'major',
        objects: [],
        penalty: penaltyOf('R27.2'),
        message: { zh: '未安排对禁止安装区域（第八条第一款）的定期检查', en: 'No regular check of the R8.1 areas is scheduled' },
        fix: { zh: '建立定期检查任务（r8_area_check），发现违规设备及时报告公安机关', en: 'Schedule a recurring r8_area_check task; report any find to the police' },
      }];
    }
    return checks.filter((t) => dueStatus(t.nextDueDay, snapshot.nowMs, 0).state === 'overdue').map((t): Finding => ({
      rule: 'area_check_overdue',
      article: 'R8.2',
      severity: 'major',
      objects: [task(t.id)],
      penalty: penaltyOf('R27.2'),
      message: { zh: `禁止安装区域定期检查“${t.title}”已逾期（应于 ${t.nextDueDay} 完成）`, en: `R8.1 area check "${t.title}" overdue (due ${t.nextDueDay})` },
      fix: { zh: '立即检查并登记结果；发现违规设备的，报告公安机关并登记报告编号', en: 'Check now and record the result; report any find to the police with its reference' },
    }));
  },
};

/** D17: maintenance, equipment inspections, self-assessments, drills and trainings are done when due. */
export const checkMaintenance: Check = {
  rules: ['maintenance_overdue'],
  run(snapshot) {
    return (snapshot.tasks ?? [])
      .filter((t) => t.kind !== 'r8_area_check' && dueStatus(t.nextDueDay, snapshot.nowMs, 0).state === 'overdue')
      .map((t): Finding => ({
        rule: 'maintenance_overdue',
        article: 'D17',
        severity: 'minor',
        objects: [task(t.id)],
        penalty: null,
        message: { zh: `运维任务“${t.title}”（${t.kind}）已逾期（应于 ${t.nextDueDay} 完成）`, en: `Duty task "${t.title}" (${t.kind}) overdue (due ${t.nextDueDay})` },
        fix: { zh: '完成该任务并登记完成记录', en: 'Do the task and record its completion' },
      }));
  },
};

/** R24: findings of police inspections are rectified by their deadline. */
export const checkRectifications: Check = {
  rules: ['inspection_rectification_overdue'],
  run(snapshot) {
    return (snapshot.rectifications ?? [])
      .filter((r) => rectificationOverdue(r.deadlineDay, r.rectifiedMs, snapshot.nowMs))
      .map((r): Finding => ({
        rule: 'inspection_rectification_overdue',
        article: 'R24',
        severity: 'major',
        objects: [{ kind: 'inspection_finding', id: r.findingId }],
        penalty: null,
        message: { zh: `公安机关检查发现的问题（${r.article}）未在 ${r.deadlineDay} 前整改`, en: `Inspection finding (${r.article}) not rectified by ${r.deadlineDay}` },
        fix: { zh: '完成整改并登记，请检查人员确认', en: 'Rectify, record it and ask the inspector to confirm' },
      }));
  },
};

/** R24: every public report gets a public reply within COMPLAINT_RESPONSE_DAYS (our period; R24 says 及时). */
export const checkComplaints: Check = {
  rules: ['complaint_unanswered'],
  run(snapshot) {
    return (snapshot.complaints ?? [])
      .filter((c) => !c.closed && complaintUnanswered(c.receivedMs, c.firstPublicReplyMs, snapshot.nowMs))
      .map((c): Finding => ({
        rule: 'complaint_unanswered',
        article: 'R24',
        severity: 'major',
        objects: [{ kind: 'complaint', id: c.id }],
        penalty: null,
        message: { zh: `举报未在 ${complaintReplyDueDay(c.receivedMs)} 前答复`, en: `Public report not answered by ${complaintReplyDueDay(c.receivedMs)}` },
        fix: { zh: '核查并向举报人公开答复', en: 'Look into it and post a public reply to the reporter' },
      }));
  },
};

/** R16.3: the access register verifies, and every granted entry names the reason, the viewer and the viewer's unit. */
export const checkAccessRegister: Check = {
  rules: ['access_register_incomplete'],
  run(snapshot) {
    const reg = snapshot.accessRegister;
    if (!reg) return [];
    const findings: Finding[] = [];
    const objects = [{ kind: 'access_register' as const, id: 'access' }];
    if (!reg.verified) {
      const first = reg.problems[0];
      findings.push({
        rule: 'access_register_incomplete',
        article: 'R16.3',
        severity: 'critical',
        objects,
        penalty: penaltyOf('R31'),
        message: {
          zh: `访问登记未通过校验（${reg.problems.length} 处问题${first ? `，首个：${first.kind}` : ''}）`,
          en: `Access register fails verification (${reg.problems.length} problems${first ? `, first: ${first.kind}` : ''})`,
        },
        fix: { zh: '运行 vigil audit verify 查明被改动或缺失的记录，并报告', en: 'Run vigil audit verify, find the changed or missing rows, and report it' },
      });
    }
    if (reg.incompleteEntries.length > 0) {
      const ids = reg.incompleteEntries.slice(0, 5).map((e) => e.id).join(', ');
      findings.push({
        rule: 'access_register_incomplete',
        article: 'R16.3',
        severity: 'major',
        objects,
        penalty: penaltyOf('R31'),
        message: {
          zh: `${reg.incompleteEntries.length} 条访问登记缺少事由、姓名或单位（如 ${ids}）`,
          en: `${reg.incompleteEntries.length} access entries lack the reason, name or unit (e.g. ${ids})`,
        },
        fix: { zh: '补全人员的姓名和单位；要求每次调阅填写事由', en: 'Complete staff names and units; require a reason for every access' },
      });
    }
    return findings;
  },
};

/** The duty checks, in report order (appended to COMPLIANCE_CHECKS). */
export const DUTY_CHECKS: readonly Check[] = [checkAreaChecks, checkRectifications, checkComplaints, checkAccessRegister, checkMaintenance];
