import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { IsOptional, Matches, MaxLength, ValidateNested, registerDecorator, type ValidationOptions } from 'class-validator';
import { EMAIL_MAX_CHARS, normalizeEmail, normalizePhoneNumber } from './identity.normalize';
import type { ErrorSubtype } from '../errors/error.catalogue';
import { CodePointsWithin, IntegerInRange, JsonObjectAtMost } from '../graphql/validators';
import { isAnyId } from '../common/ids';
import {
  EXTERNAL_ID_ALPHABET,
  EXTERNAL_ID_ALPHABET_MESSAGE,
  EXTERNAL_ID_CHARS,
  EXTERNAL_ID_MESSAGE,
  INVALID_USERS_PAGE_SIZE_MESSAGE,
  METADATA_MAX_BYTES,
  metadataMessage,
  NAME_PART_MAX_CHARS,
  NAME_PART_MESSAGE,
  TRUSTED_METADATA_DESCRIPTION,
  UNTRUSTED_METADATA_DESCRIPTION,
  USERS_PAGE_SIZE,
  USERS_PAGE_SIZE_DESCRIPTION,
} from '../constants/user.constants';

// The custom validator is async on purpose: class-validator 0.15 attaches a constraint's `context`
// (our errorType) to custom validators' failures only on its async path.

/** Valid when the value has a normal form (identity.normalize.ts): the service stores that form. */
function Normalizes(normalize: (raw: string) => string | null, options: ValidationOptions) {
  return (target: object, property: string) =>
    registerDecorator({
      name: `normalizes_${property}`,
      target: target.constructor,
      propertyName: property,
      options,
      validator: {
        validate: async (value: unknown) => typeof value === 'string' && normalize(value) !== null,
      },
    });
}

/** Public messages for identifiers without a normal form; the service uses them too. */
export const INVALID_EMAIL_MESSAGE =
  'The email address is not valid: give a plain address such as name@example.com. A local part that needs quotes (a space, @, quote or backslash in it) is not accepted, nor are invisible or bidirectional control characters.';
export const INVALID_PHONE_NUMBER_MESSAGE = 'The phone number is not a possible number: give it with + and its country code, without an extension, e.g. +15555550123.';

/**
 * Valid unless the value is shaped like a gateway id (`user-<uuid>`, `totp-<uuid>`, ...): wherever a
 * userId is taken an external id is too (as Stytch does), and such a value is always read as an id, so
 * that external id could never be used.
 */
function NotAUserId(options: ValidationOptions) {
  return (target: object, property: string) =>
    registerDecorator({
      name: `notAUserId_${property}`,
      target: target.constructor,
      propertyName: property,
      options,
      validator: { validate: async (value: unknown) => !isAnyId(value) },
    });
}

const EXTERNAL_ID_DESCRIPTION = `Your system's id for this user: ${EXTERNAL_ID_CHARS.min} to ${EXTERNAL_ID_CHARS.max} ASCII letters, digits, ".", "_" or "-" (as Stytch's); unique per project. Accepted wherever a userId is.`;
const EXTERNAL_ID_NOT_USER_ID_MESSAGE = 'The external id must not look like a gateway id (user-<uuid>, totp-<uuid>, ...): user ids and external ids are accepted in the same places.';

/** Name parts: 0..NAME_PART_MAX_CHARS code points (the columns are varchar(NAME_PART_MAX_CHARS)). */
const NAME_PART_CHARS = { min: 0, max: NAME_PART_MAX_CHARS } as const;

const invalid = (errorType: ErrorSubtype<'BAD_USER_INPUT'>, message: string) => ({ context: { errorType, message } });

@InputType()
export class UserNameInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @CodePointsWithin(NAME_PART_CHARS, invalid('invalid_name', NAME_PART_MESSAGE))
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @CodePointsWithin(NAME_PART_CHARS, invalid('invalid_name', NAME_PART_MESSAGE))
  middleName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @CodePointsWithin(NAME_PART_CHARS, invalid('invalid_name', NAME_PART_MESSAGE))
  lastName?: string | null;
}

