import { Field, ID, Int, ObjectType } from 'type-graphql';
import { User, UserTotp } from '../users/user.entity';
import { TotpAlgorithmEnum } from '../graphql/totp-algorithm.enum';
import type { TotpAlgorithm } from '../constants/totp.constants';
import { Session } from '../sessions/session.entity';
import { qrMatrix, qrPngDataUrl, qrSvgImage, type QrMatrix } from './qr.generator';

/**
 * What createTotp returns. The QR images are drawn from `otpauthUri` on first read, so a caller that
 * selects neither `qrCode` nor `qrCodeSvg` (a backend that renders its own, or one that seeds users)
 * pays for no QR encoding, PNG deflate or SVG path; each is drawn at most once per payload. Drawing
 * after the commit cannot fail: otpauthUri bounds the URI to OTPAUTH_URI_MAX_BYTES, which always fits
 * a QR code at the level used (qr.generator.ts).
 */
@ObjectType()
export class CreateTotpPayload {
  @Field(() => ID)
  totpId: string;

  @Field({ description: 'Base32 secret (160 bits). Shown once; store nothing of it.' })
  secret: string;

  @Field()
  otpauthUri: string;

  private matrix?: QrMatrix;
  private png?: string;
  private svg?: string;

  @Field({ description: 'What the user calls this authenticator.' })
  label: string;

  @Field(() => TotpAlgorithmEnum, { description: 'The HMAC hash its codes are made with (RFC 6238 §1.2), as in otpauthUri.' })
  algorithm: TotpAlgorithm;

  @Field(() => Int, { description: 'Digits in a code (6 or 8), as in otpauthUri.' })
  digits: number;

  @Field(() => Int, { description: 'Seconds a code lasts (30 or 60), as in otpauthUri.' })
  period: number;

  @Field(() => String, {
    nullable: true,
    description: 'Null for SHA1, 6 digits, 30 s, which every authenticator app reads; otherwise which widely used apps are reported to ignore the chosen parameters.',
  })
  compatibility: string | null;

  constructor(
    fields?: Pick<
      CreateTotpPayload,
      'totpId' | 'secret' | 'otpauthUri' | 'recoveryCodes' | 'userId' | 'user' | 'label' | 'algorithm' | 'digits' | 'period' | 'compatibility'
    >,
  ) {
    if (fields) Object.assign(this, fields);
  }

  @Field(() => String, { description: 'data:image/png;base64 QR code of otpauthUri.' })
  get qrCode(): string {
    return (this.png ??= qrPngDataUrl(this.qrMatrix()));
  }

  @Field(() => String, { description: 'SVG QR code of otpauthUri.' })
  get qrCodeSvg(): string {
    return (this.svg ??= qrSvgImage(this.qrMatrix()));
  }

  @Field(() => [String], { description: 'Ten single-use codes, xxxx-xxxx-xxxx. Shown once.' })
  recoveryCodes: string[];

  @Field(() => ID)
  userId: string;

  @Field(() => User)
  user: User;

  private qrMatrix(): QrMatrix {
    return (this.matrix ??= qrMatrix(this.otpauthUri));
  }
}

/**
 * What authenticateTotp and recoverTotp return. The user is read inside the attempt's transaction, as
 * committed, when the request asks for it (GraphQL: `user` selected); a login that wants its session
 * alone pays for no read-back. Should a request that did not say so read `user` anyway, it is read
 * then, once.
 */
@ObjectType()
export class AuthenticatePayload {
  private committedUser?: User | Promise<User>;
  private readonly loadUser?: () => Promise<User>;

  /** `user`: the user as the attempt committed them, or how to read them should anyone ask. */
  constructor(fields?: Pick<AuthenticatePayload, 'userId' | 'totpId' | 'session' | 'sessionToken' | 'sessionJwt' | 'deviceToken' | 'rememberedDeviceId'>, user?: User | (() => Promise<User>)) {
    if (fields) Object.assign(this, fields);
    if (typeof user === 'function') this.loadUser = user;
    else this.committedUser = user;
  }

  @Field(() => ID)
  userId: string;

  @Field(() => ID)
  totpId: string;

  @Field(() => User)
  get user(): User | Promise<User> {
    if (this.committedUser) return this.committedUser;
    if (!this.loadUser) throw new TypeError('AuthenticatePayload was built without its user');
    return (this.committedUser = this.loadUser());
  }

  @Field(() => Session, { nullable: true, description: 'Null unless session arguments were given.' })
  session: Session | null;

  @Field(() => String, { nullable: true })
  sessionToken: string | null;

  @Field(() => String, { nullable: true })
  sessionJwt: string | null;

  @Field(() => String, { nullable: true, description: 'With rememberDeviceDays: the device token (256 bits, shown once) for authenticateRememberedDevice; else null.' })
  deviceToken?: string | null;

  @Field(() => ID, { nullable: true, description: 'With rememberDeviceDays: the remembered device (rememberedDevices, forgetRememberedDevice); else null.' })
  rememberedDeviceId?: string | null;
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
export class RenameTotpPayload {
  @Field(() => ID)
  totpId: string;

  @Field(() => ID)
  userId: string;

  @Field(() => UserTotp, { description: 'The TOTP as renamed.' })
  totp: UserTotp;

  @Field(() => User)
  user: User;
}

@ObjectType()
export class DeleteTotpPayload {
  @Field(() => ID)
  totpId: string;

  @Field(() => ID)
  userId: string;
}
