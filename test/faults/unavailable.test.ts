import { describe, expect, it } from 'vitest';
import { isUnavailable } from '../../src/db/handle.js';

/** Which database errors answer 503 (retry) rather than 500 or a 4xx (src/db/handle.ts). */

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isUnavailable', () => {
  it.each([
    ['a statement timeout', withCode('57014', 'canceling statement due to statement timeout')],
    ['an idle transaction ended', withCode('25P03', 'terminating connection due to idle-in-transaction timeout')],
    ['an administrator shutdown (a restart)', withCode('57P01', 'terminating connection due to administrator command')],
    ['a crash shutdown', withCode('57P02')],
    ['a server starting up', withCode('57P03', 'the database system is starting up')],
    ['a connection failure (class 08)', withCode('08006')],
    ['too many connections', withCode('53300')],
    ['a refused connection', withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['a reset connection', withCode('ECONNRESET')],
    ["the pool's wait running out", new Error('timeout exceeded when trying to connect')],
    ['a connection that died', new Error('Connection terminated unexpectedly')],
    ['a connection that timed out opening', new Error('Connection terminated due to connection timeout')],
    ['a client broken earlier', new Error('Client has encountered a connection error and is not queryable')],
    ['any of these as the cause of another error', new Error('query failed', { cause: withCode('57P01') })],
  ])('answers yes for %s', (_what, err) => {
    expect(isUnavailable(err)).toBe(true);
  });

  it.each([
    ['a unique violation', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a NUL in text', withCode('22021')],
    ['a syntax error', withCode('42601')],
    ['a plain error', new Error('boom')],
    ['a string', 'timeout exceeded when trying to connect'],
    ['nothing', undefined],
  ])('answers no for %s', (_what, err) => {
    expect(isUnavailable(err)).toBe(false);
  });
});
