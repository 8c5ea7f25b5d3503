import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addressClaim, linkFitsAddress } from '../../src/confirmation/rules.js';
import type { SuppressionReason } from '../../src/db/schema.js';
import { eraseSubject } from '../../src/erasure/erase.js';
import { suppress } from '../../src/suppressions/queries.js';
import { confirmationLifts } from '../../src/suppressions/rule.js';
import { createHarness, type Harness } from '../helpers/harness.js';
import { consentState, createSubject, eventsOf, readFeedJson, snapshotDb, suppressionOf } from '../helpers/pages.js';
import { deliverDueMail } from '../helpers/rights.js';
import { decodeSegment } from '../helpers/tokens.js';

/**
 * A confirmation link confirms only what it was issued for: the address it was mailed to, at
 * the time. Tried with links replayed after an address change, issued before an erasure, and
 * aimed at suppressions only staff may lift. PGlite, and PostgreSQL with TEST_DATABASE_URL.
 */

const T0 = '2026-03-02T09:00:00Z';
const MIN = 60_000;

describe('confirmation rules (pure)', () => {
  const hash = 'a'.repeat(64);
  const other = 'b'.repeat(64);
  const added = new Date('2026-03-02T09:00:00.400Z');
  const iat = (d: string) => Math.floor(new Date(d).getTime() / 1000);

  it("a link fits only the address it names, issued no earlier than the address became the person's", () => {
    expect(linkFitsAddress({ ah: addressClaim(hash), iat: iat('2026-03-02T09:00:05Z') }, { hash, addedAt: added })).toBe(true);
    expect(linkFitsAddress({ ah: addressClaim(other), iat: iat('2026-03-02T09:00:05Z') }, { hash, addedAt: added })).toBe(false);
    expect(linkFitsAddress({ ah: addressClaim(hash), iat: iat('2026-03-02T08:59:59Z') }, { hash, addedAt: added })).toBe(false);
    // Signed within the second the address was added (iat has whole seconds): fits.
    expect(linkFitsAddress({ ah: addressClaim(hash), iat: iat('2026-03-02T09:00:00.900Z') }, { hash, addedAt: added })).toBe(true);
    // Links from before `ah` existed: judged by the time alone.
    expect(linkFitsAddress({ iat: iat('2026-03-02T09:00:05Z') }, { hash, addedAt: added })).toBe(true);
    expect(linkFitsAddress({ iat: iat('2026-03-01T09:00:00Z') }, { hash, addedAt: added })).toBe(false);
  });

  it("lifts the person's own unsubscribe and withdrawal; an erasure only for a link issued after it; never a bounce, complaint or manual entry", () => {
    const at = new Date('2026-03-02T09:00:00Z');
    const before = iat('2026-03-02T08:00:00Z');
    const after = iat('2026-03-02T10:00:00Z');
    const cases: [SuppressionReason, number, boolean][] = [
      ['unsubscribed', before, true],
      ['withdrawn', before, true],
      ['erased', before, false],
      ['erased', after, true],
      ['bounced', after, false],
      ['complained', after, false],
      ['manual', after, false],
    ];
    for (const [reason, issued, lifts] of cases) expect(confirmationLifts({ reason, changedAt: at }, issued), `${reason}`).toBe(lifts);
  });
});

