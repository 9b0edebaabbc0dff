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
    storage: Type.Object(
      {
        /**
         * Encrypt new segment files at rest (architecture §7; S: stolen video must be unreadable): AES-256-GCM per
         * file, data keys wrapped by the master key (`VIGIL_MASTER_KEY` or `<dataDir>/keys/master.key`). Existing files
         * stay readable either way. docs/encryption.md.
         */
        encryption: Type.Boolean({ default: true }),
      },
      { additionalProperties: false, default: {} },
    ),
    recording: Type.Object(
      {
        /** Target segment length: cut at the first keyframe fragment after this (architecture §3). */
        segmentTargetMs: Type.Integer({ minimum: 2_000, maximum: 600_000, default: 60_000 }),
        /** Fragment length asked of ffmpeg: the RPO of a crash (storage invariant 3). */
        fragmentMs: Type.Integer({ minimum: 100, maximum: 10_000, default: 1_000 }),
        /** fdatasync after every fragment so a power cut loses at most one fragment. */
        syncEveryFragment: Type.Boolean({ default: true }),
        /**
         * The native reader writes the segments it records with O_DIRECT, around the page cache (docs/storage.md,
         * "Direct writes"): less CPU per camera and no cache filled with video. Where the file system has no O_DIRECT
         * the writes stay buffered by themselves; false keeps them buffered everywhere.
         */
        directWrites: Type.Boolean({ default: true }),
        /** Below this many free bytes on the store, writing stops with a critical alert (invariant 5). */
        minFreeBytes: Type.Integer({ minimum: 0, default: 64 * 1024 * 1024 }),
        /** How often a stopped (store-full) recorder looks for space again. */
        storeRetryMs: Type.Integer({ minimum: 100, maximum: 600_000, default: 5_000 }),
        /**
         * The recorder's byte path (docs/storage.md, "The byte path"): `native` reads ffmpeg's pipe on a native thread
         * and seals, writes, fdatasyncs and hashes each fragment in a threadpool job (native/vigil_native.c, built with
         * the machine's C compiler on first use), for much less CPU per camera; `js` does both with Node's streams,
         * node:crypto and fs on the main thread; `auto`: native when it can be built, else js with a warning. Files are
         * the same byte for byte either way.
         */
        bytePath: Type.Union([Type.Literal('auto'), Type.Literal('native'), Type.Literal('js')], { default: 'auto' }),
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
        /**
         * Who speaks RTSP to the cameras: 'builtin' (media/rtsp: an in-process client and fMP4 muxer, far less CPU per
         * camera than an ffmpeg child) or 'ffmpeg' (one child per stream, architecture §3). With 'builtin', a stream
         * it does not implement (a codec other than H.264/H.265, B-frames, rtsps://, burnt-in masks) goes to ffmpeg.
         */
        rtspClient: Type.Union([Type.Literal('builtin'), Type.Literal('ffmpeg')], { default: 'builtin' }),
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
    access: Type.Object(
      {
        /** Reason categories a viewer picks from before any video is shown (R16.3); free text is required too. */
        reasonCategories: Type.Array(Type.String({ minLength: 1, maxLength: 40 }), {
          minItems: 1,
          default: ['incident_investigation', 'security_patrol', 'equipment_check', 'law_enforcement_request', 'data_subject_request', 'training_drill'],
        }),
        /** A session unused this long ends (idle timeout). */
        sessionIdleMs: Type.Integer({ minimum: 60_000, maximum: 86_400_000, default: 30 * 60_000 }),
        /** A session ends this long after login however busy (absolute timeout). */
        sessionAbsoluteMs: Type.Integer({ minimum: 300_000, maximum: 7 * 86_400_000, default: 12 * 3600_000 }),
        /** Failed logins in a row before an account locks, and how long the lock lasts (time-based unlock). */
        lockoutAfterFailures: Type.Integer({ minimum: 3, maximum: 20, default: 5 }),
        lockoutMs: Type.Integer({ minimum: 60_000, maximum: 86_400_000, default: 15 * 60_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    audit: Type.Object(
      {
        /** A signed checkpoint of each register's chain head after this many entries … */
        checkpointEveryEntries: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000 }),
        /** … or this long after the last one, whichever comes first (and always at shutdown). */
        checkpointEveryMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 10 * 60_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    integrity: Type.Object(
      {
        /** R15: a signed checkpoint of every stream's chain head this often (and always at shutdown). */
        checkpointEveryMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 10 * 60_000 }),
        /**
         * R15: append every signed checkpoint to this file (NDJSON) as well — put it on another machine or medium, so
         * deleting the newest footage together with its checkpoints is caught by `vigil verify --against FILE`.
         */
        exportFile: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
        /** `vigil serve` verifies the whole store this often (0: only when asked); the console shows the outcome. */
        verifyEveryMs: Type.Integer({ minimum: 0, maximum: 30 * 86_400_000, default: 86_400_000 }),
      },
      { additionalProperties: false, default: {} },
    ),
    retention: Type.Object(
      {
        /** R17: the retention executor runs this often under `vigil serve` (and once at start). */
        runEveryMs: Type.Integer({ minimum: 1000, maximum: 7 * 86_400_000, default: 3600_000 }),
        /** The store's free space is looked at this often; below minFreeBytes a run starts at once. */
        checkEveryMs: Type.Integer({ minimum: 100, maximum: 3600_000, default: 60_000 }),
        /**
         * Below this many free bytes, store pressure lets the executor delete footage already past its retention
         * (oldest first) — never under the 30-day floor, under retention or on hold (R17, D22(3)). Raised to
         * recording.minFreeBytes if lower, so the executor acts before recording stops.
         */
        minFreeBytes: Type.Integer({ minimum: 0, default: 256 * 1024 * 1024 }),
        /** Bitrates for the capacity plan are measured over the segments of this many last days. */
        rateWindowDays: Type.Integer({ minimum: 1, maximum: 90, default: 7 }),
        /** Capacity warns (low_headroom) below this many days of free space. */
        lowHeadroomDays: Type.Integer({ minimum: 1, maximum: 365, default: 7 }),
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
