import { describe, expect, it } from 'vitest';
import { redactAddresses } from '../../src/privacy/redact.js';

describe('redactAddresses', () => {
  it('masks addresses in SMTP diagnostics', () => {
    expect(redactAddresses('smtp; 550 5.1.1 <jane@example.com>... User')).toBe('smtp; 550 5.1.1 <[address]>... User');
    expect(redactAddresses('to ivan.petrov+x@почта.рф failed')).toBe('to [address] failed');
  });
});
