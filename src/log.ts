import pino from 'pino';

/** What a log line says beyond its message: the platform, community, update or interaction, command, error. */
export type LogDetail = Record<string, unknown>;

/**
 * The bot's logger: pino underneath (one JSON line per event, to stderr, levels from LOG_LEVEL), with the message
 * first as the rest of the code reads it. `child` binds what every line of a scope carries (platform, community).
 */
export interface Logger {
  error(message: string, detail?: LogDetail): void;
  warn(message: string, detail?: LogDetail): void;
  info(message: string, detail?: LogDetail): void;
  debug(message: string, detail?: LogDetail): void;
  child(bindings: LogDetail): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Bigints (amounts) are written as decimal strings; pino's serializer for errors keeps stack and cause. */
function fromPino(base: pino.Logger): Logger {
  const at = (level: 'error' | 'warn' | 'info' | 'debug') => (message: string, detail: LogDetail = {}) => base[level](detail, message);
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: (bindings) => fromPino(base.child(bindings)) };
}

/** A logger writing to `destination` (stderr by default: stdout belongs to the console chat and to replay output). */
export function createLogger(options: { level: LogLevel; destination?: pino.DestinationStream }): Logger {
  const base = pino(
    {
      level: options.level,
      base: undefined,
      serializers: { error: pino.stdSerializers.err },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // JSON has no bigint; amounts are logged as the decimal strings they are in files.
        logMethod(args, method) {
          const [first] = args;
          if (first && typeof first === 'object') args[0] = JSON.parse(JSON.stringify(first, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Error ? pino.stdSerializers.err(v) : v)));
          return method.apply(this, args);
        },
      },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  );
  return fromPino(base);
}
