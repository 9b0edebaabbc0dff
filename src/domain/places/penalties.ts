// The penalties the Regulation attaches (R26–R30, with R13's order to correct and R31's reference to other laws),
// as data for the compliance checker and the docs. quoteZh is the article's text verbatim; the English is ours.
import type { Label } from './places.js';

export type PenaltyArticle = 'R13' | 'R26' | 'R27.1' | 'R27.2' | 'R28' | 'R29' | 'R30' | 'R31';

/** 违法个人 / 违法单位 / 直接负责的主管人员和其他直接责任人员. */
export type FinedParty = 'individual' | 'unit' | 'responsible_persons';

export interface Fine {
  party: FinedParty;
  /** 0 where the article says only "以下" (up to). */
  minYuan: number;
  maxYuan: number;
}

export interface Penalty {
  article: PenaltyArticle;
  /** The duties whose breach this article punishes. */
  violates: readonly string[];
  violation: Label;
  /** Measures the police take in every case (order to correct, delete footage, confiscate, warn …). */
  measures: readonly Label[];
  /** When the fines apply; absent when they apply at once ("并处"). */
  finesOnlyIf?: Label;
  fines: readonly Fine[];
  /** Further consequences named by the article. */
  further: readonly Label[];
  quoteZh: string;
}

const ORDER_TO_CORRECT: Label = { zh: '责令改正', en: 'order to correct' };
const ORDER_TO_CORRECT_IN_TIME: Label = { zh: '责令限期改正', en: 'order to correct within a time limit' };
const DELETE_VIDEO: Label = { zh: '删除所收集的视频图像信息', en: 'deletion of the video collected' };
const CONFISCATE: Label = { zh: '没收相关设备设施', en: 'confiscation of the devices and facilities' };
const PUBLIC_ORDER_AND_CRIME: Label = {
  zh: '构成违反治安管理行为的，依法给予治安管理处罚；构成犯罪的，依法追究刑事责任',
  en: 'public-order penalties where applicable; criminal liability where it is a crime',
};

function fines(individual: [number, number], unit: [number, number], responsible: [number, number]): Fine[] {
  return [
    { party: 'individual', minYuan: individual[0], maxYuan: individual[1] },
    { party: 'unit', minYuan: unit[0], maxYuan: unit[1] },
    { party: 'responsible_persons', minYuan: responsible[0], maxYuan: responsible[1] },
  ];
}

