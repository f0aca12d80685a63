import { z } from 'zod';
import { DEFAULT_DATABASE_URL } from './db/database.ts';

const databaseUrl = z
  .string()
  .refine((u) => /^(postgres(ql)?:\/\/|file:|:memory:$)/.test(u) || !u.includes('://'), {
    message: 'use file:PATH (or a path) for SQLite, or postgres://user:pass@host/db for PostgreSQL',
  });

/** Every setting read from the environment; .env.example lists them all. */
export const envSchema = z.object({
  DATABASE_URL: databaseUrl.default(DEFAULT_DATABASE_URL),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Where the console chat writes exported files. */
  EXPORT_DIR: z.string().min(1).default('./data/exports'),
});

export type Config = z.output<typeof envSchema>;

export class ConfigError extends Error {}

/** Reads the configuration; an unusable value is reported by name with what it should look like. */
export function createConfig(env: Record<string, string | undefined>): Config {
  // An empty variable (`FOO=` in .env) means "not set".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema.safeParse(present);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
  throw new ConfigError(`the configuration is not valid:\n${lines.join('\n')}\nSee .env.example for every setting.`);
}
