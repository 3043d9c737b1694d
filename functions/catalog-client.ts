/**
 * The REST catalog client a handler uses, built from the environment: token exchange of the PAT
 * (Dremio Cloud), client credentials (Polaris), or the PAT as a bearer token. The secret comes
 * from `SecretCache` and is re-read after a 401 (rotation).
 */
import { type AuthProvider, bearerAuth, clientCredentialsAuth, tokenExchangeAuth } from '../lib/catalog/rest/auth.js';
import { RestCatalog } from '../lib/catalog/rest/client.js';
import type { HandlerEnvironment } from './environment.js';
import { logger as powertoolsLogger } from './observability.js';
import { refreshSecretOnUnauthorized, type SecretCache } from './secret-cache.js';

/** The auth provider for `env.authType`, reading its secret from `secret`. */
export function authFromEnvironment(env: HandlerEnvironment, secret: SecretCache): AuthProvider {
  const read = () => secret.get();
  let auth: AuthProvider;
  if (env.authType === 'bearer') auth = bearerAuth(read);
  else if (env.authType === 'client-credentials') {
    auth = clientCredentialsAuth({
      tokenEndpoint: env.tokenEndpoint as string,
      clientId: env.clientId as string,
      scope: env.scope,
      clientSecret: read,
    });
  } else
    auth = tokenExchangeAuth({
      tokenEndpoint: env.tokenEndpoint,
      clientId: env.clientId,
      scope: env.scope,
      subjectToken: read,
    });
  return refreshSecretOnUnauthorized(auth, secret);
}

type CatalogLogLine = { level: string; message: string; [key: string]: unknown };

/** The catalog client's retries and warnings as Powertools log lines (the client redacts secrets first). */
function toPowertools({ level, message, ...rest }: CatalogLogLine): void {
  powertoolsLogger[level === 'warn' ? 'warn' : 'debug'](message, rest);
}

/** A REST catalog client for the handler's environment (logging through Powertools unless `logger` is given). */
export function catalogFromEnvironment(
  env: HandlerEnvironment,
  secret: SecretCache,
  logger: (line: CatalogLogLine) => void = toPowertools,
): RestCatalog {
  return new RestCatalog({
    uri: env.catalogUri,
    warehouse: env.warehouse,
    auth: authFromEnvironment(env, secret),
    logger,
  });
}
