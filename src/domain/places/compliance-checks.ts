// The compliance checks, one pure function per duty, and checkCompliance over them. Each check reads the snapshot
// and returns findings citing the article and the penalty the law attaches. Order of CHECKS = order in the report
// within a severity. R9 places are exempt from the mandatory parts of R11, R14, R15, R16.2 and R17 (R9.2), so the
// D12 (R11), R14 and R17 checks skip cameras, and systems whose every camera is, in an R9 or R33 place. Personnel
// checks stay: R16.1 and R19 are not lifted by R9.2 (R15.2 is, but R19 binds every contractor alike).
import { DUTY_CHECKS } from './duty-checks.js';
import { filingStatus } from './filing.js';
import { compareFindings, penaltyOf, type ComplianceSnapshot, type Finding, type Severity, type SystemLifecycle } from './findings.js';
import {
  classifiedConsentMissing,
  necessityStatementMissing,
  privacyMasksMissing,
  screenInstallation,
  screeningReviewed,
  type InstallationRecord,
} from './installation.js';
import { checkArea, findAreaType, PLACE_CATEGORIES, type Label, type PlaceRuleSet } from './places.js';

/** R17: video is kept at least 30 days. */
export const MIN_RETENTION_DAYS = 30;
/** D12: a system records only once it has passed acceptance. */
const ACCEPTED_LIFECYCLES: ReadonlySet<SystemLifecycle> = new Set(['accepted', 'in_use', 'changed']);

export interface ComplianceCheck {
  /** The finding rules this check can produce, in report order. */
  rules: readonly string[];
  run(snapshot: ComplianceSnapshot): Finding[];
}

function installationsByCamera(snapshot: ComplianceSnapshot): Map<string, InstallationRecord> {
  return new Map(snapshot.installations.map((record) => [record.cameraId, record]));
}

/** A camera without an installation record is held to the strictest rule set (R7). */
function ruleSetOfCamera(installations: Map<string, InstallationRecord>, cameraId: string): PlaceRuleSet {
  const record = installations.get(cameraId);
  return record ? PLACE_CATEGORIES[record.placeCategory].ruleSet : 'R7';
}

/** The full R7 duties bind a system when at least one of its cameras is in an R7 place. */
function systemsBoundByR7(snapshot: ComplianceSnapshot): Set<string> {
  const installations = installationsByCamera(snapshot);
  return new Set(
    snapshot.cameras
      .filter((camera) => ruleSetOfCamera(installations, camera.id) === 'R7')
      .flatMap((camera) => (camera.systemId === null ? [] : [camera.systemId])),
  );
}

const camera = (id: string) => ({ kind: 'camera' as const, id });

/** R8.1: a camera in a forbidden area (refused at registration; found here if data came in another way). */
export const checkForbiddenPlaces: ComplianceCheck = {
  rules: ['camera_in_forbidden_place', 'area_type_unknown', 'place_text_flagged'],
  run(snapshot) {
    return snapshot.installations.flatMap((record): Finding[] => {
      const area = checkArea(record.areaType);
      if (!area.ok && area.error === 'camera_place_forbidden') {
        return [{
          rule: 'camera_in_forbidden_place',
          article: area.article,
          severity: 'critical',
          objects: [camera(record.cameraId)],
          penalty: penaltyOf('R27.1'),
          message: { zh: `摄像机位于禁止安装区域：${area.area.label.zh}`, en: `Camera in a forbidden area: ${area.area.label.en}` },
          fix: { zh: '立即拆除该设备并删除所收集的视频图像信息', en: 'Remove the camera at once and delete the video it collected' },
        }];
      }
      if (!area.ok) {
        return [{
          rule: 'area_type_unknown',
          article: 'R8.1',
          severity: 'minor',
          objects: [camera(record.cameraId)],
          penalty: null,
          message: { zh: `未知的区域类型“${record.areaType}”，无法核查`, en: `Unknown area type "${record.areaType}": cannot be verified` },
          fix: { zh: '为该摄像机选择一个有效的区域类型', en: 'Choose a valid area type for the camera' },
        }];
      }
      const screened = screenInstallation(record);
      // A person read these very texts and confirmed the mention is not a forbidden place (R8.1 review).
      if (screened.status === 'clear' || screeningReviewed(record)) return [];
      const [first] = screened.matches;
      const terms = [...new Set(screened.matches.map((m) => m.matched))].join('、');
      return [{
        rule: 'place_text_flagged',
        article: first?.article ?? 'R8.1',
        severity: 'minor',
        objects: [camera(record.cameraId)],
        penalty: penaltyOf('R27.1'),
        message: { zh: `安装记录提及可能的禁止区域：${terms}`, en: `Installation record mentions a possibly forbidden area: ${terms}` },
        fix: {
          zh: '人工复核：确认摄像机不在该区域内部且不能拍摄其内部，或将其拆除',
          en: 'Review: confirm the camera is not inside that area and cannot see into it, or remove it',
        },
      }];
    });
  },
};

