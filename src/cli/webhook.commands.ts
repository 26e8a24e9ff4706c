// The `webhooks` commands of the CLI: an operator's management of a project's endpoints (the same
// service as the GraphQL mutations) and the replay of a delivery by id.
import type { Services } from '../services';
import { onOffFlag, UsageError, type CliCommand } from './cli.commands';
import type { WebhookDelivery, WebhookEndpoint } from '../webhooks/webhook.types';
import { WEBHOOK_DELIVERY_STATUSES, type WebhookDeliveryStatus } from '../webhooks/webhook-endpoint.service';

type WithServices = <T>(fn: (services: Services) => Promise<T>) => Promise<T>;
type Print = (json: boolean, value: Record<string, unknown>, human: string) => void;

/** `--events a,b,c`: the list; `all` or absent: undefined (every type). */
function eventList(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw === 'all') return undefined;
  return raw.split(',').map((type) => type.trim()).filter(Boolean);
}

/** `--status pending|delivered|failed`, else undefined (every status). */
function statusFlag(raw: string | undefined): WebhookDeliveryStatus | undefined {
  if (raw === undefined) return undefined;
  const status = WEBHOOK_DELIVERY_STATUSES.find((known) => known === raw);
  if (!status) throw new UsageError(`--status must be one of ${WEBHOOK_DELIVERY_STATUSES.join(', ')}, got "${raw}"`);
  return status;
}

const line = (e: WebhookEndpoint) => `${e.endpointId}  ${e.enabled ? 'enabled ' : 'disabled'}  ${e.url}  ${e.eventTypes.join(',')}`;
const deliveryLine = (d: WebhookDelivery) =>
  `${d.deliveryId}  ${d.status.padEnd(9)}  ${d.eventType}  endpoint ${d.endpointId}  attempts ${d.attempts}${d.lastStatusCode === null ? '' : `  HTTP ${d.lastStatusCode}`}`;
const SECRET_NOTE = '(the signing secret is shown only now)';

/** The webhook commands, in USAGE order. */
export function webhookCommands(withServices: WithServices, print: Print): CliCommand[] {
  return [
    {
      name: 'webhooks endpoint add',
      usage:
        'webhooks endpoint add --project ID --url URL [--events TYPE,TYPE|all] [--description TEXT] [--json]\n' +
        '                                               add a webhook endpoint; prints its signing secret once',
      run: async ({ json, required, optional }) => {
        const projectId = required('project');
        const input = { url: required('url'), eventTypes: eventList(optional('events')), description: optional('description') };
        const { endpoint, secret } = await withServices((s) => s.webhooks.create(projectId, input));
        print(json, { endpoint, secret }, `${line(endpoint)}\nsecret ${secret}\n${SECRET_NOTE}`);
      },
    },
    {
      name: 'webhooks endpoint list',
      usage: "webhooks endpoint list --project ID [--json]   a project's webhook endpoints",
      run: async ({ json, required }) => {
        const projectId = required('project');
        const endpoints = await withServices((s) => s.webhooks.list(projectId));
        print(json, { endpoints }, endpoints.map(line).join('\n') || 'no webhook endpoints');
      },
    },
    {
      name: 'webhooks endpoint update',
      usage:
        'webhooks endpoint update --project ID --endpoint ID [--url URL] [--events TYPE,...|all]\n' +
        '                         [--enabled on|off] [--description TEXT] [--json]',
      run: async ({ json, required, optional }) => {
        const projectId = required('project');
        const events = optional('events');
        const input = {
          endpointId: required('endpoint'),
          url: optional('url'),
          // `all` subscribes to every type (an empty list means all to the service).
          eventTypes: events === undefined ? undefined : (eventList(events) ?? []),
          enabled: onOffFlag('enabled', optional('enabled')),
          description: optional('description'),
        };
        const endpoint = await withServices((s) => s.webhooks.update(projectId, input));
        print(json, { endpoint }, line(endpoint));
      },
    },
    {
      name: 'webhooks endpoint delete',
      usage: 'webhooks endpoint delete --project ID --endpoint ID [--json]',
      run: async ({ json, required }) => {
        const projectId = required('project');
        const endpointId = await withServices((s) => s.webhooks.delete(projectId, required('endpoint')));
        print(json, { deleted: endpointId }, `deleted ${endpointId}`);
      },
    },
    {
      name: 'webhooks endpoint rotate-secret',
      usage:
        'webhooks endpoint rotate-secret --project ID --endpoint ID [--json]\n' +
        '                                               new signing secret (printed once); the old one keeps signing\n' +
        '                                               beside it for WEBHOOK_SECRET_OVERLAP_SECONDS',
      run: async ({ json, required }) => {
        const projectId = required('project');
        const { endpoint, secret } = await withServices((s) => s.webhooks.rotateSecret(projectId, required('endpoint')));
        print(json, { endpoint, secret }, `${line(endpoint)}\nsecret ${secret}\n${SECRET_NOTE}`);
      },
    },
    {
      name: 'webhooks deliveries list',
      usage:
        'webhooks deliveries list --project ID [--endpoint ID] [--status pending|delivered|failed] [--json]\n' +
        "                                               a project's recent deliveries, newest first (their ids are\n" +
        '                                               what webhooks replay takes)',
      run: async ({ json, required, optional }) => {
        const projectId = required('project');
        const status = statusFlag(optional('status'));
        const deliveries = await withServices((s) => s.webhooks.deliveries(projectId, optional('endpoint'), undefined, status));
        print(json, { deliveries }, deliveries.map(deliveryLine).join('\n') || 'no deliveries');
      },
    },
    {
      name: 'webhooks replay',
      operands: 1,
      usage: 'webhooks replay DELIVERY_ID [--json]           send a past or failed delivery again (same webhook-id)',
      run: async ({ json, operands }) => {
        const delivery = await withServices((s) => s.webhooks.replay(null, operands[0]));
        print(json, { delivery }, `delivery ${delivery.deliveryId} queued (message ${delivery.messageId}, ${delivery.eventType})`);
      },
    },
  ];
}
