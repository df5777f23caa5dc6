/**
 * The queue's Redis: a redis://[:password@]host:port[/db] URL as BullMQ connection options, the one
 * queue name every coordinator and worker shares, and BullMQ itself, loaded lazily.
 */
import { requireLazily } from '../lazy';

export const QUEUE_NAME = 'reinpool';

export interface RedisConnection {
  host: string;
  port: number;
  password?: string;
  username?: string;
  db?: number;
  /** BullMQ wants blocking commands retried for ever (a restarted Redis is waited for, not an error) */
  maxRetriesPerRequest: null;
}

/** Parses a --queue URL; throws naming what is wrong. */
export function parseRedisUrl(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`'${url}' is not a URL (expected redis://HOST:PORT)`);
  }
  if (u.protocol !== 'redis:') throw new Error(`'${url}': use a redis://HOST:PORT URL (got protocol ${u.protocol})`);
  if (!u.hostname) throw new Error(`'${url}': no host`);
  const port = u.port ? Number(u.port) : 6379;
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : undefined;
  if (db !== undefined && !(Number.isInteger(db) && db >= 0)) throw new Error(`'${url}': the database must be a number (redis://HOST:PORT/DB)`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''), port, maxRetriesPerRequest: null,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(db !== undefined ? { db } : {}),
  };
}

export const bullmq = (): typeof import('bullmq') => requireLazily<typeof import('bullmq')>('bullmq', 'the reinpool queue');
