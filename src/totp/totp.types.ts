import { Field, ID, Int, ObjectType } from 'type-graphql';
import { User } from '../users/user.entity';
import { Session } from '../sessions/session.entity';

@ObjectType()
export class CreateTotpPayload {
  @Field(() => ID)
  totpId: string;

  @Field({ description: 'Base32 secret (160 bits). Shown once; store nothing of it.' })
  secret: string;

  @Field()
  otpauthUri: string;

  @Field({ description: 'data:image/png;base64 QR code of otpauthUri.' })
  qrCode: string;

  @Field({ description: 'SVG QR code of otpauthUri.' })
  qrCodeSvg: string;

  @Field(() => [String], { description: 'Ten single-use codes, xxxx-xxxx-xxxx. Shown once.' })
  recoveryCodes: string[];

  @Field(() => ID)
  userId: string;

  @Field(() => User)
  user: User;
}

@ObjectType()
export class AuthenticatePayload {
  @Field(() => ID)
  userId: string;

  @Field(() => ID)
  totpId: string;

  @Field(() => User)
  user: User;

  @Field(() => Session, { nullable: true, description: 'Null unless session arguments were given.' })
  session: Session | null;

  @Field(() => String, { nullable: true })
  sessionToken: string | null;

  @Field(() => String, { nullable: true })
  sessionJwt: string | null;
}

@ObjectType()
export class TotpRecoveryCodes {
  @Field(() => ID)
  totpId: string;

  @Field()
  verified: boolean;

  @Field(() => [String], { description: 'Empty unless just (re)generated or RECOVERY_CODES_RETRIEVABLE=true.' })
  recoveryCodes: string[];

  @Field(() => Int, { description: 'Unused codes left.' })
  remaining: number;
}

@ObjectType()
export class DeleteTotpPayload {
  @Field(() => ID)
  totpId: string;

  @Field(() => ID)
  userId: string;
}