export const PENALTIES: Readonly<Record<PenaltyArticle, Penalty>> = {
  R13: {
    article: 'R13',
    violates: ['R13'],
    violation: { zh: '未设置显著提示标识', en: 'No conspicuous signage' },
    measures: [ORDER_TO_CORRECT],
    fines: [],
    further: [],
    quoteZh: '未设置显著提示标识的，由公安机关责令改正。',
  },
  R26: {
    article: 'R26',
    violates: ['R7.3', 'R9.1'],
    violation: {
      zh: '非必需或者无权安装图像采集设备',
      en: 'Camera installed where not necessary for public security, or by a party not entitled to install',
    },
    measures: [ORDER_TO_CORRECT_IN_TIME, DELETE_VIDEO],
    finesOnlyIf: { zh: '拒不改正的（并没收相关设备设施）', en: 'on refusal to correct (devices are then also confiscated)' },
    fines: fines([0, 5_000], [0, 20_000], [0, 5_000]),
    further: [],
    quoteZh:
      '违反本条例第七条第三款、第九条第一款规定安装图像采集设备及相关设施的，由公安机关责令限期改正，并删除所收集的视频图像信息；拒不改正的，没收相关设备设施，对违法个人并处 5000 元以下罚款，对违法单位并处 2 万元以下罚款，对其直接负责的主管人员和其他直接责任人员处 5000 元以下罚款。',
  },
  'R27.1': {
    article: 'R27.1',
    violates: ['R8.1'],
    violation: { zh: '在禁止区域、部位安装图像采集设备', en: 'Camera installed in a forbidden area (R8.1)' },
    measures: [CONFISCATE, DELETE_VIDEO],
    fines: fines([5_000, 10_000], [10_000, 20_000], [5_000, 10_000]),
    further: [
      { zh: '偷窥、偷拍、窃听他人隐私的：' + PUBLIC_ORDER_AND_CRIME.zh, en: 'peeping, secret filming or eavesdropping: ' + PUBLIC_ORDER_AND_CRIME.en },
    ],
    quoteZh:
      '违反本条例第八条第一款规定安装图像采集设备及相关设施的，由公安机关没收相关设备设施，删除所收集的视频图像信息，对违法个人并处 5000 元以上 1 万元以下罚款，对违法单位并处 1 万元以上 2 万元以下罚款，对其直接负责的主管人员和其他直接责任人员处 5000 元以上 1 万元以下罚款；偷窥、偷拍、窃听他人隐私，构成违反治安管理行为的，依法给予治安管理处罚；构成犯罪的，依法追究刑事责任。',
  },
  'R27.2': {
    article: 'R27.2',
    violates: ['R8.2'],
    violation: {
      zh: '未履行对禁止区域、部位的日常管理和检查义务',
      en: 'No regular management and checking of the R8.1 areas one is responsible for',
    },
    measures: [ORDER_TO_CORRECT],
    finesOnlyIf: { zh: '拒不改正或者造成严重后果的', en: 'on refusal to correct or serious consequences' },
    fines: fines([5_000, 10_000], [10_000, 20_000], [5_000, 10_000]),
    further: [
      {
        zh: '通报有关主管部门根据情节轻重责令暂停相关业务或者停业整顿、吊销相关业务许可或者吊销营业执照',
        en: 'referral to the competent authority, which may suspend the business, order it closed for rectification, or revoke its permit or business licence',
      },
    ],
    quoteZh:
      '对相应区域、部位负有经营管理责任的单位或者个人未履行本条例第八条第二款规定的日常管理和检查义务的，由公安机关责令改正；拒不改正或者造成严重后果的，对违法个人处 5000 元以上 1 万元以下罚款，对违法单位处 1 万元以上 2 万元以下罚款，对其直接负责的主管人员和其他直接责任人员处 5000 元以上 1 万元以下罚款，并通报有关主管部门根据情节轻重责令暂停相关业务或者停业整顿、吊销相关业务许可或者吊销营业执照。',
  },
  R28: {
    article: 'R28',
    violates: ['R10'],
    violation: {
      zh: '未征得相关涉密单位同意安装图像采集设备',
      en: 'Camera near a military or classified unit installed without its consent',
    },
    measures: [CONFISCATE, DELETE_VIDEO],
    fines: fines([5_000, 10_000], [10_000, 20_000], [5_000, 10_000]),
    further: [
      {
        zh: '非法获取国家秘密、军事秘密的，依照有关法律的规定给予处罚；构成犯罪的，依法追究刑事责任',
        en: 'unlawfully obtaining state or military secrets is punished under the relevant laws; criminal liability where it is a crime',
      },
    ],
    quoteZh:
      '未依照本条例第十条规定征得相关涉密单位同意安装图像采集设备及相关设施的，由公安机关没收相关设备设施，删除所收集的视频图像信息，对违法个人并处 5000 元以上 1 万元以下罚款，对违法单位并处 1 万元以上 2 万元以下罚款，对其直接负责的主管人员和其他直接责任人员处 5000 元以上 1 万元以下罚款；非法获取国家秘密、军事秘密的，依照有关法律的规定给予处罚；构成犯罪的，依法追究刑事责任。',
  },
  R29: {
    article: 'R29',
    violates: ['R14'],
    violation: { zh: '未依照规定备案或者提供虚假备案信息', en: 'Not filed as R14 requires, or false filing information' },
    measures: [ORDER_TO_CORRECT_IN_TIME],
    finesOnlyIf: { zh: '拒不改正的', en: 'on refusal to correct' },
    // The article names no party; the filing duty is the management unit's (R14), so the fine falls on it.
    fines: [{ party: 'unit', minYuan: 0, maxYuan: 10_000 }],
    further: [],
    quoteZh: '未依照本条例第十四条规定备案或者提供虚假备案信息的，由公安机关责令限期改正；拒不改正的，处 1 万元以下罚款。',
  },
  R30: {
    article: 'R30',
    violates: ['R23(2)'],
    violation: { zh: '擅自改动、迁移、拆除图像采集设备', en: 'Camera altered, moved or removed without authority' },
    measures: [ORDER_TO_CORRECT, { zh: '给予警告', en: 'warning' }],
    finesOnlyIf: { zh: '拒不改正或者造成严重后果的', en: 'on refusal to correct or serious consequences' },
    fines: fines([0, 5_000], [5_000, 10_000], [0, 5_000]),
    further: [],
    quoteZh:
      '违反本条例第二十三条第二项规定擅自改动、迁移、拆除图像采集设备及相关设施的，由公安机关责令改正，给予警告；拒不改正或者造成严重后果的，对违法个人处 5000 元以下罚款，对违法单位处 5000 元以上 1 万元以下罚款，对其直接负责的主管人员和其他直接责任人员处 5000 元以下罚款。',
  },
  R31: {
    article: 'R31',
    violates: ['R15', 'R16', 'R19', 'R23(1)'],
    violation: {
      zh: '未履行网络安全、数据安全和个人信息保护义务，或者非法对外提供、公开传播视频图像信息',
      en: 'Network, data or personal-information security duties not met, or video unlawfully disclosed',
    },
    measures: [
      {
        zh: '依照《网络安全法》《数据安全法》《个人信息保护法》的规定给予处罚',
        en: 'penalties under the Cybersecurity Law, Data Security Law and Personal Information Protection Law',
      },
    ],
    fines: [],
    further: [PUBLIC_ORDER_AND_CRIME],
    quoteZh:
      '违反本条例规定，未履行网络安全、数据安全和个人信息保护义务，或者非法对外提供、公开传播视频图像信息的，依照《中华人民共和国网络安全法》、《中华人民共和国数据安全法》、《中华人民共和国个人信息保护法》的规定给予处罚；构成违反治安管理行为的，依法给予治安管理处罚；构成犯罪的，依法追究刑事责任。',
  },
};

/** "¥10,000–20,000 (unit)" style summary, for CLI and finding text. */
export function describeFines(penalty: Penalty): string {
  if (penalty.fines.length === 0) return penalty.measures.map((m) => m.en).join('; ');
  const yuan = (n: number): string => `¥${n.toLocaleString('en-US')}`;
  const parts = penalty.fines.map(({ party, minYuan, maxYuan }) => {
    const range = minYuan === 0 ? `up to ${yuan(maxYuan)}` : `${yuan(minYuan)}–${yuan(maxYuan)}`;
    return `${range} (${party.replace('_', ' ')})`;
  });
  return parts.join(', ');
}
