#!/usr/bin/env node
/*
 * Reads native/sources.txt, the one list of native sources (see its header).
 *   node native/sources.js <group>...   prints the paths of those groups, space-separated
 *                                       (binding.gyp's <!@(...) and scripts/fuzz-native.sh use it)
 *   node native/sources.js --check      exits 1, naming each problem, when a .cpp/.cu file under
 *                                       native/kernels or native/addon is not listed, a listed
 *                                       file is missing, a group is unknown, or one of the build
 *                                       files names a source file itself instead of reading the list
 * Paths are relative to the repository root (binding.gyp and the scripts run from there).
 */
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '..');
const GROUPS = ['cpu', 'cpu_avx2', 'cpu_avx512', 'addon', 'addon_cuda', 'cuda', 'cuda_check'];
// The files that build native code; none may list a source of its own.
const BUILD_FILES = ['CMakeLists.txt', 'binding.gyp', 'native/kernels/cuda/CMakeLists.txt',
  'native/kernels/cuda/Makefile', 'scripts/fuzz-native.sh'];

function readList() {
  const text = fs.readFileSync(path.join(__dirname, 'sources.txt'), 'utf8');
  const entries = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const [group, file, extra] = line.split(/\s+/);
    entries.push({ group, file, extra, line: i + 1 });
  });
  return entries;
}

function walk(dir, out) {
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) walk(rel, out);
    else if (/\.(cpp|cu)$/.test(e.name)) out.push(rel);
  }
  return out;
}

function check() {
  const problems = [];
  const entries = readList();
  const listed = new Set();
  for (const e of entries) {
    if (!GROUPS.includes(e.group)) problems.push(`sources.txt:${e.line}: unknown group '${e.group}'`);
    if (!e.file || e.extra) problems.push(`sources.txt:${e.line}: expected '<group> <path>'`);
    else if (!fs.existsSync(path.join(root, e.file))) problems.push(`sources.txt:${e.line}: ${e.file} does not exist`);
    if (listed.has(e.file)) problems.push(`sources.txt:${e.line}: ${e.file} is listed twice`);
    listed.add(e.file);
  }
  for (const f of [...walk('native/kernels', []), ...walk('native/addon', [])])
    if (!listed.has(f)) problems.push(`${f} is not in native/sources.txt (no build would compile it)`);
  for (const b of BUILD_FILES) {
    const text = fs.readFileSync(path.join(root, b), 'utf8');
    text.split('\n').forEach((line, i) => {
      const code = line.replace(/#.*/, '');  // comments may name files
      const m = code.match(/[\w/.-]+\.(cpp|cu)\b/);
      if (m && !m[0].endsWith('fuzz_kernels.cpp'))
        problems.push(`${b}:${i + 1}: names ${m[0]} itself; read native/sources.txt instead`);
    });
  }
  if (problems.length) {
    for (const p of problems) console.error(`native sources: ${p}`);
    process.exit(1);
  }
  console.log(`native sources: ${entries.length} files in ${new Set(entries.map((e) => e.group)).size} groups, every build reads the one list`);
}

const args = process.argv.slice(2);
if (args[0] === '--check') {
  check();
} else {
  const unknown = args.filter((g) => !GROUPS.includes(g));
  if (!args.length || unknown.length) {
    console.error(`usage: node native/sources.js <group>... | --check (groups: ${GROUPS.join(', ')})`);
    process.exit(2);
  }
  console.log(readList().filter((e) => args.includes(e.group)).map((e) => e.file).join(' '));
}
