// `vigil key status` and `vigil key rotate`: the master key of encryption at rest (architecture §7, docs/encryption.md).
import type { Command } from 'commander';
import { keyStatus, rotateMasterKey } from '../app/index.js';
import { withCore, type Act } from './context.js';
import { exitCodes } from './output.js';

export function registerKeyCommands(program: Command, act: Act): void {
  const key = program.command('key').description('master key of segment encryption at rest (S, R15)');

  key
    .command('status')
    .description('current master key fingerprint and how many data keys each master key wraps')
    .action(act(async (out, opts) => withCore(opts, async (core) => {
      const s = await keyStatus(core.config.dataDir, core.database.db);
      const lines = [
        `encryption of new segments: ${core.config.storage.encryption ? 'on' : 'off'}`,
        `master key: ${s.current ?? 'none'}${s.source ? ` (from ${s.source === 'env' ? 'VIGIL_MASTER_KEY' : 'keys/master.key'})` : ''}`,
        ...(s.rotationPending ? ['a rotation was interrupted: run `vigil key rotate` again to finish it'] : []),
        ...s.dataKeys.map((d) => `  ${d.masterKeyId}: ${d.keys} data keys${d.masterKeyId === s.current ? ' (current)' : ''}`),
      ];
      out.result({ encryption: core.config.storage.encryption, ...s }, lines.join('\n'));
      return exitCodes.ok;
    })));

  key
    .command('rotate')
    .description('make a new master key and rewrap every data key with it (video files untouched; vigil serve must be stopped)')
    .action(act(async (out, opts) => withCore(opts, async (core) => {
      const r = await rotateMasterKey(core.config.dataDir, core.database.db);
      await core.audit.recordEvent({
        actor: null, event: 'storage.master_key_rotated', target: null,
        details: { from: r.from, to: r.to, dataKeysRewrapped: r.rewrapped, resumed: r.resumed, via: 'cli' }, clientAddr: null,
      });
      out.result(r, `master key rotated: ${r.from} → ${r.to}; ${r.rewrapped} data keys rewrapped${r.resumed ? ' (finished an interrupted rotation)' : ''}`);
      return exitCodes.ok;
    })));
}
