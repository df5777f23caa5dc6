/** JSON files (results, manifests, policy configs), written atomically: a reader never sees half a file. */
import * as fs from 'fs';
import * as path from 'path';
import { writeFileAtomic } from './fsutil';

/** Writes `value` as indented JSON; creates the directory if needed. */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const bytes = Buffer.from(JSON.stringify(value, null, 2) + '\n', 'utf8');
  writeFileAtomic(file, (append) => append(bytes));
}
