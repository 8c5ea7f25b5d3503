import { describe, expect, it } from 'vitest';
import { commandLine, formatTable, median, parseArgs, type Row, ratio } from '../../bench/lib/harness.js';

describe('bench harness', () => {
  it('takes the median of odd and even counts, unsorted', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('rounds ratios to two decimals and has none without a limit', () => {
    expect(ratio(450, 660)).toBe(0.68);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(1, null)).toBeNull();
    expect(ratio(Number.NaN, 3)).toBeNull();
  });

  it('prints one Markdown table, marking goals met and not met, escaping pipes', () => {
    const rows: Row[] = [
      { scenario: 'a', service: '1/s', limit: '2/s', ratio: 0.5, goal: '≥ 0.6', met: false, notes: 'x | y' },
      { scenario: 'b', service: '3/s', limit: '—', ratio: null, goal: '—', met: null, notes: '' },
    ];
    expect(formatTable(rows).split('\n')).toEqual([
      '| scenario | service | limit | ratio | goal | notes |',
      '| --- | --- | --- | --- | --- | --- |',
      '| a | 1/s | 2/s | 0.50 | ≥ 0.6 (**not met**) | x \\| y |',
      '| b | 3/s | — | — | — |  |',
    ]);
  });

  it('parses names and --quick, refusing unknown ones', () => {
    expect(parseArgs([], ['x', 'y'])).toEqual({ names: ['x', 'y'], quick: false });
    expect(parseArgs(['--quick', 'y', 'y'], ['x', 'y'])).toEqual({ names: ['y'], quick: true });
    expect(() => parseArgs(['z'], ['x'])).toThrow(/unknown scenario z/);
    expect(() => parseArgs(['--fast'], ['x'])).toThrow(/unknown option/);
  });

  it('says the command that reproduces a run', () => {
    expect(commandLine({ names: ['x', 'y'], quick: false }, ['x', 'y'])).toBe('npm run bench');
    expect(commandLine({ names: ['y'], quick: true }, ['x', 'y'])).toBe('npm run bench -- --quick y');
  });
});
