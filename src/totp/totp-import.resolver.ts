import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import { Authorized } from '../graphql/authorized';
import { projectOf, type GatewayContext } from '../graphql/context';
import { ImportTotpInput } from './totp-import.inputs';
import { ImportTotpPayload } from './totp-import.types';
import type { TotpImportService } from './totp-import.service';

@Resolver()
export class TotpImportResolver {
  constructor(private readonly imports: TotpImportService) {}

  /** Project secret only: an import sets a factor without proving it, which no session caller may do. */
  @Authorized()
  @Mutation(() => ImportTotpPayload, { description: "Stores a user's existing TOTP registration from another provider (verified unless verified: false)." })
  importTotp(@Arg('input', () => ImportTotpInput) input: ImportTotpInput, @Ctx() ctx: GatewayContext): Promise<ImportTotpPayload> {
    return this.imports.importOne(projectOf(ctx).projectId, input.userId, input);
  }
}
