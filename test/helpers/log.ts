import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.ts';

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines a test reads back: `errors` has "message error" for each error line. */
export function memoryLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'info'): { logger: Logger; lines: LogLine[]; errors: string[] } {
  const lines: LogLine[] = [];
  const errors: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const line = JSON.parse(text) as LogLine;
        lines.push(line);
        if (line.level === 'error') errors.push(`${line.msg} ${errorText(line['error'])}`);
      }
      done();
    },
  });
  return { logger: createLogger({ level, destination }), lines, errors };
}

const errorText = (error: unknown) => (error && typeof error === 'object' && 'message' in error ? String((error as { message: unknown }).message) : String(error));
