// The demo's compliance records, made once on a fresh data directory so the demo starts as a unit that has done
// everything the Regulation asks: a management-unit profile (R14), the cameras' installation places and necessity
// statements (R7.3), a sign per camera (R13), a system taken through design → acceptance → in use with its archive
// documents (R11, D12–D14), the filing submitted with its police receipt (R14), the regular R8.2 check and monthly
// maintenance (D17), and vetting, confidentiality agreement and training for the system administrator (R16.1).
// `vigil check --compliance` is then clean.
// Everything goes through the same services the API and CLI use; nothing is written to tables directly.
import { openCore } from '../src/app/index.js';
import { loadConfig } from '../src/config/index.js';
import { creditCodeCheckCharacter } from '../src/domain/index.js';

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/** Where each demo camera hangs (R7.2(1): a shopping centre; crowd venue). */
const PLACES: Record<string, { areaType: string; site: string; position: string; angle: string; necessity: string; deviceType: string }> = {
  '东门 East Gate': {
    areaType: 'mall', site: '演示购物中心 Demo Mall', position: '东门出入口上方 3 m Above the east entrance, 3 m',
    angle: '朝向入口通道 Facing the entrance passage', necessity: '出入口人员通行安全，防范盗抢 Entrance safety, theft prevention', deviceType: 'bullet',
  },
  '大厅 Lobby': {
    areaType: 'mall', site: '演示购物中心 Demo Mall', position: '一层中庭吊顶 Ground-floor atrium ceiling',
    angle: '俯视中庭 Looking down on the atrium', necessity: '人员密集场所公共安全 Public safety of a crowded area', deviceType: 'dome',
  },
  '停车场 Car Park': {
    areaType: 'car_park', site: '演示购物中心 Demo Mall', position: '地下停车场 B1 出口 Basement car park B1 exit',
    angle: '朝向车辆出口 Facing the vehicle exit', necessity: '车辆与人员安全 Vehicle and pedestrian safety', deviceType: 'bullet',
  },
  '收银台 Checkout': {
    areaType: 'mall', site: '演示购物中心 Demo Mall', position: '一层收银区 Ground-floor checkout area',
    angle: '朝向收银通道，不含顾客输入密码区域 Facing the checkout lanes, PIN pads excluded', necessity: '防范盗窃和纠纷 Theft and dispute prevention', deviceType: 'dome',
  },
};

/** Seeds the records when the data directory has no system yet. Returns the admin's one-time password if it made the admin. */
export async function seedDemoCompliance(dataDir: string): Promise<{ admin: { username: string; password: string } | null; findings: number } | null> {
  const core = await openCore(loadConfig({ dataDir }));
  try {
    if ((await core.systems.list()).length > 0) return null;
    const now = Date.now();
    // The first system administrator (the same bootstrap `vigil serve` does), so the records name who made them.
    const admin = await core.access.bootstrapAdmin();
    const adminUser = (await core.access.listUsers(null, { limit: 100, offset: 0 })).items.find((u) => u.roles.includes('system_admin'));
    if (!adminUser) throw new Error('demo seed: no system administrator');
    const actor = { accountId: adminUser.id, username: adminUser.username, displayName: adminUser.displayName, unit: adminUser.unit };
    // R16.1: administration staff are vetted, sign the confidentiality agreement and are trained too.
    await core.access.setPersonnel(null, adminUser.id, { vettedMs: now - 30 * DAY, confidentialitySignedMs: now - 30 * DAY });
    await core.access.addTraining(null, adminUser.id, { course: '视频监控系统管理与保密培训 System administration and confidentiality', completedMs: now - 7 * DAY, validUntilMs: now + 365 * DAY });

    const base = '91330100MA2DEMO01'.replace(/[IOZSV]/g, '0');
    await core.compliance.setUnit(actor, {
      name: '演示购物中心管理有限公司 Demo Mall Management Co.', unitType: '企业', unifiedSocialCreditCode: base + creditCodeCheckCharacter(base),
      contactPerson: '王安保 Wang Anbao', contactPhone: '0571-88880000', address: '杭州市示例区演示路 1 号 1 Demo Road, Hangzhou',
    });

    const cameras = await core.cameras.list({ limit: 100 });
    for (const c of cameras) {
      const p = PLACES[c.name];
      if (!p) continue;
      await core.cameras.update(c.id, {
        areaType: p.areaType, placeCategory: 'crowd_venue', site: p.site, position: p.position, angle: p.angle,
        necessity: p.necessity, installingParty: '演示购物中心管理有限公司 Demo Mall Management Co.',
      });
      await core.cameras.addSignage(c.id, { text: '您已进入视频监控区域 You are entering a CCTV area', installedMs: now - 20 * DAY }, actor.username);
    }

    const system = await core.systems.create(actor, { name: '演示购物中心视频监控系统 Demo Mall CCTV', location: '杭州市示例区演示路 1 号 1 Demo Road, Hangzhou' });
    const day = isoDay(now - 25 * DAY);
    const steps: [string, string, string | null][] = [
      ['design', '系统设计方案 System design', null],
      ['construction_contract', '施工合同 Construction contract', 'built'],
      ['inspection_report', '检验报告 Inspection report', 'inspected'],
      ['acceptance_report', '竣工验收报告 Acceptance report', 'accepted'],
    ];
    for (const [kind, title, to] of steps) {
      await core.systems.addDocument(actor, system.id, { kind, title, date: day, parties: [{ name: '演示安防工程有限公司 Demo Security Engineering', role: '施工单位 Installer' }] });
      if (to) await core.systems.transition(actor, system.id, to);
    }
    await core.systems.setCameras(actor, system.id, cameras.filter((c) => PLACES[c.name]).map((c) => ({ cameraId: c.id, deviceType: PLACES[c.name]!.deviceType })));
    await core.systems.transition(actor, system.id, 'in_use');

    const submission = await core.compliance.submit(actor, system.id);
    await core.compliance.receipt(actor, submission.id, { number: `演示备案-${isoDay(now).replace(/-/g, '')}-001`, organ: '示例区公安分局 Demo District Public Security Bureau', date: isoDay(now) });

    // R8.2: the regular check of R8.1 areas, done today; D17: monthly maintenance.
    const check = await core.duties.tasks.create(actor, { kind: 'r8_area_check', title: 'R8 禁止区域定期检查 Regular check of R8.1 areas', recurrenceDays: 30 });
    await core.duties.tasks.complete(actor, check.id, { result: 'ok', findings: '未发现设置于禁止区域的摄像机 No camera in a forbidden area', forbiddenCameraFound: false });
    await core.duties.tasks.create(actor, { kind: 'maintenance', title: '设备月度维护 Monthly equipment maintenance', recurrenceDays: 30 });

    const report = await core.compliance.findings();
    return { admin, findings: report.findings.length };
  } finally {
    await core.close();
  }
}