/** How many duties a rule set carries (R9.2 exempts R9 places from R11/R14/R15/R16.2/R17; R33 places from nearly all). */
const RULE_SET_WEIGHT: Readonly<Record<PlaceRuleSet, number>> = { R7: 3, R9: 2, R33: 1 };

/**
 * R7 / R9: the place category decides which duties bind a camera, so an area type the Regulation lists under a
 * stricter category (a mall is R7.2(1)) recorded under a lighter one (R9 or R33) would silently drop duties such as
 * filing and 30-day retention. Only the lighter direction is reported: a bank in a crowd venue's rules carries more
 * duties, not fewer, and generic areas (corridor, entrance) may sit inside a stricter place.
 */
export const checkPlaceCategory: ComplianceCheck = {
  rules: ['place_category_understated'],
  run(snapshot) {
    return snapshot.installations.flatMap((record): Finding[] => {
      const area = findAreaType(record.areaType);
      if (!area || area.forbidden) return [];
      const natural = PLACE_CATEGORIES[area.placeCategory];
      const recorded = PLACE_CATEGORIES[record.placeCategory];
      if (RULE_SET_WEIGHT[recorded.ruleSet] >= RULE_SET_WEIGHT[natural.ruleSet]) return [];
      return [{
        rule: 'place_category_understated',
        article: natural.article,
        severity: natural.ruleSet === 'R7' ? 'major' : 'minor',
        objects: [camera(record.cameraId)],
        penalty: null,
        message: {
          zh: `区域类型“${area.label.zh}”属于 ${natural.article} 场所，却登记为 ${recorded.article} 场所，将免除本应承担的义务`,
          en: `Area type "${area.label.en}" is an ${natural.article} place but is recorded as ${recorded.article}, which would drop duties that bind it`,
        },
        fix: {
          zh: '按实际场所更正场所类别；若确为内部或其他区域，选择与之相符的区域类型',
          en: 'Correct the place category; if the spot really is internal or elsewhere, choose the area type that describes it',
        },
      }];
    });
  },
};

/** R7.3 / R9.1: necessity statement (and the installation record holding it). */
export const checkNecessity: ComplianceCheck = {
  rules: ['installation_record_missing', 'necessity_statement_missing'],
  run(snapshot) {
    const installations = installationsByCamera(snapshot);
    return snapshot.cameras.flatMap((cam): Finding[] => {
      const record = installations.get(cam.id);
      if (!record) {
        return [{
          rule: 'installation_record_missing',
          article: 'R7.3',
          severity: 'major',
          objects: [camera(cam.id)],
          penalty: penaltyOf('R26'),
          message: { zh: '摄像机没有安装记录（场所类别、区域、必要性说明）', en: 'Camera has no installation record (place category, area, necessity)' },
          fix: { zh: '补充安装记录', en: 'Complete the installation record' },
        }];
      }
      if (!necessityStatementMissing(record)) return [];
      return [{
        rule: 'necessity_statement_missing',
        article: PLACE_CATEGORIES[record.placeCategory].ruleSet === 'R9' ? 'R9.1' : 'R7.3',
        severity: 'major',
        objects: [camera(cam.id)],
        penalty: penaltyOf('R26'),
        message: { zh: '缺少维护公共安全所必需的说明', en: 'No statement of why the camera is necessary for public security' },
        fix: { zh: '填写必要性说明；不必要的设备应拆除', en: 'Write the necessity statement; remove the camera if it is not necessary' },
      }];
    });
  },
};

