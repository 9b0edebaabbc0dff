// `vigil camera signage add|list|remove` (R13), `vigil camera masks set|show` (R13, D11), `vigil camera review` (a
// person's review of the R8.1 screening hits of a camera's place texts), and the installation flags of
// `camera add|update` (R10, D11, S). Thin over CameraService; every change goes to the system log.
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import type { Core } from '../app/index.js';
import { SIGNAGE_PHOTO_MAX_BYTES } from '../devices/index.js';
import { cliActor } from './actor.js';
import { withCore, type Act } from './context.js';
import { UsageError } from './output.js';

function logChange(core: Core, event: string, target: string, details: Record<string, unknown>): Promise<unknown> {
  return core.audit.recordEvent({ actor: null, event, target, details: { ...details, via: 'cli' }, clientAddr: null });
}

/** A date as YYYY-MM-DD (midnight, Beijing time, as the documents are dated), an ISO instant, or ms since the epoch. */
export function parseDate(value: string, flag: string): number {
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v);
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(v) ? Date.parse(`${v}T00:00:00+08:00`) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new UsageError(`${flag} must be a date (2026-12-03), an ISO instant or ms since the epoch`);
  return ms;
}

export interface InstallationOptions {
  facesResidence?: boolean;
  nearClassified?: boolean;
  consentRef?: string;
  angle?: string;
  assessment?: boolean;
  assessmentPurpose?: string;
  assessmentNecessity?: string;
  assessmentAlternatives?: string;
  assessmentConsultation?: string;
  assessmentDate?: string;
}

/** R10 / D11 / S flags; an enabled camera failing R10 or D11 is refused: exit 1 and the article. */
export function installationOptions(cmd: Command): Command {
  return cmd
    .option('--faces-residence', 'D11: the view includes residences (needs privacy masks before it may be enabled)')
    .option('--no-faces-residence', 'the view includes no residences')
    .option('--near-classified', 'R10: near a military zone or classified unit (needs --consent-ref before it may be enabled)')
    .option('--no-near-classified', 'not near a military zone or classified unit')
    .option('--consent-ref <text>', 'R10: reference of that unit’s written consent ("" clears)')
    .option('--angle <text>', 'viewing angle and coverage (R13)')
    .option('--assessment-purpose <text>', 'S: pre-installation assessment — purpose')
    .option('--assessment-necessity <text>', 'S: assessment — necessity')
    .option('--assessment-alternatives <text>', 'S: assessment — alternatives considered')
    .option('--assessment-consultation <text>', 'S: assessment — public consultation (optional)')
    .option('--assessment-date <date>', 'S: assessment date (YYYY-MM-DD)')
    .option('--no-assessment', 'remove the recorded assessment');
}

export function installationOf(o: InstallationOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (o.facesResidence !== undefined) out.facesResidence = o.facesResidence;
  if (o.nearClassified !== undefined) out.nearMilitaryOrClassified = o.nearClassified;
  if (o.consentRef !== undefined) out.consentDocumentRef = o.consentRef;
  if (o.angle !== undefined) out.angle = o.angle;
  const given = [o.assessmentPurpose, o.assessmentNecessity, o.assessmentAlternatives, o.assessmentConsultation, o.assessmentDate].some((v) => v !== undefined);
  if (o.assessment === false) {
    if (given) throw new UsageError('--no-assessment contradicts the --assessment-* flags');
    out.assessment = null;
  } else if (given) {
    // All parts together: the service refuses an assessment without purpose, necessity, alternatives and date.
    out.assessment = {
      purpose: o.assessmentPurpose,
      necessity: o.assessmentNecessity,
      alternativesConsidered: o.assessmentAlternatives,
      ...(o.assessmentConsultation === undefined ? {} : { publicConsultation: o.assessmentConsultation }),
      assessedMs: o.assessmentDate === undefined ? undefined : parseDate(o.assessmentDate, '--assessment-date'),
    };
  }
  return out;
}

/** "x,y x,y x,y" → [[x, y], …]; the service validates ranges and shape. */
function parsePolygon(text: string): number[][] {
  return text.trim().split(/\s+/).map((pair) => {
    const parts = pair.split(',');
    if (parts.length !== 2 || parts.some((p) => p.trim() === '' || !Number.isFinite(Number(p)))) {
      throw new UsageError(`--polygon takes points as "x,y x,y x,y" with 0 ≤ x, y ≤ 1; "${pair.slice(0, 30)}" is not a point`);
    }
    return parts.map(Number);
  });
}

function readBounded(file: string, max: number, what: string): Buffer {
  const size = statSync(file).size;
  if (size > max) throw Object.assign(new Error(`${what} ${file} is ${size} bytes; at most ${max}`), { code: 'photo_too_large' });
  return readFileSync(file);
}

