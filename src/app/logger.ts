// The process logger: pino JSON lines, one per significant event, with secrets redacted by path. Modules also
// redact URLs themselves (ingest's redactUrl) because a secret can hide inside a message string.
import { pino, type Logger } from 'pino';

export type { Logger };

export const redactPaths = [
  'url', '*.url', 'rtspUrl', '*.rtspUrl', 'subUrl', '*.subUrl', 'password', '*.password', 'secret', '*.secret',
  'key', '*.key', 'token', '*.token', 'req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level, base: { app: 'vigil' }, redact: { paths: redactPaths, censor: '[redacted]' } },
    destination ?? process.stdout,
  );
}
