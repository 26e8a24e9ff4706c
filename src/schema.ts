// The code-first schema. Built once per process; resolver instances come from each request's
// context (see services.ts), so the schema itself holds no state and needs no database to print.
import 'reflect-metadata';
import { specifiedDirectives, type GraphQLSchema } from 'graphql';
import { buildSchemaSync } from 'type-graphql';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { applyAuthDirective, authDirective } from './auth/auth.directive';
import { applyUserRefs } from './users/user-ref.transform';
import { UserResolver } from './users/user.resolver';
import { TotpResolver } from './totp/totp.resolver';
import { ProjectSettingsResolver } from './totp/project-settings.resolver';
import { TotpImportResolver } from './totp/totp-import.resolver';
import { SessionResolver } from './sessions/session.resolver';
import { AuditResolver } from './audit/audit.resolver';
import { AuditStatsResolver } from './audit/audit-stats.resolver';
import { RememberedDeviceResolver } from './remembered-devices/remembered-device.resolver';
import { WebhookResolver } from './webhooks/webhook.resolver';
import { validateInput } from './graphql/validation';
import type { GatewayContext } from './graphql/context';

let built: GraphQLSchema | undefined;

export function gatewaySchema(): GraphQLSchema {
  // The @auth guard outermost: a user reference is resolved only for an admitted caller.
  built ??= applyAuthDirective(
    applyUserRefs(
      buildSchemaSync({
        resolvers: [UserResolver, TotpResolver, SessionResolver, AuditResolver, AuditStatsResolver, ProjectSettingsResolver, TotpImportResolver, RememberedDeviceResolver, WebhookResolver],
        container: ({ context }: { context: GatewayContext }) => context.container,
        directives: [...specifiedDirectives, authDirective],
        validateFn: (value) => validateInput(value),
      }),
    ),
  );
  return built;
}

/** The SDL committed as schema/schema.graphql, including directive definitions and usages. */
export function printGatewaySchema(): string {
  return printSchemaWithDirectives(gatewaySchema()) + '\n';
}
