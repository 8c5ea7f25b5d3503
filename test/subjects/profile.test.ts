import { describe, expect, it } from 'vitest';
import {
  ALL_PROFILE_COLUMNS,
  AUTOCOMPLETE,
  blankProfile,
  COLUMN,
  FIELD_OF_COLUMN,
  INPUT_ID,
  INPUT_TYPE,
  leadProfileSchema,
  MAX_LENGTH,
  PROFILE_COLUMNS,
  PROFILE_FIELDS,
  profileOf,
  profileOutputSchema,
  RECTIFY_FIELDS,
  rectifyProfileSchema,
} from '../../src/subjects/profile.js';

/** Every list of profile fields derives from one descriptor; these are the lists as they were written out by hand. Pure. */

describe('profile descriptor (pure)', () => {
  it('the form shows the fields in this order, the address after the names', () => {
    expect(RECTIFY_FIELDS).toEqual(['lastName', 'firstName', 'patronymic', 'email', 'phone', 'website', 'organization', 'industry', 'city']);
    expect(PROFILE_FIELDS).toEqual(['lastName', 'firstName', 'patronymic', 'phone', 'website', 'organization', 'industry', 'city']);
  });

  it('maps fields to columns and back', () => {
    expect(COLUMN).toEqual({
      lastName: 'last_name',
      firstName: 'first_name',
      patronymic: 'patronymic',
      email: 'email',
      phone: 'phone',
      website: 'website',
      organization: 'organization',
      industry: 'industry',
      city: 'city',
    });
    expect(PROFILE_COLUMNS).toEqual(['last_name', 'first_name', 'patronymic', 'phone', 'website', 'organization', 'industry', 'city']);
    expect([...ALL_PROFILE_COLUMNS].sort()).toEqual(['city', 'email', 'first_name', 'industry', 'last_name', 'organization', 'patronymic', 'phone', 'website']);
    for (const f of RECTIFY_FIELDS) expect(FIELD_OF_COLUMN[COLUMN[f]]).toBe(f);
  });

  it('erasure blanks every profile column, the address included', () => {
    expect(blankProfile()).toEqual(Object.fromEntries(ALL_PROFILE_COLUMNS.map((c) => [c, null])));
    expect(blankProfile()).toHaveProperty('email', null);
  });

  it('limits, input types, autocomplete hints and input ids of the rectification form', () => {
    expect(MAX_LENGTH).toEqual({
      lastName: 200,
      firstName: 200,
      patronymic: 200,
      email: 320,
      phone: 40,
      website: 2000,
      organization: 500,
      industry: 500,
      city: 200,
    });
    expect(INPUT_TYPE).toEqual({ email: 'email', phone: 'tel' });
    expect(AUTOCOMPLETE).toEqual({
      lastName: 'family-name',
      firstName: 'given-name',
      patronymic: 'additional-name',
      email: 'email',
      phone: 'tel',
      website: 'url',
      organization: 'organization',
      industry: 'off',
      city: 'address-level2',
    });
    expect(INPUT_ID.patronymic).toBe('f-patronymic');
    expect(Object.keys(INPUT_ID)).toEqual(RECTIFY_FIELDS);
  });

  it("a row's profile by field name", () => {
    const row = Object.fromEntries(ALL_PROFILE_COLUMNS.map((c) => [c, `v-${c}`])) as Parameters<typeof profileOf>[0];
    expect(profileOf(row)).toEqual(Object.fromEntries(RECTIFY_FIELDS.map((f) => [f, `v-${COLUMN[f]}`])));
  });

  it('the lead form takes non-empty fields within their limits and a phone of 3 to 40 characters', () => {
    const lead = leadProfileSchema();
    expect(Object.keys(lead)).toEqual(PROFILE_FIELDS);
    expect(lead.lastName.safeParse(' Иванов ').data).toBe('Иванов');
    expect(lead.lastName.safeParse('').success).toBe(false);
    expect(lead.lastName.safeParse('x'.repeat(201)).success).toBe(false);
    expect(lead.website.safeParse('x'.repeat(2000)).success).toBe(true);
    expect(lead.phone.safeParse('12').success).toBe(false);
    expect(lead.phone.safeParse('+7 (900) 123-45-67').success).toBe(true);
    expect(lead.phone.safeParse('call me').success).toBe(false);
    expect(lead.city.safeParse(undefined).success).toBe(true);
  });

  it("the staff API's rectification clears with null or empty, within the same limits", () => {
    const patch = rectifyProfileSchema();
    expect(Object.keys(patch)).toEqual(PROFILE_FIELDS);
    expect(patch.patronymic.safeParse(null).success).toBe(true);
    expect(patch.patronymic.safeParse('').success).toBe(true);
    expect(patch.organization.safeParse('x'.repeat(501)).success).toBe(false);
    expect(patch.phone.safeParse('').success).toBe(true);
    expect(patch.phone.safeParse('abc').success).toBe(false);
    const out = profileOutputSchema();
    expect(Object.keys(out)).toEqual(RECTIFY_FIELDS);
    expect(out.email.safeParse(null).success).toBe(true);
  });
});
