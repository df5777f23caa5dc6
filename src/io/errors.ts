/**
 * Every io error starts with the file it is about, so a user with ten input files knows which one
 * to fix: `corpus.npy: header declares ... but the file has ...`.
 */
export class FileFormatError extends Error {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'FileFormatError';
    this.file = file;
  }
}

export function fileError(file: string, problem: string): never {
  throw new FileFormatError(file, problem);
}

/** Re-throws a non-FileFormatError (fs errors, V8 allocation failures) with the file name in front. */
export function withFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new FileFormatError(file, msg);
  }
}
