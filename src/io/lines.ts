/**
 * Line-by-line text reading in 1 MB chunks, so jsonl/tsv files of any size are read without holding
 * the whole file as one string. UTF-8 sequences split across chunks are reassembled by StringDecoder.
 */
import * as fs from 'fs';
import { StringDecoder } from 'string_decoder';
import { FileFormatError } from './errors';
import { openForRead } from './fsutil';

/** Yields each line without its '\n' (and without a trailing '\r'); a final line without '\n' is yielded too. */
export function* readLines(file: string, chunkBytes = 1 << 20): Generator<string> {
  const fd = openForRead(file);
  try {
    const buf = Buffer.allocUnsafe(chunkBytes);
    const dec = new StringDecoder('utf8');
    let rest = '';
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, chunkBytes, pos);
      if (n === 0) break;
      pos += n;
      const text = rest + dec.write(buf.subarray(0, n));
      let start = 0;
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', start)) {
        const end = i > start && text.charCodeAt(i - 1) === 13 ? i - 1 : i;
        yield text.slice(start, end);
        start = i + 1;
      }
      rest = text.slice(start);
    }
    rest += dec.end();
    if (rest.length > 0) yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  } finally {
    fs.closeSync(fd);
  }
}

/** Ids, one per line; a trailing empty line is ignored, an empty line elsewhere is an error. */
export function readIdsFile(file: string): string[] {
  const ids: string[] = [];
  let blank = -1;
  let n = 0;
  for (const line of readLines(file)) {
    n++;
    if (line.length === 0) { if (blank < 0) blank = n; continue; }
    if (blank >= 0) throw new FileFormatError(file, `line ${blank} is empty (ids must be one per line)`);
    ids.push(line);
  }
  return ids;
}
