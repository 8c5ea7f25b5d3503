import { z } from '@hono/zod-openapi';

/**
 * The person's profile fields, in the order the preference center shows them: the one list
 * every other derives from (the lead form's and the staff API's schemas, the column maps, the
 * rectification form's fields, limits, input types and autocomplete hints, the profile the API
 * shows, what erasure blanks, what a lead's confirmation may apply). A new field is one line
 * here, a column in a migration, `SubjectsTable` in db/schema.ts and its label in
 * pages/i18n.ts (`field`).
 *
 * - `column`: its column in `subjects`;
 * - `max`: the most characters it holds (the lead form, the staff API and the rectification form);
 * - `autocomplete`, `inputType`: the rectification form's input;
 * - `lead`: a lead form may send it (a known person's only through a confirmation, see
 *   consent/capture.ts); the address is not one: it is the lead's key, not its profile.
 *
 * Every field is personal data: rectification may change each (the address only through a
 * confirmation mailed to it, see subjects/actions.ts) and erasure blanks each.
 */
export const PROFILE = {
  lastName: { column: 'last_name', max: 200, autocomplete: 'family-name', lead: true },
  firstName: { column: 'first_name', max: 200, autocomplete: 'given-name', lead: true },
  patronymic: { column: 'patronymic', max: 200, autocomplete: 'additional-name', lead: true },
  email: { column: 'email', max: 320, autocomplete: 'email', inputType: 'email', lead: false },
  phone: { column: 'phone', max: 40, autocomplete: 'tel', inputType: 'tel', lead: true },
  website: { column: 'website', max: 2000, autocomplete: 'url', lead: true },
  organization: { column: 'organization', max: 500, autocomplete: 'organization', lead: true },
  industry: { column: 'industry', max: 500, autocomplete: 'off', lead: true },
  city: { column: 'city', max: 200, autocomplete: 'address-level2', lead: true },
} as const satisfies Record<string, { column: string; max: number; autocomplete: string; inputType?: string; lead: boolean }>;

type Spec = typeof PROFILE;

/** Every profile field, the address included, in the page's order. */
export type RectifyField = keyof Spec;
export const RECTIFY_FIELDS = Object.keys(PROFILE) as RectifyField[];

/** The fields a lead form may send, and staff rectify directly: every one but the address. */
export type ProfileField = { [K in RectifyField]: Spec[K]['lead'] extends true ? K : never }[RectifyField];
export const PROFILE_FIELDS = RECTIFY_FIELDS.filter((f): f is ProfileField => PROFILE[f].lead);

/** A profile field's column. */
export type ProfileColumn = Spec[RectifyField]['column'];
export const COLUMN = Object.fromEntries(RECTIFY_FIELDS.map((f) => [f, PROFILE[f].column])) as { [K in RectifyField]: Spec[K]['column'] };

/** The columns of the fields a lead form may send (a lead waiting for confirmation holds these). */
export const PROFILE_COLUMNS = PROFILE_FIELDS.map((f) => PROFILE[f].column);

/** Every profile column, the address's included: what erasure blanks. */
export const ALL_PROFILE_COLUMNS = RECTIFY_FIELDS.map((f) => PROFILE[f].column);

/** The field of a column (`last_name` → `lastName`). */
export const FIELD_OF_COLUMN = Object.fromEntries(RECTIFY_FIELDS.map((f) => [PROFILE[f].column, f])) as Record<ProfileColumn, RectifyField>;

/** The most characters each field holds. */
export const MAX_LENGTH = Object.fromEntries(RECTIFY_FIELDS.map((f) => [f, PROFILE[f].max])) as Record<RectifyField, number>;

/** A phone number as the rectification form and the staff API take it (empty clears it). */
export const PHONE = /^[0-9+()\-.\s]{0,40}$/;
/** A phone number as a lead form must send it. */
export const LEAD_PHONE = /^[0-9+()\-.\s]{3,40}$/;
const PHONE_MESSAGE = 'a phone number: digits, spaces, + ( ) - .';

/** A column → null for every profile column: what erasure writes. */
export function blankProfile(): Record<ProfileColumn, null> {
  return Object.fromEntries(ALL_PROFILE_COLUMNS.map((c) => [c, null])) as Record<ProfileColumn, null>;
}

/** The lead form's profile fields (POST /v1/subjects): each optional, non-empty, within its limit. */
export function leadProfileSchema() {
  return Object.fromEntries(
    PROFILE_FIELDS.map((f) => [
      f,
      (f === 'phone' ? z.string().trim().regex(LEAD_PHONE, PHONE_MESSAGE) : z.string().trim().min(1).max(PROFILE[f].max)).optional(),
    ]),
  ) as Record<ProfileField, z.ZodOptional<z.ZodString>>;
}

/** The staff API's rectification fields (PATCH /v1/subjects/{id}) but the address: each optional, null or empty clears it. */
export function rectifyProfileSchema() {
  return Object.fromEntries(
    PROFILE_FIELDS.map((f) => [
      f,
      (f === 'phone' ? z.string().trim().regex(PHONE, PHONE_MESSAGE) : z.string().trim().max(PROFILE[f].max)).nullable().optional(),
    ]),
  ) as Record<ProfileField, z.ZodOptional<z.ZodNullable<z.ZodString>>>;
}

/** The profile as the API shows it: every field, the address included, null when not given or erased. */
export function profileOutputSchema() {
  return Object.fromEntries(RECTIFY_FIELDS.map((f) => [f, z.string().nullable()])) as Record<RectifyField, z.ZodNullable<z.ZodString>>;
}

/** The profile fields of a `subjects` row, by field name. Pure. */
export function profileOf(row: Record<ProfileColumn, string | null>): Record<RectifyField, string | null> {
  return Object.fromEntries(RECTIFY_FIELDS.map((f) => [f, row[PROFILE[f].column]])) as Record<RectifyField, string | null>;
}

/** The rectification form's input type per field (`text` where absent). */
export const INPUT_TYPE = Object.fromEntries(
  RECTIFY_FIELDS.flatMap((f) => {
    const spec = PROFILE[f];
    return 'inputType' in spec ? [[f, spec.inputType]] : [];
  }),
) as Partial<Record<RectifyField, string>>;

/** The rectification form's autocomplete hint per field. */
export const AUTOCOMPLETE = Object.fromEntries(RECTIFY_FIELDS.map((f) => [f, PROFILE[f].autocomplete])) as Record<RectifyField, string>;

/** The id of a field's input on the rectification form (an error summary links to it). */
export const INPUT_ID = Object.fromEntries(RECTIFY_FIELDS.map((f) => [f, `f-${f}`])) as Record<RectifyField, string>;
