// Provisional sources, from the data this build keeps, until other branches provide the real ones (see the report
// and docs/compliance.md §8): app/ wires them; replace each by its real adapter without touching the checker.
//  - retention: the R17 floor (30 days, domain RETENTION_FLOOR_DAYS) for every camera, as no policy is stored yet.
//  - personnel: every account's roles, trainings and agreements from access/.
import { RETENTION_FLOOR_DAYS, type UserFacts } from '../domain/index.js';
import type { PersonnelSource, RetentionFacts } from './ports.js';
import { userFacts } from './snapshot.js';

export function floorRetention(days = RETENTION_FLOOR_DAYS): RetentionFacts {
  return { retentionDaysByCamera: async (ids) => new Map(ids.map((id) => [id, days])) };
}

interface AccessLike {
  listUsers(actor: null, page: { limit: number; offset: number }): Promise<{ items: { id: string; roles: string[]; disabled: boolean }[]; total: number }>;
  getPersonnel(actor: null, userId: string): Promise<{ trainings: { validUntilMs: number }[]; agreements: { startMs: number; endMs: number }[] }>;
}

export function personnelFromAccess(access: AccessLike): PersonnelSource {
  return {
    async users(nowMs) {
      const out: UserFacts[] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await access.listUsers(null, { limit: 500, offset });
        for (const user of page.items) {
          const personnel = await access.getPersonnel(null, user.id);
          const facts = userFacts({ id: user.id, roles: user.roles, disabled: user.disabled, trainings: personnel.trainings, agreements: personnel.agreements, nowMs });
          if (facts) out.push(facts);
        }
        if (page.items.length < 500) break;
      }
      return out;
    },
  };
}
