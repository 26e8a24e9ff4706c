import { Field, InputType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { IsOptional, Length, MaxLength, ValidateNested, registerDecorator, type ValidationOptions } from 'class-validator';
import { EMAIL_MAX_CHARS, normalizeEmail, normalizePhoneNumber } from './identity.normalize';
import type { ErrorSubtype } from '../errors/error.catalogue';
import { JsonObjectAtMost } from '../graphql/validators';
import {
  EXTERNAL_ID_CHARS,
  EXTERNAL_ID_MESSAGE,
  METADATA_MAX_BYTES,
  metadataMessage,
  NAME_PART_MAX_CHARS,
  NAME_PART_MESSAGE,
  TRUSTED_METADATA_DESCRIPTION,
  UNTRUSTED_METADATA_DESCRIPTION,
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

const invalid = (errorType: ErrorSubtype<'BAD_USER_INPUT'>, message: string) => ({ context: { errorType, message } });

@InputType()
export class UserNameInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(NAME_PART_MAX_CHARS, invalid('invalid_name', NAME_PART_MESSAGE))
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(NAME_PART_MAX_CHARS, invalid('invalid_name', NAME_PART_MESSAGE))
  middleName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(NAME_PART_MAX_CHARS, invalid('invalid_name', NAME_PART_MESSAGE))
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

  @Field(() => String, { nullable: true, description: "Your system's id for this user; unique per project." })
  @IsOptional()
  @Length(EXTERNAL_ID_CHARS.min, EXTERNAL_ID_CHARS.max, invalid('invalid_external_id', EXTERNAL_ID_MESSAGE))
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
