/**
 * Optional Powertools Tracer (X-Ray), off by default: the stack sets `FLOE_TRACING=true` and
 * active tracing together (`-c tracing=true`). When off, the tracer modules (and the X-Ray SDK)
 * are never evaluated, so cold starts do not pay for them.
 */
import type { MiddlewareObj } from '@middy/core';

/** The middlewares a handler adds: Powertools' `captureLambdaHandler` when tracing is on, else none. */
export async function tracingMiddlewares(env: NodeJS.ProcessEnv = process.env): Promise<MiddlewareObj[]> {
  if (env.FLOE_TRACING !== 'true') return [];
  const [{ Tracer }, { captureLambdaHandler }] = await Promise.all([
    import('@aws-lambda-powertools/tracer'),
    import('@aws-lambda-powertools/tracer/middleware'),
  ]);
  const tracer = new Tracer({ serviceName: env.POWERTOOLS_SERVICE_NAME ?? 'floe' });
  return [captureLambdaHandler(tracer) as MiddlewareObj];
}
