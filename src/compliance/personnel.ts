// The personnel facts the checker reads (R16.1, R15.2, R19): every account's roles, vetting, confidentiality
// agreement, trainings and agreements from access/, through the small AccessLike view of AccessService.
import type { UserFacts } from '../domain/index.js';
import type { PersonnelSource } from './ports.js';
import { userFacts } from './snapshot.js';

interface AccessLike {
  listUsers(actor: null, page: { limit: number; offset: number }): Promise<{ items: { id: string; roles: string[]; disabled: boolean }[]; total: number }>;
  getPersonnel(actor: null, userId: string): Promise<{
    vettedMs: number | null;
    confidentialitySignedMs: number | null;
    trainings: { validUntilMs: number }[];
    agreements: { startMs: number; endMs: number }[];
  }>;
}

export function personnelFromAccess(access: AccessLike): PersonnelSource {
  return {
    async users(nowMs) {
      const out: UserFacts[] = [];
      for (let offset = 0; ; offset += 500) {
        const page = await access.listUsers(null, { limit: 500, offset });
        for (const user of page.items) {
          const personnel = await access.getPersonnel(null, user.id);
          const facts = userFacts({
            id: user.id,
            roles: user.roles,
            disabled: user.disabled,
            vettedMs: personnel.vettedMs,
            confidentialitySignedMs: personnel.confidentialitySignedMs,
            trainings: personnel.trainings,
            agreements: personnel.agreements,
            nowMs,
          });
          if (facts) out.push(facts);
        }
        if (page.items.length < 500) break;
      }
      return out;
    },
  };
}