export function registerCameraRecordCommands(camera: Command, act: Act): void {
  // R8.1: a person confirms that flagged free text (e.g. "卫生间门外") does not describe a forbidden place; the
  // checker's place_text_flagged is cleared until any screened text changes. As POST /api/v1/cameras/:id/place/review.
  camera
    .command('review <cameraId>')
    .description('record the review of a camera’s R8.1 screening hits: why the flagged place text is not a forbidden place (VIGIL_TOKEN: signs it, needs compliance.manage)')
    .requiredOption('--note <text>', 'why the flagged text is not a forbidden place (1–500 characters)')
    .action(act(async (out, opts, cameraId: string, o: { note: string }) => withCore(opts, async (core) => {
      const { actor, identified } = await cliActor(core, 'compliance.manage');
      const place = await core.cameras.clearPlaceReview(cameraId, { note: o.note }, { username: actor.username, name: actor.displayName, unit: actor.unit || null });
      const terms = place.reviewCleared?.terms ?? [];
      await core.audit.recordEvent({ actor: identified ? actor : null, event: 'camera.place_review_cleared', target: cameraId.toLowerCase(), details: { terms, note: o.note, via: 'cli' }, clientAddr: null });
      out.result({ cameraId: cameraId.toLowerCase(), place }, `reviewed ${terms.join(', ')}: ${place.reviewCleared?.note ?? ''}`);
      return 0;
    })));

  const signage = camera.command('signage').description('signage records of a camera (R13) / 监控提示标识');

  signage
    .command('add <cameraId>')
    .description('record a sign announcing the camera; prints its id')
    .requiredOption('--text <text>', 'the wording of the sign')
    .requiredOption('--installed <date>', 'when it was put up (YYYY-MM-DD)')
    .option('--photo <file>', 'a JPEG or PNG photo of the sign (≤ 5 MiB)')
    .action(act(async (out, opts, cameraId: string, o: { text: string; installed: string; photo?: string }) => {
      const photo = o.photo === undefined ? null : readBounded(o.photo, SIGNAGE_PHOTO_MAX_BYTES, 'photo');
      return withCore(opts, async (core) => {
        let s = await core.cameras.addSignage(cameraId, { text: o.text, installedMs: parseDate(o.installed, '--installed') }, null);
        await logChange(core, 'camera.signage_recorded', s.cameraId, { signageId: s.id, installedMs: s.installedMs });
        if (photo) {
          // Recorded without the photo if the photo is refused: the error says why, exit 1, and the id is in the log.
          s = await core.cameras.setSignagePhoto(s.cameraId, s.id, photo);
          await logChange(core, 'camera.signage_photo_set', s.cameraId, { signageId: s.id, sha256: s.photo?.sha256, bytes: s.photo?.bytes });
        }
        out.result({ id: s.id, signage: s }, s.id);
        return 0;
      });
    }));

  signage
    .command('list <cameraId>')
    .description('list the signage records of a camera')
    .action(act(async (out, opts, cameraId: string, _o: unknown) => withCore(opts, async (core) => {
      const list = await core.cameras.listSignage(cameraId);
      const human = list.map((s) => `${s.id}  ${new Date(s.installedMs).toISOString().slice(0, 10)}  ${s.text}${s.photo ? `  photo ${s.photo.type} sha256:${s.photo.sha256.slice(0, 12)}…` : ''}`);
      out.result({ signage: list }, human.length ? human.join('\n') : 'no signage recorded (R13)');
      return 0;
    })));

  signage
    .command('remove <cameraId> <signageId>')
    .description('remove a signage record')
    .action(act(async (out, opts, cameraId: string, signageId: string, _o: unknown) => withCore(opts, async (core) => {
      await core.cameras.removeSignage(cameraId, signageId);
      await logChange(core, 'camera.signage_removed', cameraId, { signageId });
      out.result({ removed: signageId }, `removed ${signageId}`);
      return 0;
    })));

  const masks = camera.command('masks').description('privacy masks of a camera (R13, D11) / 隐私遮挡');

  masks
    .command('set <cameraId>')
    .description('replace the masks: --polygon (repeatable) or --file with a JSON array; --clear removes all')
    .option('--polygon <points>', 'a polygon as "x,y x,y x,y …" in fractions of the picture (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--burn-export', 'burn the --polygon masks into exported clips')
    .option('--burn-recording', 'burn the --polygon masks into the recording (re-encodes: costs CPU)')
    .option('--file <file>', 'JSON: [{ "points": [[x, y], …], "burnExport": true, "burnRecording": false }, …]')
    .option('--clear', 'remove every mask')
    .action(act(async (out, opts, cameraId: string, o: { polygon: string[]; burnExport?: boolean; burnRecording?: boolean; file?: string; clear?: boolean }) => {
      const sources = [o.polygon.length > 0, o.file !== undefined, !!o.clear].filter(Boolean).length;
      if (sources !== 1) throw new UsageError('give exactly one of --polygon, --file or --clear');
      let input: unknown = [];
      if (o.file !== undefined) {
        try {
          input = JSON.parse(readBounded(o.file, 1024 * 1024, 'mask file').toString('utf8'));
        } catch (e) {
          if (e instanceof SyntaxError) throw new UsageError(`--file is not JSON: ${e.message}`);
          throw e;
        }
        if (typeof input === 'object' && input !== null && !Array.isArray(input) && 'masks' in input) input = (input as { masks: unknown }).masks;
      } else if (!o.clear) {
        input = o.polygon.map((p) => ({ points: parsePolygon(p), burnExport: !!o.burnExport, burnRecording: !!o.burnRecording }));
      }
      return withCore(opts, async (core) => {
        const set = await core.cameras.setMasks(cameraId, input);
        await logChange(core, 'camera.masks_set', cameraId, {
          count: set.length, burnExport: set.filter((m) => m.burnExport).length, burnRecording: set.filter((m) => m.burnRecording).length,
        });
        out.result({ cameraId, masks: set }, `${set.length} mask(s) set`);
        return 0;
      });
    }));

  masks
    .command('show <cameraId>')
    .description('show the masks of a camera')
    .action(act(async (out, opts, cameraId: string, _o: unknown) => withCore(opts, async (core) => {
      const list = await core.cameras.masks(cameraId);
      const human = list.map((m, i) => `#${i + 1} ${m.points.map(([x, y]) => `${x},${y}`).join(' ')}  display${m.burnExport ? ' +export' : ''}${m.burnRecording ? ' +recording' : ''}`);
      out.result({ cameraId, masks: list }, human.length ? human.join('\n') : 'no masks');
      return 0;
    })));
}
