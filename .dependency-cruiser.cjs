// Rules of the house (architecture §2), checked by `npm test`.
const modules = '(app|cli|config|db|domain|devices|media|recording|storage|integrity|retention|access|audit|requests|redaction|compliance|http|playback)';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'module-api-only',
      comment: 'A module is imported only through its index.ts, never a deep path (architecture §2).',
      severity: 'error',
      from: { path: `^src/${modules}/` },
      to: { path: `^src/${modules}/.+`, pathNot: [`^src/$1/`, `^src/${modules}/index\\.ts$`] },
    },
    {
      name: 'domain-is-pure',
      comment: 'domain/ is the law as pure functions: it imports nothing of ours and no I/O.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { pathNot: '^src/domain/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-http-imports-fastify',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/http/', '^src/app/'] },
      to: { path: 'node_modules/(fastify|@fastify)/' },
    },
    {
      name: 'only-db-and-repos-import-kysely',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/db/', '/repo\\.ts$', '\\.test\\.ts$'] },
      to: { path: 'node_modules/(kysely|better-sqlite3|pg)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-media-spawns',
      comment: 'Only media/ spawns ffmpeg (and tools/ for the simulator); storage/native-build.ts runs the C compiler once.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/media/', '^src/storage/native-build\\.ts$', '\\.test\\.ts$'] },
      to: { path: '^(node:)?child_process$' },
    },
    {
      name: 'only-storage-touches-files',
      comment: 'Only storage/ (and config/db/cli for their own files) reads or writes the file system.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(storage|config|db|app|cli|media|http)/', '\\.test\\.ts$'] },
      to: { path: '^(node:)?fs(/promises)?$' },
    },
    {
      name: 'video-bytes-only-through-the-gate',
      comment:
        'R16.3: the HTTP layer reaches video only through playback/ (VideoService, which opens a Grant at the access gate ' +
        'before any byte); it may not read segment files (storage/) or the recording index (recording/) itself.',
      severity: 'error',
      from: { path: '^src/http/', pathNot: '\\.test\\.ts$' },
      to: { path: '^src/(storage|recording)/' },
    },
    {
      name: 'segment-store-only-for-recording-and-wiring',
      comment:
        'R16.3: segment files are written and checked by recording/, and handed to playback/ only by the composition ' +
        'root (app/) as the SegmentBytes behind VideoService; no other module may open the store.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(app|recording|storage)/', '\\.test\\.ts$'] },
      to: { path: '^src/storage/' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '^test/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