@InputType()
export class CreateUserInput {
  @Field(() => String, {
    nullable: true,
    description: 'Unique per project after normalisation (Unicode NFC; local part unquoted, width-mapped and case-folded; domain in its IDNA ASCII form); stored and returned normalised.',
  })
  @IsOptional()
  @MaxLength(EMAIL_MAX_CHARS, invalid('invalid_email', INVALID_EMAIL_MESSAGE))
  @Normalizes(normalizeEmail, invalid('invalid_email', INVALID_EMAIL_MESSAGE))
  email?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'International form with the country code, e.g. +15555550123 or +1 (555) 555-0123; stored as E.164; unique per project.',
  })
  @IsOptional()
  @Normalizes(normalizePhoneNumber, invalid('invalid_phone_number', INVALID_PHONE_NUMBER_MESSAGE))
  phoneNumber?: string | null;

  @Field(() => UserNameInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  name?: UserNameInput | null;

  @Field(() => String, { nullable: true, description: EXTERNAL_ID_DESCRIPTION })
  @IsOptional()
  @CodePointsWithin(EXTERNAL_ID_CHARS, invalid('invalid_external_id', EXTERNAL_ID_MESSAGE))
  @Matches(EXTERNAL_ID_ALPHABET, invalid('invalid_external_id', EXTERNAL_ID_ALPHABET_MESSAGE))
  @NotAUserId(invalid('invalid_external_id', EXTERNAL_ID_NOT_USER_ID_MESSAGE))
  externalId?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: TRUSTED_METADATA_DESCRIPTION })
  @IsOptional()
  @JsonObjectAtMost(METADATA_MAX_BYTES, invalid('invalid_metadata', metadataMessage('trustedMetadata')))
  trustedMetadata?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: UNTRUSTED_METADATA_DESCRIPTION })
  @IsOptional()
  @JsonObjectAtMost(METADATA_MAX_BYTES, invalid('invalid_metadata', metadataMessage('untrustedMetadata')))
  untrustedMetadata?: Record<string, unknown> | null;
}

/**
 * `updateUser`: what is given changes, what is left out (or null) stays. Name parts given as null are
 * cleared. Metadata is merged at the top level, a key given as null is deleted (Stytch's metadata
 * update behaviour); the merged object must fit METADATA_MAX_BYTES. Email and phone number are not
 * updated here (Stytch's Update User does not change them either).
 */
@InputType()
export class UpdateUserInput {
  @Field(() => ID, { description: 'The user id, or the external id of one of the project\'s users.' })
  userId: string;

  @Field(() => UserNameInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  name?: UserNameInput | null;

  @Field(() => String, { nullable: true, description: EXTERNAL_ID_DESCRIPTION })
  @IsOptional()
  @CodePointsWithin(EXTERNAL_ID_CHARS, invalid('invalid_external_id', EXTERNAL_ID_MESSAGE))
  @Matches(EXTERNAL_ID_ALPHABET, invalid('invalid_external_id', EXTERNAL_ID_ALPHABET_MESSAGE))
  @NotAUserId(invalid('invalid_external_id', EXTERNAL_ID_NOT_USER_ID_MESSAGE))
  externalId?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: `${TRUSTED_METADATA_DESCRIPTION} Merged at the top level; a key set to null is deleted.` })
  @IsOptional()
  @JsonObjectAtMost(METADATA_MAX_BYTES, invalid('invalid_metadata', metadataMessage('trustedMetadata')))
  trustedMetadata?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: `${UNTRUSTED_METADATA_DESCRIPTION} Merged at the top level; a key set to null is deleted.` })
  @IsOptional()
  @JsonObjectAtMost(METADATA_MAX_BYTES, invalid('invalid_metadata', metadataMessage('untrustedMetadata')))
  untrustedMetadata?: Record<string, unknown> | null;
}

/** `users(filter)`: every field given must hold; email and phone number match exactly after normalisation (identity.normalize.ts). */
@InputType()
export class UserFilter {
  @Field(() => String, { nullable: true, description: 'Normalised as on createUser, then matched exactly.' })
  @IsOptional()
  @MaxLength(EMAIL_MAX_CHARS, invalid('invalid_email', INVALID_EMAIL_MESSAGE))
  @Normalizes(normalizeEmail, invalid('invalid_email', INVALID_EMAIL_MESSAGE))
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Normalised to E.164 as on createUser, then matched exactly.' })
  @IsOptional()
  @Normalizes(normalizePhoneNumber, invalid('invalid_phone_number', INVALID_PHONE_NUMBER_MESSAGE))
  phoneNumber?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @CodePointsWithin(EXTERNAL_ID_CHARS, invalid('invalid_external_id', EXTERNAL_ID_MESSAGE))
  externalId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'True: users with at least one verified TOTP; false: users with none.' })
  totpVerified?: boolean | null;

  @Field(() => Boolean, { nullable: true, description: 'True: users under a lock now (timed, or until unlockUser); false: the others.' })
  locked?: boolean | null;
}

@ArgsType()
export class UserCountArgs {
  @Field(() => UserFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  filter?: UserFilter | null;
}

@ArgsType()
export class UsersArgs {
  @Field(() => UserFilter, { nullable: true })
  @IsOptional()
  @ValidateNested()
  filter?: UserFilter | null;

  @Field(() => Int, { nullable: true, defaultValue: USERS_PAGE_SIZE.default, description: USERS_PAGE_SIZE_DESCRIPTION })
  @IsOptional()
  @IntegerInRange(USERS_PAGE_SIZE, invalid('invalid_page_size', INVALID_USERS_PAGE_SIZE_MESSAGE))
  first?: number | null;

  @Field(() => String, { nullable: true, description: 'endCursor of the previous page: read the users after it.' })
  after?: string | null;
}
