import { Args, UsageError, formatHelp, formatTable, parseCommand, CommandSpec } from '../../src/cli/args';

const spec: CommandSpec = {
  name: 'x',
  summary: 'test command',
  synopsis: '--in FILE [options]',
  options: {
    in: { type: 'string', value: 'FILE', desc: 'input' },
    n: { type: 'string', value: 'N', desc: 'count', default: '3' },
    rate: { type: 'string', value: 'R', desc: 'rate' },
    list: { type: 'string', value: 'A,B', desc: 'list' },
    mode: { type: 'string', value: 'M', desc: 'mode' },
    flag: { type: 'boolean', desc: 'a flag' },
  },
  examples: ['reinpool x --in a'],
};

describe('cli args', () => {
  test('help lists every option and the common ones', () => {
    const h = formatHelp(spec);
    for (const o of ['--in FILE', '--n N', '--rate R', '--list A,B', '--flag', '--help', '--quiet', '(default: 3)', 'Examples:']) expect(h).toContain(o);
    expect(h.startsWith('Usage: reinpool x --in FILE [options]')).toBe(true);
  });

  test('unknown option, missing value and positional are usage errors naming the argument', () => {
    expect(() => parseCommand(spec, ['--nope'])).toThrow(new UsageError('--nope: unknown option'));
    expect(() => parseCommand(spec, ['--in'])).toThrow(/--in: missing value/);
    expect(() => parseCommand(spec, ['stray'])).toThrow(/unexpected argument 'stray'/);
    expect(() => parseCommand(spec, ['--flag=1'])).toThrow(/--flag: takes no value/);
  });

  test('typed accessors name the option', () => {
    const a = new Args(parseCommand(spec, ['--n', 'x', '--rate', 'abc', '--list', 'a, b,,c', '--mode', 'z']));
    expect(() => a.int('n')).toThrow('--n: expected an integer, got \'x\'');
    expect(() => a.num('rate')).toThrow('--rate: expected a number');
    expect(a.list('list')).toEqual(['a', 'b', 'c']);
    expect(() => a.choice('mode', ['p', 'q'] as const)).toThrow('--mode: expected one of p, q, got \'z\'');
    expect(() => a.required('in')).toThrow('--in: required');
    expect(() => a.file('list')).toThrow('--list: file not found: a, b,,c');
    const b = new Args(parseCommand(spec, ['--n', '5']));
    expect(b.int('n', { min: 1 })).toBe(5);
    expect(() => b.int('n', { max: 4 })).toThrow('--n: must be <= 4, got 5');
    expect(b.int('missing', { default: 7 })).toBe(7);
  });

  test('table formatting aligns columns', () => {
    const t = formatTable(['method', 'ndcg'], [['maxsim', '0.936'], ['mean', '0.809']]);
    expect(t.split('\n')[0]).toBe('method   ndcg');
    expect(t).toContain('mean    0.809');
  });
});
