/**
 * Packages only `reinpool serve`, `worker` and `--queue` need (fastify, prom-client, bullmq) are
 * loaded on first use, so the library and the other commands never load them; an install that lacks
 * one (pruned, or bundled without it) fails here with the package to install, not a stack trace.
 */
export function requireLazily<T>(name: string, feature: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && String((e as Error).message).includes(`'${name}'`)) {
      throw new Error(`${feature} needs the npm package '${name}', which is not installed (a dependency of reinpool's service commands): npm install ${name}`, { cause: e });
    }
    throw e;
  }
}
