// Queries on complaints and complaint_responses, the tables requests/ owns (db/tables.ts). A response and the
// report's new state are written in one transaction; the report row is updated first, conditionally on not being
// closed, so a response can never land on a report closed meanwhile.
import type { ComplaintResponseRow, ComplaintRow, Db } from '../db/index.js';

export class ComplaintsRepo {
  constructor(private readonly db: Db) {}

  async insert(row: ComplaintRow): Promise<void> {
    await this.db.insertInto('complaints').values(row).execute();
  }

  async byCodeHash(codeHash: string): Promise<ComplaintRow | undefined> {
    return this.db.selectFrom('complaints').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
  }

  async get(id: string): Promise<ComplaintRow | undefined> {
    return this.db.selectFrom('complaints').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(filter: { status?: ComplaintRow['status'] }, page: { limit: number; offset: number }): Promise<{ rows: ComplaintRow[]; total: number }> {
    let base = this.db.selectFrom('complaints');
    if (filter.status) base = base.where('status', '=', filter.status);
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('received_ms', 'desc').orderBy('id', 'desc').limit(page.limit).offset(page.offset).execute(),
      base.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  }

  async responses(complaintId: string, publicOnly: boolean): Promise<ComplaintResponseRow[]> {
    let q = this.db.selectFrom('complaint_responses').selectAll().where('complaint_id', '=', complaintId);
    if (publicOnly) q = q.where('public', '=', 1);
    return q.orderBy('at_ms').orderBy('id').execute();
  }

  /**
   * Appends a response and applies `change` to the report, atomically, unless the report is closed. Returns the
   * report as committed, or undefined if it does not exist or is closed.
   */
  async respond(response: ComplaintResponseRow, change: (current: ComplaintRow) => Partial<ComplaintRow>): Promise<ComplaintRow | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const locked = await trx.updateTable('complaints').set((eb) => ({ updated_ms: eb.ref('updated_ms') }))
        .where('id', '=', response.complaint_id).where('status', '!=', 'closed').executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 0) return undefined;
      const current = await trx.selectFrom('complaints').selectAll().where('id', '=', response.complaint_id).executeTakeFirstOrThrow();
      await trx.insertInto('complaint_responses').values(response).execute();
      const set = { ...change(current), updated_ms: response.at_ms };
      await trx.updateTable('complaints').set(set).where('id', '=', current.id).execute();
      return { ...current, ...set };
    });
  }

  /** What the compliance checker and the report need: every report's receipt, first public reply and closure. */
  async facts(): Promise<Pick<ComplaintRow, 'id' | 'received_ms' | 'first_public_reply_ms' | 'closed_ms'>[]> {
    return this.db.selectFrom('complaints').select(['id', 'received_ms', 'first_public_reply_ms', 'closed_ms']).orderBy('received_ms').execute();
  }

  async receivedBetween(fromMs: number, toMs: number): Promise<Pick<ComplaintRow, 'id' | 'received_ms' | 'first_public_reply_ms' | 'closed_ms' | 'status'>[]> {
    return this.db.selectFrom('complaints').select(['id', 'received_ms', 'first_public_reply_ms', 'closed_ms', 'status'])
      .where('received_ms', '>=', fromMs).where('received_ms', '<', toMs).orderBy('received_ms').execute();
  }
}
