import { Field, InputType } from 'type-graphql';
import { GraphQLJSONObject } from 'graphql-scalars';
import { jsonByteLength } from '../common/json';
import { isEmail, IsOptional, Length, Matches, MaxLength, ValidateNested, registerDecorator, type ValidationOptions } from 'class-validator';

/** Stytch caps each metadata object; 4 KiB of JSON keeps rows and JWTs small. */
export const METADATA_MAX_BYTES = 4096;
const E164 = /^\+[1-9]\d{6,14}$/;

// Both custom validators are async on purpose: class-validator 0.15 attaches a constraint's `context`
// (our errorType) to custom validators' failures only on its async path.

/** class-validator's isEmail throws on some malformed input (e.g. a lone "%" reaches decodeURIComponent): that is just invalid. */
function IsValidEmail(options: ValidationOptions) {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'isValidEmail',
      target: target.constructor,
      propertyName: property,
      options,
      validator: {
        validate: async (value: unknown) => {
          try {
            return typeof value === 'string' && isEmail(value);
          } catch {
            return false;
          }
        },
      },
    });
}

function IsSmallJsonObject(options: ValidationOptions) {
  return (target: object, property: string) =>
    registerDecorator({
      name: 'isSmallJsonObject',
      target: target.constructor,
      propertyName: property,
      options,
      validator: {
        validate: async (value: unknown) => value == null || (typeof value === 'object' && !Array.isArray(value) && jsonByteLength(value) <= METADATA_MAX_BYTES),
      },
    });
}

const invalid = (errorType: string, message: string) => ({ context: { errorType, message } });

@InputType()
export class UserNameInput {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(255, invalid('invalid_name', 'Each name part must be at most 255 characters.'))
  firstName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(255, invalid('invalid_name', 'Each name part must be at most 255 characters.'))
  middleName?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(255, invalid('invalid_name', 'Each name part must be at most 255 characters.'))
  lastName?: string | null;
}

@InputType()
export class CreateUserInput {
  @Field(() => String, { nullable: true, description: 'Unique per project, case-insensitively.' })
  @IsOptional()
  @MaxLength(320, invalid('invalid_email', 'The email address is not valid.'))
  @IsValidEmail(invalid('invalid_email', 'The email address is not valid.'))
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'E.164, e.g. +15555550123.' })
  @IsOptional()
  @Matches(E164, invalid('invalid_phone_number', 'The phone number must be in E.164 format, e.g. +15555550123.'))
  phoneNumber?: string | null;

  @Field(() => UserNameInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  name?: UserNameInput | null;

  @Field(() => String, { nullable: true, description: "Your system's id for this user; unique per project." })
  @IsOptional()
  @Length(1, 128, invalid('invalid_external_id', 'The external id must be 1 to 128 characters.'))
  externalId?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'Set by your backend only; at most 4 KiB.' })
  @IsOptional()
  @IsSmallJsonObject(invalid('invalid_metadata', 'trustedMetadata must be a JSON object of at most 4 KiB.'))
  trustedMetadata?: Record<string, unknown> | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: 'May be set by the user; at most 4 KiB.' })
  @IsOptional()
  @IsSmallJsonObject(invalid('invalid_metadata', 'untrustedMetadata must be a JSON object of at most 4 KiB.'))
  untrustedMetadata?: Record<string, unknown> | null;
}
