import { Field, ID, InputType } from 'type-graphql';
import { SessionArgumentsInput } from '../sessions/session.inputs';

/** authenticateRememberedDevice: a device token in place of a second factor, with the usual session arguments. */
@InputType()
export class AuthenticateRememberedDeviceInput extends SessionArgumentsInput {
  @Field(() => ID)
  userId: string;

  @Field({ description: 'The deviceToken an authentication with rememberDeviceDays returned, unchanged.' })
  deviceToken: string;
}
