import { Field, ID, ObjectType } from 'type-graphql';
import { User } from '../users/user.entity';

/** What importTotp returns. */
@ObjectType()
export class ImportTotpPayload {
  @Field(() => ID)
  totpId: string;

  @Field(() => ID)
  userId: string;

  @Field(() => User)
  user: User;

  @Field(() => [String], { description: 'The ten recovery codes minted for the TOTP, shown once; empty when recoveryCodes were given.' })
  recoveryCodes: string[];
}
