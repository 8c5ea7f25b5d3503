import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness, registerLead } from '../helpers/harness.js';
import { createConfirmedSubject, eventsOf } from '../helpers/pages.js';

/**
 * The IP kept as consent evidence is whatever the runtime reports as the client (a socket, a
 * proxy header, a CDN header): only a syntactically valid IP may be stored, canonical.
 */

let base: Harness;
beforeAll(async () => {
  base = await createHarness();
});
afterAll(() => base.close());

const oneClick = (): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'List-Unsubscribe=One-Click',
});

async function unsubscribeFrom(clientIp: string, email: string) {
  const h = await createHarness({ handle: base.handle, clientIp });
  const id = await createConfirmedSubject(h, email);
  const token = await h.deps.signer.sign({ sub: id, p: 'u' });
  const res = await h.app.request(`/u/${token}`, oneClick());
  expect(res.status).toBe(200);
  const events = (await eventsOf(h, id)).filter((e) => e.action === 'unsubscribed');
  expect(events).toHaveLength(1);
  return events[0]!.ip;
}

describe('the client IP in consent evidence', () => {
  it('keeps no IP when the runtime reports something that is not one (a forged header)', async () => {
    expect(await unsubscribeFrom('<script>alert(1)</script>', 'ip-forged@example.ru')).toBeNull();
    expect(await unsubscribeFrom('6.6.6.6, 203.0.113.5', 'ip-list@example.ru')).toBeNull();
    expect(await unsubscribeFrom('unknown', 'ip-unknown@example.ru')).toBeNull();
  });

  it('keeps a valid IP in its canonical form (IPv4-mapped IPv6 as IPv4)', async () => {
    expect(await unsubscribeFrom('::ffff:203.0.113.9', 'ip-mapped@example.ru')).toBe('203.0.113.9');
    expect(await unsubscribeFrom('2001:DB8:0:0:0:0:0:7', 'ip-v6@example.ru')).toBe('2001:db8::7');
  });
});

describe('the IP a site sends with a lead', () => {
  it('is kept in its canonical form, like the one the runtime reports', async () => {
    const r = await registerLead(base, 'lead-ip@example.ru', { ip: '::ffff:203.0.113.5' });
    const ev = await base.db.selectFrom('consent_events').select('ip').where('subject_id', '=', r.id).execute();
    expect(ev.length).toBeGreaterThan(0);
    for (const e of ev) expect(e.ip).toBe('203.0.113.5');
  });
});