describe('confirmation links through the app', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ now: T0 });
  });
  afterAll(() => h?.close());
  beforeEach(async () => {
    await deliverDueMail(h); // each test reads only the mail it causes
  });

  const confirmMailTo = async (email: string) => {
    const mails = (await deliverDueMail(h)).filter((m) => m.to === email && m.links.some((l) => l.startsWith('/c/')));
    expect(mails.length).toBeGreaterThan(0);
    return mails.at(-1)!.links.find((l) => l.startsWith('/c/'))!;
  };
  const rectify = async (id: string, email: string) => {
    const p = await h.deps.signer.sign({ sub: id, p: 'p', ttlSeconds: 86400 });
    const res = await h.app.request(`/p/${p}/rectify`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email }).toString(),
    });
    expect(res.status).toBe(200);
  };
  /** Moves a person to a new address the proper way: asked for, then confirmed from it. */
  const moveTo = async (id: string, email: string) => {
    await rectify(id, email);
    const link = (await deliverDueMail(h)).find((m) => m.to === email && m.subject.includes('адрес'))!.links[0]!;
    expect((await h.app.request(link, { method: 'POST' })).status).toBe(200);
  };

  it('the subscription link mails name the address they were mailed to', async () => {
    const { id } = await createSubject(h, 'named.c@example.ru');
    const link = await confirmMailTo('named.c@example.ru');
    const claims = decodeSegment(link.slice(3), 1);
    expect(claims).toMatchObject({ sub: id, p: 'c', ah: addressClaim(await h.deps.hasher.hash('named.c@example.ru')) });
    expect(JSON.stringify(claims)).not.toContain('named.c');
  });

  it('a confirmation link replayed after an address change confirms nothing; the new address gets its own', async () => {
    const { id } = await createSubject(h, 'old.replay@example.ru');
    const oldLink = await confirmMailTo('old.replay@example.ru');
    const legacy = await h.deps.signer.sign({ sub: id, p: 'c', ttlSeconds: 30 * 86400 }); // no `ah`: judged by its time
    h.clock.advance(MIN);
    await moveTo(id, 'new.replay@example.ru');
    expect(await consentState(h, id, 'marketing')).toBe('pending');

    h.clock.advance(MIN);
    for (const link of [oldLink, `/c/${legacy}`]) {
      const before = await snapshotDb(h);
      expect((await h.app.request(link)).status).toBe(409);
      const res = await h.app.request(link, { method: 'POST' });
      expect(res.status).toBe(409);
      expect(await res.text()).toContain('Ссылка больше не действует');
      expect(await snapshotDb(h)).toEqual(before);
    }
    expect(await consentState(h, id, 'marketing')).toBe('pending');

    // The confirmation the change queued goes to the new address, and that one works.
    const fresh = await confirmMailTo('new.replay@example.ru');
    expect((await h.app.request(fresh, { method: 'POST' })).status).toBe(200);
    expect(await consentState(h, id, 'marketing')).toBe('granted');
  });

  it('back to an old address: a link mailed to it before it was replaced stays void', async () => {
    const { id } = await createSubject(h, 'boomerang.a@example.ru');
    const first = await confirmMailTo('boomerang.a@example.ru');
    h.clock.advance(MIN);
    await moveTo(id, 'boomerang.b@example.ru');
    h.clock.advance(MIN);
    await moveTo(id, 'boomerang.a@example.ru');
    await deliverDueMail(h);
    const before = await snapshotDb(h);
    expect((await h.app.request(first, { method: 'POST' })).status).toBe(409);
    expect(await snapshotDb(h)).toEqual(before);
  });

  it('a link issued before an erasure confirms nothing for the new person a later lead creates at that address', async () => {
    const EMAIL = 'phoenix.er@example.ru';
    const { id: gone } = await createSubject(h, EMAIL);
    const preErasure = await confirmMailTo(EMAIL);
    h.clock.advance(MIN);
    await h.db.transaction().execute((trx) => eraseSubject(trx, gone, h.clock.now(), null));
    const hash = await h.deps.hasher.hash(EMAIL);
    h.clock.advance(MIN);
    const { id: fresh, status } = await createSubject(h, EMAIL);
    expect(status).toBe(201);
    expect(fresh).not.toBe(gone);

    // The old link, and one forged as if signed for the new person before the erasure.
    h.clock.advance(-3 * MIN);
    const backdated = `/c/${await h.deps.signer.sign({ sub: fresh, p: 'c', ah: addressClaim(hash), ttlSeconds: 86400 })}`;
    h.clock.advance(3 * MIN);
    for (const link of [preErasure, backdated]) {
      const before = await snapshotDb(h);
      const res = await h.app.request(link, { method: 'POST' });
      expect(res.status).toBe(409);
      expect(await snapshotDb(h)).toEqual(before);
    }
    expect(await consentState(h, fresh, 'marketing')).toBe('pending');
    expect(await suppressionOf(h, fresh)).toMatchObject({ reason: 'erased', active: true });

    // Only the confirmation mailed to the address after the erasure brings it back.
    const own = await confirmMailTo(EMAIL);
    expect((await h.app.request(own, { method: 'POST' })).status).toBe(200);
    expect(await consentState(h, fresh, 'marketing')).toBe('granted');
    expect(await suppressionOf(h, fresh)).toMatchObject({ reason: 'erased', active: false });
  });

  for (const reason of ['bounced', 'complained', 'manual', 'erased'] as const) {
    it(`a confirmation never lifts a '${reason}' suppression set after the link was issued`, async () => {
      const email = `held.${reason}@example.ru`;
      const { id } = await createSubject(h, email);
      const link = await confirmMailTo(email);
      h.clock.advance(MIN);
      const hash = await h.deps.hasher.hash(email);
      expect(
        await suppress(h.db, {
          hash,
          email,
          subjectId: id,
          reason,
          actorType: reason === 'bounced' || reason === 'complained' ? 'mail_sender' : 'staff',
          at: h.clock.now(),
        }),
      ).toBe(true);
      const feedBefore = (await readFeedJson(h)).records.filter((r) => r.hash === hash);
      h.clock.advance(MIN);
      await h.app.request(link, { method: 'POST' });
      expect(await suppressionOf(h, id)).toMatchObject({ reason, active: true });
      expect((await eventsOf(h, id)).filter((e) => e.action === 'unsuppressed')).toEqual([]);
      expect((await readFeedJson(h)).records.filter((r) => r.hash === hash)).toEqual(feedBefore);
    });
  }
});