/** R13: conspicuous signage per camera. */
export const checkSignage: ComplianceCheck = {
  rules: ['signage_missing'],
  run(snapshot) {
    const signed = new Set(
      snapshot.signage.filter((sign) => sign.installedMs <= snapshot.nowMs && sign.text.trim() !== '').map((sign) => sign.cameraId),
    );
    return snapshot.cameras.filter((cam) => !signed.has(cam.id)).map((cam): Finding => ({
      rule: 'signage_missing',
      article: 'R13',
      severity: 'major',
      objects: [camera(cam.id)],
      penalty: penaltyOf('R13'),
      message: { zh: '未设置显著提示标识', en: 'No conspicuous signage recorded' },
      fix: { zh: '设置提示标识并登记（照片、日期、文字）', en: 'Put up a sign and record it (photo, date, text)' },
    }));
  },
};

/** R10 consent and D11 privacy masks, from the installation record. */
export const checkNeighbours: ComplianceCheck = {
  rules: ['classified_consent_missing', 'privacy_masks_missing'],
  run(snapshot) {
    return snapshot.installations.flatMap((record): Finding[] => {
      const findings: Finding[] = [];
      if (classifiedConsentMissing(record)) {
        findings.push({
          rule: 'classified_consent_missing',
          article: 'R10',
          severity: 'critical',
          objects: [camera(record.cameraId)],
          penalty: penaltyOf('R28'),
          message: { zh: '位于军事禁区、军事管理区或涉密单位周边，未登记其同意文件', en: 'Near a military or classified unit without its consent on file' },
          fix: { zh: '停用该设备，取得并登记相关涉密单位的书面同意', en: 'Deactivate the camera; obtain and record the unit’s written consent' },
        });
      }
      if (privacyMasksMissing(record)) {
        findings.push({
          rule: 'privacy_masks_missing',
          article: 'D11',
          severity: 'major',
          penalty: null,
          objects: [camera(record.cameraId)],
          message: { zh: '朝向住宅的摄像机没有隐私遮挡', en: 'Camera facing residences has no privacy masks' },
          fix: { zh: '为住宅窗户、门口等绘制隐私遮挡区域', en: 'Draw privacy masks over windows, doors and balconies of residences' },
        });
      }
      return findings;
    });
  },
};

/** R14: filing of each system bound by R7 (R9.2 exempts the others). */
export const checkFiling: ComplianceCheck = {
  rules: ['filing_overdue', 'filing_stale', 'filing_due'],
  run(snapshot) {
    const bound = systemsBoundByR7(snapshot);
    return snapshot.systems.filter((system) => bound.has(system.id)).flatMap((system): Finding[] => {
      const status = filingStatus({ ...system, nowMs: snapshot.nowMs });
      if (status.status === 'filed' || status.status === 'not_due') return [];
      const objects = [{ kind: 'system' as const, id: system.id }];
      const by = `${status.lastDay} 24:00 CST`;
      if (status.status === 'overdue') {
        return [{
          rule: 'filing_overdue',
          article: 'R14',
          severity: 'major',
          objects,
          penalty: penaltyOf('R29'),
          message: {
            zh: status.basis === 'change' ? `备案变更已逾期（应于 ${by} 前办理）` : `未按期备案（期限 ${by}）`,
            en: status.basis === 'change' ? `Change filing overdue (was due by ${by})` : `Filing overdue (was due by ${by})`,
          },
          fix: { zh: '立即向所在地县级公安机关备案', en: 'File with the county public security organ now' },
        }];
      }
      const stale = status.status === 'stale';
      return [{
        rule: stale ? 'filing_stale' : 'filing_due',
        article: 'R14',
        severity: 'minor',
        objects,
        penalty: penaltyOf('R29'),
        message: stale
          ? { zh: `备案事项已变化，需办理备案变更（${by} 前）`, en: `Filed facts changed: change filing due by ${by}` }
          : { zh: `系统已投入使用，需于 ${by} 前备案`, en: `System in use: filing due by ${by}` },
        fix: { zh: '生成备案表并提交公安机关', en: 'Generate the filing form and submit it to the police' },
      }];
    });
  },
};

/**
 * R11 system membership, D12 no recording before acceptance and the R17 retention floor, for cameras bound by R7.
 * A camera in no system cannot have passed acceptance: it is reported as outside any system (R11), not as D12.
 */
