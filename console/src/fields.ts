// Fields that other features add to the schema after the console was written (Session.assuranceLevel,
// Project.mfaPolicy). The pages show each one whenever the console's fragments select it
// (client/operations/console.graphql), so adding a field is one line there (then `npm run codegen`).

/** A field the console shows when its fragment selects it: its name in the schema and its label. */
export interface ExtraField {
  readonly name: string;
  readonly label: string;
}

/** Shown per session in a user's Sessions table. */
export const SESSION_EXTRA_FIELDS: readonly ExtraField[] = [{ name: 'assuranceLevel', label: 'Assurance' }];

/** Shown on the Project page under Settings. */
export const PROJECT_EXTRA_FIELDS: readonly ExtraField[] = [
  { name: 'mfaPolicy', label: 'MFA policy' },
  { name: 'rememberDevices', label: 'Remembered devices allowed' },
  { name: 'rememberedDeviceAal2', label: 'Remembered device counts as AAL2' },
];

/** The extra fields `object` carries (selected by its fragment), with their values as text. */
export function extraValues(object: object, fields: readonly ExtraField[]): Array<ExtraField & { readonly value: string }> {
  const values = object as Record<string, unknown>;
  return fields.filter((field) => values[field.name] != null).map((field) => ({ ...field, value: String(values[field.name]) }));
}
