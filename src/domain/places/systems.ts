// The lifecycle of a public-security video system (R11, D12–D14) as pure rules: which transitions are allowed, which
// archive document each needs, and whether a system in a state may record and be viewed (D12). Pure: times are
// parameters; the documents are handed in by devices/, which stores them.
import { cstDayOf, cstDayStartMs, type CstDay } from './filing.js';
import { SYSTEM_LIFECYCLE, type SystemLifecycle } from './findings.js';
import type { Label } from './places.js';

export { SYSTEM_LIFECYCLE, type SystemLifecycle };

/** D12: a system records and may be viewed only once it has passed acceptance. */
export const RECORDING_LIFECYCLES: readonly SystemLifecycle[] = ['accepted', 'in_use', 'changed'];

export function lifecycleAllowsRecording(lifecycle: SystemLifecycle): boolean {
  return RECORDING_LIFECYCLES.includes(lifecycle);
}

/**
 * Archive documents (R11 "依法保存、管理相关档案资料", D14 "设计、施工、验收、维护等基础资料，以及…单位和专业技术人员的基本信息").
 * Stable codes: add, never rename or reuse.
 */
export const SYSTEM_DOCUMENT_KINDS = {
  design: { zh: '设计方案', en: 'Design' },
  feasibility_review: { zh: '设计方案可行性论证', en: 'Design feasibility review' },
  construction_contract: { zh: '施工合同', en: 'Construction contract' },
  construction_record: { zh: '施工及竣工资料', en: 'Construction and completion records' },
  parties: { zh: '参建单位及专业技术人员名单', en: 'Firms and technicians involved' },
  inspection_report: { zh: '检验报告', en: 'Inspection report' },
  acceptance_report: { zh: '验收报告', en: 'Acceptance report' },
  change_design: { zh: '变更方案', en: 'Change design' },
  maintenance_record: { zh: '维护记录', en: 'Maintenance record' },
  retirement_record: { zh: '停用拆除记录', en: 'Retirement record' },
  other: { zh: '其他资料', en: 'Other' },
} as const satisfies Record<string, Label>;
export type SystemDocumentKind = keyof typeof SYSTEM_DOCUMENT_KINDS;

export function isSystemDocumentKind(value: string): value is SystemDocumentKind {
  return Object.hasOwn(SYSTEM_DOCUMENT_KINDS, value);
}

/**
 * Capture-device types the filing counts (R14 "图像采集设备数量及类型"). Stable codes. There is deliberately no
 * covert/hidden type: R13 asks for conspicuous signage and D11/R8.1(4) forbid spots that peep, so Vigil does not
 * offer to register a concealed camera.
 */
export const DEVICE_TYPES = {
  bullet: { zh: '枪式摄像机', en: 'Bullet camera' },
  dome: { zh: '半球摄像机', en: 'Dome camera' },
  ptz: { zh: '球型（云台）摄像机', en: 'PTZ camera' },
  fisheye: { zh: '鱼眼摄像机', en: 'Fisheye camera' },
  panoramic: { zh: '全景摄像机', en: 'Panoramic camera' },
  checkpoint: { zh: '卡口抓拍设备', en: 'Checkpoint capture unit' },
  other: { zh: '其他采集设备', en: 'Other capture device' },
} as const satisfies Record<string, Label>;
export type DeviceType = keyof typeof DEVICE_TYPES;

export function isDeviceType(value: string): value is DeviceType {
  return Object.hasOwn(DEVICE_TYPES, value);
}

/** The states each state may move to. `retired` is final. */
export const SYSTEM_TRANSITIONS: Readonly<Record<SystemLifecycle, readonly SystemLifecycle[]>> = {
  designed: ['built', 'retired'],
  built: ['inspected', 'retired'],
  // A failed inspection sends the system back for rework.
  inspected: ['accepted', 'built', 'retired'],
  accepted: ['in_use', 'retired'],
  in_use: ['changed', 'retired'],
  // A changed system returns to use only after re-acceptance (D12).
  changed: ['in_use', 'retired'],
  retired: [],
};

export interface TransitionRequirement {
  kind: SystemDocumentKind;
  article: string;
  /** The document must have been added after the system entered its current state (re-acceptance after a change). */
  sinceCurrentState?: boolean;
}

/** The document each transition needs, by target state (and, for a return to use, by source state). */
function requirementsOf(from: SystemLifecycle, to: SystemLifecycle): TransitionRequirement[] {
  switch (to) {
    case 'built':
      return from === 'designed'
        ? [{ kind: 'design', article: 'R11' }, { kind: 'construction_contract', article: 'R11' }]
        : [];
    case 'inspected':
      return [{ kind: 'inspection_report', article: 'R11' }];
    case 'accepted':
      return [{ kind: 'acceptance_report', article: 'D12' }];
    case 'in_use':
      return from === 'changed' ? [{ kind: 'acceptance_report', article: 'D12', sinceCurrentState: true }] : [];
    case 'changed':
      return [{ kind: 'change_design', article: 'R11' }];
    default:
      return [];
  }
}