export const checkRecording: ComplianceCheck = {
  rules: ['camera_without_system', 'recording_before_acceptance', 'retention_below_minimum'],
  run(snapshot) {
    const installations = installationsByCamera(snapshot);
    const lifecycleOf = new Map(snapshot.systems.map((system) => [system.id, system.lifecycle]));
    return snapshot.cameras.filter((cam) => ruleSetOfCamera(installations, cam.id) === 'R7').flatMap((cam): Finding[] => {
      const findings: Finding[] = [];
      if (cam.systemId === null) {
        findings.push({
          rule: 'camera_without_system',
          article: 'R11',
          severity: 'major',
          objects: [camera(cam.id)],
          penalty: null,
          message: { zh: '摄像机不属于任何已登记的公共安全视频系统（无设计、施工、检验、验收档案）', en: 'Camera belongs to no registered system (no design, construction, inspection or acceptance archive)' },
          fix: { zh: '将其纳入一个系统并完成验收、备案', en: 'Add it to a system; complete acceptance and filing' },
        });
      }
      const lifecycle = cam.systemId === null ? undefined : lifecycleOf.get(cam.systemId);
      if (cam.systemId !== null && cam.recording && (lifecycle === undefined || !ACCEPTED_LIFECYCLES.has(lifecycle))) {
        findings.push({
          rule: 'recording_before_acceptance',
          article: 'D12',
          severity: 'critical',
          objects: [camera(cam.id), { kind: 'system', id: cam.systemId }],
          penalty: null,
          ...(lifecycle === 'retired'
            ? {
              message: { zh: '系统已停用，其摄像机仍设为录像（按 D12 不予录像）', en: 'The system is retired but its camera is still set to record (held back under D12)' },
              fix: { zh: '停用该摄像机，或将其纳入一个已验收的系统', en: 'Disable the camera, or take it into an accepted system' },
            }
            : {
              message: { zh: `系统未通过验收（${lifecycle ?? '未登记'}）即录像`, en: `Recording before the system passed acceptance (${lifecycle ?? 'no system'})` },
              fix: { zh: '停止录像，完成检验和验收后再投入使用', en: 'Stop recording; complete inspection and acceptance first (R11)' },
            }),
        });
      }
      if (cam.retentionDays < MIN_RETENTION_DAYS) {
        findings.push({
          rule: 'retention_below_minimum',
          article: 'R17',
          severity: 'major',
          objects: [camera(cam.id)],
          penalty: null,
          message: { zh: `保存期限 ${cam.retentionDays} 日，少于 30 日`, en: `Retention ${cam.retentionDays} days, below 30` },
          fix: { zh: '将保存期限设为不少于 30 日', en: 'Set retention to at least 30 days' },
        });
      }
      return findings;
    });
  },
};

const GIB = 1024 ** 3;
const gib = (bytes: number): string => (bytes / GIB).toFixed(1);

/**
 * R17 (D22(3)): whether the segment store can keep what the law and the policies ask, from the capacity planner's
 * warnings (domain/capacity.ts, measured bitrates): 30 days of every camera must fit, or the store fills under the
 * floor and recording stops; the policies' longer periods should fit; free space should absorb some days.
 */
export const checkStorage: ComplianceCheck = {
  rules: ['storage_floor_at_risk', 'storage_retention_exceeds_capacity', 'storage_low_headroom'],
  run(snapshot) {
    if (!snapshot.storage) return [];
    const objects = [{ kind: 'store' as const, id: snapshot.storage.store }];
    const finding = (rule: string, severity: Severity, message: Label, fix: Label): Finding[] => [{
      rule, article: 'R17', severity, objects, penalty: null, message, fix,
    }];
    return snapshot.storage.warnings.flatMap((warning): Finding[] => {
      switch (warning.kind) {
        case 'floor_at_risk': {
          const days = warning.bytesForFloor > 0 ? (warning.usableBytes / warning.bytesForFloor) * MIN_RETENTION_DAYS : 0;
          return finding('storage_floor_at_risk', 'critical',
            {
              zh: `存储只能容纳全部摄像机约 ${days.toFixed(1)} 日的视频，不足 30 日（需 ${gib(warning.bytesForFloor)} GiB，可用 ${gib(warning.usableBytes)} GiB）`,
              en: `The store holds about ${days.toFixed(1)} days of all cameras, less than 30 (needs ${gib(warning.bytesForFloor)} GiB, has ${gib(warning.usableBytes)} GiB)`,
            },
            { zh: '扩充存储或将部分摄像机迁移到其他存储，在存满之前完成', en: 'Add storage or move cameras to another store before this one fills' });
        }
        case 'retention_exceeds_capacity':
          return finding('storage_retention_exceeds_capacity', 'major',
            {
              zh: `各摄像机的保存期限共需 ${gib(warning.bytesForRetention)} GiB，存储可用 ${gib(warning.usableBytes)} GiB：30 日可以保证，更长的期限不能`,
              en: `The retention periods need ${gib(warning.bytesForRetention)} GiB, the store has ${gib(warning.usableBytes)} GiB: 30 days fit, the longer periods do not`,
            },
            { zh: '扩充存储，或核实更长保存期限的依据', en: 'Add storage, or review the basis of the longer periods' });
        case 'low_headroom':
          return finding('storage_low_headroom', 'minor',
            { zh: `剩余空间仅够约 ${warning.headroomDays.toFixed(1)} 日的录像`, en: `Free space absorbs about ${warning.headroomDays.toFixed(1)} days of recording` },
            { zh: '确认到期视频按期删除，必要时扩充存储', en: 'Check that footage past its period is deleted on time; add storage if needed' });
        default:
          return []; // a camera without a valid measured bitrate: shown on the retention page, not a finding
      }
    });
  },
};

