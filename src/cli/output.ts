// How commands speak: human text by default, one JSON document with --json; errors likewise. Exit codes are the
// contract of architecture §8: 0 ok, 1 error, 2 usage, 3 a check found problems.
export const exitCodes = { ok: 0, error: 1, usage: 2, problems: 3 } as const;

export class UsageError extends Error {}

export interface Output {
  json: boolean;
  /** Prints a result: `human` text, or `data` as JSON. */
  result(data: unknown, human: string): void;
  /** Prints an error: `{ error, message, article?, field? }` as JSON, or `error: message` on stderr. */
  error(err: unknown): void;
}

export function errorBody(err: unknown): { error: string; message: string; article?: string; field?: string; problems?: string[] } {
  const e = err as { code?: unknown; message?: unknown; article?: unknown; field?: unknown; problems?: unknown };
  const body: { error: string; message: string; article?: string; field?: string; problems?: string[] } = {
    error: typeof e?.code === 'string' && /^[a-z_]+$/.test(e.code) ? e.code : err instanceof UsageError ? 'usage' : 'error',
    message: err instanceof Error ? err.message : String(err),
  };
  if (typeof e?.article === 'string') body.article = e.article;
  if (typeof e?.field === 'string') body.field = e.field;
  if (Array.isArray(e?.problems)) body.problems = e.problems as string[];
  return body;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(data, human) {
      process.stdout.write(json ? JSON.stringify(data) + '\n' : human.endsWith('\n') ? human : human + '\n');
    },
    error(err) {
      const body = errorBody(err);
      if (json) process.stdout.write(JSON.stringify(body) + '\n');
      else process.stderr.write(`error: ${body.message}${body.article ? ` (${body.article})` : ''}\n`);
    },
  };
}