/** Every move the lifecycle allows, by source state, with the documents each needs (what the console shows before a move). */
export function lifecycleSteps(): { state: SystemLifecycle; next: { to: SystemLifecycle; requires: TransitionRequirement[] }[] }[] {
  return SYSTEM_LIFECYCLE.map((state) => ({
    state,
    next: SYSTEM_TRANSITIONS[state].map((to) => ({ to, requires: requirementsOf(state, to) })),
  }));
}

export interface SystemDocumentFact {
  kind: SystemDocumentKind;
  /** When the document was attached to the system. */
  addedMs: number;
}

export type TransitionCheck =
  | { ok: true }
  | { ok: false; error: 'system_transition_invalid'; article: 'R11'; message: string }
  | { ok: false; error: 'system_document_missing'; article: string; message: string; kind: SystemDocumentKind };

/**
 * Whether a system in `from` (entered at `enteredMs`) with these documents may move to `to`. The first missing
 * document is named, with the article that asks for it.
 */
export function checkTransition(input: {
  from: SystemLifecycle;
  to: SystemLifecycle;
  enteredMs: number;
  documents: readonly SystemDocumentFact[];
}): TransitionCheck {
  const { from, to, enteredMs, documents } = input;
  if (!SYSTEM_TRANSITIONS[from].includes(to)) {
    const allowed = SYSTEM_TRANSITIONS[from];
    return {
      ok: false,
      error: 'system_transition_invalid',
      article: 'R11',
      message: `a system cannot go from ${from} to ${to}` + (allowed.length ? `; from ${from} it may go to ${allowed.join(', ')}` : `: ${from} is final`),
    };
  }
  for (const need of requirementsOf(from, to)) {
    const present = documents.some((d) => d.kind === need.kind && (!need.sinceCurrentState || d.addedMs >= enteredMs));
    if (!present) {
      const label = SYSTEM_DOCUMENT_KINDS[need.kind];
      return {
        ok: false,
        error: 'system_document_missing',
        article: need.article,
        kind: need.kind,
        message: `${need.article}: going from ${from} to ${to} needs a ${need.kind} document (${label.zh} / ${label.en})` +
          (need.sinceCurrentState ? ` attached after the system entered ${from}` : '') + ' — attach it first',
      };
    }
  }
  return { ok: true };
}

/**
 * R14: when a system went into use. The first move to in_use sets it; a return to use after a change keeps the
 * original date (the change starts a change-filing deadline instead); a system never in use has none.
 */
export function inUseSinceAfter(transition: { to: SystemLifecycle; atMs: number; previousInUseSinceMs: number | null }): number | null {
  if (transition.previousInUseSinceMs !== null) return transition.previousInUseSinceMs;
  return transition.to === 'in_use' ? transition.atMs : null;
}

export type DeclaredInUseSince =
  | { ok: true; inUseSinceMs: number }
  | { ok: false; error: 'invalid_system'; field: 'inUseSince' | 'note'; article: 'R14'; message: string };

/**
 * R14 counts the filing deadline from the day a system went into use, and gives systems already in use before
 * 2025-04-01 until 2025-06-30. A system brought into Vigil after it went into use declares that day (a CST calendar
 * day) on its first move to in_use, with a note naming the evidence; it becomes the basis of every R14 deadline.
 * Refused: a later move (the first day is evidence and is kept), another target state, a day in the future, or no
 * note.
 */
export function declaredInUseSince(input: {
  to: SystemLifecycle;
  day: CstDay;
  note: string;
  previousInUseSinceMs: number | null;
  nowMs: number;
}): DeclaredInUseSince {
  const refuse = (field: 'inUseSince' | 'note', message: string): DeclaredInUseSince => ({ ok: false, error: 'invalid_system', field, article: 'R14', message });
  if (input.to !== 'in_use') return refuse('inUseSince', `R14: inUseSince is declared only on the move to in_use, not to ${input.to}`);
  if (input.previousInUseSinceMs !== null) {
    return refuse('inUseSince', `R14: the system went into use on ${cstDayOf(input.previousInUseSinceMs)}; that day is the basis of its filing deadlines and is kept`);
  }
  let startMs: number;
  try {
    startMs = cstDayStartMs(input.day);
  } catch {
    return refuse('inUseSince', `R14: inUseSince "${String(input.day).slice(0, 20)}" is not a calendar day (YYYY-MM-DD, China Standard Time)`);
  }
  if (startMs > input.nowMs) return refuse('inUseSince', `R14: inUseSince ${input.day} is in the future; a system cannot have gone into use on a day still to come`);
  if (input.note.trim() === '') {
    return refuse('note', 'R14: a declared in-use day needs a note naming its evidence (e.g. the acceptance report or the first operating log)');
  }
  return { ok: true, inUseSinceMs: startMs };
}
