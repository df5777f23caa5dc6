/**
 * Replays every saved fuzz finding (test/fuzz/corpus/<target>/*) against its parser: each must now
 * parse and validate, or be rejected with FileFormatError / TypeError / RangeError naming the file.
 * corpus/native/ holds the libFuzzer regression inputs of native/fuzz/fuzz_kernels.cpp, replayed by
 * scripts/fuzz-native.sh (it needs clang), not here.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CORPUS, execOne, TARGETS } from './engine';

const cases: [string, string][] = [];
for (const t of TARGETS) {
  const dir = path.join(CORPUS, t.name);
  if (!fs.existsSync(dir)) continue;
  for (const f of fs.readdirSync(dir).sort()) cases.push([t.name, path.join(dir, f)]);
}

test('the corpus directory holds only known targets', () => {
  const known = new Set([...TARGETS.map((t) => t.name), 'native']);
  const dirs = fs.existsSync(CORPUS) ? fs.readdirSync(CORPUS) : [];
  expect(dirs.filter((d) => !known.has(d))).toEqual([]);
});

if (cases.length) {
  test.each(cases)('%s regression %s', async (name, file) => {
    const t = TARGETS.find((x) => x.name === name)!;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-replay-'));
    try {
      const out = await execOne(t, path.join(tmp, `input${t.ext}`), new Uint8Array(fs.readFileSync(file)));
      expect(`${out.kind}: ${out.detail}`).toMatch(/^(parsed|rejected)/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}
