import type { Evidence } from '../../src/consent/ledger.js';
import type { Harness } from './harness.js';

/** The evidence of a person's own act through their own link, at the harness's time. */
export function personEvidenceAt(h: Harness, source = 'preference-center'): Evidence {
  return { actorType: 'subject', at: h.clock.now(), ip: '198.51.100.7', userAgent: 'test', source };
}
