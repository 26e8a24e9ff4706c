import { UnauthorizedCredentialsError } from '../errors/error.catalogue';

export { UnauthorizedCredentialsError };

/** CLI-only failures (operators, not API clients, see these). */
export class ProjectNotFoundError extends Error {
  constructor() {
    super('No project with this id exists.');
  }
}

export class SecretNotFoundError extends Error {
  constructor() {
    super('No live secret with this id exists in this project.');
  }
}
