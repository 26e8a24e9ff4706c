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

/** An allowed origin that is not scheme://host[:port] (BAD_USER_INPUT, `invalid_origin`; the CLI prints the message). */
export class InvalidOriginError extends GatewayError<'BAD_USER_INPUT'> {
  constructor(given: string) {
    super('BAD_USER_INPUT', {
      errorType: 'invalid_origin',
      message: `${JSON.stringify(given)} is not an origin: give scheme://host[:port] with http or https, no path, e.g. https://app.example.com.`,
      details: { field: 'origin' },
    });
  }
}

/** Removing an origin the project does not allow (ORIGIN_NOT_FOUND; the CLI prints the message with its own hint). */
export class OriginNotFoundError extends GatewayError<'ORIGIN_NOT_FOUND'> {
  constructor() {
    super('ORIGIN_NOT_FOUND');
  }
}

/** A project name that breaks the rule of project-name.rules.ts (BAD_USER_INPUT, `invalid_project_name`). */
export class InvalidProjectNameError extends GatewayError<'BAD_USER_INPUT'> {
  constructor(message: string) {
    super('BAD_USER_INPUT', { errorType: 'invalid_project_name', message, details: { field: 'name' } });
  }
}

/**
 * A project setting out of its rule (CLI `project settings`, updateProjectSettings): BAD_USER_INPUT,
 * `invalid_project_setting`; the message names it, its CLI flag and the values it takes.
 */
export class InvalidProjectSettingError extends GatewayError<'BAD_USER_INPUT'> {
  constructor(message: string, field: string) {
    super('BAD_USER_INPUT', { errorType: 'invalid_project_setting', message, details: { field } });
  }
}
