// In-memory stand-ins for the two register ports access/ writes to (access/ports.ts), for unit tests only: they keep
// what they receive, in order, so a test can assert what was recorded and when. The real registers (audit/) are
// append-only and hash-chained; these only record.
import { randomBytes } from 'node:crypto';
import {
  AccessService,
  type AccessRecordInput,
  type AccessRecorder,
  type AccessServiceDeps,
  type SystemEventInput,
  type SystemEventRecorder,
} from '../../src/access/index.js';
import type { Db } from '../../src/db/index.js';

export class FakeRegisters implements AccessRecorder, SystemEventRecorder {
  readonly accessRows: (AccessRecordInput & { id: number })[] = [];
  readonly accessEnds: { accessId: number; bytes: number; endedMs: number }[] = [];
  readonly events: (SystemEventInput & { id: number })[] = [];
  /** Set to make the next recordAccess fail (the register is down): the gate must then not grant. */
  failNextAccess = false;

  constructor(private readonly now: () => number = Date.now) {}

  async recordAccess(input: AccessRecordInput): Promise<{ id: number; atMs: number }> {
    if (this.failNextAccess) {
      this.failNextAccess = false;
      throw new Error('access register unavailable');
    }
    const id = this.accessRows.length + 1;
    this.accessRows.push({ ...structuredClone(input), id });
    return { id, atMs: this.now() };
  }

  async recordAccessEnd(accessId: number, end: { bytes: number; endedMs: number }): Promise<void> {
    this.accessEnds.push({ accessId, ...end });
  }

  async recordEvent(input: SystemEventInput): Promise<{ id: number; atMs: number }> {
    const id = this.events.length + 1;
    this.events.push({ ...structuredClone(input), id });
    return { id, atMs: this.now() };
  }

  eventsNamed(event: string): (SystemEventInput & { id: number })[] {
    return this.events.filter((e) => e.event === event);
  }
}

/** An AccessService over `db` with a settable clock and fake registers, as the unit tests use it. */
export function accessUnderTest(db: Db, startMs: number, over: Partial<AccessServiceDeps> = {}) {
  const clock = { nowMs: startMs };
  const registers = new FakeRegisters(() => clock.nowMs);
  const deps: AccessServiceDeps = {
    db,
    now: () => clock.nowMs,
    access: registers,
    events: registers,
    totpKey: randomBytes(32),
    reasonCategories: ['incident_investigation', 'security_patrol'],
    sessionIdleMs: 30 * 60_000,
    sessionAbsoluteMs: 12 * 3600_000,
    lockoutAfterFailures: 3,
    lockoutMs: 15 * 60_000,
    ...over,
  };
  return { service: new AccessService(deps), registers, clock, deps };
}
