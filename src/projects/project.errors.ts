import { GatewayError } from '../errors/error.catalogue';

/** CLI-only failures (operators, not API clients, see these). */
export class ProjectNotFoundError extends Error {
  constructor() {
    super('No project with this id exists in this database (DATABASE_URL): `totp-gateway project list` shows the project ids.');
  }
}

export class SecretNotFoundError extends Error {
  constructor() {
    super('No live secret with this id exists in this project: `totp-gateway project list` shows the ids of its live secrets.');
  }
}

export class InvalidOriginError extends Error {
  constructor(given: string) {
    super(`"${given}" is not an origin: give scheme://host[:port] with http or https, no path, e.g. https://app.example.com.`);
  }
}

export class OriginNotFoundError extends Error {
  constructor() {
    super('This origin is not allowed for this project: `totp-gateway project origins list --project ID` shows the ones it allows.');
  }
}

/** A project name that breaks the rule of project-name.rules.ts (BAD_USER_INPUT, `invalid_project_name`). */
export class InvalidProjectNameError extends GatewayError<'BAD_USER_INPUT'> {
  constructor(message: string) {
    super('BAD_USER_INPUT', { errorType: 'invalid_project_name', message, details: { field: 'name' } });
  }
}

/** A project setting out of its rule (CLI `project settings`): the message names it, its flag and the values it takes. */
export class InvalidProjectSettingError extends Error {}
