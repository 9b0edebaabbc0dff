// The typed configuration of `vigil` (TypeBox): every setting, its default, its unit in its name.
import { Type, type Static } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, description: 'Root of the index database, keys and (by default) the segment store' }),
    http: Type.Object(
      {
        host: Type.String({ minLength: 1, default: '127.0.0.1' }),
        port: Type.Union([Port, Type.Literal(0)], { default: 8080 }),
      },
      { additionalProperties: false, default: {} },
    ),
    database: Type.Object(
      {
        dialect: Type.Union([Type.Literal('sqlite'), Type.Literal('postgres')], { default: 'sqlite' }),
        /** PostgreSQL connection URL (dialect postgres only). */
        url: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Segment store directory; default `<dataDir>/store`. May be another disk. */
    storeDir: Type.Optional(Type.String({ minLength: 1 })),
    recording: Type.Object(
      {
        /** Target segment length: cut at the first keyframe fragment after this (architecture §3). */
        segmentTargetMs: Type.Integer({ minimum: 2_000, maximum: 600_000, default: 60_000 }),
        /** Fragment length asked of ffmpeg: the RPO of a crash (storage invariant 3). */
        fragmentMs: Type.Integer({ minimum: 100, maximum: 10_000, default: 1_000 }),
        /** fdatasync after every fragment so a power cut loses at most one fragment. */
        syncEveryFragment: Type.Boolean({ default: true }),
        /** Below this many free bytes on the store, writing stops with a critical alert (invariant 5). */
        minFreeBytes: Type.Integer({ minimum: 0, default: 64 * 1024 * 1024 }),
        /** How often a stopped (store-full) recorder looks for space again. */
        storeRetryMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 5_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    ingest: Type.Object(
      {
        ffmpegPath: Type.String({ minLength: 1, default: 'ffmpeg' }),
        backoffMinMs: Type.Integer({ minimum: 50, maximum: 60_000, default: 1_000 }),
        backoffMaxMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
        /** No fragment for this long: the stream is stalled and ffmpeg is restarted. */
        stallMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 10_000 }),
        /**
         * After a recording stream is lost, retry every ~fastRetryMs for fastRetryWindowMs, then back off: a camera
         * that reboots records again within seconds of its return. 0 window turns it off.
         */
        fastRetryMs: Type.Integer({ minimum: 200, maximum: 60_000, default: 2_000 }),
        fastRetryWindowMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 120_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    playback: Type.Object(
      {
        /** Longest range one playlist or export may cover. */
        maxRangeMs: Type.Integer({ minimum: 60_000, default: 31 * 24 * 3600_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    live: Type.Object(
      {
        /** Live streams transcoded to H.264 at once, for browsers without the camera's codec (H.265). Each costs a
         * real share of a core (measured on a test pattern: ~6 % for 640x360, ~36 % for 1080p scaled to 720p; real
         * scenes cost more); 0 turns transcoding off. */
        maxTranscodes: Type.Integer({ minimum: 0, maximum: 64, default: 2 }),
        /** A transcode runs on this long after its last viewer leaves (a viewer switching back finds it warm). */
        transcodeIdleMs: Type.Integer({ minimum: 0, maximum: 600_000, default: 10_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      {
        level: Type.Union(
          ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
          { default: 'info' },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