/**
 * R16.1 入职审查、保密教育、岗位培训 of staff who handle video (the same three the access gate demands before any video,
 * so a finding here names an account the gate is already refusing); R15.2 / R19 agreements of contractors.
 */
export const checkPersonnel: ComplianceCheck = {
  rules: ['vetting_missing', 'confidentiality_agreement_missing', 'training_missing', 'contractor_agreement_missing'],
  run(snapshot) {
    const valid = (untilMs: number | undefined): boolean => untilMs !== undefined && untilMs > snapshot.nowMs;
    const done = (atMs: number | undefined): boolean => atMs !== undefined && atMs <= snapshot.nowMs;
    return snapshot.users.flatMap((user): Finding[] => {
      const missing = (rule: string, article: string, message: Label, fix: Label): Finding => ({
        rule, article, severity: 'major', objects: [{ kind: 'user', id: user.id }], penalty: penaltyOf('R31'), message, fix,
      });
      const findings: Finding[] = [];
      if (user.handlesVideo && !done(user.vettedMs)) {
        findings.push(missing('vetting_missing', 'R16.1',
          { zh: '监看或管理人员没有入职审查记录', en: 'Monitoring or admin staff without a recorded background vetting' },
          { zh: '完成入职审查并登记；在此之前拒绝其访问视频', en: 'Vet the person and record it; video access stays refused until then' }));
      }
      if (user.handlesVideo && !done(user.confidentialitySignedMs)) {
        findings.push(missing('confidentiality_agreement_missing', 'R16.1',
          { zh: '监看或管理人员没有签署保密承诺', en: 'Monitoring or admin staff without a signed confidentiality agreement' },
          { zh: '签署保密承诺并登记；在此之前拒绝其访问视频', en: 'Have it signed and record it; video access stays refused until then' }));
      }
      if (user.handlesVideo && !valid(user.trainingValidUntilMs)) {
        findings.push(missing('training_missing', 'R16.1',
          { zh: '监看或管理人员没有有效的保密教育和培训记录', en: 'Monitoring or admin staff without valid confidentiality training' },
          { zh: '完成培训并登记；在此之前拒绝其访问视频', en: 'Train and record it; refuse video access until then' }));
      }
      if (user.contractor && !valid(user.agreementValidUntilMs)) {
        findings.push(missing('contractor_agreement_missing', 'R15.2, R19',
          { zh: '受托单位人员没有有效的安全保密协议', en: 'Contractor without a valid security and confidentiality agreement' },
          { zh: '签订或续签协议并登记；在此之前停用账户', en: 'Sign or renew the agreement and record it; disable the account until then' }));
      }
      return findings;
    });
  },
};

/** Every check, in report order within a severity. */
export const COMPLIANCE_CHECKS: readonly ComplianceCheck[] = [
  checkForbiddenPlaces,
  checkPlaceCategory,
  checkNeighbours,
  checkNecessity,
  checkSignage,
  checkFiling,
  checkRecording,
  checkStorage,
  checkPersonnel,
  // D17, R8.2, R24, R16.3: the operations duties (duty-checks.ts).
  ...DUTY_CHECKS,
];

/** Runs every check over the snapshot; an empty list means compliant. Same snapshot, same report. */
export function checkCompliance(snapshot: ComplianceSnapshot): Finding[] {
  const ruleOrder = COMPLIANCE_CHECKS.flatMap((check) => check.rules);
  const findings = COMPLIANCE_CHECKS.flatMap((check) => check.run(snapshot));
  return findings.sort((a, b) => compareFindings(a, b, ruleOrder));
}
